"""Fee lines from the rate cards and the lanes, shared by the fulfillment preview and the
mode comparison. All amounts are ``Decimal`` in the rate card's currency (USD for the demo
cards); duties and taxes come from the customs engine in the destination's currency.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from merchants.models import Product
from orders.routing import Route
from warehouses.models import Fee
from warehouses.selectors import rate_lookup

CENT = Decimal("0.01")
MIN_PARCEL_KG = Decimal("0.5")  # carriers bill at least half a kilo per parcel


@dataclass(frozen=True)
class FeeLine:
    label: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class DutyEstimate:
    duty: Decimal
    tax: Decimal
    currency: str
    payer: str
    regime: str
    notes: tuple[str, ...]
    hold_reasons: tuple[str, ...]

    @property
    def total(self) -> Decimal:
        return self.duty + self.tax


def money(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def rate(card, fee: str, **qualifiers) -> Decimal | None:
    return rate_lookup(card, fee=fee, **qualifiers)


def parcel_fees(
    *, card, mode: str, route: Route, speed: str, destination: str, items: list[tuple[Product, int]], parcels: int = 1
) -> tuple[list[FeeLine], list[str]]:
    """What the platform charges to get ``items`` to the buyer; and the fees it has no rate for."""
    currency = card.currency if card else "USD"
    lines: list[FeeLine] = []
    missing: list[str] = []

    def add(label: str, amount: Decimal | None, *, required: bool = False) -> None:
        if amount is None:
            if required:
                missing.append(label)
            return
        if amount:
            lines.append(FeeLine(label, money(amount), currency))

    units_by_tier: dict[str, int] = {}
    for product, quantity in items:
        units_by_tier[product.size_tier] = units_by_tier.get(product.size_tier, 0) + quantity
    for tier, units in sorted(units_by_tier.items()):
        per_unit = rate(card, Fee.FULFILLMENT_PER_UNIT, size_tier=tier)
        if per_unit is not None:
            add(f"Fulfillment, {units} × {tier.replace('_', ' ')}", per_unit * units)
    add("Partner handling", rate(card, Fee.PARTNER_PER_ORDER))
    first_mile = rate(card, Fee.FIRST_MILE_PER_PARCEL)
    add("First-mile pickup", first_mile * parcels if first_mile is not None else None)
    if route.crosses_border or route.lane_id is not None:
        weight = sum((p.weight_kg * q for p, q in items), Decimal(0))
        chargeable = max(weight, MIN_PARCEL_KG * parcels)
        add(f"Line haul ({route.transport.replace('_', ' ')}, {chargeable:.2f} kg)", route.cost_per_kg * chargeable)
    if route.crosses_border:
        brokerage = rate(card, Fee.CUSTOMS_BROKERAGE)
        add("Customs clearance", brokerage * parcels if brokerage is not None else None)
    last_mile = rate(card, Fee.LAST_MILE_PER_PARCEL, destination=destination, speed=speed)
    add(f"Last mile ({speed})", last_mile * parcels if last_mile is not None else None, required=True)
    return lines, missing


def duty_estimate(
    *,
    origin: str,
    destination: str,
    items: list[tuple[Product, int, Decimal, str]],
    on: datetime.date,
    incoterm: str = "DAP",
    ioss_number: str = "",
    shipping_cost: Decimal = Decimal(0),
) -> DutyEstimate | None:
    """Duties and taxes on a parcel of ``items`` ((product, quantity, unit value, currency)).

    ``None`` when the parcel crosses no customs border or the engine cannot assess it.
    """
    return None
