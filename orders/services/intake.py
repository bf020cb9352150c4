"""Order intake: validate, deduplicate, create, route and allocate — one order or a thousand.

Everything is set-based: one query for the SKUs, one for existing order ids, one to lock the
stock, bulk inserts for orders, lines, allocations, events and ledger rows. The number of
queries does not grow with the number of orders.

Each payload: ``merchant_order_id``, ``mode``, ``speed``, ``fulfillment_policy``,
``destination`` (``contact_name``, ``phone``, ``address_line1``, ``address_line2``, ``city``,
``region``, ``postal_code``, ``country``), ``buyer_email``, ``currency`` and ``lines``
(``sku``, ``quantity``, ``unit_value``).
"""

import datetime
import functools
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_countries import countries

from config.events import publish
from merchants.geography import Currency, postal_code_error
from merchants.models import Merchant, Product
from orders.models import Allocation, FulfillmentPolicy, Order, OrderEvent, OrderLine
from orders.routing import plan_allocation
from orders.services.status import orders_transition
from warehouses.models import Bucket, Fee, InventoryBalance, LedgerReason
from warehouses.modes import Mode, Speed
from warehouses.network import Network, Source
from warehouses.selectors import rate_card_for, rate_lookup
from warehouses.services.inventory import StockChange, inventory_apply

MAX_ORDERS_PER_REQUEST = 1000
MAX_LINES_PER_ORDER = 100
MAX_UNITS_PER_LINE = 100_000
ADDRESS_FIELDS = ("contact_name", "phone", "address_line1", "address_line2", "city", "region", "postal_code", "country")


# Validation runs per order, a thousand times a request: look-ups are frozen sets built once.
_MODES, _SPEEDS = frozenset(Mode.values), frozenset(Speed.values)
_POLICIES, _CURRENCIES = frozenset(FulfillmentPolicy.values), frozenset(Currency.values)


@functools.cache
def _country_codes() -> frozenset[str]:
    return frozenset(code for code, _ in countries)


class DuplicateOrder(ValidationError):  # noqa: N818
    """The merchant already has an order with this id."""

    def __init__(self, *, merchant_order_id: str, existing_id: int):
        self.existing_id = existing_id
        super().__init__(
            {
                "merchant_order_id": f"You already have order {merchant_order_id} (id {existing_id}); "
                "it was not created again."
            }
        )


@dataclass
class IntakeResult:
    index: int
    merchant_order_id: str
    outcome: str  # "created", "duplicate" or "rejected"
    order: Order | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    existing_id: int | None = None


