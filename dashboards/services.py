"""Writes of the dashboards: the daily rollups, recomputed a whole day at a time.

A day's rows are a pure function of the source tables (orders, shipments, tracking events, rate
cards), so recomputing a day is always safe, and running the refresh twice changes nothing.
``rollups_refresh`` (every five minutes, from beat) recomputes the days that changed since its last
run; ``rollups_rebuild`` (``manage.py rebuild_dashboard_rollups``) recomputes a range of days.

Which timestamp puts a fact on a day:

- orders placed and their units: the order's ``created_at``;
- shipments created, their units, fees, duties and taxes, declarations: the shipment's ``created_at``
  (the fee is the one stored on the shipment when it was created);
- deliveries, on-time deliveries, order-to-delivery time: the shipment's ``delivered_at``;
- exceptions, customs assessments and holds, stage dwell: the tracking event's ``occurred_at``;
- partner SLA states, once settled: the shipment's ``created_at`` (when both clocks start).

The refresh runs one at a time (a cache lock); a run that finds another in progress does nothing.
When the rollups' layout changes (``LAYOUT``), the next refresh rebuilds every day.

Only outbound shipments (to buyers) are rolled up; transfers between warehouses are shown live.
"""

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Length, TruncDate
from django.utils import timezone

from dashboards.models import DailyRollup, DeliveryTimeRollup, PartnerSlaRollup, RollupCursor, StageDwellRollup
from merchants.geography import EU_MEMBER_STATES
from orders.models import Allocation, Order
from shipping.models import Shipment, ShipmentLine, TrackingEvent
from shipping.partner.sla import TALLY_FIELDS, sla_tally, unsettled
from shipping.services.pricing import shipments_price_unpriced
from shipping.services.shipments import clock_hours
from warehouses.modes import Stage

UTC = datetime.UTC
OUTBOUND = Shipment.Kind.OUTBOUND
# Entering one of these stages is an exception (a customs hold, a failed delivery, a return, a loss).
EXCEPTION_STAGES = frozenset({Stage.CUSTOMS_HOLD, Stage.DELIVERY_ATTEMPTED, Stage.RETURNING, Stage.LOST, Stage.DAMAGED})
# Always recomputed, whatever the cursor says: rows committed out of id order land here.
TRAILING_DAYS = 2
# Bumped when a rollup table is added or a column's meaning changes: the next refresh rebuilds all.
# 3: fees are read from each shipment (priced at its creation; older ones priced before the build).
LAYOUT = 3
ROLLUP_TABLES = (DailyRollup, DeliveryTimeRollup, StageDwellRollup, PartnerSlaRollup)
# One refresh at a time; a lock outlives no run by more than this (a worker killed mid-run).
LOCK_KEY = "dashboards:rollups-refresh"
LOCK_SECONDS = 2 * 60 * 60

Key = tuple  # (merchant_id, mode_id, country, warehouse_id[, ...])


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=UTC)
    return start, start + datetime.timedelta(days=1)


def promised_hours(route: list[dict]) -> float:
    """The end of the promised window: every planned stage at its longest (the lane's maximum, or
    the planned hours where the plan gives no range) — what the preview quotes as "arrives by"."""
    return sum(float(step.get("max", step["hours"])) for step in route)


def declaration_complete() -> Q:
    """Every line has a 6-digit HS code and a declared value, and an EU parcel paid by the merchant
    (DDP) carries its IOSS number: what the customs engine needs to clear the parcel."""
    lines = ShipmentLine.objects.filter(shipment=OuterRef("pk"))
    incomplete = lines.annotate(hs_digits=Length("product__hs_code")).filter(
        Q(product__hs_code__isnull=True) | Q(hs_digits__lt=6) | Q(unit_value__lte=0)
    )
    no_ioss = Q(country__in=EU_MEMBER_STATES, incoterm="DDP") & (
        Q(merchant__ioss_number="") | Q(merchant__ioss_number__isnull=True)
    )
    return Q(Exists(lines)) & ~Q(Exists(incomplete)) & ~no_ioss


@dataclass
class _DayFacts:
    rollups: dict
    delivery: dict
    dwell: dict
    sla: dict

    @classmethod
    def empty(cls) -> "_DayFacts":
        return cls(defaultdict(lambda: defaultdict(int)), defaultdict(int), defaultdict(lambda: defaultdict(float)), {})


