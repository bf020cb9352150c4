"""Reads for the outbound shipment pages, the shipments API and the public tracking page.

Merchant reads take the merchant and never return another's shipment; lists run a fixed number
of queries whatever their length. ``public_tracking`` is the one unscoped read, by design: it
finds a shipment by its tracking number for anyone who has the number, and returns a plain
value object with no personal data (no names, streets, postal codes, phones, emails, no
merchant, no SKUs or values), so a template cannot leak what it was never given.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django_countries import countries

from merchants.models import Merchant
from shipping.models import Package, Shipment, ShipmentLine, TrackingEvent
from shipping.services.shipments import MAX_DELIVERY_ATTEMPTS, clock_hours
from warehouses.modes import Stage

TRACKING_NUMBER_MAX_LENGTH = Shipment._meta.get_field("tracking_number").max_length

# Where a parcel is, by the stage it entered: still at the origin, moving between countries,
# at the destination (country), or with the local carrier (city).
AT_ORIGIN = frozenset(
    {
        Stage.AWAITING_PICKUP,
        Stage.ACKNOWLEDGED,
        Stage.PICKING,
        Stage.PACKING,
        Stage.HANDED_TO_CARRIER,
        Stage.ORIGIN_SORTING,
        Stage.EXPORT_CUSTOMS,
    }
)
BETWEEN_COUNTRIES = frozenset({Stage.LINE_HAUL})
IN_DESTINATION_COUNTRY = frozenset({Stage.IMPORT_CUSTOMS, Stage.CUSTOMS_HOLD, Stage.DESTINATION_SORTING})
AT_DESTINATION = frozenset({Stage.DC_RECEIVING, Stage.LAST_MILE, Stage.DELIVERY_ATTEMPTED, Stage.DELIVERED})

STATE_LABELS = {
    "done": "done",
    "current": "current stage",
    "upcoming": "to come",
    "stopped": "stopped here",
    "not_reached": "not reached",
}


def stage_label(code: str) -> str:
    return Stage(code).label if code in Stage.values else code


def reason_label(code: str) -> str:
    """``duties_unpaid`` → ``duties unpaid``: exception reasons are codes (Karrio style)."""
    return code.replace("_", " ")


# --- the merchant's shipments ----------------------------------------------------------------


def _last_event_at():
    return Subquery(
        TrackingEvent.objects.filter(shipment=OuterRef("pk")).order_by("-occurred_at", "-pk").values("occurred_at")[:1]
    )


def _packages() -> Prefetch:
    return Prefetch("packages", queryset=Package.objects.order_by("sequence"))


def with_package_number(number: str) -> Q:
    """Shipments that have a package with tracking number ``number`` (normalized, exact)."""
    return Q(Exists(Package.objects.filter(shipment=OuterRef("pk"), tracking_number=number)))


def shipment_list(*, merchant: Merchant, filters: dict | None = None) -> QuerySet[Shipment]:
    """The merchant's outbound and transfer shipments, newest first, each with ``last_event_at``
    and its packages (prefetched: one query for the page, whatever its length).

    Filters: ``status``, ``stage``, ``mode``, ``kind``, ``country`` (destination, ISO code) and
    ``q`` (part of a master tracking number, a whole package tracking number, or part of the
    merchant's order id). The API adds its own (``shipping.api.outbound.ShipmentFilter``) on top
    of the unfiltered list.
    """
    filters = filters or {}
    shipments = Shipment.objects.filter(merchant=merchant)
    for name in ("status", "stage", "kind"):
        if filters.get(name):
            shipments = shipments.filter(**{name: filters[name]})
    if filters.get("mode"):
        shipments = shipments.filter(mode_id=filters["mode"])
    if filters.get("country"):
        shipments = shipments.filter(country=str(filters["country"]).strip().upper())
    query = (filters.get("q") or "").strip()
    if query:
        matches = Q(merchant_order_id__icontains=query)
        number = normalize_tracking_number(query)
        if number:
            matches |= Q(tracking_number__contains=number) | with_package_number(number)
        shipments = shipments.filter(matches)
    return (
        shipments.select_related("mode", "source_warehouse", "destination_warehouse")
        .prefetch_related(_packages())
        .annotate(last_event_at=_last_event_at())
        .order_by("-created_at", "-pk")
    )


def shipment_destination_countries(*, merchant: Merchant) -> list[str]:
    """The countries the merchant's shipments go to (for the list's filter)."""
    return list(
        Shipment.objects.filter(merchant=merchant).values_list("country", flat=True).distinct().order_by("country")
    )


def merchant_has_shipments(*, merchant: Merchant) -> bool:
    return Shipment.objects.filter(merchant=merchant).exists()


def shipment_detail_queryset(*, merchant: Merchant) -> QuerySet[Shipment]:
    """The merchant's shipments with what one shipment's page shows: its timeline (oldest first),
    its lines with their products and its packages, prefetched (four queries for one shipment)."""
    return (
        Shipment.objects.filter(merchant=merchant)
        .select_related("mode", "source_warehouse", "destination_warehouse")
        .prefetch_related(
            Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "pk")),
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("product").order_by("pk")),
            _packages(),
        )
        .annotate(last_event_at=_last_event_at())
        .order_by("-created_at", "-pk")
    )


# --- the route plan: done, current, to come, and when ----------------------------------------


@dataclass(frozen=True)
class RouteStep:
    stage: str
    label: str
    hours: float
    state: str  # done, current, upcoming, stopped (the shipment ended here), not_reached
    expected_at: datetime.datetime | None  # when the stage is due to end, while the parcel is on its way

    @property
    def current(self) -> bool:
        return self.state == "current"

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def _expected_ends(shipment: Shipment, now: datetime.datetime) -> dict[int, datetime.datetime]:
    """When each remaining stage of the plan should end: the current stage's due time (not
    before now), then the remaining planned hours one after another. Nothing when no due time
    is known: a hold waiting for the customs desk, a parcel on its way back, an ended one."""
    if shipment.status != Shipment.Status.ACTIVE or shipment.stage_due_at is None:
        return {}
    if shipment.stage == Stage.RETURNING:
        return {}
    route, index = shipment.route, shipment.stage_index
    end = max(shipment.stage_due_at, now)
    if shipment.stage == Stage.DELIVERY_ATTEMPTED:
        if shipment.delivery_attempts >= MAX_DELIVERY_ATTEMPTS:
            return {}  # the next step is the way back
        end += clock_hours(route[index]["hours"])  # another delivery run after the wait
    ends = {index: end}
    for position in range(index + 1, len(route)):
        end += clock_hours(route[position]["hours"])
        ends[position] = end
    return ends


def shipment_route(*, shipment: Shipment, now: datetime.datetime | None = None) -> list[RouteStep]:
    """The plan's stages, each done, current or to come (with when it should end).

    In an exception (a customs hold, a failed delivery) the plan's stage where it happened stays
    current; a shipment that ended early (lost, cancelled, returned) stopped at that stage."""
    now = now or timezone.now()
    index, last = shipment.stage_index, len(shipment.route) - 1
    delivered = shipment.status == Shipment.Status.DELIVERED
    # Returning counts as ended: the parcel goes back, the rest of the plan will not happen.
    ended = shipment.status != Shipment.Status.ACTIVE or shipment.stage == Stage.RETURNING
    ends = _expected_ends(shipment, now)
    steps = []
    for position, step in enumerate(shipment.route):
        if delivered:
            state = "current" if position == last else "done"
        elif position < index:
            state = "done"
        elif position == index:
            state = "stopped" if ended else "current"
        else:
            state = "not_reached" if ended else "upcoming"
        steps.append(
            RouteStep(
                stage=step["stage"],
                label=stage_label(step["stage"]),
                hours=step["hours"],
                state=state,
                expected_at=ends.get(position),
            )
        )
    return steps


def shipment_estimated_delivery(*, shipment: Shipment, now: datetime.datetime | None = None):
    """When the parcel should arrive: the end of the plan's last stage, or ``None`` (not on its way
    to the buyer, or waiting for someone — the customs desk — rather than for time)."""
    ends = _expected_ends(shipment, now or timezone.now())
    return ends.get(len(shipment.route) - 1)


EXCEPTION_STAGES = frozenset(
    {
        Stage.CUSTOMS_HOLD,
        Stage.DELIVERY_ATTEMPTED,
        Stage.RETURNING,
        Stage.RETURNED,
        Stage.LOST,
        Stage.DAMAGED,
        Stage.CANCELLED,
    }
)


def shipment_exception_reason(shipment: Shipment) -> str:
    """Why the shipment is in an exception stage (``inspection``, ``not home``); empty otherwise."""
    return reason_label(shipment.exception_reason) if shipment.stage in EXCEPTION_STAGES else ""


def shipment_exception(shipment: Shipment) -> str:
    """What went wrong, in words, while the shipment is in an exception stage; empty otherwise."""
    if shipment.stage not in EXCEPTION_STAGES:
        return ""
    label, reason = stage_label(shipment.stage), shipment_exception_reason(shipment)
    return f"{label}: {reason}" if reason else label


# --- locations without personal data --------------------------------------------------------


def _place(city: str, country_code: str) -> str:
    name = countries.name(country_code) or country_code
    return f"{city}, {name}" if city else name


def shipment_origin_place(shipment: Shipment) -> str:
    """The source warehouse's city and country; for direct shipping the country only (the
    merchant's own address is nobody else's business)."""
    warehouse = shipment.source_warehouse
    if warehouse is not None:
        return _place(warehouse.city, warehouse.country.code)
    return _place("", shipment.origin_country)


def shipment_destination_place(shipment: Shipment) -> str:
    """The destination's city and country (a buyer's, or the receiving warehouse's)."""
    return _place(shipment.city, shipment.country.code)


