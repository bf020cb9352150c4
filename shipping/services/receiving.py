"""Dock receiving: check boxes in, count their units, close the shipment with a reconciliation.

Units move ``inbound_shipped`` → ``inbound_receiving`` when their box is checked in, and
``inbound_receiving`` → ``fulfillable`` (good) / ``unfulfillable`` (damaged) when it is
counted. Units a count does not find go to ``researching``; so do the units of boxes never
checked in when the shipment closes. Closing resolves each line and takes the researched
units out, so nothing disappears without a line that says why.
"""

import re
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shipping.inbound_rules import (
    AUTO_RECONCILE_MAX_SHARE,
    AUTO_RECONCILE_MAX_UNITS,
    CLAIM_WINDOW_DAYS,
    COUNT_WEIGHT_TOLERANCE,
)
from shipping.models import InboundBox, InboundShipment, InboundShipmentLine
from shipping.services.inbound_shipments import (
    S,
    TransitionNotAllowed,
    advance_to,
    inbound_shipment_transition,
    record_status_event,
)
from warehouses.models import Bucket, LedgerReason, Warehouse
from warehouses.services.inventory import StockChange, inventory_apply

MAX_UNITS = 1_000_000
RECEIVABLE = frozenset({S.SHIPPED, S.IN_TRANSIT, S.DELIVERED, S.CHECKED_IN, S.RECEIVING})
Resolution = InboundShipmentLine.Resolution


def _find_box(*, box_id: str, warehouse: Warehouse) -> InboundBox:
    code = (box_id or "").strip().upper()
    box = InboundBox.objects.select_related("shipment__warehouse").filter(box_id=code).first()
    if box is None or box.shipment is None:
        raise ValidationError({"box_id": f"No box {code or '(blank)'} is expected anywhere."})
    if box.shipment.warehouse_id != warehouse.pk:
        raise ValidationError(
            {"box_id": f"Box {code} belongs to {box.shipment.warehouse.code}, not {warehouse.code}: send it on."}
        )
    return box


@transaction.atomic
def box_check_in(*, box_id: str, warehouse: Warehouse, actor=None) -> InboundBox:
    """Scan a box at the dock. Checking in the same box twice is refused, even at the same moment."""
    box = _find_box(box_id=box_id, warehouse=warehouse)
    shipment = InboundShipment.objects.select_for_update().get(pk=box.shipment_id)
    if shipment.status not in RECEIVABLE:
        raise TransitionNotAllowed(
            {
                "box_id": f"Shipment {shipment.confirmation_id} is {S(shipment.status).label.lower()}: "
                "its boxes cannot be received."
            }
        )
    now = timezone.now()
    # Compare-and-set: of two scans racing for one box, exactly one updates the row.
    claimed = InboundBox.objects.filter(pk=box.pk, checked_in_at__isnull=True).update(
        checked_in_at=now, checked_in_by=actor if getattr(actor, "pk", None) else None
    )
    if not claimed:
        raise TransitionNotAllowed({"box_id": f"Box {box.box_id} is already checked in."})
    if shipment.status != S.CHECKED_IN and shipment.status != S.RECEIVING:
        advance_to(shipment=shipment, target=S.CHECKED_IN, actor=actor, note=f"Box {box.box_id} arrived")
    changes = []
    for content in box.contents.all():
        changes += [
            StockChange(content.product_id, warehouse.pk, Bucket.INBOUND_SHIPPED, -content.quantity),
            StockChange(content.product_id, warehouse.pk, Bucket.INBOUND_RECEIVING, content.quantity),
        ]
    inventory_apply(
        merchant_id=shipment.merchant_id,
        changes=changes,
        reason=LedgerReason.INBOUND_CHECKED_IN,
        reference_type="inbound_box",
        reference_id=box.box_id,
        actor=actor,
    )
    box.refresh_from_db()
    return box


def _box_capacity(box: InboundBox, product) -> int:
    """The most units of ``product`` the box could physically hold, by volume and by weight."""
    unit_volume = product.length_cm * product.width_cm * product.height_cm
    by_volume = int(box.volume_cm3 / unit_volume) if unit_volume else 10**9
    by_weight = int(box.weight_kg * COUNT_WEIGHT_TOLERANCE / product.weight_kg) if product.weight_kg else 10**9
    return min(by_volume, by_weight)


