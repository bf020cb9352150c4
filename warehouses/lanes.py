"""Lanes and their stage durations, built from the reference transit-time table.

``data/transit_times.csv`` gives transit days and customs clearance hours per lane as
ranges; each range becomes one ``LaneStage`` (min / typical / max hours, typical being the
midpoint). Costs per kg and inspection probabilities are demo figures set when a lane is
created and never overwritten by a reload, so that operators may tune them.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from merchants.geography import crosses_customs_border
from warehouses.models import Lane, LaneStage
from warehouses.modes import Stage, Transport

DEFAULT_TRANSIT_TIMES = Path(__file__).resolve().parent / "data" / "transit_times.csv"

# The CSV names some services as transports of their own; a lane keeps them apart by service.
TRANSPORT_ALIASES: dict[str, tuple[str, str]] = {
    "ocean_west_coast": (Transport.OCEAN, "west coast"),
    "ocean_east_coast": (Transport.OCEAN, "east coast"),
    "last_mile_ground": (Transport.TRUCK, "last mile ground"),
    "last_mile": (Transport.TRUCK, "last mile"),
}
CUSTOMS_INSPECTION_EXTRA = "customs_inspection_extra"

# Plausible demo figures in USD per kg of chargeable weight, not quotes.
COST_PER_KG_USD: dict[str, Decimal] = {
    Transport.AIR_EXPRESS: Decimal("7.50"),
    Transport.AIR_FREIGHT: Decimal("4.20"),
    Transport.OCEAN: Decimal("0.90"),
    Transport.RAIL: Decimal("1.80"),
    Transport.TRUCK: Decimal("0.60"),
}
CROSS_BORDER_INSPECTION_PROBABILITY: dict[str, Decimal] = {
    Transport.AIR_EXPRESS: Decimal("0.030"),
    Transport.AIR_FREIGHT: Decimal("0.030"),
    Transport.OCEAN: Decimal("0.050"),
    Transport.RAIL: Decimal("0.040"),
    Transport.TRUCK: Decimal("0.020"),
}
DOMESTIC_INSPECTION_PROBABILITY = Decimal("0.010")

HOURS_PER_DAY = 24
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class StageHours:
    """A stage's duration model in hours."""

    min_hours: Decimal
    typical_hours: Decimal
    max_hours: Decimal

    @classmethod
    def between(cls, low: Decimal, high: Decimal) -> "StageHours":
        """The range ``low``–``high`` with its midpoint as the typical duration."""
        low, high = Decimal(low), Decimal(high)
        if not 0 <= low <= high:
            raise ValueError(f"Invalid duration range {low}–{high} h.")
        return cls(low, ((low + high) / 2).quantize(_TENTH), high)

    @classmethod
    def from_days(cls, low: Decimal, high: Decimal) -> "StageHours":
        return cls.between(Decimal(low) * HOURS_PER_DAY, Decimal(high) * HOURS_PER_DAY)

    def as_fields(self) -> dict[str, Decimal]:
        return {"min_hours": self.min_hours, "typical_hours": self.typical_hours, "max_hours": self.max_hours}


def _number(value: str | int | Decimal | None) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    return Decimal(str(value).strip())


def lane_row(
    *,
    origin: str,
    destination: str,
    transport: str,
    transit_days_min: str | int | Decimal,
    transit_days_max: str | int | Decimal,
    customs_clearance_hours_min: str | int | Decimal | None = None,
    customs_clearance_hours_max: str | int | Decimal | None = None,
    confidence: str = "",
    source: str = "",
    customs_hold: StageHours | None = None,
) -> dict:
    """One lane as a dict ready for ``lanes_upsert``, from values named as the CSV's columns.

    A cross-border lane gets ``line_haul``, ``import_customs`` (when clearance hours are
    given) and ``customs_hold`` (when given) stages; a domestic one gets ``last_mile``.
    Raises ``ValueError`` for an unknown transport or an inverted range.
    """
    origin, destination = origin.strip().upper(), destination.strip().upper()
    transport_name = transport.strip()
    if transport_name in TRANSPORT_ALIASES:
        transport, service = TRANSPORT_ALIASES[transport_name]
    elif transport_name in Transport.values:
        transport, service = transport_name, ""
    else:
        raise ValueError(f"Unknown transport {transport_name!r} on lane {origin}→{destination}.")

    transit = StageHours.from_days(_number(transit_days_min), _number(transit_days_max))
    cross_border = crosses_customs_border(origin, destination)
    stages: dict[str, StageHours] = {}
    if cross_border:
        stages[Stage.LINE_HAUL] = transit
        clearance = (_number(customs_clearance_hours_min), _number(customs_clearance_hours_max))
        if None not in clearance:
            stages[Stage.IMPORT_CUSTOMS] = StageHours.between(*clearance)
        if customs_hold is not None:
            stages[Stage.CUSTOMS_HOLD] = customs_hold
    else:
        stages[Stage.LAST_MILE] = transit
    return {
        "origin": origin,
        "destination": destination,
        "transport": str(transport),
        "service": service,
        "confidence": confidence.strip(),
        "source": source.strip(),
        "cost_per_kg": COST_PER_KG_USD[transport],
        "inspection_probability": (
            CROSS_BORDER_INSPECTION_PROBABILITY[transport] if cross_border else DOMESTIC_INSPECTION_PROBABILITY
        ),
        "stages": stages,
    }


