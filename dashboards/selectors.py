"""Reads of the mode dashboards: period measures from the daily rollups, live counts from the
shipments themselves. Every function is one query (or says otherwise).

``DashboardQuery.merchant_id`` is the tenancy boundary: a merchant's view always sets it to the
request's merchant; ``None`` (every merchant) is only ever built for platform operators.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from dashboards.models import DailyRollup, DeliveryTimeRollup, PartnerSlaRollup, RollupCursor, StageDwellRollup
from shipping.models import InboundShipmentLine, Shipment
from shipping.partner.sla import TALLY_FIELDS, sla_tally, unsettled
from warehouses.models import InventoryBalance, Partner
from warehouses.modes import Stage, WarehouseRole

HOURS_PER_DAY = 24
# Stages of an outbound shipment that is held up: open exceptions (the shipment is still active).
OPEN_EXCEPTION_STAGES = (Stage.CUSTOMS_HOLD, Stage.DELIVERY_ATTEMPTED, Stage.RETURNING)


@dataclass(frozen=True)
class DashboardQuery:
    """What a dashboard shows: the period (inclusive UTC days) and its filters."""

    start: datetime.date
    end: datetime.date
    merchant_id: int | None  # None: every merchant — operators only
    country: str = ""
    warehouse_id: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _rollups(model, query: DashboardQuery, mode: str | None) -> QuerySet:
    rows = model.objects.filter(day__gte=query.start, day__lte=query.end)
    if query.merchant_id is not None:
        rows = rows.filter(merchant_id=query.merchant_id)
    if mode:
        rows = rows.filter(mode_id=mode)
    if query.country:
        rows = rows.filter(country=query.country)
    if query.warehouse_id:
        rows = rows.filter(warehouse_id=query.warehouse_id)
    return rows.order_by()


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


COUNT_COLUMNS = (
    "orders_placed",
    "units_ordered",
    "shipments_created",
    "units_shipped",
    "declarations",
    "declarations_complete",
    "delivered",
    "delivered_on_time",
    "exceptions_raised",
    "customs_assessed",
    "customs_held",
)


@dataclass(frozen=True)
class Totals:
    orders_placed: int
    units_ordered: int
    shipments_created: int
    units_shipped: int
    declarations: int
    declarations_complete: int
    delivered: int
    delivered_on_time: int
    exceptions_raised: int
    customs_assessed: int
    customs_held: int
    delivery_hours: float

    @property
    def on_time_rate(self) -> float | None:
        return _share(self.delivered_on_time, self.delivered)

    @property
    def customs_hold_rate(self) -> float | None:
        return _share(self.customs_held, self.customs_assessed)

    @property
    def declaration_completeness(self) -> float | None:
        return _share(self.declarations_complete, self.declarations)

    @property
    def mean_delivery_days(self) -> float | None:
        return self.delivery_hours / self.delivered / HOURS_PER_DAY if self.delivered else None

    @property
    def is_empty(self) -> bool:
        return not (self.orders_placed or self.shipments_created or self.delivered or self.exceptions_raised)


@dataclass(frozen=True)
class Money:
    currency: str
    amount: Decimal
    units: int

    @property
    def per_unit(self) -> Decimal | None:
        return (self.amount / self.units).quantize(Decimal("0.01")) if self.units else None


@dataclass(frozen=True)
class Costs:
    fees: list[Money]  # platform fees, per rate card currency
    duties_taxes: list[Money]  # duties + taxes, per customs currency (the destination's)


def period_summary(*, query: DashboardQuery, mode: str | None) -> tuple[Totals, Costs]:
    """The period's counts, and its fees and duties with the units they were charged on, per
    currency. One query: grouped by the currencies, summed here."""
    rows = (
        _rollups(DailyRollup, query, mode)
        .values("fee_currency", "customs_currency")
        .annotate(
            **{name: Sum(name) for name in COUNT_COLUMNS},
            delivery_hours=Sum("delivery_hours"),
            fees=Sum("fees"),
            duties=Sum("duties"),
            taxes=Sum("taxes"),
        )
    )
    sums = dict.fromkeys(COUNT_COLUMNS, 0)
    hours = 0.0
    fees, duties = defaultdict(lambda: [Decimal(0), 0]), defaultdict(lambda: [Decimal(0), 0])
    for row in rows:
        for name in COUNT_COLUMNS:
            sums[name] += int(row[name] or 0)
        hours += row["delivery_hours"] or 0
        units = int(row["units_shipped"] or 0)
        if row["fee_currency"]:
            fees[row["fee_currency"]][0] += Decimal(row["fees"] or 0)
            fees[row["fee_currency"]][1] += units
        if row["customs_currency"]:
            duties[row["customs_currency"]][0] += Decimal(row["duties"] or 0) + Decimal(row["taxes"] or 0)
            duties[row["customs_currency"]][1] += units
    costs = Costs(
        fees=[Money(c, a, u) for c, (a, u) in sorted(fees.items())],
        duties_taxes=[Money(c, a, u) for c, (a, u) in sorted(duties.items())],
    )
    return Totals(**sums, delivery_hours=hours), costs


def orders_by_day(*, query: DashboardQuery, mode: str | None) -> list[tuple[datetime.date, int]]:
    """Orders placed per day of the period, days without orders included."""
    rows = dict(
        _rollups(DailyRollup, query, mode).values("day").annotate(n=Sum("orders_placed")).values_list("day", "n")
    )
    return [
        (day, int(rows.get(day) or 0)) for day in (query.start + datetime.timedelta(days=n) for n in range(query.days))
    ]


@dataclass(frozen=True)
class DeliveryTimes:
    shipments: int
    median_days: float | None
    p90_days: float | None
    histogram: list[tuple[int, int]]  # (whole days, shipments)


def _percentile(buckets: list[tuple[int, int]], total: int, share: float) -> float | None:
    """The upper bound, in days, of the bucket holding the ``share`` quantile."""
    if not total:
        return None
    rank, seen = share * total, 0
    for bucket, count in buckets:
        seen += count
        if seen >= rank:
            return (bucket + 1) * DeliveryTimeRollup.BUCKET_HOURS / HOURS_PER_DAY
    return (buckets[-1][0] + 1) * DeliveryTimeRollup.BUCKET_HOURS / HOURS_PER_DAY


def _delivery_times(buckets: dict[int, int]) -> DeliveryTimes:
    ordered = sorted(buckets.items())
    total = sum(buckets.values())
    by_day = defaultdict(int)
    for bucket, count in ordered:
        by_day[bucket * DeliveryTimeRollup.BUCKET_HOURS // HOURS_PER_DAY] += count
    return DeliveryTimes(
        shipments=total,
        median_days=_percentile(ordered, total, 0.5),
        p90_days=_percentile(ordered, total, 0.9),
        histogram=sorted(by_day.items()),
    )


def delivery_times(*, query: DashboardQuery, mode: str | None) -> DeliveryTimes:
    """Order-to-delivery time of the shipments delivered in the period: median, p90, distribution."""
    rows = _rollups(DeliveryTimeRollup, query, mode).values("bucket").annotate(n=Sum("shipments"))
    return _delivery_times({row["bucket"]: row["n"] for row in rows})


def delivery_times_by(*, query: DashboardQuery, mode: str | None, dimension: str) -> dict:
    """``delivery_times`` per value of ``dimension`` (``country`` or ``warehouse_id``), one query."""
    rows = _rollups(DeliveryTimeRollup, query, mode).values(dimension, "bucket").annotate(n=Sum("shipments"))
    grouped = defaultdict(dict)
    for row in rows:
        grouped[row[dimension]][row["bucket"]] = row["n"]
    return {key: _delivery_times(buckets) for key, buckets in grouped.items()}


@dataclass(frozen=True)
class StageDwell:
    stage: str
    label: str
    exits: int
    mean_hours: float
    planned_mean_hours: float | None
    over_plan: int

    @property
    def over_plan_share(self) -> float | None:
        return _share(self.over_plan, self.exits)


def stage_dwell(*, query: DashboardQuery, mode: str | None, stages: list[str]) -> list[StageDwell]:
    """Mean hours spent per stage (in the order of ``stages``, exceptions after) against the plan."""
    rows = (
        _rollups(StageDwellRollup, query, mode)
        .values("stage")
        .annotate(
            exits=Sum("exits"),
            hours=Sum("dwell_hours"),
            planned_exits=Sum("planned_exits"),
            planned=Sum("planned_hours"),
            over=Sum("over_plan"),
        )
    )
    order = {stage: index for index, stage in enumerate(stages)}
    result = [
        StageDwell(
            stage=row["stage"],
            label=Stage(row["stage"]).label if row["stage"] in Stage.values else row["stage"],
            exits=row["exits"],
            mean_hours=row["hours"] / row["exits"],
            planned_mean_hours=row["planned"] / row["planned_exits"] if row["planned_exits"] else None,
            over_plan=row["over"],
        )
        for row in rows
        if row["exits"]
    ]
    return sorted(result, key=lambda d: (order.get(d.stage, len(order)), d.stage))


def breakdown(*, query: DashboardQuery, mode: str | None, dimension: str) -> list[dict]:
    """Orders, units, deliveries and on-time per value of ``dimension`` (``country``, ``warehouse_id``)."""
    rows = (
        _rollups(DailyRollup, query, mode)
        .values(dimension)
        .annotate(
            orders=Sum("orders_placed"),
            units=Sum("units_ordered"),
            shipments=Sum("shipments_created"),
            delivered=Sum("delivered"),
            on_time=Sum("delivered_on_time"),
            exceptions=Sum("exceptions_raised"),
            held=Sum("customs_held"),
            assessed=Sum("customs_assessed"),
        )
    )
    result = []
    for row in rows:
        if not (row["orders"] or row["shipments"] or row["delivered"] or row["exceptions"]):
            continue
        row["key"] = row.pop(dimension)
        row["on_time_rate"] = _share(row["on_time"], row["delivered"])
        row["hold_rate"] = _share(row["held"], row["assessed"])
        result.append(row)
    return result


def rollups_as_of() -> datetime.datetime | None:
    """When the rollups were last brought up to date (``None``: never)."""
    return RollupCursor.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()


# --- live: from the shipments, now -------------------------------------------------------------


def _active_outbound(query: DashboardQuery, mode: str | None) -> QuerySet[Shipment]:
    shipments = Shipment.objects.filter(status=Shipment.Status.ACTIVE, kind=Shipment.Kind.OUTBOUND)
    if mode:
        shipments = shipments.filter(mode_id=mode)
    if query.merchant_id is not None:
        shipments = shipments.filter(merchant_id=query.merchant_id)
    if query.country:
        shipments = shipments.filter(country=query.country)
    if query.warehouse_id:
        shipments = shipments.filter(source_warehouse_id=query.warehouse_id)
    return shipments.order_by()


@dataclass(frozen=True)
class InFlight:
    by_stage: dict[str, int]
    exceptions: list[tuple[str, str, int]]  # (stage, reason, shipments), the largest first
    total: int

    @property
    def exceptions_total(self) -> int:
        return sum(n for _, _, n in self.exceptions)


def in_flight(*, query: DashboardQuery, mode: str | None) -> InFlight:
    """Active outbound shipments by stage, and the open exceptions by reason: one grouped COUNT,
    read from the active shipments' index alone when no country or warehouse filter is set."""
    rows = _active_outbound(query, mode).values("stage", "exception_reason").annotate(n=Count("*"))
    by_stage, exceptions = defaultdict(int), []
    for row in rows:
        by_stage[row["stage"]] += row["n"]
        if row["stage"] in OPEN_EXCEPTION_STAGES:
            exceptions.append((row["stage"], row["exception_reason"] or "unspecified", row["n"]))
    exceptions.sort(key=lambda e: (-e[2], e[0], e[1]))
    return InFlight(by_stage=dict(by_stage), exceptions=exceptions, total=sum(by_stage.values()))