@transaction.atomic
def box_count(*, box_id: str, warehouse: Warehouse, counts: dict[str, dict], actor=None) -> InboundBox:
    """Record what a checked-in box holds: ``{sku: {"good": n, "damaged": m}}``.

    A SKU the box should hold but ``counts`` omits counts as zero found. A recount replaces the
    earlier count and moves only the difference.
    """
    box = _find_box(box_id=box_id, warehouse=warehouse)
    shipment = InboundShipment.objects.select_for_update().get(pk=box.shipment_id)
    box = InboundBox.objects.select_for_update().get(pk=box.pk)
    if box.checked_in_at is None:
        raise TransitionNotAllowed({"box_id": f"Check box {box.box_id} in before counting it."})
    if shipment.status not in {S.CHECKED_IN, S.RECEIVING}:
        raise TransitionNotAllowed({"box_id": f"Shipment {shipment.confirmation_id} is closed for counting."})

    contents = {c.product.sku.upper(): c for c in box.contents.select_related("product")}
    errors: dict[str, str] = {}
    parsed: dict[str, tuple[int, int]] = {}
    for sku, numbers in (counts or {}).items():
        key = str(sku).strip().upper()
        if key not in contents:
            errors[f"counts.{sku}"] = f"SKU {sku} was not packed in box {box.box_id}."
            continue
        if not isinstance(numbers, dict):
            errors[f"counts.{sku}"] = 'Give the good and damaged units, e.g. {"good": 10, "damaged": 0}.'
            continue
        values = []
        for part in ("good", "damaged"):
            raw = numbers.get(part, 0)
            if isinstance(raw, bool) or not re.fullmatch(r"[0-9]{1,9}", str(raw).strip()):
                errors[f"counts.{sku}.{part}"] = "Enter a whole number of units, 0 or more."
                values.append(0)
            else:
                values.append(int(raw))
        product = contents[key].product
        capacity = min(_box_capacity(box, product), MAX_UNITS)
        if sum(values) > capacity:
            errors[f"counts.{sku}"] = (
                f"Box {box.box_id} ({box.length_cm}×{box.width_cm}×{box.height_cm} cm, {box.weight_kg} kg) cannot "
                f"hold {sum(values)} units of {product.sku}: at most {capacity}."
            )
        parsed[key] = (values[0], values[1])
    if not errors:
        # Each SKU fits alone; together they must fit too.
        volume = sum(
            (contents[k].product.length_cm * contents[k].product.width_cm * contents[k].product.height_cm * sum(v))
            for k, v in parsed.items()
        )
        weight = sum((contents[k].product.weight_kg * sum(v) for k, v in parsed.items()), Decimal("0"))
        if volume > box.volume_cm3 or weight > box.weight_kg * COUNT_WEIGHT_TOLERANCE:
            errors["counts"] = (
                f"Box {box.box_id} ({box.length_cm}×{box.width_cm}×{box.height_cm} cm, {box.weight_kg} kg) cannot "
                "hold all of these units together: recount."
            )
    if errors:
        raise ValidationError(errors)

    changes: list[StockChange] = []
    lines = {line.product_id: line for line in shipment.lines.select_for_update()}
    for key, content in contents.items():
        good, damaged = parsed.get(key, (0, 0))
        old_good, old_damaged = content.counted_good or 0, content.counted_damaged or 0
        first_count = content.counted_good is None
        missing, old_missing = (
            max(content.quantity - good - damaged, 0),
            max(content.quantity - old_good - old_damaged, 0),
        )
        deltas = {
            Bucket.FULFILLABLE: good - old_good,
            Bucket.UNFULFILLABLE: damaged - old_damaged,
            Bucket.RESEARCHING: missing - (0 if first_count else old_missing),
        }
        if first_count:
            deltas[Bucket.INBOUND_RECEIVING] = -content.quantity
        changes += [StockChange(content.product_id, warehouse.pk, b, d) for b, d in deltas.items() if d]
        content.counted_good, content.counted_damaged = good, damaged
        content.save(update_fields=["counted_good", "counted_damaged"])
        line = lines[content.product_id]
        InboundShipmentLine.objects.filter(pk=line.pk).update(
            quantity_received=F("quantity_received") + good - old_good,
            quantity_damaged=F("quantity_damaged") + damaged - old_damaged,
        )
    if changes:
        inventory_apply(
            merchant_id=shipment.merchant_id,
            changes=changes,
            reason=LedgerReason.INBOUND_RECEIVED,
            reference_type="inbound_box",
            reference_id=box.box_id,
            actor=actor,
        )
    InboundBox.objects.filter(pk=box.pk).update(counted_at=timezone.now())
    if shipment.status == S.CHECKED_IN:
        inbound_shipment_transition(shipment=shipment, to=S.RECEIVING, actor=actor, note="Counting started")
    box.refresh_from_db()
    return box


