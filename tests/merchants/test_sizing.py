"""Size tiers: the boundaries of each tier, and that a bigger or heavier unit never shrinks a tier."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merchants.sizing import SizeTier, size_tier_for, volume_m3

D = Decimal
RANK = {
    SizeTier.SMALL_STANDARD: 0,
    SizeTier.LARGE_STANDARD: 1,
    SizeTier.LARGE_BULKY: 2,
    SizeTier.EXTRA_LARGE: 3,
}


def tier(length, width, height, weight) -> SizeTier:
    return size_tier_for(length_cm=D(length), width_cm=D(width), height_cm=D(height), weight_kg=D(weight))


class TestBoundaries:
    @pytest.mark.parametrize(
        ("dims", "weight", "expected"),
        [
            # Small standard: 38.1 × 30.5 × 1.9 cm, 0.454 kg
            (("38.1", "30.5", "1.9"), "0.454", SizeTier.SMALL_STANDARD),
            (("38.1", "30.5", "1.9"), "0.455", SizeTier.LARGE_STANDARD),
            (("38.2", "30.5", "1.9"), "0.454", SizeTier.LARGE_STANDARD),
            (("38.1", "30.6", "1.9"), "0.454", SizeTier.LARGE_STANDARD),
            (("38.1", "30.5", "2.0"), "0.454", SizeTier.LARGE_STANDARD),
            # Large standard: 45.7 × 35.6 × 20.3 cm, 9.07 kg
            (("45.7", "35.6", "20.3"), "9.070", SizeTier.LARGE_STANDARD),
            (("45.7", "35.6", "20.3"), "9.071", SizeTier.LARGE_BULKY),
            (("45.8", "35.6", "20.3"), "1", SizeTier.LARGE_BULKY),
            (("45.7", "35.6", "20.4"), "1", SizeTier.LARGE_BULKY),
            # Large bulky: 149.9 × 83.8 × 83.8 cm, 22.7 kg
            (("149.9", "83.8", "83.8"), "22.700", SizeTier.LARGE_BULKY),
            (("149.9", "83.8", "83.8"), "22.701", SizeTier.EXTRA_LARGE),
            (("150.0", "83.8", "83.8"), "1", SizeTier.EXTRA_LARGE),
            (("149.9", "83.9", "83.8"), "1", SizeTier.EXTRA_LARGE),
        ],
    )
    def test_tier_limits_are_inclusive(self, dims, weight, expected):
        assert tier(*dims, weight) == expected

    @pytest.mark.parametrize(
        "dims",
        [
            ("38.1", "30.5", "1.9"),
            ("1.9", "38.1", "30.5"),
            ("30.5", "1.9", "38.1"),
            ("1.9", "30.5", "38.1"),
        ],
    )
    def test_dimension_order_does_not_matter(self, dims):
        assert tier(*dims, "0.2") == SizeTier.SMALL_STANDARD

    def test_flat_but_long_item_is_not_small(self):
        # Thin enough for small standard, but the longest side is over 38.1 cm whichever way it lies.
        for dims in (("40", "10", "1"), ("1", "40", "10"), ("10", "1", "40")):
            assert tier(*dims, "0.1") == SizeTier.LARGE_STANDARD

    def test_accepts_strings_and_ints_as_decimals(self):
        assert size_tier_for(length_cm="10", width_cm=10, height_cm="1.5", weight_kg="0.1") == SizeTier.SMALL_STANDARD

    def test_volume_in_cubic_metres(self):
        assert volume_m3(length_cm=D("30"), width_cm=D("25"), height_cm=D("1.5")) == D("0.001125")
        assert volume_m3(length_cm=D("100"), width_cm=D("100"), height_cm=D("100")) == D("1.000000")


dimension = st.decimals(min_value=D("0.1"), max_value=D("400"), places=1)
weight = st.decimals(min_value=D("0.001"), max_value=D("60"), places=3)
growth = st.decimals(min_value=D("0"), max_value=D("200"), places=1)


@settings(database=None)
@given(
    length=dimension,
    width=dimension,
    height=dimension,
    weight_kg=weight,
    grown=st.sampled_from(["length", "width", "height", "weight"]),
    delta=growth,
)
def test_growing_a_dimension_or_the_weight_never_gives_a_smaller_tier(length, width, height, weight_kg, grown, delta):
    before = {"length": length, "width": width, "height": height, "weight": weight_kg}
    after = {**before, grown: before[grown] + delta}
    assert RANK[tier(**before)] <= RANK[tier(**after)]


@settings(database=None)
@given(length=dimension, width=dimension, height=dimension, weight_kg=weight)
def test_tier_depends_only_on_the_set_of_dimensions(length, width, height, weight_kg):
    assert (
        tier(length, width, height, weight_kg)
        == tier(height, length, width, weight_kg)
        == tier(width, height, length, weight_kg)
    )
