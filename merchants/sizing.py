"""Product size tiers, after Amazon's US tiers converted to centimetres and kilograms.

A unit fits the first tier whose dimension limits (sorted longest to shortest) and weight
limit it meets. The tier drives fulfillment fees and per-box limits.
"""

from decimal import Decimal

from django.db import models


class SizeTier(models.TextChoices):
    SMALL_STANDARD = "small_standard", "Small standard"
    LARGE_STANDARD = "large_standard", "Large standard"
    LARGE_BULKY = "large_bulky", "Large bulky"
    EXTRA_LARGE = "extra_large", "Extra large"


# (tier, (longest, median, shortest) cm, max weight kg)
_TIER_LIMITS = (
    (SizeTier.SMALL_STANDARD, (Decimal("38.1"), Decimal("30.5"), Decimal("1.9")), Decimal("0.454")),
    (SizeTier.LARGE_STANDARD, (Decimal("45.7"), Decimal("35.6"), Decimal("20.3")), Decimal("9.07")),
    (SizeTier.LARGE_BULKY, (Decimal("149.9"), Decimal("83.8"), Decimal("83.8")), Decimal("22.7")),
)


def size_tier_for(*, length_cm: Decimal, width_cm: Decimal, height_cm: Decimal, weight_kg: Decimal) -> SizeTier:
    dims = sorted((Decimal(length_cm), Decimal(width_cm), Decimal(height_cm)), reverse=True)
    for tier, limits, max_weight in _TIER_LIMITS:
        if Decimal(weight_kg) <= max_weight and all(d <= lim for d, lim in zip(dims, limits, strict=True)):
            return tier
    return SizeTier.EXTRA_LARGE


def volume_m3(*, length_cm: Decimal, width_cm: Decimal, height_cm: Decimal) -> Decimal:
    return (Decimal(length_cm) * Decimal(width_cm) * Decimal(height_cm) / Decimal(1_000_000)).quantize(
        Decimal("0.000001")
    )
