"""From domain events to the outbox: one ``WebhookEvent`` per event per merchant, and a first
``WebhookDelivery`` per active endpoint that receives its type.

Subscribed to ``config.events`` in ``WebhooksConfig.ready`` *in the transaction*: the outbox rows
are written with the domain change and commit or roll back with it, so no committed change loses
its events and no rolled-back one sends any. A batch costs one query to find the endpoints of its
merchants; nothing more when none has one, and otherwise a bulk insert of events and deliveries,
however many events the batch holds. Delivery starts after commit.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from webhooks.event_types import BUILDERS, EventSpec, iso
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, new_message_id

BATCH_SIZE = 500


def _active_endpoints(merchant_ids: Iterable[int]) -> dict[int, list[WebhookEndpoint]]:
    endpoints = defaultdict(list)
    for endpoint in WebhookEndpoint.objects.filter(merchant_id__in=set(merchant_ids), is_active=True).only(
        "pk", "merchant_id", "event_types"
    ):
        endpoints[endpoint.merchant_id].append(endpoint)
    return endpoints


def webhook_events_write(
    *, specs: list[EventSpec], endpoints: dict[int, list[WebhookEndpoint]], force: bool = False
) -> list[WebhookEvent]:
    """Write the events and their first deliveries (to the endpoints that receive the type, or to
    every endpoint given with ``force``); the delivery scan is started after commit."""
    now = timezone.now()
    events, deliveries = [], []
    for spec in specs:
        targets = [e for e in endpoints.get(spec.merchant_id, ()) if force or e.receives(spec.type)]
        if not targets:
            continue
        event = WebhookEvent(
            id=new_message_id(),
            merchant_id=spec.merchant_id,
            type=spec.type,
            payload={"type": spec.type, "timestamp": iso(spec.at), "data": spec.data},
            created_at=now,
        )
        events.append(event)
        deliveries += [
            WebhookDelivery(endpoint=e, event=event, attempt=1, scheduled_at=now, created_at=now) for e in targets
        ]
    if not events:
        return []
    with transaction.atomic():
        WebhookEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
        WebhookDelivery.objects.bulk_create(deliveries, batch_size=BATCH_SIZE)
        from webhooks.tasks import dispatch_due_deliveries  # noqa: PLC0415 - the tasks import the services

        transaction.on_commit(dispatch_due_deliveries.delay)
    return events


def webhook_events_from_domain(*, name: str, payloads: list[dict]) -> list[WebhookEvent]:
    """The outbox rows for a batch of the domain event ``name``."""
    endpoints = _active_endpoints(p["merchant_id"] for p in payloads if p.get("merchant_id"))
    if not endpoints:
        return []
    relevant = [p for p in payloads if p.get("merchant_id") in endpoints]
    return webhook_events_write(specs=BUILDERS[name](relevant), endpoints=endpoints)


def _handler(name: str) -> Callable[[list[dict]], None]:
    def handle(payloads: list[dict]) -> None:
        # Inside the publisher's transaction: an error here fails the domain change with it.
        webhook_events_from_domain(name=name, payloads=payloads)

    handle.__qualname__ = f"webhook_outbox[{name}]"
    return handle


HANDLERS: dict[str, Callable[[list[dict]], None]] = {name: _handler(name) for name in BUILDERS}