def default_resolution(line: InboundShipmentLine) -> str | None:
    """The resolution a line gets unless the operator chooses; ``None`` when one must be chosen."""
    if line.shortage == 0:
        return Resolution.RECEIVED
    if line.shortage <= max(AUTO_RECONCILE_MAX_UNITS, int(line.quantity_expected * AUTO_RECONCILE_MAX_SHARE)):
        return Resolution.AUTO_RECONCILED
    return None


@transaction.atomic
def inbound_shipment_close(
    *, shipment: InboundShipment, resolutions: dict[str, dict] | None = None, actor=None
) -> InboundShipment:
    """Close receiving: reconcile every line and open the 60-day claim window.

    ``resolutions``: ``{sku: {"resolution": ..., "note": ...}}``. A line short by more than the
    auto-reconcile tolerance needs ``reimbursed`` or ``units_not_shipped``; ``received`` is only
    for a line with nothing missing.
    """
    shipment = InboundShipment.objects.select_for_update(of=("self",)).select_related("warehouse").get(pk=shipment.pk)
    if shipment.status not in {S.CHECKED_IN, S.RECEIVING}:
        raise TransitionNotAllowed(
            {
                "status": f"Shipment {shipment.confirmation_id} is {S(shipment.status).label.lower()}; only a shipment "
                "being received can be closed."
            }
        )
    resolutions = {str(k).strip().upper(): v for k, v in (resolutions or {}).items()}
    changes: list[StockChange] = []
    uncounted = list(
        shipment.boxes.filter(checked_in_at__isnull=False, counted_at__isnull=True).values_list("box_id", flat=True)
    )
    if uncounted:
        raise ValidationError({"boxes": f"Count every checked-in box first: {', '.join(uncounted)}."})
    # Units put in ``researching`` for this shipment, per product: what counted boxes missed,
    # and (moved now) everything in the boxes that never reached the dock.
    researching: dict[int, int] = {}
    for box in shipment.boxes.prefetch_related("contents"):
        for content in box.contents.all():
            if box.checked_in_at is None:
                missing = content.quantity
                changes += [
                    StockChange(content.product_id, shipment.warehouse_id, Bucket.INBOUND_SHIPPED, -missing),
                    StockChange(content.product_id, shipment.warehouse_id, Bucket.RESEARCHING, missing),
                ]
            else:
                missing = max(content.quantity - content.counted_good - content.counted_damaged, 0)
            researching[content.product_id] = researching.get(content.product_id, 0) + missing
    if changes:
        inventory_apply(
            merchant_id=shipment.merchant_id,
            changes=changes,
            reason=LedgerReason.RESEARCH,
            reference_type="inbound_shipment",
            reference_id=shipment.confirmation_id,
            actor=actor,
            note="Boxes never checked in",
        )

    lines = list(shipment.lines.select_related("product"))
    known = {line.product.sku.upper() for line in lines}
    errors: dict[str, str] = {
        f"resolutions.{sku}": f"SKU {sku} is not in shipment {shipment.confirmation_id}."
        for sku in resolutions
        if sku not in known
    }
    settle: list[StockChange] = []
    for line in lines:
        sku = line.product.sku.upper()
        wanted = (resolutions.get(sku) or {}).get("resolution") or default_resolution(line)
        if wanted is None:
            errors[f"resolutions.{line.product.sku}"] = (
                f"{line.product.sku} is {line.shortage} units short: choose reimbursed or units_not_shipped."
            )
            continue
        if wanted not in Resolution.values:
            errors[f"resolutions.{line.product.sku}"] = f"Choose one of: {', '.join(Resolution.values)}."
            continue
        if wanted == Resolution.RECEIVED and line.shortage:
            errors[f"resolutions.{line.product.sku}"] = (
                f"{line.product.sku} is {line.shortage} units short: it cannot be closed as received."
            )
            continue
        line.resolution = wanted
        line.resolution_note = str((resolutions.get(sku) or {}).get("note", ""))[:200]
        if wanted == Resolution.REIMBURSED:
            line.reimbursement_amount = (line.product.declared_value * line.shortage).quantize(Decimal("0.01"))
            line.reimbursement_currency = line.product.declared_currency
        # Every researched unit is settled at close: the shortage is resolved by this line, and
        # units missing from one box but found over in another were mis-packed, not lost.
        if researching.get(line.product_id):
            settle.append(
                StockChange(line.product_id, shipment.warehouse_id, Bucket.RESEARCHING, -researching[line.product_id])
            )
    if errors:
        raise ValidationError(errors)
    InboundShipmentLine.objects.bulk_update(
        lines, ["resolution", "resolution_note", "reimbursement_amount", "reimbursement_currency"]
    )
    if settle:
        inventory_apply(
            merchant_id=shipment.merchant_id,
            changes=settle,
            reason=LedgerReason.INBOUND_RECONCILED,
            reference_type="inbound_shipment",
            reference_id=shipment.confirmation_id,
            actor=actor,
        )
    now = timezone.now()
    if shipment.status == S.CHECKED_IN:
        inbound_shipment_transition(shipment=shipment, to=S.RECEIVING, actor=actor)
    inbound_shipment_transition(
        shipment=shipment,
        to=S.CLOSED,
        actor=actor,
        note="Receiving closed",
        closed_at=now,
        claim_window_ends_at=now + timedelta(days=CLAIM_WINDOW_DAYS),
    )
    return shipment


