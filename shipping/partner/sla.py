"""The partner SLA (BRIEF §3): acknowledge within ``sla_acknowledge_hours``, ship within ``sla_ship_days``.

Precisely, for a shipment at a partner's warehouse, both clocks starting at its creation:

- **Acknowledge.** A virtual-warehouse plan starts in ``acknowledged``, which means *waiting for
  the partner's acknowledgement* (``shipping/routes.py``). The partner acknowledges by moving the
  shipment out of that first stage (to ``picking``); it is *acknowledged at* the time of the
  first tracking event that leaves the first stage for anything but ``cancelled``.
- **Ship.** The shipment is *handed over at* the time of the first tracking event that reaches
  ``handed_to_carrier`` or any stage after it (``HANDED_OVER``).

Each clock is then ``on_time`` (done by the deadline), ``breached`` (done late, or not done and
the deadline has passed), ``open`` (not done, deadline ahead) or ``void`` (cancelled before it
was done, and not late when cancelled: nothing is owed any more). A shipment *breaches* its SLA
when either clock is ``breached``. Times are the events' ``occurred_at``, as reported.

Durations run on the demo clock (``clock_hours``) like every planned duration, so an accelerated
demo keeps plans and SLAs in proportion; in production the speed is 1.

Everything is computed in SQL (``with_sla``), so a queue page or an API list costs the same
number of queries at any length, and ``partner_sla_scoreboard`` is one aggregate query.

A shipment's states are *settled* — final, whatever the clock says later — once it is handed over
or ends (delivered, returned, lost, damaged, cancelled): a shipment only ends after its hand-over,
or by cancellation, and both fix every state. Only the ones still in progress before the
hand-over (``unsettled()``) can turn from open to breached with time alone; the dashboards keep
the settled ones in a daily rollup and count the unsettled ones live (``sla_tally``).
"""

import datetime
from collections.abc import Sequence
from dataclasses import astuple, dataclass

from django.db import connection, models
from django.db.models import Case, Count, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from shipping.models import Shipment, TrackingEvent
from shipping.services.shipments import clock_hours
from warehouses.models import Partner
from warehouses.modes import Mode, Stage

# The first stage of every virtual-warehouse plan: the shipment waits there for the partner.
AWAITING_ACKNOWLEDGEMENT = Stage.ACKNOWLEDGED
HANDED_OVER = frozenset(
    {
        Stage.HANDED_TO_CARRIER,
        Stage.ORIGIN_SORTING,
        Stage.EXPORT_CUSTOMS,
        Stage.LINE_HAUL,
        Stage.IMPORT_CUSTOMS,
        Stage.DESTINATION_SORTING,
        Stage.CUSTOMS_HOLD,
        Stage.LAST_MILE,
        Stage.DELIVERY_ATTEMPTED,
        Stage.DELIVERED,
        Stage.RETURNING,
        Stage.RETURNED,
    }
)


def unsettled() -> Q:
    """Shipments whose SLA states may still change with time alone: in progress, not handed over."""
    return Q(status=Shipment.Status.ACTIVE) & ~Q(stage__in=HANDED_OVER)


class SlaState(models.TextChoices):
    ON_TIME = "on_time", "On time"
    BREACHED = "breached", "Breached"
    OPEN = "open", "Open"
    VOID = "void", "Not applicable (cancelled)"


@dataclass(frozen=True)
class SlaTerms:
    acknowledge_within: datetime.timedelta
    ship_within: datetime.timedelta

    @classmethod
    def of(cls, partner: Partner) -> "SlaTerms":
        return cls(
            acknowledge_within=clock_hours(partner.sla_acknowledge_hours),
            ship_within=clock_hours(partner.sla_ship_days * 24),
        )


def _first_event(condition: Q) -> Subquery:
    events = TrackingEvent.objects.filter(condition, shipment=OuterRef("pk")).order_by("occurred_at", "pk")
    return Subquery(events.values("occurred_at")[:1], output_field=models.DateTimeField())


def _state(done: str, due: str, now: datetime.datetime) -> Case:
    return Case(
        When(Q(**{f"{done}__isnull": False, f"{done}__lte": F(due)}), then=Value(SlaState.ON_TIME)),
        When(Q(**{f"{done}__isnull": False}), then=Value(SlaState.BREACHED)),
        # Not done: late is late, even if cancelled since; otherwise cancelling ends the clock.
        When(Q(**{f"{due}__lt": now}) & ~Q(status=Shipment.Status.CANCELLED), then=Value(SlaState.BREACHED)),
        When(Q(status=Shipment.Status.CANCELLED, stage_started_at__gt=F(due)), then=Value(SlaState.BREACHED)),
        When(status=Shipment.Status.CANCELLED, then=Value(SlaState.VOID)),
        default=Value(SlaState.OPEN),
        output_field=models.CharField(),
    )