def public_location(shipment: Shipment, stage: str) -> str:
    """Where the parcel was when it entered ``stage``: a city and country, a country, or nothing."""
    if stage in AT_ORIGIN:
        return shipment_origin_place(shipment)
    if stage in BETWEEN_COUNTRIES:
        return f"{_place('', shipment.origin_country)} → {_place('', shipment.country.code)}"
    if stage in IN_DESTINATION_COUNTRY:
        return _place("", shipment.country.code)
    if stage in AT_DESTINATION:
        return shipment_destination_place(shipment)
    return ""


# --- the public tracking page (unscoped by design) -----------------------------------------


def normalize_tracking_number(raw: str) -> str:
    """What people type or paste: spaces and dashes dropped, letters upper case."""
    return "".join(str(raw).split()).replace("-", "").upper()


@dataclass(frozen=True)
class PublicEvent:
    occurred_at: datetime.datetime
    stage_label: str
    description: str
    location: str
    note: str


@dataclass(frozen=True)
class PublicPackage:
    sequence: int
    tracking_number: str


@dataclass(frozen=True)
class PublicTracking:
    """What anyone with the tracking number may see: where the parcel is, nothing about whom.

    ``tracking_number`` is the number asked for: the shipment's master number (then
    ``packages`` lists its packages' numbers) or one package's (then ``package_sequence`` says
    which of ``package_count``, and the timeline is its shipment's: packages travel together)."""

    tracking_number: str
    status: str
    status_label: str
    stage: str
    stage_label: str
    exception_reason: str  # why it is held, returned, lost…; empty when all is well
    origin: str
    destination: str
    steps: list[RouteStep]
    events: list[PublicEvent]
    stage_started_at: datetime.datetime
    estimated_delivery: datetime.datetime | None
    delivered_at: datetime.datetime | None
    package_count: int = 0
    package_sequence: int | None = None
    packages: list[PublicPackage] = field(default_factory=list)

    @property
    def current_step(self) -> RouteStep | None:
        return next((step for step in self.steps if step.current), None)