def open_exceptions(*, query: DashboardQuery, mode: str | None) -> QuerySet[Shipment]:
    """The held-up shipments themselves, for a paginated table."""
    return (
        _active_outbound(query, mode)
        .filter(stage__in=OPEN_EXCEPTION_STAGES)
        .select_related("source_warehouse")
        .only(
            "pk",
            "tracking_number",
            "merchant_order_id",
            "stage",
            "exception_reason",
            "stage_started_at",
            "country",
            "source_warehouse__code",
        )
    )


def receiving_discrepancies(*, query: DashboardQuery, roles: list[str]) -> QuerySet[InboundShipmentLine]:
    """Closed inbound lines whose count differed from what was expected (shortage, overage or
    damage), at warehouses of ``roles``, closed in the period."""
    start = datetime.datetime.combine(query.start, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(query.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)
    lines = InboundShipmentLine.objects.filter(
        shipment__closed_at__gte=start, shipment__closed_at__lt=end, shipment__warehouse__role__in=roles
    ).filter(Q(quantity_damaged__gt=0) | ~Q(quantity_expected=F("quantity_received") + F("quantity_damaged")))
    if query.merchant_id is not None:
        lines = lines.filter(shipment__merchant_id=query.merchant_id)
    if query.warehouse_id:
        lines = lines.filter(shipment__warehouse_id=query.warehouse_id)
    return lines.select_related("shipment__warehouse", "product").annotate(
        difference=F("quantity_received") + F("quantity_damaged") - F("quantity_expected")
    )


# --- per mode ------------------------------------------------------------------------------------

COVER_WINDOW_DAYS = 28  # days of cover: stock ÷ the average daily units shipped over these days


def _balances(query: DashboardQuery, roles: list[str]) -> QuerySet[InventoryBalance]:
    balances = InventoryBalance.objects.filter(warehouse__role__in=roles)
    if query.merchant_id is not None:
        balances = balances.filter(merchant_id=query.merchant_id)
    if query.warehouse_id:
        balances = balances.filter(warehouse_id=query.warehouse_id)
    return balances.order_by()


def stock_cover(*, query: DashboardQuery, mode: str, roles: list[str]) -> list[dict]:
    """Per warehouse: stock, units shipped per day over the last four weeks of the period, days
    of cover and stock-outs (products with a balance there and nothing fulfillable). Two queries."""
    rows = (
        _balances(query, roles)
        .values("warehouse_id", "warehouse__code", "warehouse__name", "warehouse__country")
        .annotate(
            stock_outs=Count("pk", filter=Q(fulfillable=0)),
            units_fulfillable=Sum("fulfillable"),
            units_reserved=Sum("reserved"),
            units_inbound=Sum(F("inbound_working") + F("inbound_shipped") + F("inbound_receiving")),
            products=Count("product_id", distinct=True),
        )
    )
    window = DashboardQuery(
        start=query.end - datetime.timedelta(days=COVER_WINDOW_DAYS - 1),
        end=query.end,
        merchant_id=query.merchant_id,
        warehouse_id=query.warehouse_id,
    )
    shipped = dict(
        _rollups(DailyRollup, window, mode)
        .filter(warehouse_id__isnull=False)
        .values("warehouse_id")
        .annotate(units=Sum("units_shipped"))
        .values_list("warehouse_id", "units")
    )
    result = []
    for row in rows:
        per_day = (shipped.get(row["warehouse_id"]) or 0) / COVER_WINDOW_DAYS
        row["shipped_per_day"] = per_day
        row["days_of_cover"] = row["units_fulfillable"] / per_day if per_day else None
        result.append(row)
    return result


def stock_outs(*, query: DashboardQuery, roles: list[str]) -> QuerySet[InventoryBalance]:
    """The balances with nothing fulfillable: the products a buyer cannot order from that warehouse."""
    return (
        _balances(query, roles)
        .filter(fulfillable=0)
        .select_related("product", "warehouse")
        .annotate(inbound=F("inbound_working") + F("inbound_shipped") + F("inbound_receiving"))
    )


def transfers_in_flight(*, query: DashboardQuery, mode: str) -> list[dict]:
    """Transfers between warehouses on their way, by lane (origin → destination, transport)."""
    transfers = Shipment.objects.filter(status=Shipment.Status.ACTIVE, kind=Shipment.Kind.TRANSFER, mode_id=mode)
    if query.merchant_id is not None:
        transfers = transfers.filter(merchant_id=query.merchant_id)
    if query.country:
        transfers = transfers.filter(country=query.country)
    if query.warehouse_id:
        transfers = transfers.filter(
            Q(source_warehouse_id=query.warehouse_id) | Q(destination_warehouse_id=query.warehouse_id)
        )
    rows = (
        transfers.values("origin_country", "country", "transport")
        .annotate(
            shipments=Count("pk", distinct=True),
            units=Sum("lines__quantity"),
            at_customs=Count(
                "pk",
                distinct=True,
                filter=Q(stage__in=[Stage.EXPORT_CUSTOMS, Stage.IMPORT_CUSTOMS, Stage.CUSTOMS_HOLD]),
            ),
        )
        .order_by("-shipments", "origin_country", "country")
    )
    return list(rows)


@dataclass(frozen=True)
class Pipeline:
    """FBA cross-border stock, from the origin FC through transfer to the destination DC."""

    inbound: int  # on its way to the origin FC
    origin: int  # fulfillable + reserved at origin FCs
    in_transfer: int
    destination: int  # fulfillable + reserved at destination DCs

    @property
    def total(self) -> int:
        return self.inbound + self.origin + self.in_transfer + self.destination


def stock_pipeline(*, query: DashboardQuery) -> Pipeline:
    at_origin, at_destination = (
        Q(warehouse__role=WarehouseRole.ORIGIN_FC),
        Q(warehouse__role=WarehouseRole.DESTINATION_DC),
    )
    sums = _balances(query, [WarehouseRole.ORIGIN_FC, WarehouseRole.DESTINATION_DC]).aggregate(
        inbound=Sum(F("inbound_working") + F("inbound_shipped") + F("inbound_receiving"), filter=at_origin),
        origin=Sum(F("fulfillable") + F("reserved"), filter=at_origin),
        in_transfer=Sum("in_transfer"),
        destination=Sum(F("fulfillable") + F("reserved"), filter=at_destination),
    )
    return Pipeline(**{name: int(value or 0) for name, value in sums.items()})


@dataclass(frozen=True)
class PartnerScore:
    partner_id: int
    name: str
    shipments: int
    ack_on_time: int
    ack_breached: int
    ship_on_time: int
    ship_breached: int
    open: int
    breached: int

    @property
    def on_time_share(self) -> float | None:
        """Shipments decided on both clocks without a breach, among the decided ones."""
        decided = self.shipments - self.open
        return _share(decided - self.breached, decided) if decided > 0 else None


def partner_scoreboard(*, query: DashboardQuery, mode: str) -> list[PartnerScore]:
    """Each partner's SLA (acknowledge, ship) on the shipments created in the period, under its
    own terms (``shipping.partner.sla``, the same states as ``with_sla``). Settled shipments come
    from the daily rollup (as of its last refresh); the ones still waiting for their hand-over,
    whose states move with time alone, are counted now. Three queries: the rollup, the waiting
    shipments, the partners' names."""
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TALLY_FIELDS, 0))
    settled = (
        _rollups(PartnerSlaRollup, query, mode)
        .values("partner_id")
        .annotate(**{name: Sum(name) for name in TALLY_FIELDS})
    )
    start = datetime.datetime.combine(query.start, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(query.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)
    waiting = _active_outbound(query, mode).filter(unsettled(), created_at__gte=start, created_at__lt=end)
    for row in [*settled, *sla_tally(waiting)]:
        for name in TALLY_FIELDS:
            totals[row["partner_id"]][name] += row[name] or 0
    names = dict(Partner.objects.filter(pk__in=totals).values_list("pk", "name"))
    scores = [PartnerScore(partner_id=pk, name=names[pk], **counts) for pk, counts in totals.items()]
    return sorted(scores, key=lambda score: score.name)


def modes_overview(*, query: DashboardQuery) -> dict[str, dict]:
    """Per mode: orders in the period, on-time rate and in flight now (two queries)."""
    rows = {
        row["mode_id"]: row
        for row in _rollups(DailyRollup, query, None)
        .values("mode_id")
        .annotate(orders=Sum("orders_placed"), delivered=Sum("delivered"), on_time=Sum("delivered_on_time"))
    }
    flying = dict(_active_outbound(query, None).values("mode_id").annotate(n=Count("*")).values_list("mode_id", "n"))
    result = {}
    for mode in set(rows) | set(flying):
        row = rows.get(mode, {})
        result[mode] = {
            "orders": row.get("orders") or 0,
            "on_time_rate": _share(row.get("on_time") or 0, row.get("delivered") or 0),
            "in_flight": flying.get(mode, 0),
        }
    return result
