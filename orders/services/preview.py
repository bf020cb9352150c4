"""Fulfillment preview: before ordering, for an address and items, per speed and per mode —
fulfillable or not (and why), the fee lines, the ship and arrival windows, and the duty and
tax estimate. It reserves nothing.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from merchants.models import Merchant
from orders.routing import plan_allocation
from orders.services.costs import DutyEstimate, duty_estimate
from orders.services.intake import clean_address, clean_lines, load_products
from shipping.fees import FeeLine, parcel_fees
from warehouses.models import FulfillmentMode, InventoryBalance
from warehouses.modes import Mode, Speed
from warehouses.network import Network
from warehouses.selectors import rate_card_for


@dataclass
class PreviewOption:
    mode: str
    mode_name: str
    speed: str
    fulfillable: bool
    reasons: list[str] = field(default_factory=list)
    fee_lines: list[FeeLine] = field(default_factory=list)
    currency: str = "USD"
    ship_from: list[str] = field(default_factory=list)
    ship_by: datetime.datetime | None = None
    arrive_earliest: datetime.datetime | None = None
    arrive_latest: datetime.datetime | None = None
    duties: DutyEstimate | None = None

    @property
    def total_fees(self) -> Decimal:
        return sum((line.amount for line in self.fee_lines), Decimal(0))


def _stock(merchant: Merchant, product_ids: set[int]) -> dict[tuple[int, int], int]:
    rows = (
        InventoryBalance.objects.filter(merchant=merchant, product_id__in=product_ids, fulfillable__gt=0)
        .values("warehouse_id", "product_id")
        .annotate(units=Sum("fulfillable"))
    )
    return {(r["warehouse_id"], r["product_id"]): r["units"] for r in rows}


def fulfillment_preview(
    *, merchant: Merchant, destination: dict, lines: list[dict], speeds=None, modes=None, now=None
) -> list[PreviewOption]:
    """One option per (mode, speed). Raises ``ValidationError`` (field paths) for a bad address or line."""
    errors: dict[str, str] = {}
    address = clean_address(destination, errors)
    products = load_products(merchant, [{"lines": lines}])
    cleaned = clean_lines(lines, products, errors, currency=merchant.currency)
    speeds = [speeds] if isinstance(speeds, str) else list(speeds or Speed.values)
    modes = [modes] if isinstance(modes, str) else list(modes or Mode.values)
    for name, values, allowed in (("speeds", speeds, Speed.values), ("modes", modes, Mode.values)):
        unknown = [v for v in values if v not in allowed]
        if unknown:
            errors[name] = f"Unknown: {', '.join(map(str, unknown))}. Choose from {', '.join(allowed)}."
    if errors:
        raise ValidationError(errors)

    now = now or timezone.now()
    network = Network.load()
    stock = _stock(merchant, {line["product"].pk for line in cleaned})
    names = dict(FulfillmentMode.objects.values_list("code", "name"))
    items = [(line["product"], line["quantity"]) for line in cleaned]
    country = address["country"]
    options = []
    for mode in modes:
        card = rate_card_for(mode_id=mode, on=now.date())
        for speed in speeds:
            option = PreviewOption(
                mode=mode,
                mode_name=names.get(mode, mode),
                speed=speed,
                fulfillable=False,
                currency=card.currency if card else "USD",
            )
            options.append(option)
            sources, reason = network.sources(
                mode=mode, destination=country, speed=speed, merchant_country=merchant.country.code
            )
            if not sources:
                option.reasons.append(reason)
                continue
            if mode == Mode.DIRECT:
                chosen = [sources[0]]
            else:
                plan = plan_allocation(
                    lines=[(p.pk, q) for p, q in items], sources=sources, stock=dict(stock), policy="fill_or_kill"
                )
                if plan.outcome == "unfulfillable":
                    for index, missing in plan.shortfall.items():
                        product, quantity = items[index]
                        option.reasons.append(
                            f"{product.sku}: {quantity - missing} of {quantity} in stock in this mode's warehouses."
                        )
                    continue
                used = {warehouse_id for _, warehouse_id, _ in plan.allocations}
                chosen = [s for s in sources if s.warehouse_id in used]
            fee_lines, missing_rates = parcel_fees(
                card=card,
                mode=mode,
                route=chosen[0].route,
                speed=speed,
                destination=country,
                items=items,
                parcels=len(chosen),
            )
            if missing_rates:
                option.reasons.append(f"{Speed(speed).label} delivery is not offered in this mode.")
                continue
            option.fee_lines = fee_lines
            option.ship_from = [s.code for s in chosen]
            option.fulfillable = True
            slowest = max(chosen, key=lambda s: s.handling_hours + s.route.hours("max"))
            option.ship_by = now + datetime.timedelta(hours=max(s.handling_hours for s in chosen))
            option.arrive_earliest = now + datetime.timedelta(
                hours=float(min(s.handling_hours + s.route.hours("min") for s in chosen))
            )
            option.arrive_latest = now + datetime.timedelta(
                hours=float(slowest.handling_hours + slowest.route.hours("max"))
            )
            if chosen[0].route.crosses_border:
                option.duties = duty_estimate(
                    report_currency=option.currency,
                    origin=chosen[0].country,
                    destination=country,
                    on=now.date(),
                    items=[
                        (line["product"], line["quantity"], line["unit_value"], merchant.currency) for line in cleaned
                    ],
                    ioss_number=merchant.ioss_number,
                )
    return options
