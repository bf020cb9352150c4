"""The merchant's side of webhooks: endpoints, secret rotation, enabling, test events, redelivery.

Every function is atomic and raises ``ValidationError`` keyed by field; a refusal that the
endpoint's state calls for (a disabled endpoint, a rotation already running) is a
``WebhookConflict``, which the API answers with 409.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from merchants.models import Merchant
from webhooks.event_types import EVENT_TYPES, TEST_EVENT, EventSpec
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services.outbox import webhook_events_write
from webhooks.signing import generate_secret
from webhooks.targets import validate_target_url

ROTATION_OVERLAP_HOURS = 24
MAX_ENDPOINTS_PER_MERCHANT = 20


class WebhookConflict(ValidationError):  # noqa: N818 - domain language
    """The endpoint's state does not allow the request; nothing changed."""


def _clean(*, url: str, description: str, event_types) -> dict:
    errors = {}
    try:
        url = validate_target_url(url)
    except ValidationError as error:
        errors.update(error.message_dict)
    if event_types is None:
        event_types = []
    if not isinstance(event_types, list | tuple) or not all(isinstance(t, str) for t in event_types):
        errors["event_types"] = ["Give a list of event types (empty for all)."]
    else:
        unknown = sorted(set(event_types) - set(EVENT_TYPES))
        if unknown:
            errors["event_types"] = [f"Unknown event type {unknown[0]!r}; choose from: {', '.join(EVENT_TYPES)}."]
    description = (description or "").strip()
    if len(description) > 200:
        errors["description"] = ["At most 200 characters."]
    if len(url) > 500:
        errors["url"] = ["At most 500 characters."]
    if errors:
        raise ValidationError(errors)
    return {"url": url, "description": description, "event_types": sorted(set(event_types))}


@transaction.atomic
def webhook_endpoint_create(
    *, merchant: Merchant, url: str, description: str = "", event_types=None
) -> tuple[WebhookEndpoint, str]:
    """A new active endpoint; returns it with its signing secret (shown to the merchant once)."""
    cleaned = _clean(url=url, description=description, event_types=event_types)
    Merchant.objects.select_for_update().filter(pk=merchant.pk).values_list("pk", flat=True).get()
    if WebhookEndpoint.objects.filter(merchant=merchant).count() >= MAX_ENDPOINTS_PER_MERCHANT:
        raise ValidationError({"url": f"A merchant may have at most {MAX_ENDPOINTS_PER_MERCHANT} webhook endpoints."})
    secret = generate_secret()
    endpoint = WebhookEndpoint.objects.create(merchant=merchant, secret=secret, **cleaned)
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    """Change the URL, description or event types (the others keep their values)."""
    current = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
    unknown = set(changes) - set(current)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: ["This field cannot be changed."]})
    cleaned = _clean(**{**current, **changes})
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(updated_at=timezone.now(), **cleaned)
    endpoint.refresh_from_db()
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint and its delivery history (the events stay for the merchant's other endpoints)."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


def _locked(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)


@transaction.atomic
def webhook_endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, overlap_hours: int = ROTATION_OVERLAP_HOURS
) -> tuple[WebhookEndpoint, str]:
    """A new signing secret; the old one keeps signing for ``overlap_hours`` (0 to 24) beside it.

    While an overlap runs, another rotation is refused (a second click would silently end the old
    secret's grace period) — unless ``overlap_hours`` is 0, which ends every old secret at once
    (a leaked secret). Returns the endpoint and its new secret (shown once).
    """
    if isinstance(overlap_hours, bool) or not isinstance(overlap_hours, int) or not 0 <= overlap_hours <= 24:
        raise ValidationError({"overlap_hours": ["Give a whole number of hours from 0 to 24."]})
    locked = _locked(endpoint)
    now = timezone.now()
    if len(locked.signing_secrets(now=now)) > 1 and overlap_hours:
        until = timezone.localtime(locked.previous_secret_expires_at).strftime("%Y-%m-%d %H:%M %Z")
        raise WebhookConflict(
            {
                "secret": [
                    f"The previous secret still signs until {until}; rotate again after that, or rotate with "
                    "no overlap to end every old secret now."
                ]
            },
            code="conflict",
        )
    secret = generate_secret()
    if overlap_hours:
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = now + datetime.timedelta(hours=overlap_hours)
    else:
        locked.previous_secret, locked.previous_secret_expires_at = "", None
    locked.secret = secret
    locked.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    endpoint.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Re-enable an endpoint (its failure count starts again); an active one is left as it is."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=False).update(
        is_active=True,
        disabled_at=None,
        disabled_reason="",
        failing_since=None,
        consecutive_failures=0,
        updated_at=timezone.now(),
    )
    endpoint.refresh_from_db()
    return endpoint


@transaction.atomic
def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, reason: str = "Disabled by the merchant.") -> bool:
    """Stop sending to the endpoint; its pending deliveries fail (they can be redelivered once it
    is enabled again). ``False`` if it was already disabled."""
    now = timezone.now()
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:300], updated_at=now
    )
    if changed:
        WebhookDelivery.objects.filter(endpoint_id=endpoint.pk, status=WebhookDelivery.Status.PENDING).update(
            status=WebhookDelivery.Status.FAILED, error="Not sent: the endpoint was disabled.", locked_until=None
        )
    endpoint.refresh_from_db()
    return bool(changed)


def _refuse_if_disabled(endpoint: WebhookEndpoint, what: str) -> None:
    if not endpoint.is_active:
        raise WebhookConflict(
            {"endpoint": [f"This endpoint is disabled; enable it before {what}."]}, code="endpoint_disabled"
        )


@transaction.atomic
def webhook_endpoint_send_test(*, endpoint: WebhookEndpoint) -> WebhookEvent:
    """Send a ``webhook.test`` event to this endpoint only (whatever types it receives)."""
    locked = _locked(endpoint)
    _refuse_if_disabled(locked, "sending a test event")
    spec = EventSpec(
        locked.merchant_id,
        TEST_EVENT,
        {"endpoint_id": locked.pk, "message": "A test event from Crossdock: the signature should verify."},
        timezone.now(),
    )
    [event] = webhook_events_write(specs=[spec], endpoints={locked.merchant_id: [locked]}, force=True)
    return event


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the delivery's event to its endpoint once more, now: a new attempt, not retried.

    Refused while the endpoint is disabled or while an attempt of the same event at that endpoint
    is still pending (it is being delivered).
    """
    endpoint = _locked(delivery.endpoint)
    _refuse_if_disabled(endpoint, "redelivering")
    attempts = WebhookDelivery.objects.filter(endpoint=endpoint, event_id=delivery.event_id)
    pending = attempts.filter(status=WebhookDelivery.Status.PENDING).order_by("scheduled_at").first()
    if pending is not None:
        raise WebhookConflict(
            {"delivery": [f"This event is still being delivered to this endpoint (attempt {pending.attempt})."]},
            code="conflict",
        )
    last = attempts.order_by("-attempt").values_list("attempt", flat=True).first() or 0
    now = timezone.now()
    redelivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id=delivery.event_id, attempt=last + 1, manual=True, scheduled_at=now, created_at=now
    )
    from webhooks.tasks import deliver_webhook  # noqa: PLC0415 - the tasks import the services

    deliver_webhook.delay_on_commit(redelivery.pk)
    return redelivery
