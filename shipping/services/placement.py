"""Placement: where a plan's boxes go. Options are proposed, the merchant confirms one.

Candidates are the active warehouses whose role receives inbound stock for the plan's mode
(``FulfillmentMode.inbound_roles``), narrowed by destination: FBA cross-border goes to an
origin FC in the ship-from country; global and virtual warehouses to the destination country
(or its customs area, for the EU) when one is given. A warehouse without room for the plan's
units and cubic metres is never proposed; if none has room, placement is refused, naming
each warehouse and its free space.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from merchants.geography import crosses_customs_border, customs_area
from shipping.inbound_rules import PLACEMENT_FEE_CURRENCY, PLACEMENT_FEE_PER_UNIT, PLACEMENT_OPTION_TTL_HOURS
from shipping.models import InboundPlan, InboundShipment, InboundShipmentLine, PlacementOption
from shipping.services.inbound_plans import ensure_plan_editable
from shipping.services.inbound_shipments import TransitionNotAllowed, record_status_event
from warehouses.models import Bucket, LedgerReason, Warehouse
from warehouses.modes import Mode, WarehouseRole
from warehouses.selectors import warehouse_utilisation
from warehouses.services.inventory import StockChange, inventory_apply

MAX_SINGLE_OPTIONS = 3


class PlacementRefused(ValidationError):  # noqa: N818
    """No warehouse can take the plan (none serves it, or none has room)."""


def _candidates(plan: InboundPlan) -> list[Warehouse]:
    warehouses = Warehouse.objects.filter(is_active=True, role__in=plan.mode.inbound_roles)
    if plan.mode_id == Mode.FBA_CROSS_BORDER:
        warehouses = warehouses.filter(role=WarehouseRole.ORIGIN_FC, country=plan.country)
    elif plan.destination_country:
        area = customs_area(plan.destination_country.code)
        warehouses = [w for w in warehouses if customs_area(w.country.code) == area]
    return list(warehouses)


def _plan_boxes(plan: InboundPlan) -> list[dict]:
    boxes = []
    for box in plan.boxes.prefetch_related("contents__product"):
        units = sum(c.quantity for c in box.contents.all())
        fee = sum((PLACEMENT_FEE_PER_UNIT[c.product.size_tier] * c.quantity for c in box.contents.all()), Decimal("0"))
        boxes.append(
            {"number": box.number, "units": units, "volume_m3": box.volume_cm3 / Decimal(1_000_000), "fee": fee}
        )
    return boxes


def _option(plan, label: str, groups: list[tuple[Warehouse, list[dict]]], *, charged: bool) -> PlacementOption:
    shipments = []
    total = Decimal("0")
    for warehouse, boxes in groups:
        fee = sum((b["fee"] for b in boxes), Decimal("0")) if charged else Decimal("0")
        total += fee
        shipments.append(
            {
                "warehouse_id": warehouse.pk,
                "warehouse_code": warehouse.code,
                "box_numbers": [b["number"] for b in boxes],
                "units": sum(b["units"] for b in boxes),
                "fee": str(fee.quantize(Decimal("0.01"))),
            }
        )
    return PlacementOption(
        plan=plan,
        option_id="PO" + secrets.token_hex(5).upper(),
        label=label,
        shipments=shipments,
        fee_total=total.quantize(Decimal("0.01")),
        currency=PLACEMENT_FEE_CURRENCY,
        expires_at=timezone.now() + timedelta(hours=PLACEMENT_OPTION_TTL_HOURS),
    )


def _split(boxes: list[dict], warehouses: list[Warehouse]) -> list[tuple[Warehouse, list[dict]]]:
    """Spread boxes over warehouses, largest box first onto the least loaded warehouse."""
    loads = {w.pk: 0 for w in warehouses}
    groups: dict[int, list[dict]] = {w.pk: [] for w in warehouses}
    for box in sorted(boxes, key=lambda b: -b["units"]):
        target = min(loads, key=loads.__getitem__)
        groups[target].append(box)
        loads[target] += box["units"]
    return [(w, sorted(groups[w.pk], key=lambda b: b["number"])) for w in warehouses if groups[w.pk]]


def placement_options_generate(*, plan: InboundPlan) -> list[PlacementOption]:
    """Replace the plan's offered options with fresh ones (cheapest first).

    If no warehouse of the network serves the plan at all, the plan becomes ERRORED (with the
    reason) and ``PlacementRefused`` is raised; if warehouses serve it but none has room, the
    plan stays ACTIVE so that it can be placed later.
    """
    try:
        return _generate(plan)
    except PlacementRefused as refusal:
        if getattr(refusal, "plan_errored", False):
            InboundPlan.objects.filter(pk=plan.pk, status=InboundPlan.Status.ACTIVE).update(
                status=InboundPlan.Status.ERRORED, error=refusal.messages[0], updated_at=timezone.now()
            )
        raise


@transaction.atomic
def _generate(plan: InboundPlan) -> list[PlacementOption]:
    plan = InboundPlan.objects.select_for_update(of=("self",)).select_related("mode").get(pk=plan.pk)
    ensure_plan_editable(plan)
    boxes = _plan_boxes(plan)
    if not boxes:
        raise ValidationError({"boxes": "Pack the plan into boxes before asking for placement."})
    candidates = _candidates(plan)
    if not candidates:
        where = f" for {plan.destination_country.name}" if plan.destination_country else ""
        refusal = PlacementRefused(
            {
                "destination_country": f"No active warehouse of the {plan.mode.name} mode serves this plan{where}. "
                "Create a new plan with another destination or mode."
            }
        )
        refusal.plan_errored = True
        raise refusal

    units = sum(b["units"] for b in boxes)
    volume = sum((b["volume_m3"] for b in boxes), Decimal("0"))
    usage = warehouse_utilisation(warehouse_ids=[w.pk for w in candidates])
    roomy = [w for w in candidates if usage[w.pk].free_units >= units and usage[w.pk].free_m3 >= volume]
    if not roomy:
        detail = "; ".join(
            f"{w.code} has room for {usage[w.pk].free_units} units / {usage[w.pk].free_m3:.2f} m³" for w in candidates
        )
        raise PlacementRefused({"placement": f"No warehouse has room for {units} units ({volume:.2f} m³): {detail}."})
    # Prefer a warehouse in the destination (or ship-from) country, then the emptiest.
    home = plan.destination_country.code if plan.destination_country else plan.country.code
    roomy.sort(key=lambda w: (w.country.code != home, usage[w.pk].share, w.code))

    plan.placement_options.filter(status=PlacementOption.Status.OFFERED).delete()
    options = [
        _option(plan, f"All boxes to {w.code} ({w.city})", [(w, boxes)], charged=True)
        for w in roomy[:MAX_SINGLE_OPTIONS]
    ]
    if len(roomy) >= 2 and len(boxes) >= 2:
        pair = roomy[:2]
        split = _split(boxes, pair)
        fits = all(usage[w.pk].free_units >= sum(b["units"] for b in group) for w, group in split)
        if len(split) == 2 and fits:
            options.append(_option(plan, f"Split across {pair[0].code} and {pair[1].code}", split, charged=False))
    PlacementOption.objects.bulk_create(options)
    return sorted(options, key=lambda o: (o.fee_total, o.label))


@transaction.atomic
def placement_option_confirm(*, plan: InboundPlan, option_id: str, user=None) -> list[InboundShipment]:
    """Accept one option: create its inbound shipments and put their units in ``inbound_working``."""
    plan = InboundPlan.objects.select_for_update(of=("self",)).select_related("mode", "merchant").get(pk=plan.pk)
    ensure_plan_editable(plan)
    option = plan.placement_options.filter(option_id=option_id).first()
    if option is None:
        raise ValidationError({"option_id": f"Placement option {option_id} does not belong to this plan."})
    if option.status != PlacementOption.Status.OFFERED or option.expires_at <= timezone.now():
        raise TransitionNotAllowed({"option_id": f"Placement option {option_id} has expired; ask for new options."})

    warehouse_ids = [s["warehouse_id"] for s in option.shipments]
    warehouses = Warehouse.objects.select_for_update().in_bulk(warehouse_ids)
    usage = warehouse_utilisation(warehouse_ids=warehouse_ids)
    boxes = {b.number: b for b in plan.boxes.prefetch_related("contents__product")}
    items = {i.product_id: i for i in plan.items.all()}
    shipments = []
    for entry in option.shipments:
        warehouse = warehouses.get(entry["warehouse_id"])
        if warehouse is None or not warehouse.is_active:
            raise PlacementRefused({"option_id": "A warehouse of this option is no longer active; ask again."})
        volume = sum((boxes[n].volume_cm3 for n in entry["box_numbers"]), Decimal(0)) / Decimal(1_000_000)
        if usage[warehouse.pk].free_units < entry["units"] or usage[warehouse.pk].free_m3 < volume:
            raise PlacementRefused(
                {"option_id": f"{warehouse.code} no longer has room for {entry['units']} units; ask for new options."}
            )
        shipment = InboundShipment.objects.create(
            plan=plan,
            merchant=plan.merchant,
            warehouse=warehouse,
            source_country=plan.country,
            placement_fee=Decimal(entry["fee"]),
            fee_currency=option.currency,
            shipping_mode=plan.shipping_mode,
            customs_status=(
                InboundShipment.CustomsStatus.PENDING
                if crosses_customs_border(plan.country.code, warehouse.country.code)
                else InboundShipment.CustomsStatus.NOT_REQUIRED
            ),
        )
        record_status_event(
            shipment=shipment,
            from_status="",
            to_status=shipment.status,
            actor=user,
            note=f"Placement option {option.option_id} confirmed",
        )
        units: dict[int, int] = {}
        for position, number in enumerate(entry["box_numbers"], start=1):
            box = boxes[number]
            box.shipment = shipment
            box.box_id = f"{shipment.confirmation_id}U{position:06d}"
            box.save(update_fields=["shipment", "box_id"])
            for content in box.contents.all():
                units[content.product_id] = units.get(content.product_id, 0) + content.quantity
        InboundShipmentLine.objects.bulk_create(
            InboundShipmentLine(
                shipment=shipment,
                product_id=product_id,
                quantity_expected=quantity,
                label_owner=items[product_id].label_owner,
                prep_owner=items[product_id].prep_owner,
            )
            for product_id, quantity in sorted(units.items())
        )
        changes = [StockChange(p, warehouse.pk, Bucket.INBOUND_WORKING, q) for p, q in units.items()]
        inventory_apply(
            merchant_id=plan.merchant_id,
            changes=changes,
            reason=LedgerReason.INBOUND_CONFIRMED,
            reference_type="inbound_shipment",
            reference_id=shipment.confirmation_id,
            actor=user,
        )
        shipments.append(shipment)

    option.status = PlacementOption.Status.ACCEPTED
    option.save(update_fields=["status"])
    plan.placement_options.exclude(pk=option.pk).update(status=PlacementOption.Status.EXPIRED)
    plan.step = InboundPlan.Step.TRANSPORT
    plan.save(update_fields=["step", "updated_at"])
    return shipments
