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
"""

import datetime
from dataclasses import dataclass

from django.db import models
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