@dataclass
class _Context:
    """What validation and routing read, loaded once per request."""

    merchant: Merchant
    products: dict[str, Product]
    network: Network
    today: datetime.date
    rate_cards: dict[str, object] = field(default_factory=dict)
    routes: dict[tuple[str, str, str], tuple[list[Source], str]] = field(default_factory=dict)

    def sources(self, mode: str, country: str, speed: str) -> tuple[list[Source], str]:
        key = (mode, country, speed)
        if key not in self.routes:
            self.routes[key] = self.network.sources(
                mode=mode, destination=country, speed=speed, merchant_country=self.merchant.country.code
            )
        return self.routes[key]

    def speed_offered(self, mode: str, speed: str, country: str) -> bool:
        if mode not in self.rate_cards:
            self.rate_cards[mode] = rate_card_for(mode_id=mode, on=self.today)
        card = self.rate_cards[mode]
        return rate_lookup(card, fee=Fee.LAST_MILE_PER_PARCEL, destination=country, speed=speed) is not None


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _null_characters(value, path: str = "") -> list[str]:
    """The field paths of the strings in ``value`` holding a NUL character: no text column takes one."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return []
    return [found for key, inner in items for found in _null_characters(inner, f"{path}.{key}" if path else str(key))]


def clean_address(destination, errors: dict[str, str]) -> dict[str, str]:
    """The destination address, stripped; problems go into ``errors`` under ``destination.*``."""
    destination = destination or {}
    if not isinstance(destination, dict):
        destination, errors["destination"] = {}, "Give the destination address as an object."
    address = {name: _text(destination.get(name)) for name in ADDRESS_FIELDS}
    address["country"] = address["country"].upper()
    address["postal_code"] = address["postal_code"].upper()
    for name in ("address_line1", "city"):
        if not address[name]:
            errors[f"destination.{name}"] = "This field is required."
    for name, limit in (
        ("contact_name", 120),
        ("phone", 40),
        ("address_line1", 200),
        ("address_line2", 200),
        ("city", 100),
        ("region", 100),
        ("postal_code", 20),
    ):
        if len(address[name]) > limit:
            errors[f"destination.{name}"] = f"At most {limit} characters."
    if address["country"] not in _country_codes():
        errors["destination.country"] = "Enter the destination country as an ISO code (e.g. US, DE)."
    elif (problem := postal_code_error(address["country"], address["postal_code"])) is not None:
        errors["destination.postal_code"] = problem
    return address


def clean_lines(lines, products: dict[str, Product], errors: dict[str, str], *, currency: str) -> list[dict]:
    """The order lines with their products; problems go into ``errors`` under ``lines.N.*``.

    A line without a unit value takes its product's declared value, which must then be in the
    order's ``currency`` (no silent conversion of a declared value).
    """
    cleaned_lines = []
    if not isinstance(lines, list) or not lines:
        errors["lines"] = "Add at least one line."
        lines = []
    elif len(lines) > MAX_LINES_PER_ORDER:
        errors["lines"] = f"An order has at most {MAX_LINES_PER_ORDER} lines."
    seen: set[int] = set()
    for index, line in enumerate(lines[:MAX_LINES_PER_ORDER]):
        line = line if isinstance(line, dict) else {}
        sku = _text(line.get("sku"))
        product = products.get(sku.upper())
        if product is None:
            errors[f"lines.{index}.sku"] = (
                f"Unknown SKU {sku}: it is not an active product of your catalog." if sku else "Enter a SKU."
            )
        elif product.pk in seen:
            errors[f"lines.{index}.sku"] = f"SKU {sku} is on two lines; put the total on one."
        raw_quantity = line.get("quantity")
        try:
            quantity = int(_text(raw_quantity)) if not isinstance(raw_quantity, bool) else None
        except ValueError:
            quantity = None
        if quantity is None or _text(raw_quantity) != str(quantity):
            errors[f"lines.{index}.quantity"] = "Enter a whole number of units."
        elif not 1 <= quantity <= MAX_UNITS_PER_LINE:
            errors[f"lines.{index}.quantity"] = f"Quantity must be between 1 and {MAX_UNITS_PER_LINE:,}."
        raw_value = line.get("unit_value")
        unit_value = None
        if raw_value in (None, ""):
            unit_value = product.declared_value if product is not None else None
            if product is not None and product.declared_currency != currency:
                unit_value = None
                errors[f"lines.{index}.unit_value"] = (
                    f"{product.sku} is declared in {product.declared_currency}; give its unit value in {currency}, "
                    "the order's currency."
                )
        else:
            try:
                unit_value = Decimal(_text(raw_value))
                if not unit_value.is_finite() or unit_value < 0 or unit_value > Decimal("1000000"):
                    raise InvalidOperation
                unit_value = unit_value.quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                errors[f"lines.{index}.unit_value"] = "Enter the declared value of one unit (0 to 1,000,000)."
        if product is not None and f"lines.{index}.sku" not in errors:
            seen.add(product.pk)
            if f"lines.{index}.quantity" not in errors and unit_value is not None:
                cleaned_lines.append({"product": product, "quantity": quantity, "unit_value": unit_value})
    return cleaned_lines


def _validate(payload: dict, ctx: _Context) -> tuple[dict, dict[str, str]]:
    """The cleaned order (with its lines and sources), and the errors keyed by field path."""
    errors: dict[str, str] = {}
    if not isinstance(payload, dict):
        return {}, {"": "Each order must be an object."}
    order_id = _text(payload.get("merchant_order_id"))
    if not order_id:
        errors["merchant_order_id"] = "Enter your order id."
    elif len(order_id) > 64:
        errors["merchant_order_id"] = "An order id has at most 64 characters."
    mode = _text(payload.get("mode"))
    if mode not in _MODES:
        errors["mode"] = f"Choose a fulfillment mode: {', '.join(Mode.values)}."
    speed = _text(payload.get("speed")) or Speed.STANDARD
    if speed not in _SPEEDS:
        errors["speed"] = f"Choose a speed: {', '.join(Speed.values)}."
    policy = _text(payload.get("fulfillment_policy")) or FulfillmentPolicy.FILL_OR_KILL
    if policy not in _POLICIES:
        errors["fulfillment_policy"] = f"Choose a policy: {', '.join(FulfillmentPolicy.values)}."
    currency = _text(payload.get("currency")).upper() or ctx.merchant.currency
    if currency not in _CURRENCIES:
        errors["currency"] = f"{currency} is not a currency Crossdock handles."
    email = _text(payload.get("buyer_email"))
    if len(email) > 254:
        errors["buyer_email"] = "An email address has at most 254 characters."
    elif email:
        try:
            validate_email(email)
        except ValidationError:
            errors["buyer_email"] = "Enter a valid email address."

    address = clean_address(payload.get("destination"), errors)
    cleaned_lines = clean_lines(
        payload.get("lines"),
        ctx.products,
        errors,
        currency=_text(payload.get("currency")).upper() or ctx.merchant.currency,
    )

    for path in _null_characters(payload):
        errors[path] = "Null characters are not allowed."

    sources: list[Source] = []
    if not errors:
        if not ctx.speed_offered(mode, speed, address["country"]):
            errors["speed"] = f"{Speed(speed).label} delivery is not offered in the {Mode(mode).label} mode."
        else:
            sources, reason = ctx.sources(mode, address["country"], speed)
            if not sources:
                errors["destination.country"] = reason
    cleaned = {
        "merchant_order_id": order_id,
        "mode": mode,
        "speed": speed,
        "policy": policy,
        "currency": currency,
        "buyer_email": email,
        "address": address,
        "lines": cleaned_lines,
        "sources": sources,
    }
    return cleaned, errors


def load_products(merchant: Merchant, payloads: list[dict]) -> dict[str, Product]:
    skus = {
        _text(line.get("sku")).upper()
        for payload in payloads
        if isinstance(payload, dict) and isinstance(payload.get("lines"), list)
        for line in payload["lines"]
        if isinstance(line, dict)
    }
    skus.discard("")
    # A SKU with a NUL character names no product (and a query may not even carry one): unknown.
    skus = {sku for sku in skus if "\x00" not in sku}
    products = Product.objects.filter(merchant=merchant, is_active=True).filter(
        sku__in=skus | {s.lower() for s in skus}
    )
    found = {p.sku.upper(): p for p in products}
    if len(found) < len(skus):  # mixed-case SKUs: a case-insensitive pass over the rest
        for product in Product.objects.filter(merchant=merchant, is_active=True).exclude(
            pk__in=[p.pk for p in found.values()]
        ):
            if product.sku.upper() in skus:
                found[product.sku.upper()] = product
    return found


def orders_intake(
    *, merchant: Merchant, payloads: list[dict], source: str = Order.Source.API, user=None, order_import=None
) -> list[IntakeResult]:
    """Create, route and allocate the valid orders; a result per payload, in order.

    Bad orders are ``rejected`` with their errors; orders whose id the merchant already used
    are ``duplicate`` (with the existing id) and nothing is created for them; the good ones
    are created even when others in the same request fail.
    """
    if len(payloads) > MAX_ORDERS_PER_REQUEST:
        raise ValidationError({"orders": f"At most {MAX_ORDERS_PER_REQUEST:,} orders a request."})
    ctx = _Context(
        merchant=merchant,
        products=load_products(merchant, payloads),
        network=Network.load(),
        today=timezone.localdate(),
    )
    results: list[IntakeResult] = []
    valid: list[tuple[IntakeResult, dict]] = []
    ids_in_request: dict[str, int] = {}
    for index, payload in enumerate(payloads):
        cleaned, errors = _validate(payload, ctx)
        result = IntakeResult(index=index, merchant_order_id=cleaned.get("merchant_order_id", ""), outcome="rejected")
        order_id = cleaned.get("merchant_order_id")
        if order_id and order_id in ids_in_request:
            errors["merchant_order_id"] = f"Order id {order_id} appears twice in this request."
        if order_id:
            ids_in_request.setdefault(order_id, index)
        if errors:
            result.errors = {key: [message] for key, message in errors.items()}
        else:
            valid.append((result, cleaned))
        results.append(result)
    if valid:
        _create(merchant=merchant, valid=valid, source=source, user=user, order_import=order_import)
    return results


@transaction.atomic
def _create(*, merchant: Merchant, valid: list[tuple[IntakeResult, dict]], source: str, user, order_import) -> None:
    # One intake at a time per merchant: the duplicate check below is then exact.
    Merchant.objects.select_for_update().filter(pk=merchant.pk).values_list("pk", flat=True).get()
    existing = dict(
        Order.objects.filter(
            merchant=merchant, merchant_order_id__in=[c["merchant_order_id"] for _, c in valid]
        ).values_list("merchant_order_id", "pk")
    )
    fresh = []
    for result, cleaned in valid:
        if cleaned["merchant_order_id"] in existing:
            result.outcome, result.existing_id = "duplicate", existing[cleaned["merchant_order_id"]]
            result.errors = DuplicateOrder(
                merchant_order_id=cleaned["merchant_order_id"], existing_id=result.existing_id
            ).message_dict
        else:
            fresh.append((result, cleaned))
    if not fresh:
        return
    actor = user if getattr(user, "pk", None) else None
    orders = []
    for result, c in fresh:
        order = Order(
            merchant=merchant,
            merchant_order_id=c["merchant_order_id"],
            mode_id=c["mode"],
            speed=c["speed"],
            fulfillment_policy=c["policy"],
            currency=c["currency"],
            buyer_email=c["buyer_email"],
            source=source,
            order_import=order_import,
            created_by=actor,
            **c["address"],
        )
        order.prefetched_lines = [
            OrderLine(line_number=n, product=line["product"], quantity=line["quantity"], unit_value=line["unit_value"])
            for n, line in enumerate(c["lines"], start=1)
        ]
        orders.append(order)
        result.outcome, result.order = "created", order
    # Plan first, then write every row once with its final values: no update pass over the lines.
    planned = plan_orders(orders=[(order, c["sources"]) for order, (_, c) in zip(orders, fresh, strict=True)])
    for order, (_, reason) in zip(orders, planned.transitions, strict=True):
        order.status_reason = reason[:300]
    Order.objects.bulk_create(orders)
    for order in orders:
        for line in order.prefetched_lines:
            line.order = order
    OrderLine.objects.bulk_create(line for order in orders for line in order.prefetched_lines)
    OrderEvent.objects.bulk_create(
        OrderEvent(order=order, to_status=Order.Status.RECEIVED, note=f"Received via {source}", actor=actor)
        for order in orders
    )
    publish(
        "order.created",
        [
            {
                "order_id": order.pk,
                "merchant_id": merchant.pk,
                "merchant_order_id": order.merchant_order_id,
                "status": Order.Status.RECEIVED,
                "mode": order.mode_id,
                "speed": order.speed,
                "fulfillment_policy": order.fulfillment_policy,
                "source": source,
                "destination_country": order.country.code,
                "currency": order.currency,
                "lines": [{"sku": ln.product.sku, "quantity": ln.quantity} for ln in order.prefetched_lines],
                "created_at": order.created_at.isoformat(),
            }
            for order in orders
        ],
    )
    _write_allocations(planned, merchant_id=merchant.pk, actor=actor)
    orders_transition(
        changes=[(order, to, reason) for order, (to, reason) in zip(orders, planned.transitions, strict=True)],
        actor=actor,
        reasons_saved=True,
    )


@dataclass
class _Planned:
    allocations: list[tuple[Order, OrderLine, int, int]] = field(default_factory=list)  # line, warehouse, units
    transitions: list[tuple[str, str]] = field(default_factory=list)  # per order: (status, reason)


def plan_orders(*, orders: list[tuple[Order, list[Source]]], initial: bool = True) -> _Planned:
    """Route and plan the reservations of the orders' pending units, order by order, in memory.

    The balances of every (candidate warehouse, product) are locked once; each order sees what
    the earlier ones left. Lines get their allocated / cancelled units and reasons; nothing is
    written here.
    """
    keys = {
        (s.warehouse_id, line.product_id)
        for order, sources in orders
        for s in sources
        if s.warehouse_id is not None
        for line in order.prefetched_lines
    }
    stock: dict[tuple[int, int], int] = {}
    if keys:
        merchant_id = orders[0][0].merchant_id
        for warehouse_id, product_id, fulfillable in (
            InventoryBalance.objects.select_for_update()
            .filter(merchant_id=merchant_id, warehouse_id__in={w for w, _ in keys}, product_id__in={p for _, p in keys})
            .order_by("pk")
            .values_list("warehouse_id", "product_id", "fulfillable")
        ):
            stock[(warehouse_id, product_id)] = fulfillable

    planned = _Planned()
    for order, sources in orders:
        lines = order.prefetched_lines
        if order.mode_id == Mode.DIRECT:
            planned.transitions.append(
                (Order.Status.PLANNING, f"Ships from {sources[0].country}, the merchant's address")
            )
            continue
        plan = plan_allocation(
            lines=[(line.product_id, line.quantity_pending) for line in lines],
            sources=sources,
            stock=stock,
            policy=order.fulfillment_policy,
        )
        codes = {s.warehouse_id: s.code for s in sources}
        where = ", ".join(list(codes.values())[:5]) + (" …" if len(codes) > 5 else "")
        for index, warehouse_id, quantity in plan.allocations:
            line = lines[index]
            planned.allocations.append((order, line, warehouse_id, quantity))
            line.quantity_allocated += quantity
        for line in lines:
            if not initial and line.quantity_pending == 0:
                line.unfulfillable_reason = ""
        for index, missing in plan.shortfall.items():
            line = lines[index]
            if plan.outcome == "partial_cancelled":
                line.quantity_cancelled = missing
                reason = f"{missing} of {line.quantity} not in stock at {where}: cancelled."
            elif plan.outcome == "partial_pending":
                reason = f"{missing} of {line.quantity} waiting for stock at {where}."
            else:
                reason = f"Only {line.quantity - missing} of {line.quantity} in stock at {where}."
            line.unfulfillable_reason = reason[:300]
        if plan.outcome == "unfulfillable":
            short = [ln for i, ln in enumerate(lines) if i in plan.shortfall]
            reason = "; ".join(f"{ln.product.sku}: {ln.unfulfillable_reason}" for ln in short)
            planned.transitions.append((Order.Status.UNFULFILLABLE, f"Not enough stock (fill or kill). {reason}"))
        else:
            note = {
                "allocated": "Stock reserved at " + ", ".join(sorted({codes[a[1]] for a in plan.allocations})),
                "partial_pending": "Waiting for stock (fill all): reserved what is in stock",
                "partial_cancelled": "Part reserved; the rest cancelled (fill all available)",
            }[plan.outcome]
            planned.transitions.append((Order.Status.PLANNING, note))
    return planned


def _write_allocations(planned: _Planned, *, merchant_id: int, actor) -> None:
    """The allocation rows and the ``fulfillable`` → ``reserved`` moves, one inventory change."""
    changes = []
    for order, line, warehouse_id, quantity in planned.allocations:
        changes += [
            StockChange(line.product_id, warehouse_id, Bucket.FULFILLABLE, -quantity, str(order.pk)),
            StockChange(line.product_id, warehouse_id, Bucket.RESERVED, quantity, str(order.pk)),
        ]
    if changes:
        inventory_apply(
            merchant_id=merchant_id,
            changes=changes,
            reason=LedgerReason.ORDER_RESERVED,
            reference_type="order",
            actor=actor,
        )
    Allocation.objects.bulk_create(
        Allocation(line=line, warehouse_id=warehouse_id, quantity=quantity)
        for _, line, warehouse_id, quantity in planned.allocations
    )


def orders_allocate_waiting(*, limit: int = 500) -> int:
    """Reserve newly arrived stock for fill-all orders still waiting; returns the orders touched.

    Run by a periodic task. Orders are taken oldest first, one merchant at a time, so the
    first to wait is the first served.
    """
    waiting = (
        Order.objects.filter(status=Order.Status.PLANNING, fulfillment_policy=FulfillmentPolicy.FILL_ALL)
        .exclude(mode_id=Mode.DIRECT)
        .filter(lines__quantity__gt=F("lines__quantity_allocated") + F("lines__quantity_cancelled"))
        .order_by("merchant_id", "created_at", "pk")
        .distinct()[:limit]
    )
    by_merchant: dict[int, list[Order]] = {}
    for order in waiting.select_related("merchant"):
        by_merchant.setdefault(order.merchant_id, []).append(order)
    network = Network.load() if by_merchant else None
    for orders in by_merchant.values():
        merchant = orders[0].merchant
        ctx = _Context(merchant=merchant, products={}, network=network, today=timezone.localdate())
        with transaction.atomic():
            Merchant.objects.select_for_update().filter(pk=merchant.pk).values_list("pk", flat=True).get()
            lines = (
                OrderLine.objects.filter(order__in=orders).select_related("product").order_by("order_id", "line_number")
            )
            lines_of: dict[int, list[OrderLine]] = {}
            for line in lines:
                lines_of.setdefault(line.order_id, []).append(line)
            batch = []
            for order in orders:
                order.prefetched_lines = lines_of.get(order.pk, [])
                sources, _ = ctx.sources(order.mode_id, order.country.code, order.speed)
                if sources and order.prefetched_lines:
                    batch.append((order, sources))
            if batch:
                planned = plan_orders(orders=batch, initial=False)
                _write_allocations(planned, merchant_id=merchant.pk, actor=None)
                OrderLine.objects.bulk_update(
                    [line for order, _ in batch for line in order.prefetched_lines],
                    ["quantity_allocated", "quantity_cancelled", "unfulfillable_reason"],
                )
    return sum(len(orders) for orders in by_merchant.values())


def order_create(*, merchant: Merchant, payload: dict, source: str = Order.Source.PORTAL, user=None) -> Order:
    """Create one order; raises ``DuplicateOrder`` or ``ValidationError`` (keyed by field path)."""
    [result] = orders_intake(merchant=merchant, payloads=[payload], source=source, user=user)
    if result.outcome == "duplicate":
        raise DuplicateOrder(merchant_order_id=result.merchant_order_id, existing_id=result.existing_id)
    if result.outcome == "rejected":
        raise ValidationError(result.errors)
    return result.order
