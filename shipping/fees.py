"""What the platform charges to get a parcel to its buyer, from the rate cards and the lanes.

Used when a parcel is created (its fee is stored on the shipment, so billing and the dashboards
read one number), and by the fulfillment preview and the mode comparison before anything is
created. Amounts are ``Decimal`` in the rate card's currency.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from merchants.models import Product
from warehouses.models import Fee, Lane
from warehouses.network import Route
from warehouses.selectors import rate_card_for, rate_lookup

CENT = Decimal("0.01")
MIN_PARCEL_KG = Decimal("0.5")  # carriers bill at least half a kilo per parcel


@dataclass(frozen=True)
class FeeLine:
    label: str
    amount: Decimal
    currency: str


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


def parcels_price(shipments: Iterable, products: dict[int, Product]) -> None:
    """Set ``fee_amount`` / ``fee_currency`` of outbound ``shipments`` (unsaved or not) from the
    rate card of their mode on their creation day, their lane's cost per kilo and their lines
    (``pending_lines``: (product id, quantity, unit value, currency); ``products`` by id).

    A handful of queries for any number of parcels: one per (mode, day) for the cards, one for
    the lanes. Without a card the fee is 0 in no currency, so that every parcel is priced once.
    """
    shipments = [s for s in shipments if s.kind == "outbound"]
    lane_ids = {s.lane_id for s in shipments if s.lane_id}
    cost_per_kg = dict(Lane.objects.filter(pk__in=lane_ids).values_list("pk", "cost_per_kg")) if lane_ids else {}
    cards: dict[tuple[str, datetime.date], object] = {}
    for shipment in shipments:
        on = shipment.created_at.astimezone(datetime.UTC).date()
        if (shipment.mode_id, on) not in cards:
            cards[(shipment.mode_id, on)] = rate_card_for(mode_id=shipment.mode_id, on=on)
        card = cards[(shipment.mode_id, on)]
        route = Route(
            origin=shipment.origin_country,
            destination=shipment.country.code,
            crosses_border=shipment.crosses_border,
            transport=shipment.transport or "",
            lane_id=shipment.lane_id,
            cost_per_kg=cost_per_kg.get(shipment.lane_id, Decimal(0)),
            stages=(),
        )
        lines, _ = parcel_fees(
            card=card,
            mode=shipment.mode_id,
            route=route,
            speed=shipment.speed,
            destination=shipment.country.code,
            items=[(products[p], q) for p, q, _, _ in shipment.pending_lines],
        )
        shipment.fee_amount = sum((line.amount for line in lines), Decimal(0))
        shipment.fee_currency = card.currency if card else ""
