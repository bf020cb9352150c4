"""Rules of sending inventory that are facts, not code paths: box limits and placement fees.

Box limits follow common carrier and fulfillment-centre rules (Amazon: 23 kg / 63.5 cm for
small-parcel boxes; heavier cartons only on pallets or in containers). Placement fees are
per-unit demo figures by size tier for a "single destination" option; a split across the
network the platform proposes costs nothing, as with Amazon's optimised splits.
"""

from dataclasses import dataclass
from decimal import Decimal

from merchants.sizing import SizeTier
from shipping.models.inbound import ShippingMode


@dataclass(frozen=True)
class BoxLimit:
    max_weight_kg: Decimal
    max_side_cm: Decimal


BOX_LIMITS: dict[str, BoxLimit] = {
    ShippingMode.SMALL_PARCEL: BoxLimit(Decimal("23"), Decimal("63.5")),
    ShippingMode.LTL: BoxLimit(Decimal("45"), Decimal("120")),
    ShippingMode.FTL: BoxLimit(Decimal("45"), Decimal("120")),
    ShippingMode.OCEAN_LCL: BoxLimit(Decimal("45"), Decimal("120")),
    ShippingMode.OCEAN_FCL: BoxLimit(Decimal("45"), Decimal("120")),
    ShippingMode.AIR: BoxLimit(Decimal("32"), Decimal("100")),
}

PLACEMENT_FEE_CURRENCY = "USD"
PLACEMENT_FEE_PER_UNIT: dict[str, Decimal] = {
    SizeTier.SMALL_STANDARD: Decimal("0.21"),
    SizeTier.LARGE_STANDARD: Decimal("0.30"),
    SizeTier.LARGE_BULKY: Decimal("2.16"),
    SizeTier.EXTRA_LARGE: Decimal("6.50"),
}

PLACEMENT_OPTION_TTL_HOURS = 24
CLAIM_WINDOW_DAYS = 60
# A shortage this small (units, or share of the line) is written off without a claim.
AUTO_RECONCILE_MAX_UNITS = 1
AUTO_RECONCILE_MAX_SHARE = Decimal("0.01")
# A box's gross weight may exceed the sum of its units by packing; counting allows this slack.
COUNT_WEIGHT_TOLERANCE = Decimal("1.10")


def box_limit_errors(*, shipping_mode: str, weight_kg: Decimal, sides_cm: tuple[Decimal, ...]) -> list[str]:
    """What is wrong with a box for ``shipping_mode``; empty when it fits."""
    limit = BOX_LIMITS[shipping_mode]
    label = ShippingMode(shipping_mode).label.lower()
    errors = []
    if weight_kg > limit.max_weight_kg:
        errors.append(f"weighs {weight_kg} kg; {label} boxes may weigh at most {limit.max_weight_kg} kg")
    if max(sides_cm) > limit.max_side_cm:
        errors.append(f"has a {max(sides_cm)} cm side; {label} boxes may be at most {limit.max_side_cm} cm")
    return errors
