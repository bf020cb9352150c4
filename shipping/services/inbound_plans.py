"""Inbound plans: items, source address and packing. Editable until placement is confirmed.

Bad input raises ``ValidationError`` whose keys are field paths (``items.0.sku``,
``boxes.1.contents.0.quantity``); nothing is written unless everything is valid.
"""

from collections import Counter
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from merchants.models import Merchant, Product
from shipping.inbound_rules import BOX_LIMITS, box_limit_errors
from shipping.models import InboundBox, InboundBoxContent, InboundPlan, InboundPlanItem
from shipping.models.inbound import Owner, ShippingMode
from warehouses.models import FulfillmentMode, Warehouse
from warehouses.modes import Mode

ADDRESS_FIELDS = (
    "contact_name",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
)


MAX_UNITS = 1_000_000


class PlanLocked(ValidationError):  # noqa: N818 - reads as the domain says it
    """The plan's placement is confirmed (or the plan is no longer active): it cannot change."""


def ensure_plan_editable(plan: InboundPlan) -> None:
    if plan.status != InboundPlan.Status.ACTIVE:
        raise PlanLocked(f"Plan “{plan.name}” is {plan.get_status_display().lower()} and can no longer change.")
    if plan.shipments.exists():
        raise PlanLocked(f"Placement of plan “{plan.name}” is confirmed: its items and boxes can no longer change.")


def _positive_int(value, path: str, errors: dict) -> int | None:
    try:
        number = int(value)
        if str(value).strip() != str(number) and not isinstance(value, int):
            raise ValueError
    except (TypeError, ValueError):
        errors[path] = "Enter a whole number of units."
        return None
    if number <= 0:
        errors[path] = "Quantity must be at least 1."
        return None
    if number > MAX_UNITS:
        errors[path] = f"Quantity may be at most {MAX_UNITS:,} units."
        return None
    return number


def _decimal(value, path: str, errors: dict, *, minimum: Decimal) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        errors[path] = "Enter a number."
        return None
    if not number.is_finite() or number < minimum:
        errors[path] = f"Must be at least {minimum}."
        return None
    return number


def resolve_skus(*, merchant: Merchant, skus: list[str]) -> dict[str, Product]:
    """The merchant's active products by upper-cased SKU (another merchant's SKU is unknown)."""
    products = Product.objects.filter(merchant=merchant, is_active=True, sku__in=set(skus) | {s.upper() for s in skus})
    found = {p.sku.upper(): p for p in products}
    missing = {s.upper() for s in skus} - set(found)
    if missing:
        # A case-insensitive fallback for the rare SKU stored in mixed case.
        for product in Product.objects.filter(merchant=merchant, is_active=True):
            if product.sku.upper() in missing:
                found[product.sku.upper()] = product
    return found


def _clean_items(*, merchant: Merchant, items: list[dict]) -> list[dict]:
    errors: dict[str, str] = {}
    if not items:
        raise ValidationError({"items": "Add at least one item."})
    products = resolve_skus(merchant=merchant, skus=[str(i.get("sku", "")).strip() for i in items])
    seen: set[int] = set()
    cleaned = []
    for index, item in enumerate(items):
        sku = str(item.get("sku", "")).strip()
        product = products.get(sku.upper())
        if not sku:
            errors[f"items.{index}.sku"] = "Enter a SKU."
        elif product is None:
            errors[f"items.{index}.sku"] = f"Unknown SKU {sku}: it is not an active product of your catalog."
        elif product.pk in seen:
            errors[f"items.{index}.sku"] = f"SKU {sku} is listed twice; give it one line with the total quantity."
        quantity = _positive_int(item.get("quantity"), f"items.{index}.quantity", errors)
        owners = {}
        for field in ("label_owner", "prep_owner"):
            value = item.get(field) or Owner.MERCHANT
            if value not in Owner.values:
                errors[f"items.{index}.{field}"] = f"Choose one of: {', '.join(Owner.values)}."
            owners[field] = value
        if product is not None and quantity is not None:
            seen.add(product.pk)
            cleaned.append({"product": product, "quantity": quantity, **owners})
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_mode(mode_code: str, destination_country: str) -> FulfillmentMode:
    mode = FulfillmentMode.objects.filter(code=mode_code).first()
    if mode is None:
        raise ValidationError({"mode": f"Unknown fulfillment mode {mode_code!r}."})
    if not mode.inbound_roles:
        raise ValidationError({"mode": f"{mode.name} holds no platform stock: there is nothing to send."})
    if destination_country:
        countries_served = set(
            Warehouse.objects.filter(role__in=mode.inbound_roles, is_active=True).values_list("country", flat=True)
        )
        if mode.code == Mode.ASIA_WAREHOUSE and destination_country not in countries_served:
            raise ValidationError(
                {
                    "destination_country": "Asia warehouses are in "
                    f"{', '.join(sorted(countries_served)) or 'no country'}"
                    "; choose one of them or leave the destination blank."
                }
            )
    return mode