@transaction.atomic
def inbound_line_resolve(*, line: InboundShipmentLine, resolution: str, note: str = "", actor=None):
    """Change a closed line's resolution (e.g. a claim is accepted) inside the claim window."""
    line = (
        InboundShipmentLine.objects.select_for_update(of=("self",))
        .select_related("shipment", "product")
        .get(pk=line.pk)
    )
    shipment = line.shipment
    if shipment.status != S.CLOSED:
        raise ValidationError({"resolution": "Only lines of a closed shipment are re-resolved."})
    if shipment.claim_window_ends_at and timezone.now() > shipment.claim_window_ends_at:
        raise ValidationError(
            {
                "resolution": f"The 60-day claim window of {shipment.confirmation_id} closed on "
                f"{shipment.claim_window_ends_at:%Y-%m-%d}."
            }
        )
    if resolution not in Resolution.values or (resolution == Resolution.RECEIVED and line.shortage):
        raise ValidationError({"resolution": "Choose a resolution that fits the line."})
    line.resolution = resolution
    line.resolution_note = note[:200]
    if resolution == Resolution.REIMBURSED and line.shortage:
        line.reimbursement_amount = (line.product.declared_value * line.shortage).quantize(Decimal("0.01"))
        line.reimbursement_currency = line.product.declared_currency
    else:
        line.reimbursement_amount, line.reimbursement_currency = None, ""
    previous = InboundShipmentLine.objects.values_list("resolution", flat=True).get(pk=line.pk)
    line.save(update_fields=["resolution", "resolution_note", "reimbursement_amount", "reimbursement_currency"])
    record_status_event(
        shipment=shipment,
        from_status=shipment.status,
        to_status=shipment.status,
        actor=actor,
        note=f"{line.product.sku}: resolution {previous} → {resolution}" + (f" ({note})" if note else ""),
    )
    return line
