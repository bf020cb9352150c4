"""Sending: one attempt per delivery row, the retry schedule, and disabling endpoints that keep failing.

- **Claim.** A worker claims a pending, due row with a compare-and-set ``UPDATE`` that sets
  ``locked_until``; a repeated task message finds it locked (or no longer pending) and sends
  nothing. A worker that dies leaves the lock to expire, and the periodic scan hands the row out
  again (webhooks are at least once: receivers dedupe on ``webhook-id``).
- **Outcome.** ``2xx`` succeeds. Network errors (DNS, connect, TLS, timeouts, resets), ``429`` and
  ``5xx`` fail and are retried as a new row, after an exponential delay with jitter (or after
  ``Retry-After``, when the receiver sends one), up to ``MAX_ATTEMPTS``. Any other status
  (``3xx``: redirects are not followed; ``4xx``) fails for good. A manual redelivery is one attempt.
- **Health.** An endpoint is disabled when it answers ``410 Gone``, when every attempt has failed
  for ``CROSSDOCK_WEBHOOK_DISABLE_AFTER_HOURS`` (24 h), or when
  ``CROSSDOCK_WEBHOOK_DISABLE_AFTER_EVENTS`` events in a row failed for good; one success resets it.
"""

import datetime
import email.utils
import logging
import random
import time
from dataclasses import dataclass

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from webhooks import signing, targets
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import webhook_endpoint_disable

logger = logging.getLogger(__name__)

# The delay before attempt n + 1 (Standard Webhooks' example schedule: roughly ×6 each time, capped).
RETRY_DELAYS = (
    datetime.timedelta(seconds=5),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=5),
    datetime.timedelta(hours=10),
    datetime.timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2  # each delay is drawn within ±20 %
MAX_RETRY_AFTER = datetime.timedelta(hours=24)
LOCK = datetime.timedelta(minutes=2)  # longer than connect + read timeouts
RETRYABLE_STATUSES = frozenset({429}) | frozenset(range(500, 600))


def retry_delay(attempt: int, *, rng: random.Random | None = None) -> datetime.timedelta:
    """The wait after failed attempt ``attempt`` (1-based), with jitter."""
    base = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
    factor = 1 + (rng or random).uniform(-JITTER, JITTER)
    return base * factor


def parse_retry_after(value: str | None, *, now: datetime.datetime) -> datetime.timedelta | None:
    """``Retry-After`` as seconds or an HTTP date; ``None`` if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return datetime.timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(when - now, datetime.timedelta(0))


@dataclass
class Outcome:
    succeeded: bool
    retryable: bool
    status: int | None = None
    body: str = ""
    error: str = ""
    retry_after: datetime.timedelta | None = None
    gone: bool = False


def _claim(delivery_id: int, now: datetime.datetime) -> bool:
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING, scheduled_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .update(locked_until=now + LOCK)
    )


def _send(delivery: WebhookDelivery, now: datetime.datetime) -> Outcome:
    endpoint, event = delivery.endpoint, delivery.event
    body = signing.serialize_body(event.payload)
    headers = signing.webhook_headers(
        secrets_=endpoint.signing_secrets(now=now), msg_id=event.id, timestamp=int(now.timestamp()), body=body
    )
    try:
        response = targets.post(endpoint.url, body=body, headers=headers)
    except targets.TargetRefused as refused:
        return Outcome(succeeded=False, retryable=False, error=f"Refused: {refused}")
    except (OSError, urllib3.exceptions.HTTPError) as error:
        return Outcome(succeeded=False, retryable=True, error=_describe(error))
    status = response.status
    return Outcome(
        succeeded=200 <= status < 300,
        retryable=status in RETRYABLE_STATUSES,
        status=status,
        body=response.body,
        retry_after=parse_retry_after(response.headers.get("retry-after"), now=timezone.now())
        if status in RETRYABLE_STATUSES
        else None,
        gone=status == 410,
        error="" if 200 <= status < 300 else f"HTTP {status}",
    )


def _describe(error: Exception) -> str:
    reason = getattr(error, "reason", None)
    text = f"{type(error).__name__}: {reason or error}"
    return text[:500]


def webhook_delivery_attempt(*, delivery_id: int, rng: random.Random | None = None) -> WebhookDelivery | None:
    """Send one pending, due delivery and record what happened; ``None`` if it was not ours to send
    (already sent, not due, or another worker holds it)."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").filter(pk=delivery_id).first()
    if delivery is None:  # its endpoint was deleted meanwhile
        return None
    lock = delivery.locked_until
    if not delivery.endpoint.is_active:
        WebhookDelivery.objects.filter(pk=delivery_id, locked_until=lock).update(
            status=WebhookDelivery.Status.FAILED, error="Not sent: the endpoint is disabled.", locked_until=None
        )
        return None
    started = time.monotonic()
    outcome = _send(delivery, now)
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record(delivery, outcome, sent_at=now, duration_ms=duration_ms, lock=lock, rng=rng)


