from decimal import Decimal

import pytest

from tests.factories import LaneFactory, LaneStageFactory
from warehouses.lanes import DEFAULT_TRANSIT_TIMES, lane_rows_from_transit_times, lanes_load_reference
from warehouses.models import Lane, LaneStage


def _hours(stage) -> tuple[Decimal, Decimal, Decimal]:
    return (stage.min_hours, stage.typical_hours, stage.max_hours)


def _by_key(rows: list[dict]) -> dict[tuple[str, str, str, str], dict]:
    return {(r["origin"], r["destination"], r["transport"], r["service"]): r for r in rows}


def test_the_inspection_row_is_not_a_lane():
    rows = lane_rows_from_transit_times(DEFAULT_TRANSIT_TIMES)

    assert len(rows) == 13
    assert all("ANY" not in (row["origin"], row["destination"]) for row in rows)
    assert all(row["transport"] != "customs_inspection_extra" for row in rows)


def test_ocean_coasts_are_services_of_one_ocean_transport():
    rows = _by_key(lane_rows_from_transit_times(DEFAULT_TRANSIT_TIMES))

    west = rows[("CN", "US", "ocean", "west coast")]
    east = rows[("CN", "US", "ocean", "east coast")]
    assert _hours(west["stages"]["line_haul"]) == (Decimal(360), Decimal(480), Decimal(600))
    assert _hours(east["stages"]["line_haul"]) == (Decimal(600), Decimal(720), Decimal(840))
    assert _hours(west["stages"]["import_customs"]) == (Decimal(24), Decimal(48), Decimal(72))
    assert west["source"] == "topchinafreight.com ; king-hor.com (FCL 1-3 business days)"
    assert west["confidence"] == "medium"
    assert west["cost_per_kg"] == Decimal("0.90")
    assert west["inspection_probability"] == Decimal("0.050")


def test_every_cross_border_row_gets_the_customs_hold_from_the_inspection_row():
    rows = lane_rows_from_transit_times(DEFAULT_TRANSIT_TIMES)
    cross_border = [row for row in rows if row["origin"] != row["destination"]]

    assert len(cross_border) == 10
    for row in cross_border:
        assert set(row["stages"]) == {"line_haul", "import_customs", "customs_hold"}
        # 2 to 7 extra days when inspected; typical is the midpoint.
        assert _hours(row["stages"]["customs_hold"]) == (Decimal(48), Decimal(108), Decimal(168))


def test_eu_stays_a_region_and_clearance_midpoint_keeps_its_half_hour():
    rows = _by_key(lane_rows_from_transit_times(DEFAULT_TRANSIT_TIMES))

    express = rows[("CN", "EU", "air_express", "")]
    assert _hours(express["stages"]["import_customs"]) == (Decimal(1), Decimal("12.5"), Decimal(24))
    assert ("CN", "EU", "rail", "") in rows


def test_last_mile_rows_become_domestic_truck_lanes():
    rows = _by_key(lane_rows_from_transit_times(DEFAULT_TRANSIT_TIMES))

    ground = rows[("US", "US", "truck", "last mile ground")]
    germany = rows[("DE", "DE", "truck", "last mile")]
    japan = rows[("JP", "JP", "truck", "last mile")]
    assert set(ground["stages"]) == {"last_mile"}
    assert _hours(ground["stages"]["last_mile"]) == (Decimal(48), Decimal(84), Decimal(120))
    assert _hours(germany["stages"]["last_mile"]) == (Decimal(24), Decimal(36), Decimal(48))
    assert japan["confidence"] == "medium"
    assert germany["confidence"] == "low"
    assert ground["inspection_probability"] == Decimal("0.010")
    assert ground["cost_per_kg"] == Decimal("0.60")


def test_an_unknown_transport_names_its_line(tmp_path):
    path = tmp_path / "transit.csv"
    header = DEFAULT_TRANSIT_TIMES.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(f"{header}\nCN,US,air_express,1,5,1,24,high,x\nCN,US,teleport,0,1,,,low,y\n", encoding="utf-8")

    with pytest.raises(ValueError, match="line 3.*teleport"):
        lane_rows_from_transit_times(path)


@pytest.mark.django_db
def test_load_creates_every_lane_with_its_stages():
    created = lanes_load_reference()

    assert created == 13
    assert Lane.objects.count() == 13
    assert LaneStage.objects.count() == 10 * 3 + 3
    lane = Lane.objects.get(origin="CN", destination="US", transport="ocean", service="east coast")
    assert lane.source == "topchinafreight.com"
    assert {s.stage for s in lane.stages.all()} == {"line_haul", "import_customs", "customs_hold"}
    assert Lane.objects.filter(origin="US", destination="US", transport="truck", service="last mile ground").exists()
    assert not Lane.objects.filter(origin="ANY").exists()


@pytest.mark.django_db
def test_a_second_load_creates_nothing_and_keeps_edited_costs():
    lanes_load_reference()
    lane = Lane.objects.get(origin="CN", destination="JP", transport="air_freight")
    Lane.objects.filter(pk=lane.pk).update(cost_per_kg=Decimal("3.10"))
    LaneStage.objects.filter(lane=lane, stage="line_haul").update(typical_hours=Decimal(100))
    counts = (Lane.objects.count(), LaneStage.objects.count())

    assert lanes_load_reference() == 0

    assert (Lane.objects.count(), LaneStage.objects.count()) == counts
    lane.refresh_from_db()
    assert lane.cost_per_kg == Decimal("3.10")
    # Durations follow the file again.
    assert LaneStage.objects.get(lane=lane, stage="line_haul").typical_hours == Decimal(108)


@pytest.mark.django_db
def test_load_adds_the_customs_hold_to_other_cross_border_lanes_only():
    other = LaneFactory(origin="IN", destination="GB", transport="air_freight", service="")
    domestic = LaneFactory(origin="GB", destination="GB", transport="truck", service="last mile")
    tuned = LaneStageFactory(
        lane=LaneFactory(origin="CN", destination="SG", service=""),
        stage="customs_hold",
        min_hours=Decimal(24),
        typical_hours=Decimal(30),
        max_hours=Decimal(72),
    )

    lanes_load_reference()

    hold = LaneStage.objects.get(lane=other, stage="customs_hold")
    assert _hours(hold) == (Decimal(48), Decimal(108), Decimal(168))
    assert not LaneStage.objects.filter(lane=domestic).exists()
    tuned.refresh_from_db()
    assert tuned.typical_hours == Decimal(30)
