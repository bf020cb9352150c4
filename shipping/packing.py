"""Cartonization: a shipment's units split into parcels that a parcel carrier accepts.

``cartonize`` is a pure function of the lines (product, quantity, weight, dimensions): the same
lines give the same parcels, in the same order, whatever order they come in. It packs first fit
decreasing — the bulkiest units first (by volume, then weight), each into the first open parcel
with room, a new parcel when none has — so a few large parcels carry most of the units and the
last one takes the rest.

A parcel's box is the smallest standard carton that holds its units with room for void fill
(``PACKING_FACTOR``) and whose sides are at least each unit's; when no standard carton does (a
long or flat item), a custom box is sized around the units. Its weight is the units' plus the
packaging (``packaging_g``). No parcel breaks ``CARRIER_LIMITS``, with one exception: a single
unit that does not fit within them on its own ships alone in its own packaging, as a parcel
flagged ``oversize`` (freight or a carrier's oversize service).

Internally everything is an integer — grams and millimetres — so the arithmetic is exact.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

# The common international parcel-carrier limits (UPS, FedEx and DHL Express parcel services,
# and postal EMS, take at least this much): actual weight, longest side, length + girth
# (length + 2 × (width + height)) and box volume.
CARRIER_LIMITS = {
    "max_weight_kg": Decimal("30"),
    "max_longest_side_cm": Decimal("120"),
    "max_length_plus_girth_cm": Decimal("300"),
    "max_volume_m3": Decimal("0.12"),
}
# Units fill at most this share of a box with several units: the rest is void fill and the
# gaps that rigid units leave between them.
PACKING_FACTOR = Decimal("0.8")
# Standard shipping cartons, inner sides in cm (longest first), smallest first. The largest is
# the volume limit itself; every one is within the carrier limits.
STANDARD_CARTONS = (
    ("C3", (20, 15, 10)),
    ("C9", (30, 20, 15)),
    ("C24", (40, 30, 20)),
    ("C36", (40, 30, 30)),
    ("C60", (50, 40, 30)),
    ("C96", (60, 40, 40)),
    ("C120", (60, 50, 40)),
)
CUSTOM = "custom"  # a box sized around the units (no standard carton holds them)
OWN = "own"  # an oversize unit in its own packaging
# Packaging: single-wall corrugated board (about 500 g/m² of box surface) plus 50 g of tape,
# label and void fill.
BOARD_G_PER_M2 = 500
PACKAGING_FIXED_G = 50


@dataclass(frozen=True)
class Item:
    """One line to pack: ``quantity`` units of a product, with one unit's weight and sides."""

    product_id: int
    sku: str
    quantity: int
    weight_kg: Decimal
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal


@dataclass(frozen=True)
class Content:
    product_id: int
    sku: str
    quantity: int


@dataclass(frozen=True)
class Parcel:
    """One box: what it holds, its gross weight (units and packaging) and its outer sides."""

    contents: tuple[Content, ...]
    weight_kg: Decimal
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    carton: str
    oversize: bool = False

    @property
    def units(self) -> int:
        return sum(c.quantity for c in self.contents)


@dataclass(frozen=True)
class _Unit:
    product_id: int
    sku: str
    grams: int
    sides: tuple[int, int, int]  # mm, longest first
    volume: int  # mm³


@dataclass(frozen=True)
class _Limits:
    grams: int
    longest: int  # mm
    length_plus_girth: int  # mm
    volume: int  # mm³

    @classmethod
    def of(cls, limits: dict) -> "_Limits":
        return cls(
            grams=_ceil(limits["max_weight_kg"] * 1000),
            longest=_ceil(limits["max_longest_side_cm"] * 10),
            length_plus_girth=_ceil(limits["max_length_plus_girth_cm"] * 10),
            volume=_ceil(limits["max_volume_m3"] * 1_000_000_000),
        )


@dataclass
class _Box:
    """An open parcel while packing."""

    grams: int = 0
    volume: int = 0
    units: int = 0
    sides: tuple[int, int, int] = (0, 0, 0)  # the largest unit side on each axis, mm
    contents: dict[int, list] = field(default_factory=dict)  # product id → [sku, quantity]

    def add(self, unit: _Unit, quantity: int) -> None:
        self.grams += unit.grams * quantity
        self.volume += unit.volume * quantity
        self.units += quantity
        self.sides = _widest(self.sides, unit.sides)
        self.contents.setdefault(unit.product_id, [unit.sku, 0])[1] += quantity


def _ceil(value: Decimal) -> int:
    return int(Decimal(value).to_integral_value(rounding=ROUND_CEILING))