def _record(
    delivery: WebhookDelivery,
    outcome: Outcome,
    *,
    sent_at: datetime.datetime,
    duration_ms: int,
    lock: datetime.datetime,
    rng: random.Random | None,
) -> WebhookDelivery:
    now = timezone.now()
    status = WebhookDelivery.Status.SUCCEEDED if outcome.succeeded else WebhookDelivery.Status.FAILED
    retry = (
        not outcome.succeeded
        and outcome.retryable
        and not delivery.manual
        and not outcome.gone
        and delivery.attempt < MAX_ATTEMPTS
    )
    endpoint = delivery.endpoint
    with transaction.atomic():
        # Only the holder of the lock records: a worker whose lock ran out and was taken over writes nothing.
        recorded = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.PENDING, locked_until=lock
        ).update(
            status=status,
            sent_at=sent_at,
            response_status_code=outcome.status,
            response_body=outcome.body,
            error=outcome.error[:500],
            duration_ms=duration_ms,
            locked_until=None,
        )
        if not recorded:
            return delivery
        delivery.status, delivery.response_status_code, delivery.error = status, outcome.status, outcome.error
        delivery.sent_at, delivery.duration_ms, delivery.response_body = sent_at, duration_ms, outcome.body
        next_delivery = None
        if retry:
            wait = retry_delay(delivery.attempt, rng=rng)
            if outcome.retry_after is not None:
                wait = min(max(outcome.retry_after, datetime.timedelta(seconds=1)), MAX_RETRY_AFTER)
            next_delivery = WebhookDelivery.objects.create(
                endpoint=endpoint,
                event_id=delivery.event_id,
                attempt=delivery.attempt + 1,
                scheduled_at=now + wait,
                created_at=now,
            )
        _update_health(endpoint, delivery, outcome, final_failure=not outcome.succeeded and not retry, now=now)
        if next_delivery is not None and next_delivery.scheduled_at - now <= datetime.timedelta(seconds=60):
            # A short wait rides on the broker; longer ones are found by the periodic scan.
            from webhooks.tasks import deliver_webhook  # noqa: PLC0415 - the tasks import the services

            countdown = max((next_delivery.scheduled_at - now).total_seconds(), 0)
            pk = next_delivery.pk
            transaction.on_commit(lambda: deliver_webhook.apply_async((pk,), countdown=countdown))
    return delivery


def _update_health(
    endpoint: WebhookEndpoint,
    delivery: WebhookDelivery,
    outcome: Outcome,
    *,
    final_failure: bool,
    now: datetime.datetime,
) -> None:
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    if outcome.succeeded:
        endpoints.filter(Q(failing_since__isnull=False) | Q(consecutive_failures__gt=0)).update(
            failing_since=None, consecutive_failures=0
        )
        return
    if delivery.manual:
        return  # the merchant trying by hand says nothing new about the endpoint's health
    if outcome.gone:
        webhook_endpoint_disable(
            endpoint=endpoint, reason=f"Disabled on {now:%Y-%m-%d %H:%M} UTC: the endpoint answered 410 Gone."
        )
        return
    endpoints.filter(failing_since__isnull=True).update(failing_since=delivery.sent_at or now)
    if final_failure:
        endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
    failing_since, failures = endpoints.values_list("failing_since", "consecutive_failures").get()
    hours = settings.CROSSDOCK_WEBHOOK_DISABLE_AFTER_HOURS
    events = settings.CROSSDOCK_WEBHOOK_DISABLE_AFTER_EVENTS
    reason = ""
    if failing_since and now - failing_since >= datetime.timedelta(hours=hours):
        reason = f"every attempt has failed since {failing_since:%Y-%m-%d %H:%M} UTC (over {hours:g} hours)"
    elif failures >= events:
        reason = f"every attempt of the last {failures} events failed"
    if reason:
        last = outcome.error or "no answer"
        webhook_endpoint_disable(
            endpoint=endpoint, reason=f"Disabled on {now:%Y-%m-%d %H:%M} UTC: {reason} (last: {last})."[:300]
        )
        logger.warning("Webhook endpoint %s disabled: %s", endpoint.pk, reason)


def webhook_deliveries_dispatch(*, limit: int = 500, now: datetime.datetime | None = None) -> list[int]:
    """The ids of due, pending deliveries at active endpoints that no worker holds and that were not
    handed out in the last few minutes; they are marked as handed out. The caller enqueues them."""
    now = now or timezone.now()
    redispatch = now - LOCK * 2
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.filter(
                status=WebhookDelivery.Status.PENDING, scheduled_at__lte=now, endpoint__is_active=True
            )
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lte=redispatch))
            .order_by("scheduled_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            WebhookDelivery.objects.filter(pk__in=ids).update(dispatched_at=now)
    return ids
