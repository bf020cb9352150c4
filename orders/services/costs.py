"""Fee lines from the rate cards and the lanes, shared by the fulfillment preview and the
mode comparison. All amounts are ``Decimal`` in the rate card's currency (USD for the demo
cards); duties and taxes come from the customs engine in the destination's currency.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from merchants.geography import crosses_customs_border
from merchants.models import Product
from shipping.customs import Declaration, DeclarationLine, customs_assess, customs_ruleset_for
from shipping.customs.money import RateTable, apply_route
from warehouses.models import Fee
from warehouses.network import Route
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
    report_currency: str = ""
    report_rate: Decimal | None = None  # one unit of ``currency`` in ``report_currency``, at the engine's dated rate

    @property
    def total(self) -> Decimal:
        return self.duty + self.tax

    def in_report_currency(self, amount: Decimal) -> Decimal | None:
        return money(amount * self.report_rate) if self.report_rate is not None else None


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
    report_currency: str = "USD",
) -> DutyEstimate | None:
    """Duties and taxes on a parcel of ``items`` ((product, quantity, unit value, currency)).

    ``None`` when the parcel crosses no customs border or the engine cannot assess it.
    """
    if not crosses_customs_border(origin, destination):
        return None
    declaration = Declaration(
        origin_country=origin,
        destination_country=destination,
        date=on,
        incoterm=incoterm,
        ioss_number=ioss_number,
        shipping_cost=shipping_cost,
        lines=tuple(
            DeclarationLine(
                hs_code=product.hs_code,
                description=product.title,
                quantity=quantity,
                unit_value=unit_value,
                currency=currency,
                origin_country=product.origin_country.code,
                restricted=product.is_dangerous_goods,
            )
            for product, quantity, unit_value, currency in items
        ),
    )
    ruleset = customs_ruleset_for(destination, on)
    assessment = customs_assess(declaration, ruleset)
    legs = RateTable(ruleset.exchange_rates).route(assessment.currency, report_currency, on)
    return DutyEstimate(
        report_currency=report_currency,
        report_rate=apply_route(Decimal(1), legs) if legs is not None else None,
        duty=assessment.duty,
        tax=assessment.tax,
        currency=assessment.currency,
        payer=assessment.payer,
        regime=assessment.regime,
        notes=tuple(assessment.notes),
        hold_reasons=tuple(reason.message for reason in assessment.hold_reasons),
    )
