"""Cartonization (``shipping.packing.cartonize``): every unit packed once, no parcel beyond the
carrier limits unless it is one oversize unit, the same parcels for the same lines."""

import dataclasses
from collections import Counter
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shipping.packing import CARRIER_LIMITS, STANDARD_CARTONS, Item, cartonize, packaging_g

LIMITS = CARRIER_LIMITS


def tenths(low: str, high: str):
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=1)


def thousandths(low: str, high: str):
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=3)


@st.composite
def lines(draw) -> list[Item]:
    """1–5 products, from small to beyond any parcel limit, each on one or more lines."""
    products = draw(st.integers(min_value=1, max_value=5))
    items = []
    for product_id in range(1, products + 1):
        bulky = draw(st.booleans())
        size = tenths("0.1", "150") if bulky else tenths("0.1", "45")
        unit = {
            "weight_kg": thousandths("0.001", "40") if bulky else thousandths("0.001", "3"),
            "length_cm": size,
            "width_cm": size,
            "height_cm": size,
        }
        unit = {name: draw(strategy) for name, strategy in unit.items()}
        for _ in range(draw(st.integers(min_value=1, max_value=2))):
            quantity = draw(st.integers(min_value=1, max_value=40))
            items.append(Item(product_id=product_id, sku=f"SKU-{product_id}", quantity=quantity, **unit))
    return items


def sides_of(item: Item) -> list[Decimal]:
    return sorted((item.length_cm, item.width_cm, item.height_cm), reverse=True)


def within_limits(parcel) -> bool:
    sides = (parcel.length_cm, parcel.width_cm, parcel.height_cm)
    return (
        parcel.weight_kg <= LIMITS["max_weight_kg"]
        and max(sides) <= LIMITS["max_longest_side_cm"]
        and max(sides) + 2 * (sum(sides) - max(sides)) <= LIMITS["max_length_plus_girth_cm"]
        and sides[0] * sides[1] * sides[2] / 1_000_000 <= LIMITS["max_volume_m3"]
    )


@settings(max_examples=300, deadline=None)
@given(lines())
def test_every_unit_is_packed_exactly_once(items):
    parcels = cartonize(items)
    wanted = Counter()
    for item in items:
        wanted[item.product_id] += item.quantity
    packed = Counter()
    for parcel in parcels:
        assert parcel.units == sum(c.quantity for c in parcel.contents) >= 1
        assert len({c.product_id for c in parcel.contents}) == len(parcel.contents)  # one entry per product
        for content in parcel.contents:
            assert content.quantity >= 1 and content.sku == f"SKU-{content.product_id}"
            packed[content.product_id] += content.quantity
    assert packed == wanted


@settings(max_examples=300, deadline=None)
@given(lines())
def test_no_parcel_is_beyond_the_limits_unless_one_oversize_unit(items):
    by_product = {item.product_id: item for item in items}
    for parcel in cartonize(items):
        if parcel.oversize:
            # Alone, and only because that unit on its own breaks a limit.
            assert parcel.units == 1 and parcel.carton == "own"
            assert cartonize([dataclasses.replace(by_product[parcel.contents[0].product_id], quantity=1)])[0].oversize
            continue
        assert within_limits(parcel), parcel
        # The box is at least as large as every unit in it, side by side sorted.
        box = sorted((parcel.length_cm, parcel.width_cm, parcel.height_cm), reverse=True)
        for content in parcel.contents:
            assert all(b >= s for b, s in zip(box, sides_of(by_product[content.product_id]), strict=True))
        # Its weight is the units' plus packaging.
        net = sum(by_product[c.product_id].weight_kg * c.quantity for c in parcel.contents)
        assert parcel.weight_kg > net


@settings(max_examples=100, deadline=None)
@given(lines(), st.randoms(use_true_random=False))
def test_the_same_lines_give_the_same_parcels_in_any_order(items, random):
    shuffled = list(items)
    random.shuffle(shuffled)
    assert cartonize(shuffled) == cartonize(items)


def anvil(quantity: int) -> Item:
    return Item(1, "ANVIL-8", quantity, Decimal("8"), Decimal("40"), Decimal("30"), Decimal("20"))


def test_a_heavy_order_is_split_by_weight_into_full_parcels_and_the_rest():
    parcels = cartonize([anvil(10)])
    assert [p.units for p in parcels] == [3, 3, 3, 1]  # four 8 kg units would pass 30 kg
    assert all(p.weight_kg <= 30 and not p.oversize for p in parcels)
    # The last one takes the smallest standard carton its one unit fits.
    assert (parcels[-1].carton, parcels[-1].length_cm, parcels[-1].width_cm, parcels[-1].height_cm) == (
        "C24",
        Decimal("40.0"),
        Decimal("30.0"),
        Decimal("20.0"),
    )


def test_small_units_share_a_carton_with_room_for_void_fill():
    tees = Item(2, "TEE", 20, Decimal("0.2"), Decimal("30"), Decimal("25"), Decimal("1.5"))
    [parcel] = cartonize([tees])
    # 20 × 1.125 L = 22.5 L of tees need 28.1 L of box at 80 %: the 36 L carton.
    assert parcel.carton == "C36" and parcel.units == 20
    assert parcel.weight_kg == Decimal("4") + Decimal(packaging_g((400, 300, 300))) / 1000


def test_a_long_unit_gets_a_custom_box_and_a_too_large_one_ships_alone_as_oversize():
    rod = Item(3, "ROD", 2, Decimal("1.5"), Decimal("110"), Decimal("4"), Decimal("4"))
    sofa = Item(4, "SOFA", 2, Decimal("45"), Decimal("200"), Decimal("90"), Decimal("80"))
    parcels = cartonize([rod, sofa])
    assert [(p.contents[0].sku, p.units, p.oversize) for p in parcels] == [
        ("SOFA", 1, True),
        ("SOFA", 1, True),
        ("ROD", 2, False),
    ]
    assert parcels[2].carton == "custom" and parcels[2].length_cm == Decimal("110.0")
    assert within_limits(parcels[2])


def test_the_standard_cartons_are_within_the_limits():
    for _, (length, width, height) in STANDARD_CARTONS:
        assert length <= LIMITS["max_longest_side_cm"]
        assert length + 2 * (width + height) <= LIMITS["max_length_plus_girth_cm"]
        assert Decimal(length * width * height) / 1_000_000 <= LIMITS["max_volume_m3"]


def test_nothing_to_pack_is_no_parcel():
    assert cartonize([]) == []
    assert cartonize([anvil(0)]) == []