def public_tracking(*, tracking_number: str, now: datetime.datetime | None = None) -> PublicTracking | None:
    """The public view of the shipment with this master or package tracking number, any
    merchant's; ``None`` if unknown.

    Three queries for a master number: the shipment (with its source warehouse), its events
    (oldest first) and its packages' numbers; a package number costs one more, to find it."""
    number = normalize_tracking_number(tracking_number)
    if not number or len(number) > TRACKING_NUMBER_MAX_LENGTH:
        return None
    shipments = Shipment.objects.select_related("source_warehouse").prefetch_related(
        Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "pk")),
        Prefetch("packages", queryset=Package.objects.only("shipment_id", "sequence", "tracking_number")),
    )
    shipment = shipments.filter(tracking_number=number).first()
    package_sequence = None
    if shipment is None:
        package = Package.objects.filter(tracking_number=number).values("shipment_id", "sequence").first()
        if package is None:
            return None
        shipment = shipments.filter(pk=package["shipment_id"]).first()
        if shipment is None:  # deleted in between
            return None
        package_sequence = package["sequence"]
    packages = [PublicPackage(p.sequence, p.tracking_number) for p in shipment.packages.all()]
    events = [
        PublicEvent(
            occurred_at=event.occurred_at,
            stage_label=stage_label(event.stage),
            description=event.description,
            # Never the event's free-text location: partners and operators may type anything there.
            location=public_location(shipment, event.stage),
            note=reason_label(event.exception_reason),
        )
        for event in shipment.events.all()
    ]
    return PublicTracking(
        tracking_number=number if package_sequence else shipment.tracking_number,
        status=shipment.status,
        status_label=shipment.get_status_display(),
        stage=shipment.stage,
        stage_label=stage_label(shipment.stage),
        exception_reason=shipment_exception_reason(shipment),
        origin=shipment_origin_place(shipment),
        destination=shipment_destination_place(shipment),
        steps=shipment_route(shipment=shipment, now=now),
        events=events,
        stage_started_at=shipment.stage_started_at,
        estimated_delivery=shipment_estimated_delivery(shipment=shipment, now=now),
        delivered_at=shipment.delivered_at,
        package_count=len(packages),
        package_sequence=package_sequence,
        # A package's page names only itself; the master number's lists every package.
        packages=[] if package_sequence else packages,
    )