def _widest(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[int, int, int]:
    return (max(a[0], b[0]), max(a[1], b[1]), max(a[2], b[2]))


def _icbrt_ceil(n: int) -> int:
    root = round(n ** (1 / 3))
    while root**3 < n:
        root += 1
    while root > 0 and (root - 1) ** 3 >= n:
        root -= 1
    return root


def _to_cm(mm: int) -> int:
    """Round a side up to a whole centimetre, in mm."""
    return -(-mm // 10) * 10


def packaging_g(sides: tuple[int, int, int]) -> int:
    """The packaging weight of a box with these outer sides (mm)."""
    length, width, height = sides
    surface_mm2 = 2 * (length * width + length * height + width * height)
    return -(-surface_mm2 * BOARD_G_PER_M2 // 1_000_000) + PACKAGING_FIXED_G


def _within(sides: tuple[int, int, int], grams: int, limits: _Limits) -> bool:
    length, width, height = sides
    return (
        grams <= limits.grams
        and length <= limits.longest
        and length + 2 * (width + height) <= limits.length_plus_girth
        and length * width * height <= limits.volume
    )


_CARTONS = tuple(
    (code, tuple(side * 10 for side in sides), sides[0] * sides[1] * sides[2] * 1000)
    for code, sides in STANDARD_CARTONS
)


def _box_for(volume: int, units: int, widest: tuple[int, int, int]) -> tuple[str, tuple[int, int, int]]:
    """The carton for ``units`` units of total ``volume`` whose largest sides are ``widest``."""
    # One unit fills its box; several leave gaps.
    numerator, denominator = PACKING_FACTOR.as_integer_ratio()
    needed = volume if units <= 1 else -(-volume * denominator // numerator)
    for code, sides, capacity in _CARTONS:
        if capacity >= needed and all(s >= w for s, w in zip(sides, widest, strict=True)):
            return code, sides
    length = max(widest[0], _icbrt_ceil(needed))
    area = -(-needed // length)
    width = max(widest[1], math.isqrt(area - 1) + 1 if area > 0 else 0)
    height = max(widest[2], -(-area // width) if width else 0)
    return CUSTOM, tuple(sorted((_to_cm(length), _to_cm(width), _to_cm(height)), reverse=True))


def _fits(box: _Box, unit: _Unit, quantity: int, limits: _Limits) -> bool:
    if quantity == 0:
        return True
    units = box.units + quantity
    _, sides = _box_for(box.volume + unit.volume * quantity, units, _widest(box.sides, unit.sides))
    return _within(sides, box.grams + unit.grams * quantity + packaging_g(sides), limits)


def _how_many(box: _Box, unit: _Unit, wanted: int, limits: _Limits) -> int:
    """The most units (up to ``wanted``) that still fit in ``box``: more units never need a smaller
    box, so the answer is found by halving."""
    low, high = 0, min(wanted, max(0, (limits.grams - box.grams) // unit.grams))
    while low < high:
        middle = (low + high + 1) // 2
        if _fits(box, unit, middle, limits):
            low = middle
        else:
            high = middle - 1
    return low


def _parcel(box: _Box, *, oversize: bool = False) -> Parcel:
    if oversize:
        carton, sides = OWN, tuple(_to_cm(s) for s in box.sides)
    else:
        carton, sides = _box_for(box.volume, box.units, box.sides)
    grams = box.grams + packaging_g(sides)
    return Parcel(
        contents=tuple(Content(pid, sku, qty) for pid, (sku, qty) in box.contents.items()),
        weight_kg=(Decimal(grams) / 1000).quantize(Decimal("0.001")),
        length_cm=(Decimal(sides[0]) / 10).quantize(Decimal("0.1")),
        width_cm=(Decimal(sides[1]) / 10).quantize(Decimal("0.1")),
        height_cm=(Decimal(sides[2]) / 10).quantize(Decimal("0.1")),
        carton=carton,
        oversize=oversize,
    )


def _units(items: Iterable[Item]) -> list[tuple[_Unit, int]]:
    """One entry per product (repeated lines merged), bulkiest first; ties by product id."""
    merged: dict[int, tuple[_Unit, int]] = {}
    for item in items:
        if item.quantity <= 0:
            continue
        if item.product_id in merged:
            unit, quantity = merged[item.product_id]
            merged[item.product_id] = (unit, quantity + item.quantity)
            continue
        sides = sorted(
            (_ceil(item.length_cm * 10), _ceil(item.width_cm * 10), _ceil(item.height_cm * 10)), reverse=True
        )
        sides = tuple(max(1, s) for s in sides)
        unit = _Unit(
            product_id=item.product_id,
            sku=item.sku,
            grams=max(1, _ceil(item.weight_kg * 1000)),
            sides=sides,
            volume=sides[0] * sides[1] * sides[2],
        )
        merged[item.product_id] = (unit, item.quantity)
    return sorted(merged.values(), key=lambda entry: (-entry[0].volume, -entry[0].grams, entry[0].product_id))


def cartonize(items: Iterable[Item], *, limits: dict | None = None) -> list[Parcel]:
    """The parcels for ``items``, in packing order (bulkiest first). See the module docstring."""
    bounds = _Limits.of(limits or CARRIER_LIMITS)
    parcels: list[_Box | Parcel] = []  # open boxes, and oversize parcels where they were made
    open_boxes: list[_Box] = []
    for unit, quantity in _units(items):
        if not _fits(_Box(), unit, 1, bounds):
            for _ in range(quantity):
                alone = _Box()
                alone.add(unit, 1)
                parcels.append(_parcel(alone, oversize=True))
            continue
        remaining = quantity
        for box in open_boxes:
            if not remaining:
                break
            taken = _how_many(box, unit, remaining, bounds)
            if taken:
                box.add(unit, taken)
                remaining -= taken
        while remaining:
            box = _Box()
            taken = _how_many(box, unit, remaining, bounds)
            box.add(unit, taken)
            remaining -= taken
            open_boxes.append(box)
            parcels.append(box)
    return [p if isinstance(p, Parcel) else _parcel(p) for p in parcels]
