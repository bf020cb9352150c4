"""The exception desk: operator moves of outbound shipments, and returns received into stock.

Every stage change goes through ``shipment_transition``; this module only adds what the desk
needs around it. An operator move carries the version the operator saw, so a repeated click (or
a move someone else made first) changes nothing. Leaving a customs hold records the decision
(``customs_status``) and the operator's note in the shipment's customs notes.

A returned parcel's units come back to the warehouse it left from, each unit with a disposition
that decides its bucket (``sellable`` → ``fulfillable``, every kind of damage →
``unfulfillable``). A shipment's return is received once: the receipt is a tracking event on
stage ``returned`` with a fixed ``external_id``, which the database keeps unique per shipment.
Direct shipments left from the merchant, not from a warehouse of ours: their returns go back to
the merchant and are never received here.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from config.events import publish
from shipping.models import Shipment, ShipmentLine, TrackingEvent
from shipping.services.shipments import shipment_transition
from shipping.tracking import event_for
from warehouses.models import Bucket, LedgerReason
from warehouses.modes import Stage
from warehouses.services.inventory import InventoryError, StockChange, inventory_apply

RETURN_RECEIVED_EVENT = "return-received"  # the receipt's ``external_id``: one per shipment
MAX_NOTE = 500


class Disposition(models.TextChoices):
    """The condition a returned unit comes back in (Amazon's return dispositions)."""

    SELLABLE = "sellable", "Sellable"
    DEFECTIVE = "defective", "Defective"
    CUSTOMER_DAMAGED = "customer_damaged", "Customer damaged"
    CARRIER_DAMAGED = "carrier_damaged", "Carrier damaged"
    FULFILLER_DAMAGED = "fulfiller_damaged", "Fulfiller damaged"


DISPOSITION_BUCKET = {
    Disposition.SELLABLE: Bucket.FULFILLABLE,
    Disposition.DEFECTIVE: Bucket.UNFULFILLABLE,
    Disposition.CUSTOMER_DAMAGED: Bucket.UNFULFILLABLE,
    Disposition.CARRIER_DAMAGED: Bucket.UNFULFILLABLE,
    Disposition.FULFILLER_DAMAGED: Bucket.UNFULFILLABLE,
}

# Karrio-style exception reasons.
CUSTOMS_REASONS = [
    ("documentation", "Documentation missing or wrong"),
    ("duties_unpaid", "Duties unpaid"),
    ("inspection", "Inspection"),
    ("prohibited", "Prohibited or restricted goods"),
]
CONSIGNEE_REASONS = [
    ("not_home", "Consignee not at home"),
    ("refused", "Refused by the consignee"),
    ("incorrect_address", "Incorrect address"),
]
REASON_LABELS = dict(CUSTOMS_REASONS + CONSIGNEE_REASONS)


class ReturnAlreadyReceived(ValidationError):  # noqa: N818 - domain language
    pass


def move_reasons(shipment: Shipment, to: str) -> list[tuple[str, str]]:
    """The reasons an operator chooses from for moving ``shipment`` to ``to`` (empty: none taken)."""
    if to == Stage.CUSTOMS_HOLD or (to == Stage.RETURNING and shipment.stage == Stage.CUSTOMS_HOLD):
        return CUSTOMS_REASONS
    if to in (Stage.DELIVERY_ATTEMPTED, Stage.RETURNING):
        return CONSIGNEE_REASONS
    return []


def return_received(shipment: Shipment) -> bool:
    return TrackingEvent.objects.filter(shipment=shipment, external_id=RETURN_RECEIVED_EVENT).exists()


@transaction.atomic
def shipment_operator_move(
    *,
    shipment: Shipment,
    to: str,
    expected_version: int,
    actor,
    reason: str = "",
    location: str = "",
    note: str = "",
) -> bool:
    """An operator moves ``shipment`` to ``to``. ``False`` (nothing written) if the shipment is no
    longer at ``expected_version``: the click was repeated, or someone moved it first.

    Raises ``ValidationError`` for a missing or unknown reason, a note where none is kept, or a
    move the shipment's stage does not allow.
    """
    if shipment.version != expected_version:
        return False
    reasons = dict(move_reasons(shipment, to))
    errors = {}
    if reasons and reason not in reasons:
        errors["reason"] = f"Choose why: {', '.join(reasons)}."
    elif not reasons and reason:
        errors["reason"] = f"Moving to {Stage(to).label.lower()} takes no reason."
    customs_decision = shipment.stage == Stage.CUSTOMS_HOLD
    note = note.strip()
    if note and not customs_decision:
        errors["note"] = "Notes are kept for customs decisions only; say where it happened instead."
    if len(note) > MAX_NOTE:
        errors["note"] = f"Keep the note under {MAX_NOTE} characters."
    if errors:
        raise ValidationError(errors)
    moved = shipment_transition(
        shipment=shipment,
        to=to,
        source=TrackingEvent.Source.OPERATOR,
        reason=reason,
        location=location.strip(),
        actor=actor,
        expected_version=expected_version,
    )
    if moved and customs_decision:
        released = to != Stage.RETURNING
        decision = "Released" if released else f"Rejected ({REASON_LABELS[reason].lower()})"
        who = getattr(actor, "get_username", lambda: "")() or "operator"
        line = f"{timezone.localtime():%Y-%m-%d %H:%M} {who}: {decision}" + (f": {note}" if note else ".")
        shipment.customs_status = Shipment.CustomsStatus.CLEARED if released else Shipment.CustomsStatus.REJECTED
        shipment.customs_notes = f"{shipment.customs_notes}\n{line}" if shipment.customs_notes else line
        Shipment.objects.filter(pk=shipment.pk).update(
            customs_status=shipment.customs_status, customs_notes=shipment.customs_notes
        )
    return moved


def _parse_dispositions(shipment: Shipment, dispositions, carried: dict[str, int]) -> dict[str, dict[str, int]]:
    """``{sku: {disposition: units}}`` checked against what the shipment carried, or ``ValidationError``
    keyed ``dispositions.<SKU>``."""
    number = shipment.tracking_number
    if not isinstance(dispositions, dict) or not dispositions:
        raise ValidationError({"dispositions": "Give the returned units of every SKU by disposition."})
    by_upper = {sku.upper(): sku for sku in carried}
    errors: dict[str, str] = {}
    parsed: dict[str, dict[str, int]] = {}
    for raw_sku, split in dispositions.items():
        sku = by_upper.get(str(raw_sku).strip().upper())
        if sku is None:
            errors[f"dispositions.{raw_sku}"] = f"SKU {raw_sku} was not in shipment {number}."
            continue
        if sku in parsed or f"dispositions.{sku}" in errors:
            errors[f"dispositions.{sku}"] = f"SKU {sku} is given more than once."
            continue
        if not isinstance(split, dict):
            errors[f"dispositions.{sku}"] = f'Give the units of {sku} by disposition, e.g. {{"sellable": 2}}.'
            continue
        units: dict[str, int] = defaultdict(int)
        for disposition, quantity in split.items():
            if disposition not in Disposition.values:
                errors[f"dispositions.{sku}"] = (
                    f"Unknown disposition {disposition!r} for {sku}: choose from {', '.join(Disposition.values)}."
                )
                break
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
                errors[f"dispositions.{sku}"] = f"Units of {sku} ({disposition}) must be a whole number, 0 or more."
                break
            units[disposition] += quantity
        else:
            parsed[sku] = {d: n for d, n in units.items() if n}
    for sku, quantity in carried.items():
        if f"dispositions.{sku}" in errors:
            continue
        given = sum(parsed.get(sku, {}).values())
        if given != quantity:
            errors[f"dispositions.{sku}"] = (
                f"{sku}: {given} unit{'s' if given != 1 else ''} given, but shipment {number} carried {quantity}; "
                "every unit needs exactly one disposition."
            )
    if errors:
        raise ValidationError(errors)
    return parsed


@transaction.atomic
def shipment_return_receive(*, shipment: Shipment, dispositions: dict[str, dict[str, int]], actor=None) -> Shipment:
    """Receive a returned (or returning) outbound shipment's units at the warehouse it left from.

    ``dispositions`` maps each SKU of the shipment to ``{disposition: units}``; the units of a SKU
    must add up to what the shipment carried. A returning shipment is first moved to
    ``returned``. Raises ``ValidationError`` (nothing written) for a direct shipment, a shipment
    not on its way back, units that do not add up, or a return already received
    (``ReturnAlreadyReceived``).
    """
    [locked] = (
        Shipment.objects.select_for_update(of=("self",)).select_related("source_warehouse").filter(pk=shipment.pk)
    )
    number = locked.tracking_number
    if locked.source_warehouse_id is None:
        raise ValidationError(
            {
                "shipment": f"Shipment {number} was shipped direct by the merchant: no warehouse of ours holds its "
                "stock, so its return goes back to the merchant and is not received here."
            }
        )
    if return_received(locked):
        raise ReturnAlreadyReceived(
            {"shipment": f"The return of shipment {number} was already received; nothing was changed."}
        )
    if locked.stage not in (Stage.RETURNING, Stage.RETURNED):
        raise ValidationError(
            {
                "shipment": f"Shipment {number} is at {Stage(locked.stage).label.lower()}: only a returning or "
                "returned shipment's units can be received."
            }
        )
    if not locked.inventory_consumed:
        raise ValidationError(
            {"shipment": f"Shipment {number}'s units never left {locked.source_warehouse.code}: nothing to receive."}
        )
    lines = list(ShipmentLine.objects.filter(shipment=locked).select_related("product"))
    carried: dict[str, int] = defaultdict(int)
    product_ids: dict[str, int] = {}
    for line in lines:
        carried[line.product.sku] += line.quantity
        product_ids[line.product.sku] = line.product_id
    parsed = _parse_dispositions(locked, dispositions, dict(carried))

    warehouse = locked.source_warehouse
    if locked.stage == Stage.RETURNING:
        shipment_transition(
            shipment=locked,
            to=Stage.RETURNED,
            source=TrackingEvent.Source.OPERATOR,
            location=warehouse.code,
            actor=actor,
        )
    # One movement per disposition, so the ledger says in what condition each unit came back.
    # A returned transfer's units were never consumed: they leave ``in_transfer`` as they arrive.
    totals: dict[str, int] = defaultdict(int)
    for disposition in Disposition.values:
        changes = []
        for sku, split in parsed.items():
            units = split.get(disposition, 0)
            if not units:
                continue
            totals[disposition] += units
            if locked.kind == Shipment.Kind.TRANSFER:
                changes.append(StockChange(product_ids[sku], warehouse.pk, Bucket.IN_TRANSFER, -units, number))
            changes.append(StockChange(product_ids[sku], warehouse.pk, DISPOSITION_BUCKET[disposition], units, number))
        if not changes:
            continue
        try:
            inventory_apply(
                merchant_id=locked.merchant_id,
                changes=changes,
                reason=LedgerReason.RETURN_RECEIVED,
                reference_type="shipment",
                reference_id=number,
                actor=actor,
                note=f"Return of {number}: {Disposition(disposition).label.lower()}",
            )
        except InventoryError as error:  # raised out of this transaction: the move to returned goes too
            raise ValidationError({"shipment": f"Shipment {number}: {error}"}) from error
    summary = ", ".join(f"{n} {Disposition(d).label.lower()}" for d, n in totals.items())
    code, _ = event_for(from_stage=Stage.RETURNED, to_stage=Stage.RETURNED)
    TrackingEvent.objects.create(
        shipment=locked,
        from_stage=Stage.RETURNED,
        stage=Stage.RETURNED,
        event_code=code,
        description=f"Return received: {summary}"[:200],
        location=warehouse.code,
        source=TrackingEvent.Source.OPERATOR,
        external_id=RETURN_RECEIVED_EVENT,
        actor=actor if getattr(actor, "pk", None) else None,
        occurred_at=timezone.now(),
    )
    publish(
        "shipment.return_received",
        [
            {
                "shipment_id": locked.pk,
                "order_id": locked.order_id,
                "merchant_id": locked.merchant_id,
                "warehouse_id": warehouse.pk,
                "dispositions": parsed,
            }
        ],
    )
    shipment.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return shipment