@transaction.atomic
def inbound_plan_create(
    *,
    merchant: Merchant,
    mode: str,
    items: list[dict],
    name: str = "",
    destination_country: str = "",
    source: dict | None = None,
    user=None,
) -> InboundPlan:
    """Create an ACTIVE plan; ``source`` defaults to the merchant's ship-from address."""
    fulfillment_mode = _clean_mode(mode, destination_country)
    source = source or {field: getattr(merchant, field) for field in ADDRESS_FIELDS}
    unknown = set(source) - set(ADDRESS_FIELDS)
    if unknown:
        raise ValidationError({f"source.{k}": "Unknown address field." for k in sorted(unknown)})
    plan = InboundPlan(
        merchant=merchant,
        mode=fulfillment_mode,
        destination_country=destination_country or "",
        name=name or f"Plan {merchant.slug}",
        created_by=user if getattr(user, "pk", None) else None,
        **{k: (v.code if hasattr(v, "code") else v) or "" for k, v in source.items()},
    )
    errors: dict = {}
    try:
        plan.full_clean(exclude=["merchant", "mode", "created_by"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            key = f"source.{field}" if field in ADDRESS_FIELDS else field
            errors[key] = messages
    try:
        cleaned = _clean_items(merchant=merchant, items=items)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    plan.save()
    if not name:
        plan.name = f"Plan {plan.pk}"
        plan.save(update_fields=["name"])
    InboundPlanItem.objects.bulk_create(InboundPlanItem(plan=plan, **item) for item in cleaned)
    plan.step = InboundPlan.Step.PACKING
    plan.save(update_fields=["step"])
    return plan


@transaction.atomic
def inbound_plan_set_items(*, plan: InboundPlan, items: list[dict]) -> InboundPlan:
    """Replace the plan's items; any packing is discarded (it no longer adds up)."""
    plan = InboundPlan.objects.select_for_update().get(pk=plan.pk)
    ensure_plan_editable(plan)
    cleaned = _clean_items(merchant=plan.merchant, items=items)
    plan.boxes.all().delete()
    plan.placement_options.all().delete()
    plan.items.all().delete()
    InboundPlanItem.objects.bulk_create(InboundPlanItem(plan=plan, **item) for item in cleaned)
    plan.step = InboundPlan.Step.PACKING
    plan.save(update_fields=["step", "updated_at"])
    return plan


@transaction.atomic
def inbound_plan_set_boxes(*, plan: InboundPlan, boxes: list[dict], shipping_mode: str | None = None) -> InboundPlan:
    """Replace the plan's boxes. Contents must add up to the plan's items exactly.

    Each box: ``weight_kg``, ``length_cm``, ``width_cm``, ``height_cm`` and ``contents``
    (``[{"sku", "quantity"}]``). A box must fit the shipping mode's limits and weigh at least
    what its units weigh.
    """
    plan = InboundPlan.objects.select_for_update().get(pk=plan.pk)
    ensure_plan_editable(plan)
    shipping_mode = shipping_mode or plan.shipping_mode
    if shipping_mode not in BOX_LIMITS:
        raise ValidationError({"shipping_mode": f"Choose one of: {', '.join(ShippingMode.values)}."})
    if not boxes:
        raise ValidationError({"boxes": "Add at least one box."})
    if len(boxes) > 5000:
        raise ValidationError({"boxes": "A plan may have at most 5,000 boxes."})

    items = {item.product.sku.upper(): item for item in plan.items.select_related("product")}
    errors: dict[str, str] = {}
    packed: Counter[int] = Counter()
    cleaned_boxes = []
    for b, box in enumerate(boxes):
        dims = {}
        for field, minimum in (
            ("weight_kg", Decimal("0.01")),
            ("length_cm", Decimal("1")),
            ("width_cm", Decimal("1")),
            ("height_cm", Decimal("1")),
        ):
            dims[field] = _decimal(box.get(field), f"boxes.{b}.{field}", errors, minimum=minimum)
        contents = []
        seen: set[str] = set()
        for c, content in enumerate(box.get("contents") or []):
            sku = str(content.get("sku", "")).strip().upper()
            item = items.get(sku)
            if item is None:
                errors[f"boxes.{b}.contents.{c}.sku"] = f"SKU {content.get('sku', '')} is not in this plan."
            elif sku in seen:
                errors[f"boxes.{b}.contents.{c}.sku"] = f"SKU {item.product.sku} appears twice in box {b + 1}."
            quantity = _positive_int(content.get("quantity"), f"boxes.{b}.contents.{c}.quantity", errors)
            if item is not None and quantity is not None and sku not in seen:
                seen.add(sku)
                contents.append((item.product, quantity))
                packed[item.product_id] += quantity
        if not box.get("contents"):
            errors[f"boxes.{b}.contents"] = f"Box {b + 1} is empty."
        if None not in dims.values():
            sides = (dims["length_cm"], dims["width_cm"], dims["height_cm"])
            problems = box_limit_errors(shipping_mode=shipping_mode, weight_kg=dims["weight_kg"], sides_cm=sides)
            units_weight = sum((p.weight_kg * q for p, q in contents), Decimal("0"))
            if units_weight > dims["weight_kg"]:
                problems.append(f"weighs {dims['weight_kg']} kg but its units alone weigh {units_weight} kg")
            units_volume = sum((p.length_cm * p.width_cm * p.height_cm * q for p, q in contents), Decimal("0"))
            if units_volume > sides[0] * sides[1] * sides[2]:
                problems.append("is too small for its units")
            if problems:
                errors[f"boxes.{b}"] = f"Box {b + 1} " + "; ".join(problems) + "."
        cleaned_boxes.append((dims, contents))

    for item in items.values():
        if packed[item.product_id] != item.quantity:
            errors[f"items.{item.product.sku}"] = (
                f"SKU {item.product.sku}: the plan has {item.quantity} units but the boxes hold "
                f"{packed[item.product_id]}."
            )
    if errors:
        raise ValidationError(errors)

    plan.boxes.all().delete()
    plan.placement_options.all().delete()
    for number, (dims, contents) in enumerate(cleaned_boxes, start=1):
        box = InboundBox.objects.create(plan=plan, number=number, **dims)
        InboundBoxContent.objects.bulk_create(
            InboundBoxContent(box=box, product=product, quantity=quantity) for product, quantity in contents
        )
    plan.shipping_mode = shipping_mode
    plan.step = InboundPlan.Step.PLACEMENT
    plan.save(update_fields=["shipping_mode", "step", "updated_at"])
    return plan


@transaction.atomic
def inbound_plan_void(*, plan: InboundPlan, user=None) -> InboundPlan:
    """Void a plan before its placement is confirmed (afterwards, delete or cancel shipments)."""
    plan = InboundPlan.objects.select_for_update().get(pk=plan.pk)
    ensure_plan_editable(plan)
    plan.status = InboundPlan.Status.VOIDED
    plan.save(update_fields=["status", "updated_at"])
    plan.placement_options.update(status="EXPIRED")
    return plan