def _orders_placed(facts: _DayFacts, start, end) -> None:
    first_warehouse = Allocation.objects.filter(line__order=OuterRef("pk")).order_by("pk").values("warehouse_id")[:1]
    rows = (
        Order.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(status=Order.Status.INVALID)
        .annotate(first_warehouse=Subquery(first_warehouse))
        .values("merchant_id", "mode_id", "country", "first_warehouse")
        .annotate(orders=Count("pk", distinct=True), units=Sum("lines__quantity"))
        .order_by()
    )
    for row in rows:
        key = (row["merchant_id"], row["mode_id"], row["country"], row["first_warehouse"], "", "")
        facts.rollups[key]["orders_placed"] += row["orders"]
        facts.rollups[key]["units_ordered"] += row["units"] or 0


def _shipments_created(facts: _DayFacts, start, end) -> None:
    """Shipments created, their units, fees (stored on each at its creation), duties, taxes and
    declarations: one grouped query."""
    units = (
        ShipmentLine.objects.filter(shipment=OuterRef("pk"))
        .order_by()
        .values("shipment")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    assessed = Q(customs_duty__isnull=False) | Q(customs_tax__isnull=False)
    declared = Q(crosses_border=True)
    keys = ("merchant_id", "mode_id", "country", "source_warehouse_id", "fee_currency", "customs_key")
    rows = (
        Shipment.objects.filter(created_at__gte=start, created_at__lt=end, kind=OUTBOUND)
        .annotate(
            customs_key=Case(When(assessed, then=F("customs_currency")), default=Value("")),
            parcel_units=Subquery(units),
        )
        .values(*keys)
        .annotate(
            shipments=Count("*"),
            units=Sum("parcel_units"),
            fees=Sum("fee_amount"),
            duties=Sum("customs_duty"),
            taxes=Sum("customs_tax"),
            declarations=Count("pk", filter=declared),
            declarations_complete=Count("pk", filter=declared & declaration_complete()),
        )
        .order_by()
    )
    for r in rows:
        row = facts.rollups[tuple(r[name] for name in keys)]
        row["shipments_created"] += r["shipments"]
        row["units_shipped"] += r["units"] or 0
        row["fees"] += r["fees"] or Decimal(0)
        row["duties"] += r["duties"] or Decimal(0)
        row["taxes"] += r["taxes"] or Decimal(0)
        row["declarations"] += r["declarations"]
        row["declarations_complete"] += r["declarations_complete"]


def _deliveries(facts: _DayFacts, start, end) -> None:
    ordered_at = Order.objects.filter(pk=OuterRef("order_id")).values("created_at")[:1]
    rows = (
        Shipment.objects.filter(delivered_at__gte=start, delivered_at__lt=end, kind=OUTBOUND)
        .values("merchant_id", "mode_id", "country", "source_warehouse_id", "created_at", "delivered_at", "route")
        .annotate(ordered_at=Subquery(ordered_at, output_field=DateTimeField()))
        .order_by()
    )
    for row in rows.iterator(chunk_size=2000):
        partition = (row["merchant_id"], row["mode_id"], row["country"], row["source_warehouse_id"])
        began = row["ordered_at"] or row["created_at"]
        hours = max((row["delivered_at"] - began).total_seconds() / 3600, 0.0)
        promised = row["created_at"] + clock_hours(promised_hours(row["route"]))
        target = facts.rollups[(*partition, "", "")]
        target["delivered"] += 1
        target["delivered_on_time"] += row["delivered_at"] <= promised
        target["delivery_hours"] += hours
        bucket = min(int(hours // DeliveryTimeRollup.BUCKET_HOURS), DeliveryTimeRollup.MAX_BUCKET)
        facts.delivery[(*partition, bucket)] += 1


def _planned_hours(plan: str, cache: dict[str, dict[str, float]]) -> dict[str, float]:
    """The planned hours per stage of a route plan (JSON text; the first step of a stage counts),
    parsed once per distinct plan: shipments on the same lane and mode share theirs."""
    if plan not in cache:
        hours: dict[str, float] = {}
        for step in json.loads(plan):
            hours.setdefault(step["stage"], step["hours"])
        cache[plan] = hours
    return cache[plan]


def _events(facts: _DayFacts, start, end) -> None:
    """Exceptions, customs and stage dwell, from the events of the day, each with the time and
    stage of its shipment's event before it (an index lookup per event, not its whole history)."""
    earlier = (
        TrackingEvent.objects.filter(shipment_id=OuterRef("shipment_id"))
        .filter(
            Q(occurred_at__lt=OuterRef("occurred_at")) | Q(occurred_at=OuterRef("occurred_at"), pk__lt=OuterRef("pk"))
        )
        .order_by("-occurred_at", "-pk")
    )
    rows = (
        TrackingEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end, shipment__kind=OUTBOUND)
        .annotate(
            before_at=Subquery(earlier.values("occurred_at")[:1]),
            before_stage=Subquery(earlier.values("stage")[:1]),
            plan=Cast("shipment__route", TextField()),
        )
        .values_list(
            "shipment__merchant_id",
            "shipment__mode_id",
            "shipment__country",
            "shipment__source_warehouse_id",
            "plan",
            "occurred_at",
            "from_stage",
            "stage",
            "before_at",
            "before_stage",
        )
        .order_by()
    )
    plans: dict[str, dict[str, float]] = {}
    for (
        merchant_id,
        mode_id,
        country,
        warehouse_id,
        plan,
        occurred_at,
        from_stage,
        stage,
        before_at,
        left,
    ) in rows.iterator(chunk_size=5000):
        partition = (merchant_id, mode_id, country, warehouse_id)
        row = facts.rollups[(*partition, "", "")]
        if stage in EXCEPTION_STAGES:
            row["exceptions_raised"] += 1
        if from_stage == Stage.IMPORT_CUSTOMS:
            row["customs_assessed"] += 1
            row["customs_held"] += stage == Stage.CUSTOMS_HOLD
        if before_at is None or not from_stage or from_stage == stage:
            continue
        hours = (occurred_at - before_at).total_seconds() / 3600
        dwell = facts.dwell[(*partition, left)]
        dwell["exits"] += 1
        dwell["dwell_hours"] += hours
        planned = _planned_hours(plan, plans).get(left)
        if planned is not None and left not in EXCEPTION_STAGES:
            planned_hours = clock_hours(planned).total_seconds() / 3600
            dwell["planned_exits"] += 1
            dwell["planned_hours"] += planned_hours
            dwell["planned_dwell_hours"] += hours
            dwell["over_plan"] += hours > planned_hours + 1e-9


def _partner_sla(facts: _DayFacts, start, end) -> None:
    """The settled SLA states of the day's shipments at partners' warehouses (one query)."""
    settled = Shipment.objects.filter(
        created_at__gte=start, created_at__lt=end, kind=OUTBOUND, source_warehouse__partner__isnull=False
    ).exclude(unsettled())
    by = ("merchant_id", "mode_id", "country", "source_warehouse_id")
    for row in sla_tally(settled, by=by):
        facts.sla[(*(row[name] for name in by), row["partner_id"])] = {name: row[name] for name in TALLY_FIELDS}


def rollup_rebuild_day(*, day: datetime.date) -> int:
    """Recompute every rollup row of ``day`` from the source tables; returns the rows written."""
    start, end = day_bounds(day)
    facts = _DayFacts.empty()
    _orders_placed(facts, start, end)
    _shipments_created(facts, start, end)
    _deliveries(facts, start, end)
    _events(facts, start, end)
    _partner_sla(facts, start, end)

    def partition(key) -> dict:
        merchant_id, mode_id, country, warehouse_id = key[:4]
        return {
            "day": day,
            "merchant_id": merchant_id,
            "mode_id": mode_id,
            "country": country,
            "warehouse_id": warehouse_id,
        }

    rollups = [
        DailyRollup(**partition(key), fee_currency=key[4], customs_currency=key[5], **values)
        for key, values in facts.rollups.items()
    ]
    delivery = [
        DeliveryTimeRollup(**partition(key), bucket=key[4], shipments=count) for key, count in facts.delivery.items()
    ]
    dwell = [
        StageDwellRollup(
            **partition(key),
            stage=key[4],
            **{
                name: int(value) if name in ("exits", "planned_exits", "over_plan") else value
                for name, value in v.items()
            },
        )
        for key, v in facts.dwell.items()
    ]
    sla = [PartnerSlaRollup(**partition(key), partner_id=key[4], **counts) for key, counts in facts.sla.items()]
    with transaction.atomic():
        for model in ROLLUP_TABLES:
            model.objects.filter(day=day).delete()
        for rows in (rollups, delivery, dwell, sla):
            if rows:
                type(rows[0]).objects.bulk_create(rows, batch_size=1000)
    return len(rollups) + len(delivery) + len(dwell) + len(sla)


def _first_day() -> datetime.date | None:
    firsts = [
        Order.objects.aggregate(first=Min("created_at"))["first"],
        Shipment.objects.aggregate(first=Min("created_at"))["first"],
    ]
    firsts = [first for first in firsts if first is not None]
    return min(firsts).astimezone(UTC).date() if firsts else None


def _days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]


def rollups_rebuild(
    *, since: datetime.date | None = None, until: datetime.date | None = None, now: datetime.datetime | None = None
) -> int:
    """Recompute every day from ``since`` (default: the first order or shipment) to ``until``
    (default: today), and move the cursor to now. Returns the days recomputed."""
    now = now or timezone.now()
    everything = since is None and until is None
    until = until or now.astimezone(UTC).date()
    since = since or _first_day() or until
    shipments_price_unpriced()  # shipments older than stored fees, once after the upgrade
    last_event = TrackingEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    days = _days(since, until)
    for day in days:
        rollup_rebuild_day(day=day)
    if everything:  # a partial rebuild leaves the other days to the incremental refresh
        _move_cursor(last_event_id=last_event, orders_seen_at=now, now=now, days=len(days), full=True)
    return len(days)


def _move_cursor(*, last_event_id: int, orders_seen_at, now, days: int, full: bool = False) -> None:
    cursor, _ = RollupCursor.objects.get_or_create(pk=1)
    cursor.last_event_id, cursor.orders_seen_at = last_event_id, orders_seen_at
    cursor.refreshed_at, cursor.days_refreshed = now, days
    if full:
        cursor.layout = LAYOUT
    cursor.save()


def dirty_days(*, cursor: RollupCursor, last_event_id: int) -> set[datetime.date]:
    """The days whose facts changed since the cursor: those of new tracking events (the day they
    happened and the day their shipment was created) and of orders changed since."""
    events = TrackingEvent.objects.filter(pk__gt=cursor.last_event_id, pk__lte=last_event_id)
    days = set(events.annotate(d=TruncDate("occurred_at")).values_list("d", flat=True).distinct())
    days |= set(events.annotate(d=TruncDate("shipment__created_at")).values_list("d", flat=True).distinct())
    orders = Order.objects.filter(updated_at__gte=cursor.orders_seen_at)  # a new order's updated_at is its creation
    days |= set(orders.annotate(d=TruncDate("created_at")).values_list("d", flat=True).distinct())
    return {day for day in days if day is not None}


def rollups_refresh(*, now: datetime.datetime | None = None) -> int:
    """Bring the rollups up to date: the days touched since the last run, and the last two days.
    Returns the days recomputed. The first run (no cursor yet, or one of an older layout)
    rebuilds everything; a run that finds another one in progress does nothing."""
    if not cache.add(LOCK_KEY, timezone.now().isoformat(), timeout=LOCK_SECONDS):
        return 0
    try:
        return _refresh(now=now or timezone.now())
    finally:
        cache.delete(LOCK_KEY)


def _refresh(*, now: datetime.datetime) -> int:
    cursor = RollupCursor.objects.filter(pk=1).first()
    if cursor is None or cursor.orders_seen_at is None or cursor.layout < LAYOUT:
        return rollups_rebuild(now=now)
    last_event = TrackingEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    today = now.astimezone(UTC).date()
    days = dirty_days(cursor=cursor, last_event_id=last_event)
    days |= {today - datetime.timedelta(days=n) for n in range(TRAILING_DAYS)}
    for day in sorted(days):
        rollup_rebuild_day(day=day)
    _move_cursor(last_event_id=last_event, orders_seen_at=now, now=now, days=len(days))
    return len(days)
