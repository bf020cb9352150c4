"""The webhook event types and how each is built from the domain events of ``config/events.py``.

A builder takes a batch of domain payloads (already narrowed to merchants that have an active
endpoint) and returns ``EventSpec`` rows: the merchant, the webhook type, its public ``data`` and
when it happened. Builders read at most one query per batch (to add a tracking number), never one
per event. ``data`` holds ids and the merchant's own references, never buyer details.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from shipping.models import Shipment
from warehouses.modes import Stage

EVENT_TYPES: dict[str, str] = {
    "order.created": "An order was received",
    "order.status_changed": "An order changed status",
    "inbound_shipment.status_changed": "A shipment of inventory to a warehouse changed status",
    "shipment.created": "A parcel (or a transfer between warehouses) was created",
    "shipment.stage_changed": "A parcel moved to another stage",
    "shipment.exception": "A parcel hit an exception: customs hold, failed delivery, return, loss or damage",
    "shipment.return_received": "A returned parcel was received and its units sorted",
    "customs.hold": "Customs held a parcel or a shipment of inventory",
    "inventory.low_stock": "Fulfillable stock of a product at a warehouse fell below the low-stock threshold",
}
TEST_EVENT = "webhook.test"  # sent by the "send test event" action only; no endpoint subscribes to it
EXCEPTION_STAGES = frozenset({Stage.CUSTOMS_HOLD, Stage.DELIVERY_ATTEMPTED, Stage.RETURNING, Stage.LOST, Stage.DAMAGED})


@dataclass(frozen=True)
class EventSpec:
    merchant_id: int
    type: str
    data: dict
    at: datetime.datetime


def _when(value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    if value:
        return datetime.datetime.fromisoformat(value)
    return timezone.now()


def iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def _order_created(payloads: list[dict]) -> list[EventSpec]:
    fields = (
        "order_id",
        "merchant_order_id",
        "status",
        "mode",
        "speed",
        "fulfillment_policy",
        "source",
        "destination_country",
        "currency",
        "lines",
    )
    return [
        EventSpec(p["merchant_id"], "order.created", {k: p.get(k) for k in fields}, _when(p.get("created_at")))
        for p in payloads
    ]


def _order_status_changed(payloads: list[dict]) -> list[EventSpec]:
    return [
        EventSpec(
            p["merchant_id"],
            "order.status_changed",
            {
                "order_id": p["order_id"],
                "merchant_order_id": p["merchant_order_id"],
                "from_status": p["from"],
                "to_status": p["to"],
                "reason": p.get("reason", ""),
            },
            _when(p.get("at")),
        )
        for p in payloads
    ]


def _inbound_shipment_status_changed(payloads: list[dict]) -> list[EventSpec]:
    return [
        EventSpec(
            p["merchant_id"],
            "inbound_shipment.status_changed",
            {
                "inbound_shipment_id": p["inbound_shipment_id"],
                "confirmation_id": p["confirmation_id"],
                "plan_id": p.get("plan_id"),
                "warehouse_id": p.get("warehouse_id"),
                "from_status": p["from"],
                "to_status": p["to"],
            },
            _when(p.get("at")),
        )
        for p in payloads
    ]


def _customs_hold(payloads: list[dict]) -> list[EventSpec]:
    """Holds of inbound shipments (published by shipping); parcel holds come from their stage change."""
    return [
        EventSpec(
            p["merchant_id"],
            "customs.hold",
            {
                "kind": "inbound_shipment",
                "inbound_shipment_id": p["inbound_shipment_id"],
                "confirmation_id": p["confirmation_id"],
                "shipment_id": None,
                "tracking_number": None,
                "order_id": None,
                "reason": "documentation",
                "reasons": p.get("reasons", []),
            },
            _when(p.get("at")),
        )
        for p in payloads
    ]


def _shipment_refs(payloads: list[dict]) -> dict[int, tuple[str, str]]:
    ids = {p["shipment_id"] for p in payloads}
    return {
        pk: (tracking, order_ref)
        for pk, tracking, order_ref in Shipment.objects.filter(pk__in=ids).values_list(
            "pk", "tracking_number", "merchant_order_id"
        )
    }


def _shipment_created(payloads: list[dict]) -> list[EventSpec]:
    refs = _shipment_refs(payloads)
    now = timezone.now()
    return [
        EventSpec(
            p["merchant_id"],
            "shipment.created",
            {
                "shipment_id": p["shipment_id"],
                "tracking_number": refs.get(p["shipment_id"], ("", ""))[0],
                "kind": p["kind"],
                "order_id": p.get("order_id"),
                "merchant_order_id": refs.get(p["shipment_id"], ("", ""))[1] or None,
                "stage": p["stage"],
            },
            now,
        )
        for p in payloads
    ]


def _shipment_stage_changed(payloads: list[dict]) -> list[EventSpec]:
    refs = _shipment_refs(payloads)
    specs = []
    for p in payloads:
        tracking, order_ref = refs.get(p["shipment_id"], ("", ""))
        common = {
            "shipment_id": p["shipment_id"],
            "tracking_number": tracking,
            "kind": p["kind"],
            "order_id": p.get("order_id"),
            "merchant_order_id": order_ref or None,
        }
        at = _when(p.get("at"))
        specs.append(
            EventSpec(
                p["merchant_id"],
                "shipment.stage_changed",
                {**common, "from_stage": p["from"], "to_stage": p["to"], "status": p["status"], "reason": p["reason"]},
                at,
            )
        )
        if p["to"] in EXCEPTION_STAGES:
            exception = {**common, "stage": p["to"], "status": p["status"], "reason": p["reason"]}
            specs.append(EventSpec(p["merchant_id"], "shipment.exception", exception, at))
        if p["to"] == Stage.CUSTOMS_HOLD:
            hold = {
                "kind": "shipment",
                "inbound_shipment_id": None,
                "confirmation_id": None,
                "shipment_id": p["shipment_id"],
                "tracking_number": tracking,
                "order_id": p.get("order_id"),
                "reason": p["reason"],
                "reasons": [],
            }
            specs.append(EventSpec(p["merchant_id"], "customs.hold", hold, at))
    return specs


def _shipment_return_received(payloads: list[dict]) -> list[EventSpec]:
    refs = _shipment_refs(payloads)
    now = timezone.now()
    return [
        EventSpec(
            p["merchant_id"],
            "shipment.return_received",
            {
                "shipment_id": p["shipment_id"],
                "tracking_number": refs.get(p["shipment_id"], ("", ""))[0],
                "order_id": p.get("order_id"),
                "warehouse_id": p.get("warehouse_id"),
                "dispositions": p.get("dispositions", {}),
            },
            now,
        )
        for p in payloads
    ]


def _inventory_low_stock(payloads: list[dict]) -> list[EventSpec]:
    fields = ("product_id", "sku", "warehouse_id", "warehouse_code", "fulfillable", "threshold")
    return [
        EventSpec(p["merchant_id"], "inventory.low_stock", {k: p[k] for k in fields}, _when(p.get("at")))
        for p in payloads
    ]


# Domain event (``config.events``) → the builder of its webhook events.
BUILDERS: dict[str, Callable[[list[dict]], list[EventSpec]]] = {
    "order.created": _order_created,
    "order.status_changed": _order_status_changed,
    "inbound_shipment.status_changed": _inbound_shipment_status_changed,
    "customs.hold": _customs_hold,
    "shipment.created": _shipment_created,
    "shipment.stage_changed": _shipment_stage_changed,
    "shipment.return_received": _shipment_return_received,
    "inventory.low_stock": _inventory_low_stock,
}