def customs_hold_from_row(record: dict) -> StageHours:
    """The ``customs_hold`` stage from the CSV's inspection row (extra days when inspected)."""
    return StageHours.from_days(_number(record["transit_days_min"]), _number(record["transit_days_max"]))


def _read_transit_times(path: Path | str) -> tuple[list[dict], StageHours | None]:
    """(lane rows, customs hold stage or None) from the CSV; raises ``ValueError`` naming the line."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        records = list(enumerate(csv.DictReader(fh), start=2))

    customs_hold = None
    for line, record in records:
        if (record.get("transport") or "").strip() == CUSTOMS_INSPECTION_EXTRA:
            try:
                customs_hold = customs_hold_from_row(record)
            except (ArithmeticError, ValueError, TypeError) as exc:
                raise ValueError(f"{Path(path).name} line {line}: {exc}") from exc

    rows = []
    for line, record in records:
        if (record.get("transport") or "").strip() == CUSTOMS_INSPECTION_EXTRA:
            continue
        try:
            rows.append(lane_row(**record, customs_hold=customs_hold))
        except (ArithmeticError, ValueError, TypeError, AttributeError) as exc:
            raise ValueError(f"{Path(path).name} line {line}: {exc}") from exc
    return rows, customs_hold


def lane_rows_from_transit_times(path: Path | str = DEFAULT_TRANSIT_TIMES) -> list[dict]:
    """Parse the transit-time CSV into lane dicts (see ``lane_row``), in file order.

    The ``ANY,ANY,customs_inspection_extra`` row is not a lane: it becomes the
    ``customs_hold`` stage of every cross-border lane. Raises ``ValueError`` naming the line
    of a row it cannot read. Touches no database.
    """
    rows, _ = _read_transit_times(path)
    return rows


def lane_key(lane: Lane | dict) -> tuple[str, str, str, str]:
    """The natural key of a lane: (origin, destination, transport, service)."""
    if isinstance(lane, dict):
        return (lane["origin"], lane["destination"], lane["transport"], lane["service"])
    return (lane.origin, lane.destination, lane.transport, lane.service)


@transaction.atomic
def lanes_upsert(*, rows: Iterable[dict]) -> int:
    """Create or update each lane (by its natural key) and its stages; returns lanes created.

    Durations, confidence and source follow the rows; cost per kg and inspection
    probability are set only when a lane is created. Running it again creates nothing.
    """
    created_count = 0
    for row in rows:
        origin, destination, transport, service = lane_key(row)
        lane, created = Lane.objects.update_or_create(
            origin=origin,
            destination=destination,
            transport=transport,
            service=service,
            defaults={"confidence": row["confidence"], "source": row["source"]},
            create_defaults={
                "confidence": row["confidence"],
                "source": row["source"],
                "cost_per_kg": row["cost_per_kg"],
                "cost_currency": "USD",
                "inspection_probability": row["inspection_probability"],
            },
        )
        created_count += created
        for stage, hours in row["stages"].items():
            LaneStage.objects.update_or_create(lane=lane, stage=stage, defaults=hours.as_fields())
    return created_count


@transaction.atomic
def lanes_load_reference(*, path: Path | str = DEFAULT_TRANSIT_TIMES) -> int:
    """Load the reference transit times into lanes; returns the number of lanes created.

    Lanes in the file are upserted with their stages. Every other cross-border lane already
    in the database that has no ``customs_hold`` stage gets the file's one, because the
    inspection delay applies to any lane; an existing hold stage there is left as it is.
    """
    rows, hold = _read_transit_times(path)
    created = lanes_upsert(rows=rows)
    if hold is not None:
        for lane in Lane.objects.exclude(stages__stage=Stage.CUSTOMS_HOLD):
            if crosses_customs_border(lane.origin, lane.destination):
                LaneStage.objects.get_or_create(lane=lane, stage=Stage.CUSTOMS_HOLD, defaults=hold.as_fields())
    return created
