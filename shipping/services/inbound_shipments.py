"""Inbound shipments: the one state machine, transport details, shipping, delete and cancel.

Every status change goes through ``inbound_shipment_transition``: it checks the transition is
allowed, applies it with a compare-and-set ``UPDATE`` (a repeated or racing call changes
nothing and returns ``False``), and writes the event row in the same transaction. Inventory
moves with the status, in the same transaction, in the services below.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from config.events import publish
from shipping.inbound_rules import box_limit_errors
from shipping.models import InboundPlan, InboundShipment, InboundShipmentEvent
from shipping.models.inbound import ShippingMode
from warehouses.models import Bucket, LedgerReason
from warehouses.services.inventory import StockChange, inventory_apply

S = InboundShipment.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.WORKING: frozenset({S.READY_TO_SHIP, S.DELETED}),
    S.READY_TO_SHIP: frozenset({S.WORKING, S.SHIPPED, S.DELETED}),
    S.SHIPPED: frozenset({S.IN_TRANSIT, S.CANCELLED}),
    S.IN_TRANSIT: frozenset({S.DELIVERED, S.CANCELLED}),
    S.DELIVERED: frozenset({S.CHECKED_IN}),
    S.CHECKED_IN: frozenset({S.RECEIVING}),
    S.RECEIVING: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.DELETED: frozenset(),
    S.CANCELLED: frozenset(),
}
# The path a shipment takes when a later event implies the earlier ones (a box at the dock
# means the shipment was delivered).
FORWARD_PATH = (S.SHIPPED, S.IN_TRANSIT, S.DELIVERED, S.CHECKED_IN, S.RECEIVING, S.CLOSED)
PRE_SHIPPING = frozenset({S.WORKING, S.READY_TO_SHIP})


class TransitionNotAllowed(ValidationError):  # noqa: N818
    pass


def record_status_event(*, shipment, from_status: str, to_status: str, actor=None, note: str = ""):
    return InboundShipmentEvent.objects.create(
        shipment=shipment,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:200],
    )


def inbound_shipment_transition(*, shipment: InboundShipment, to: str, actor=None, note: str = "", **fields) -> bool:
    """Move ``shipment`` from its current status to ``to``; ``fields`` are set in the same update.

    Returns ``False`` (and changes nothing) if another call already moved it; raises
    ``TransitionNotAllowed`` if ``to`` cannot follow the current status.
    """
    current = shipment.status
    if to not in TRANSITIONS[current]:
        raise TransitionNotAllowed(
            {
                "status": f"Shipment {shipment.confirmation_id} is {S(current).label.lower()}; it cannot become "
                f"{S(to).label.lower()}."
            }
        )
    with transaction.atomic():
        updated = InboundShipment.objects.filter(pk=shipment.pk, status=current).update(
            status=to, updated_at=timezone.now(), **fields
        )
        if not updated:
            return False
        record_status_event(shipment=shipment, from_status=current, to_status=to, actor=actor, note=note)
        publish(
            "inbound_shipment.status_changed",
            [
                {
                    "inbound_shipment_id": shipment.pk,
                    "merchant_id": shipment.merchant_id,
                    "confirmation_id": shipment.confirmation_id,
                    "plan_id": shipment.plan_id,
                    "warehouse_id": shipment.warehouse_id,
                    "from": current,
                    "to": to,
                    "at": timezone.now().isoformat(),
                }
            ],
        )
    shipment.status = to
    for name, value in fields.items():
        setattr(shipment, name, value)
    return True


def advance_to(*, shipment: InboundShipment, target: str, actor=None, note: str = "") -> None:
    """Walk the forward path up to ``target`` (each step an event), e.g. SHIPPED → CHECKED_IN."""
    if shipment.status not in FORWARD_PATH or target not in FORWARD_PATH:
        raise TransitionNotAllowed(
            {"status": f"Shipment {shipment.confirmation_id} is {S(shipment.status).label.lower()}."}
        )
    while FORWARD_PATH.index(shipment.status) < FORWARD_PATH.index(target):
        step = FORWARD_PATH[FORWARD_PATH.index(shipment.status) + 1]
        if step == S.DELIVERED and shipment.customs_status in {
            InboundShipment.CustomsStatus.PENDING,
            InboundShipment.CustomsStatus.HELD,
        }:
            raise TransitionNotAllowed(
                {"customs": f"Shipment {shipment.confirmation_id} has not cleared import customs yet."}
            )
        extra = {"delivered_at": timezone.now()} if step == S.DELIVERED else {}
        if not inbound_shipment_transition(shipment=shipment, to=step, actor=actor, note=note, **extra):
            shipment.refresh_from_db()


def _locked(shipment: InboundShipment) -> InboundShipment:
    return (
        InboundShipment.objects.select_for_update(of=("self",)).select_related("plan", "warehouse").get(pk=shipment.pk)
    )


def _line_changes(shipment: InboundShipment, bucket: str, sign: int) -> list[StockChange]:
    return [
        StockChange(line.product_id, shipment.warehouse_id, bucket, sign * line.quantity_expected)
        for line in shipment.lines.all()
    ]


def _refresh_plan_status(plan: InboundPlan) -> None:
    """A plan is SHIPPED once none of its shipments waits to ship, VOIDED if none went."""
    statuses = set(plan.shipments.values_list("status", flat=True))
    if not statuses or statuses & PRE_SHIPPING:
        return
    live = statuses - {S.DELETED, S.CANCELLED}
    status = InboundPlan.Status.SHIPPED if live else InboundPlan.Status.VOIDED
    step = InboundPlan.Step.SHIPPED if live else plan.step
    InboundPlan.objects.filter(pk=plan.pk).update(status=status, step=step, updated_at=timezone.now())


@transaction.atomic
def inbound_shipment_set_transport(
    *,
    shipment: InboundShipment,
    carrier: str,
    shipping_mode: str,
    ready_to_ship_from: date,
    ready_to_ship_to: date,
    tracking_numbers: list[str] | None = None,
    actor=None,
) -> InboundShipment:
    """Record how the boxes travel; the shipment becomes READY_TO_SHIP."""
    shipment = _locked(shipment)
    if shipment.status not in PRE_SHIPPING:
        raise TransitionNotAllowed(
            {"status": f"Shipment {shipment.confirmation_id} has shipped; its transport can no longer change."}
        )
    errors: dict[str, str] = {}
    if not (carrier or "").strip():
        errors["carrier"] = "Enter the carrier."
    if shipping_mode not in ShippingMode.values:
        errors["shipping_mode"] = f"Choose one of: {', '.join(ShippingMode.values)}."
    if ready_to_ship_from and ready_to_ship_to and ready_to_ship_to < ready_to_ship_from:
        errors["ready_to_ship_to"] = "The window must end on or after its start."
    # A window already on file may have started; only a new start date must not be in the past.
    if (
        ready_to_ship_from
        and ready_to_ship_from < timezone.localdate()
        and ready_to_ship_from != shipment.ready_to_ship_from
    ):
        errors["ready_to_ship_from"] = "The window cannot start in the past."
    if not ready_to_ship_from:
        errors["ready_to_ship_from"] = "Enter the first day the boxes are ready."
    if not ready_to_ship_to:
        errors["ready_to_ship_to"] = "Enter the last day of the window."
    tracking = [t.strip() for t in (tracking_numbers or []) if t and t.strip()]
    if len(set(tracking)) != len(tracking):
        errors["tracking_numbers"] = "A tracking number is listed twice."
    if any(len(t) > 40 for t in tracking):
        errors["tracking_numbers"] = "A tracking number may have at most 40 characters."
    boxes = list(shipment.boxes.all())
    if shipping_mode == ShippingMode.SMALL_PARCEL and len(tracking) > len(boxes):
        errors["tracking_numbers"] = f"Small-parcel shipments have one tracking number per box ({len(boxes)} boxes)."
    if shipping_mode in ShippingMode.values:
        for box in boxes:
            problems = box_limit_errors(
                shipping_mode=shipping_mode,
                weight_kg=box.weight_kg,
                sides_cm=(box.length_cm, box.width_cm, box.height_cm),
            )
            if problems:
                errors["shipping_mode"] = f"Box {box.box_id} " + "; ".join(problems) + "."
                break
    if errors:
        raise ValidationError(errors)
    shipment.carrier = carrier.strip()
    shipment.shipping_mode = shipping_mode
    shipment.ready_to_ship_from = ready_to_ship_from
    shipment.ready_to_ship_to = ready_to_ship_to
    shipment.tracking_numbers = tracking
    shipment.save(
        update_fields=[
            "carrier",
            "shipping_mode",
            "ready_to_ship_from",
            "ready_to_ship_to",
            "tracking_numbers",
            "updated_at",
        ]
    )
    if shipment.status == S.WORKING:
        inbound_shipment_transition(shipment=shipment, to=S.READY_TO_SHIP, actor=actor, note="Transport set")
    # The plan moves on to labels once none of its shipments still lacks transport.
    if not InboundShipment.objects.filter(plan_id=shipment.plan_id, status=S.WORKING).exists():
        InboundPlan.objects.filter(pk=shipment.plan_id, step=InboundPlan.Step.TRANSPORT).update(
            step=InboundPlan.Step.LABELS
        )
    return shipment


@transaction.atomic
def inbound_shipment_mark_shipped(*, shipment: InboundShipment, actor=None) -> InboundShipment:
    """The boxes left: units move ``inbound_working`` → ``inbound_shipped``."""
    shipment = _locked(shipment)
    if shipment.status == S.WORKING:
        raise TransitionNotAllowed({"status": "Set the transport (carrier and ready-to-ship window) before shipping."})
    if shipment.status in FORWARD_PATH:  # already shipped: a repeated click changes nothing
        return shipment
    if not inbound_shipment_transition(shipment=shipment, to=S.SHIPPED, actor=actor, shipped_at=timezone.now()):
        return shipment
    changes = _line_changes(shipment, Bucket.INBOUND_WORKING, -1) + _line_changes(shipment, Bucket.INBOUND_SHIPPED, 1)
    inventory_apply(
        merchant_id=shipment.merchant_id,
        changes=changes,
        reason=LedgerReason.INBOUND_SHIPPED,
        reference_type="inbound_shipment",
        reference_id=shipment.confirmation_id,
        actor=actor,
    )
    _refresh_plan_status(shipment.plan)
    return shipment


@transaction.atomic
def inbound_shipment_delete(*, shipment: InboundShipment, actor=None) -> InboundShipment:
    """Delete before shipping: the units leave ``inbound_working``."""
    shipment = _locked(shipment)
    if shipment.status not in PRE_SHIPPING:
        raise TransitionNotAllowed(
            {"status": f"Shipment {shipment.confirmation_id} has shipped; cancel it instead of deleting it."}
        )
    if inbound_shipment_transition(shipment=shipment, to=S.DELETED, actor=actor, note="Deleted by the merchant"):
        inventory_apply(
            merchant_id=shipment.merchant_id,
            changes=_line_changes(shipment, Bucket.INBOUND_WORKING, -1),
            reason=LedgerReason.INBOUND_CANCELLED,
            reference_type="inbound_shipment",
            reference_id=shipment.confirmation_id,
            actor=actor,
        )
        _refresh_plan_status(shipment.plan)
    return shipment


@transaction.atomic
def inbound_shipment_cancel(*, shipment: InboundShipment, actor=None, note: str = "") -> InboundShipment:
    """Cancel after shipping, before delivery: the units leave ``inbound_shipped``."""
    shipment = _locked(shipment)
    if shipment.status in PRE_SHIPPING:
        raise TransitionNotAllowed(
            {"status": f"Shipment {shipment.confirmation_id} has not shipped; delete it instead."}
        )
    if shipment.status not in {S.SHIPPED, S.IN_TRANSIT}:
        raise TransitionNotAllowed(
            {
                "status": f"Shipment {shipment.confirmation_id} is {S(shipment.status).label.lower()}; "
                "it can no longer be cancelled."
            }
        )
    if inbound_shipment_transition(
        shipment=shipment, to=S.CANCELLED, actor=actor, note=note or "Cancelled by the merchant"
    ):
        inventory_apply(
            merchant_id=shipment.merchant_id,
            changes=_line_changes(shipment, Bucket.INBOUND_SHIPPED, -1),
            reason=LedgerReason.INBOUND_CANCELLED,
            reference_type="inbound_shipment",
            reference_id=shipment.confirmation_id,
            actor=actor,
        )
        _refresh_plan_status(shipment.plan)
    return shipment


@transaction.atomic
def inbound_shipment_mark_in_transit(*, shipment: InboundShipment, actor=None, note: str = "") -> InboundShipment:
    """The carrier has the boxes. A cross-border shipment is declared to import customs: the
    customs engine computes duty and tax (the merchant is importer of record, so DDP) and any
    hold reason; a held shipment waits for the customs desk, the others for clearance."""
    shipment = _locked(shipment)
    if not inbound_shipment_transition(shipment=shipment, to=S.IN_TRANSIT, actor=actor, note=note or "Carrier scan"):
        return shipment
    if shipment.customs_status == InboundShipment.CustomsStatus.PENDING:
        _declare_to_customs(shipment=shipment, actor=actor)
    return shipment


def _declare_to_customs(*, shipment: InboundShipment, actor=None) -> None:
    from shipping.customs import Declaration, DeclarationLine, customs_assess, customs_ruleset_for

    today = timezone.localdate()
    destination = shipment.warehouse.country.code
    lines = list(shipment.lines.select_related("product"))
    declaration = Declaration(
        origin_country=shipment.source_country.code,
        destination_country=destination,
        date=today,
        incoterm="DDP",
        lines=tuple(
            DeclarationLine(
                hs_code=line.product.hs_code,
                description=line.product.title,
                quantity=line.quantity_expected,
                unit_value=line.product.declared_value,
                currency=line.product.declared_currency,
                origin_country=line.product.origin_country.code,
                restricted=line.product.is_dangerous_goods,
            )
            for line in lines
        ),
    )
    assessment = customs_assess(declaration, customs_ruleset_for(destination, today))
    holds = [reason.message for reason in assessment.hold_reasons]
    status = InboundShipment.CustomsStatus.HELD if holds else InboundShipment.CustomsStatus.PENDING
    notes = (
        "; ".join(holds)
        if holds
        else f"Declared: duty {assessment.duty} and tax {assessment.tax} {assessment.currency}"
    )
    InboundShipment.objects.filter(pk=shipment.pk).update(
        customs_status=status,
        customs_duty=assessment.duty,
        customs_tax=assessment.tax,
        customs_currency=assessment.currency,
        customs_notes=notes[:2000],
    )
    shipment.customs_status, shipment.customs_notes = status, notes
    record_status_event(
        shipment=shipment,
        from_status=shipment.status,
        to_status=shipment.status,
        actor=actor,
        note=("Held at import customs: " if holds else "Declared to import customs: ") + notes,
    )
    if holds:
        publish(
            "customs.hold",
            [
                {
                    "inbound_shipment_id": shipment.pk,
                    "merchant_id": shipment.merchant_id,
                    "confirmation_id": shipment.confirmation_id,
                    "reasons": holds,
                    "at": timezone.now().isoformat(),
                }
            ],
        )


@transaction.atomic
def inbound_shipment_customs_release(*, shipment: InboundShipment, actor=None, note: str = "") -> InboundShipment:
    """Import customs cleared the shipment (the customs desk, or the customs engine)."""
    shipment = _locked(shipment)
    if shipment.status not in {S.SHIPPED, S.IN_TRANSIT}:
        raise TransitionNotAllowed(
            {
                "customs": f"Shipment {shipment.confirmation_id} is {S(shipment.status).label.lower()}; "
                "only a shipment on its way can clear customs."
            }
        )
    if shipment.customs_status not in {InboundShipment.CustomsStatus.PENDING, InboundShipment.CustomsStatus.HELD}:
        raise TransitionNotAllowed({"customs": f"Shipment {shipment.confirmation_id} has nothing waiting in customs."})
    InboundShipment.objects.filter(pk=shipment.pk).update(customs_status=InboundShipment.CustomsStatus.CLEARED)
    shipment.customs_status = InboundShipment.CustomsStatus.CLEARED
    record_status_event(
        shipment=shipment,
        from_status=shipment.status,
        to_status=shipment.status,
        actor=actor,
        note=note or "Import customs cleared",
    )
    return shipment


@transaction.atomic
def inbound_shipment_mark_delivered(*, shipment: InboundShipment, actor=None, note: str = "") -> InboundShipment:
    """The carrier delivered the boxes to the warehouse dock."""
    shipment = _locked(shipment)
    advance_to(shipment=shipment, target=S.DELIVERED, actor=actor, note=note or "Delivered to the dock")
    return shipment