def with_sla(shipments: QuerySet[Shipment], *, partner: Partner, now: datetime.datetime | None = None) -> QuerySet:
    """``shipments`` (all at ``partner``'s warehouses) annotated with ``ack_due_at``,
    ``acknowledged_at``, ``ack_sla``, ``ship_due_at``, ``handed_over_at``, ``ship_sla`` and
    ``sla_breached``, as of ``now``."""
    now = now or timezone.now()
    terms = SlaTerms.of(partner)
    due = models.DateTimeField()
    return (
        shipments.annotate(
            ack_due_at=ExpressionWrapper(F("created_at") + Value(terms.acknowledge_within), output_field=due),
            ship_due_at=ExpressionWrapper(F("created_at") + Value(terms.ship_within), output_field=due),
            acknowledged_at=_first_event(Q(from_stage=AWAITING_ACKNOWLEDGEMENT) & ~Q(stage=Stage.CANCELLED)),
            handed_over_at=_first_event(Q(stage__in=HANDED_OVER)),
        )
        .annotate(
            ack_sla=_state("acknowledged_at", "ack_due_at", now), ship_sla=_state("handed_over_at", "ship_due_at", now)
        )
        .annotate(
            sla_breached=Case(
                When(Q(ack_sla=SlaState.BREACHED) | Q(ship_sla=SlaState.BREACHED), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )
    )


def partner_shipments_all(*, partner: Partner) -> QuerySet[Shipment]:
    """Every shipment the partner fulfils: virtual-warehouse mode, sent from one of its warehouses."""
    return Shipment.objects.filter(mode_id=Mode.VIRTUAL_WAREHOUSE, source_warehouse__partner=partner)


@dataclass(frozen=True)
class SlaCounts:
    on_time: int
    breached: int
    open: int

    @property
    def decided(self) -> int:
        return self.on_time + self.breached

    @property
    def on_time_share(self) -> float | None:
        """On time among the decided ones, 0–1; ``None`` before any is decided."""
        return self.on_time / self.decided if self.decided else None


@dataclass(frozen=True)
class SlaScoreboard:
    shipments: int
    acknowledge: SlaCounts
    ship: SlaCounts
    breached: int  # shipments that breached either clock


def partner_sla_scoreboard(
    partner: Partner, *, since: datetime.datetime | None = None, now: datetime.datetime | None = None
) -> SlaScoreboard:
    """How ``partner`` keeps its SLA: per clock, shipments on time / breached / open (created
    ``since``, if given; cancelled shipments with nothing owed count nowhere). One query."""
    shipments = partner_shipments_all(partner=partner)
    if since is not None:
        shipments = shipments.filter(created_at__gte=since)
    counted = with_sla(shipments, partner=partner, now=now)

    def count(field: str, state: str) -> Count:
        return Count("pk", filter=Q(**{field: state}))

    totals = counted.aggregate(
        shipments=Count("pk", filter=~Q(ack_sla=SlaState.VOID) | ~Q(ship_sla=SlaState.VOID)),
        breached=Count("pk", filter=Q(sla_breached=True)),
        **{
            f"{clock}_{state}": count(f"{clock}_sla", state)
            for clock in ("ack", "ship")
            for state in (SlaState.ON_TIME, SlaState.BREACHED, SlaState.OPEN)
        },
    )
    return SlaScoreboard(
        shipments=totals["shipments"],
        acknowledge=SlaCounts(totals["ack_on_time"], totals["ack_breached"], totals["ack_open"]),
        ship=SlaCounts(totals["ship_on_time"], totals["ship_breached"], totals["ship_open"]),
        breached=totals["breached"],
    )


# What ``sla_tally`` counts, per group: shipments that owe something (not void on both clocks),
# each clock's on-time and breached, shipments open on either clock, breached on either.
TALLY_FIELDS = ("shipments", "ack_on_time", "ack_breached", "ship_on_time", "ship_breached", "open", "breached")


def sla_tally(
    shipments: QuerySet[Shipment], *, by: Sequence[str] = (), now: datetime.datetime | None = None
) -> list[dict]:
    """How ``shipments`` stand on their partners' SLAs, each under its own partner's terms, as of
    ``now``: one dict per ``partner_id`` and value of the ``by`` fields (Shipment fields: names of
    concrete columns, e.g. ``merchant_id``), holding ``TALLY_FIELDS``. Shipments at warehouses
    without a partner count nowhere. One query on PostgreSQL, where each shipment's first
    acknowledgement and hand-over are looked up once (a lateral join on the events' shipment
    index); one per partner, in a union, elsewhere."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return _tally_sql(shipments, by=by, now=now)
    partners = list(Partner.objects.filter(warehouses__outgoing_shipments__in=shipments).distinct().order_by("pk"))
    parts = [
        with_sla(shipments.filter(source_warehouse__partner=partner), partner=partner, now=now)
        .annotate(partner_id=Value(partner.pk))
        .values("partner_id", *by)
        .annotate(
            shipments=Count("pk", filter=~Q(ack_sla=SlaState.VOID) | ~Q(ship_sla=SlaState.VOID)),
            ack_on_time=Count("pk", filter=Q(ack_sla=SlaState.ON_TIME)),
            ack_breached=Count("pk", filter=Q(ack_sla=SlaState.BREACHED)),
            ship_on_time=Count("pk", filter=Q(ship_sla=SlaState.ON_TIME)),
            ship_breached=Count("pk", filter=Q(ship_sla=SlaState.BREACHED)),
            open=Count("pk", filter=Q(ack_sla=SlaState.OPEN) | Q(ship_sla=SlaState.OPEN)),
            breached=Count("pk", filter=Q(sla_breached=True)),
        )
        .order_by()
        for partner in partners
    ]
    if not parts:
        return []
    return list(parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0])


def _state_sql(done: str, due: str) -> str:
    """SQL of ``_state`` over the joined columns (``now`` is a parameter)."""
    return (
        f"CASE WHEN {done} IS NOT NULL AND {done} <= {due} THEN 'on_time' "
        f"WHEN {done} IS NOT NULL THEN 'breached' "
        f"WHEN {due} < %s AND s.status <> 'cancelled' THEN 'breached' "
        f"WHEN s.status = 'cancelled' AND s.stage_started_at > {due} THEN 'breached' "
        "WHEN s.status = 'cancelled' THEN 'void' ELSE 'open' END"
    )


def _tally_sql(shipments: QuerySet[Shipment], *, by: Sequence[str], now: datetime.datetime) -> list[dict]:
    partners = list(Partner.objects.all())
    if not partners:
        return []
    terms = [(p.pk, *astuple(SlaTerms.of(p))) for p in partners]
    columns = [f"sh.{connection.ops.quote_name(Shipment._meta.get_field(name).column)}" for name in by]
    keys = [f"k{n}" for n in range(len(by))]
    inner, inner_params = shipments.values("pk").query.sql_with_params()
    values = ", ".join(["(%s::bigint, %s::interval, %s::interval)"] * len(terms))
    selected = "".join(f", {column} AS {key}" for column, key in zip(columns, keys, strict=True))
    grouped = "".join(f", {key}" for key in keys)
    sql = f"""
        WITH s AS (
            SELECT sh.id, t.partner_id, sh.status, sh.stage_started_at{selected},
                   sh.created_at + t.ack AS ack_due, sh.created_at + t.ship AS ship_due
            FROM shipping_shipment sh
            JOIN warehouses_warehouse w ON w.id = sh.source_warehouse_id
            JOIN (VALUES {values}) AS t(partner_id, ack, ship) ON t.partner_id = w.partner_id
            WHERE sh.id IN ({inner})
        ), states AS (
            SELECT s.partner_id{grouped}, {_state_sql("ack.at", "s.ack_due")} AS ack_sla,
                   {_state_sql("ship.at", "s.ship_due")} AS ship_sla
            FROM s
            LEFT JOIN LATERAL (
                SELECT MIN(e.occurred_at) AS at FROM shipping_trackingevent e
                WHERE e.shipment_id = s.id AND e.from_stage = %s AND e.stage <> %s
            ) ack ON TRUE
            LEFT JOIN LATERAL (
                SELECT MIN(e.occurred_at) AS at FROM shipping_trackingevent e
                WHERE e.shipment_id = s.id AND e.stage = ANY(%s)
            ) ship ON TRUE
        )
        SELECT partner_id{grouped},
               COUNT(*) FILTER (WHERE ack_sla <> 'void' OR ship_sla <> 'void'),
               COUNT(*) FILTER (WHERE ack_sla = 'on_time'),
               COUNT(*) FILTER (WHERE ack_sla = 'breached'),
               COUNT(*) FILTER (WHERE ship_sla = 'on_time'),
               COUNT(*) FILTER (WHERE ship_sla = 'breached'),
               COUNT(*) FILTER (WHERE ack_sla = 'open' OR ship_sla = 'open'),
               COUNT(*) FILTER (WHERE ack_sla = 'breached' OR ship_sla = 'breached')
        FROM states GROUP BY partner_id{grouped}
    """  # noqa: S608 - identifiers and the inner query are the ORM's; every value is a parameter
    params = [
        *(value for row in terms for value in row),
        *inner_params,
        now,
        now,
        AWAITING_ACKNOWLEDGEMENT,
        Stage.CANCELLED,
        sorted(HANDED_OVER),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = ["partner_id", *by, *TALLY_FIELDS]
    return [dict(zip(names, row, strict=True)) for row in rows]
