"""The daily rollups: computed from the source tables, kept up to date incrementally, idempotent."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from dashboards.models import DailyRollup, RollupCursor
from dashboards.selectors import (
    DashboardQuery,
    delivery_times,
    in_flight,
    period_summary,
    stage_dwell,
)
from dashboards.services import (
    LAYOUT,
    LOCK_KEY,
    ROLLUP_TABLES,
    rollup_rebuild_day,
    rollups_rebuild,
    rollups_refresh,
)
from shipping.models import Shipment
from shipping.services.shipments import shipment_transition
from tests.dashboards.conftest import TICK, hours
from warehouses.models import Fee
from warehouses.modes import Mode
from warehouses.selectors import rate_card_for, rate_lookup

pytestmark = pytest.mark.django_db
GW = Mode.GLOBAL_WAREHOUSE


def last_30_days(merchant_id) -> DashboardQuery:
    today = timezone.now().astimezone(datetime.UTC).date()
    return DashboardQuery(start=today - datetime.timedelta(days=29), end=today, merchant_id=merchant_id)


def rows() -> list[str]:
    """Every rollup row, without its id, comparable across rebuilds."""
    return sorted(
        f"{model.__name__} {sorted((k, repr(v)) for k, v in row.items() if k != 'id')}"
        for model in ROLLUP_TABLES
        for row in model.objects.values()
    )


def test_period_measures_of_a_merchant(history):
    rollups_refresh()
    totals, costs = period_summary(query=last_30_days(history["a"].pk), mode=GW)
    assert (totals.orders_placed, totals.units_ordered) == (3, 6)
    assert (totals.shipments_created, totals.units_shipped) == (3, 6)
    assert (totals.delivered, totals.delivered_on_time) == (2, 1)
    assert totals.on_time_rate == 0.5
    assert totals.mean_delivery_days == pytest.approx((42 + 72) / 2 / 24)
    assert totals.exceptions_raised == 1  # the failed delivery
    assert (totals.customs_assessed, totals.customs_held, totals.customs_hold_rate) == (0, 0, None)
    # Fees from the mode's rate card: fulfillment per unit by size tier, last mile per parcel.
    card = rate_card_for(mode_id=GW, on=history["fast"].created_at.date())
    per_unit = rate_lookup(card, fee=Fee.FULFILLMENT_PER_UNIT, size_tier=history["widget"].size_tier) or 0
    parcel = sum(
        rate_lookup(card, fee=fee, destination="US", speed="standard") or 0
        for fee in (Fee.LAST_MILE_PER_PARCEL, Fee.PARTNER_PER_ORDER, Fee.FIRST_MILE_PER_PARCEL)
    )
    [fees] = costs.fees
    assert fees.currency == card.currency and fees.units == 6
    assert fees.amount == 3 * (2 * per_unit + parcel) and fees.amount > 0
    assert costs.duties_taxes == []


def test_delivery_time_median_and_p90(history):
    rollups_refresh()
    times = delivery_times(query=last_30_days(history["a"].pk), mode=GW)
    # 42 h and 72 h from order to delivery: 6-hour buckets 7 and 12, read as their upper bounds.
    assert times.shipments == 2
    assert times.median_days == 2.0
    assert times.p90_days == 3.25
    assert times.histogram == [(1, 1), (3, 1)]


def test_stage_dwell_against_plan(history):
    rollups_refresh()
    dwell = {d.stage: d for d in stage_dwell(query=last_30_days(history["a"].pk), mode=GW, stages=[])}
    assert dwell["picking"].exits == 3 and dwell["picking"].mean_hours == pytest.approx(10)
    assert dwell["picking"].over_plan == 0
    last_mile = dwell["last_mile"]  # 10 h, 40 h and 20 h (to the failed attempt) against 20 h planned
    assert (last_mile.exits, last_mile.over_plan) == (3, 1)
    assert last_mile.mean_hours == pytest.approx(70 / 3)
    assert last_mile.planned_mean_hours == pytest.approx(20)


def test_direct_handover_declarations_customs_and_duties(history):
    rollups_refresh()
    query = last_30_days(history["a"].pk)
    totals, costs = period_summary(query=query, mode=Mode.DIRECT)
    assert (totals.declarations, totals.declarations_complete) == (2, 1)
    assert (totals.customs_assessed, totals.customs_held, totals.customs_hold_rate) == (2, 1, 0.5)
    [duties] = costs.duties_taxes
    assert (duties.currency, duties.amount, duties.units, duties.per_unit) == (
        "EUR",
        Decimal("23.00"),
        1,
        Decimal("23.00"),
    )
    [handover] = [d for d in stage_dwell(query=query, mode=Mode.DIRECT, stages=[]) if d.stage == "awaiting_pickup"]
    assert (handover.exits, handover.mean_hours, handover.planned_mean_hours) == (2, 30.0, 24.0)
    assert handover.over_plan_share == 1.0


def test_other_merchants_and_every_merchant(history):
    rollups_refresh()
    b, _ = period_summary(query=last_30_days(history["b"].pk), mode=GW)
    assert (b.orders_placed, b.units_ordered, b.delivered, b.delivered_on_time) == (7, 21, 1, 0)
    everyone, _ = period_summary(query=last_30_days(None), mode=GW)
    assert (everyone.orders_placed, everyone.units_ordered, everyone.delivered) == (10, 27, 3)


def test_filters_narrow_the_rollups(history, t0):
    rollups_refresh()
    base = last_30_days(history["a"].pk)
    by_country = DashboardQuery(**{**base.__dict__, "country": "DE"})
    assert period_summary(query=by_country, mode=GW)[0].orders_placed == 0
    by_warehouse = DashboardQuery(**{**base.__dict__, "warehouse_id": history["ont"].pk})
    assert period_summary(query=by_warehouse, mode=GW)[0].orders_placed == 3
    other = DashboardQuery(**{**base.__dict__, "warehouse_id": history["network"]["US-NJ01"].pk})
    assert period_summary(query=other, mode=GW)[0].is_empty
    # Days: the orders were placed on T0's day (T0 − 2 h is the day before only if T0 is before 02:00).
    placed = (t0 - hours(2)).date()
    only_that_day = DashboardQuery(start=placed, end=placed, merchant_id=history["a"].pk)
    assert period_summary(query=only_that_day, mode=GW)[0].orders_placed == 3
    day_after_delivery = (t0 + hours(71)).date()
    after = DashboardQuery(start=day_after_delivery, end=day_after_delivery, merchant_id=history["a"].pk)
    assert period_summary(query=after, mode=GW)[0].orders_placed == 0


def test_live_in_flight_counts(history):
    live = in_flight(query=last_30_days(history["a"].pk), mode=GW)
    assert live.by_stage == {"delivery_attempted": 1}
    assert live.exceptions == [("delivery_attempted", "not_home", 1)]
    everyone = in_flight(query=last_30_days(None), mode=GW)
    assert everyone.total == 2  # B's second shipment is still picking
    assert everyone.by_stage == {"delivery_attempted": 1, "picking": 1}


def test_refresh_is_incremental_and_idempotent(history):
    assert rollups_refresh() >= 1  # the first run rebuilds every day
    first = rows()
    assert rollups_refresh() >= 2 and rows() == first  # nothing changed: the same rows
    cursor = RollupCursor.objects.get()
    # A new event on an old day: the retried delivery succeeds, recorded at its time.
    failed = history["failed"]
    when = failed.stage_started_at + hours(24)
    assert shipment_transition(shipment=failed, to="last_mile", source=TICK, at=when)
    assert shipment_transition(shipment=failed, to="delivered", source=TICK, at=when + hours(1))
    days = rollups_refresh()
    assert days >= 2 and RollupCursor.objects.get().last_event_id > cursor.last_event_id
    totals, _ = period_summary(query=last_30_days(history["a"].pk), mode=GW)
    assert (totals.delivered, totals.delivered_on_time) == (3, 1)
    # A full rebuild from scratch gives exactly what the increments built.
    incremental = rows()
    DailyRollup.objects.all().delete()
    call_command("rebuild_dashboard_rollups")
    assert rows() == incremental


def test_an_older_layout_is_rebuilt_in_full(history):
    full = rollups_refresh()
    assert RollupCursor.objects.get().layout == LAYOUT
    assert rollups_refresh() < full  # up to date: only the changed and trailing days
    built = rows()
    for model in ROLLUP_TABLES:
        model.objects.all().delete()
    RollupCursor.objects.update(layout=LAYOUT - 1)  # as a deployment adding a rollup table leaves it
    assert rollups_refresh() == full and rows() == built


def test_the_upgrade_prices_older_shipments_before_the_full_rebuild(history):
    rollups_refresh()
    built = rows()
    priced = dict(Shipment.objects.values_list("pk", "fee_amount"))
    assert all(fee is not None for fee in priced.values())
    Shipment.objects.update(fee_amount=None, fee_currency="")  # as rows from before stored fees
    RollupCursor.objects.update(layout=LAYOUT - 1)
    rollups_refresh()
    assert dict(Shipment.objects.values_list("pk", "fee_amount")) == priced
    assert rows() == built


def test_one_refresh_at_a_time(history):
    cache.set(LOCK_KEY, "another run", timeout=60)
    assert rollups_refresh() == 0 and not DailyRollup.objects.exists() and not RollupCursor.objects.exists()
    cache.delete(LOCK_KEY)
    assert rollups_refresh() > 0 and DailyRollup.objects.exists()
    assert cache.get(LOCK_KEY) is None  # released when done


def test_rebuilding_one_day_replaces_only_that_day(history, t0):
    rollups_rebuild()
    before = DailyRollup.objects.exclude(day=t0.date()).count()
    DailyRollup.objects.filter(day=t0.date()).update(orders_placed=999)
    rollup_rebuild_day(day=t0.date())
    assert not DailyRollup.objects.filter(orders_placed=999).exists()
    assert DailyRollup.objects.exclude(day=t0.date()).count() == before


def test_the_beat_schedule_runs_the_refresh():
    from django.conf import settings

    from dashboards.tasks import refresh_rollups

    entry = settings.CELERY_BEAT_SCHEDULE["dashboard-rollups"]
    assert entry["task"] == refresh_rollups.name
    assert refresh_rollups.run() >= 1  # with no data: today and yesterday, empty
