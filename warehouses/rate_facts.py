"""Demo rate cards, one per mode (BRIEF §9). Plausible figures in USD, not quotes.

Operators edit or replace them in the admin: a new period is a new card. Where a mode has no
last-mile rate for a speed, that speed is not offered in that mode.
"""

import datetime
from decimal import Decimal

from django.db import transaction

from merchants.sizing import SizeTier
from warehouses.models import Fee, FulfillmentMode, RateCard, RateCardEntry
from warehouses.modes import Mode, Speed

DEMO_EFFECTIVE_FROM = datetime.date(2025, 1, 1)
_TIERS = (SizeTier.SMALL_STANDARD, SizeTier.LARGE_STANDARD, SizeTier.LARGE_BULKY, SizeTier.EXTRA_LARGE)


def _by_tier(fee: str, amounts: tuple[str, str, str, str]) -> list[tuple]:
    return [(fee, tier, "", "", amount) for tier, amount in zip(_TIERS, amounts, strict=True)]


def _by_speed(fee: str, amounts: dict[str, str]) -> list[tuple]:
    return [(fee, "", "", speed, amount) for speed, amount in amounts.items()]


# (fee, size tier, destination, speed, amount)
DEMO_RATES: dict[str, list[tuple]] = {
    Mode.DIRECT: [
        (Fee.FIRST_MILE_PER_PARCEL, "", "", "", "1.20"),
        (Fee.CUSTOMS_BROKERAGE, "", "", "", "2.00"),
        *_by_speed(Fee.LAST_MILE_PER_PARCEL, {Speed.STANDARD: "4.50", Speed.EXPEDITED: "9.00"}),
    ],
    Mode.GLOBAL_WAREHOUSE: [
        *_by_tier(Fee.FULFILLMENT_PER_UNIT, ("3.06", "3.68", "9.61", "26.33")),
        *_by_tier(Fee.PLACEMENT_PER_UNIT, ("0.21", "0.30", "2.16", "6.50")),
        (Fee.STORAGE_PER_M3_MONTH, "", "", "", "27.50"),
        (Fee.CUSTOMS_BROKERAGE, "", "", "", "35.00"),
        *_by_speed(Fee.LAST_MILE_PER_PARCEL, {Speed.STANDARD: "3.20", Speed.EXPEDITED: "5.90", Speed.PRIORITY: "9.50"}),
    ],
    Mode.ASIA_WAREHOUSE: [
        *_by_tier(Fee.FULFILLMENT_PER_UNIT, ("2.10", "2.70", "7.50", "18.00")),
        *_by_tier(Fee.PLACEMENT_PER_UNIT, ("0.10", "0.15", "1.00", "3.00")),
        (Fee.STORAGE_PER_M3_MONTH, "", "", "", "12.00"),
        (Fee.CUSTOMS_BROKERAGE, "", "", "", "3.00"),
        *_by_speed(
            Fee.LAST_MILE_PER_PARCEL, {Speed.STANDARD: "6.50", Speed.EXPEDITED: "11.00", Speed.PRIORITY: "16.00"}
        ),
    ],
    Mode.FBA_CROSS_BORDER: [
        *_by_tier(Fee.FULFILLMENT_PER_UNIT, ("3.22", "3.86", "9.95", "27.10")),
        *_by_tier(Fee.PLACEMENT_PER_UNIT, ("0.27", "0.38", "2.50", "7.00")),
        (Fee.STORAGE_PER_M3_MONTH, "", "", "", "27.50"),
        (Fee.CUSTOMS_BROKERAGE, "", "", "", "45.00"),
        *_by_speed(Fee.LAST_MILE_PER_PARCEL, {Speed.STANDARD: "3.20", Speed.EXPEDITED: "5.90", Speed.PRIORITY: "9.50"}),
    ],
    Mode.VIRTUAL_WAREHOUSE: [
        *_by_tier(Fee.FULFILLMENT_PER_UNIT, ("1.80", "2.40", "6.00", "15.00")),
        (Fee.PARTNER_PER_ORDER, "", "", "", "2.50"),
        (Fee.STORAGE_PER_M3_MONTH, "", "", "", "18.00"),
        (Fee.CUSTOMS_BROKERAGE, "", "", "", "35.00"),
        *_by_speed(Fee.LAST_MILE_PER_PARCEL, {Speed.STANDARD: "4.00", Speed.EXPEDITED: "7.50"}),
    ],
}


@transaction.atomic
def rate_cards_load_demo() -> int:
    """Create the demo card of each mode unless the mode already has a card; returns cards created."""
    created = 0
    for mode in FulfillmentMode.objects.all():
        if mode.rate_cards.exists():
            continue
        card = RateCard.objects.create(
            mode=mode,
            name=f"{mode.name} — demo rates",
            currency="USD",
            effective_from=DEMO_EFFECTIVE_FROM,
            notes="Plausible demo figures, not quotes.",
        )
        RateCardEntry.objects.bulk_create(
            RateCardEntry(
                rate_card=card, fee=fee, size_tier=tier, destination=dest, speed=speed, amount=Decimal(amount)
            )
            for fee, tier, dest, speed, amount in DEMO_RATES[mode.code]
        )
        created += 1
    return created
