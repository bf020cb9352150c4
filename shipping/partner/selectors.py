"""Reads of the partner portal and API, always scoped to one partner.

A partner sees the shipments it fulfils (virtual-warehouse mode, sent from one of its
warehouses) and, of the merchant's data, only what fulfilment needs: who the goods belong to,
the order reference for the packing slip, the destination address and what to pick. Declared
values, duties and customs notes stay out of every query result they read.
"""

import datetime

from django.db.models import Prefetch, QuerySet

from shipping.models import Package, Shipment, ShipmentLine, TrackingEvent
from shipping.partner.sla import partner_shipments_all, with_sla
from shipping.services.shipments import allowed_targets
from warehouses.models import Partner, Warehouse
from warehouses.modes import Stage

# A partner reports what happens to the parcel; whether the order is cancelled is the merchant's call.
NOT_FOR_PARTNERS = frozenset({Stage.CANCELLED})
# What the partner portal and API expose of a shipment (no declared values, duty or tax).
SHIPMENT_FIELDS = (
    "id",
    "kind",
    "merchant__name",
    "mode_id",
    "merchant_order_id",
    "tracking_number",
    "source_warehouse__code",
    "source_warehouse__name",
    "origin_country",
    "transport",
    "speed",
    "crosses_border",
    "route",
    "stage_index",
    "stage",
    "status",
    "stage_started_at",
    "stage_due_at",
    "version",
    "exception_reason",
    "delivery_attempts",
    "inventory_consumed",
    "created_at",
    "delivered_at",
    "contact_name",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
)


def partners_for_user(*, user) -> QuerySet[Partner]:
    """The partners whose portal ``user`` may open: the active ones they work for; every
    partner for a superuser (platform support), and none for anyone else, staff included."""
    if not user.is_authenticated:
        return Partner.objects.none()
    if user.is_superuser:
        return Partner.objects.all()
    return Partner.objects.filter(users=user, is_active=True)


def partner_warehouses(*, partner: Partner) -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(partner=partner).order_by("code")


def partner_shipments(
    *,
    partner: Partner,
    now: datetime.datetime | None = None,
    stage: str = "",
    status: str = "",
    warehouse: str = "",
    breached: bool | None = None,
) -> QuerySet[Shipment]:
    """The partner's shipments with their SLA state, newest first, optionally filtered."""
    shipments = partner_shipments_all(partner=partner).select_related("merchant", "source_warehouse")
    shipments = shipments.only(*SHIPMENT_FIELDS)
    if stage:
        shipments = shipments.filter(stage=stage)
    if status:
        shipments = shipments.filter(status=status)
    if warehouse:
        shipments = shipments.filter(source_warehouse__code__iexact=warehouse)
    shipments = with_sla(shipments, partner=partner, now=now)
    if breached is not None:
        shipments = shipments.filter(sla_breached=breached)
    return shipments.order_by("-created_at", "-pk")


def partner_shipment_detailed(shipments: QuerySet[Shipment]) -> QuerySet[Shipment]:
    """``shipments`` with what a detail page or response shows: lines (what to pick), packages
    (how to pack them) and events."""
    lines = ShipmentLine.objects.select_related("product").only(
        "shipment_id", "quantity", "product__sku", "product__fnsku", "product__title"
    )
    events = TrackingEvent.objects.only(
        "shipment_id",
        "from_stage",
        "stage",
        "event_code",
        "description",
        "location",
        "exception_reason",
        "source",
        "external_id",
        "occurred_at",
    ).order_by("occurred_at", "pk")
    return shipments.prefetch_related(
        Prefetch("lines", queryset=lines),
        Prefetch("packages", queryset=Package.objects.order_by("sequence")),
        Prefetch("events", queryset=events),
    )


def partner_event(*, shipment: Shipment, event_id: str) -> TrackingEvent | None:
    """The event the partner already posted with ``event_id`` on this shipment, if any."""
    return TrackingEvent.objects.filter(shipment=shipment, external_id=event_id).exclude(external_id="").first()


def partner_targets(shipment: Shipment) -> list[str]:
    """The stages the partner may post now: the plan's next stage first, then the exceptions."""
    allowed = allowed_targets(shipment) - NOT_FOR_PARTNERS
    plan = shipment.planned_stages
    following = plan[shipment.stage_index + 1] if shipment.stage_index + 1 < len(plan) else None
    order = list(Stage.values)
    return sorted(allowed, key=lambda stage: (stage != following, order.index(stage)))


def is_awaiting_acknowledgement(shipment: Shipment) -> bool:
    return shipment.stage_index == 0 and shipment.stage == Stage.ACKNOWLEDGED


def stage_label(stage: str) -> str:
    """A stage as partners read it: the plan's first stage is the wait for their acknowledgement."""
    if stage == Stage.ACKNOWLEDGED:
        return "Awaiting acknowledgement"
    return Stage(stage).label if stage in Stage.values else stage
