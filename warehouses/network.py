"""The network as routes: which warehouses can serve a destination in a mode, by which lane,
stage by stage and how long each stage takes. Pure functions over data loaded once
(``Network.load``), shared by order routing, quotes, shipment route plans and the simulator.

The rules are written down in docs/routing.md.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from merchants.geography import customs_area
from warehouses.models import Lane, Warehouse
from warehouses.modes import Mode, Speed, Stage, Transport, WarehouseRole

ASIA_PACIFIC = frozenset(["AU", "CN", "HK", "ID", "IN", "JP", "KR", "MY", "NZ", "PH", "SG", "TH", "TW", "VN"])
# Roles whose stock serves buyers' orders, per mode (FBA ships from the destination DC only:
# the origin FC's stock must be transferred first).
ORDER_ROLES: dict[str, tuple[str, ...]] = {
    Mode.GLOBAL_WAREHOUSE: (WarehouseRole.GLOBAL_WAREHOUSE,),
    Mode.ASIA_WAREHOUSE: (WarehouseRole.ASIA_WAREHOUSE,),
    Mode.FBA_CROSS_BORDER: (WarehouseRole.DESTINATION_DC,),
    Mode.VIRTUAL_WAREHOUSE: (WarehouseRole.PARTNER_3PL,),
    Mode.DIRECT: (),
}
# Transports a parcel may take at each speed; ocean is for stock, not for a buyer's parcel.
PARCEL_TRANSPORTS: dict[str, tuple[str, ...]] = {
    Speed.STANDARD: (Transport.AIR_FREIGHT, Transport.RAIL, Transport.TRUCK, Transport.AIR_EXPRESS),
    Speed.EXPEDITED: (Transport.AIR_EXPRESS, Transport.AIR_FREIGHT, Transport.TRUCK),
    Speed.PRIORITY: (Transport.AIR_EXPRESS, Transport.TRUCK),
}
# Assumptions where the lane table has no figure (hours: min, typical, max).
DEFAULT_LAST_MILE = (Decimal(24), Decimal(72), Decimal(144))
INTRA_UNION_ROAD = (Decimal(24), Decimal(60), Decimal(120))
EXPORT_CUSTOMS = (Decimal(2), Decimal(6), Decimal(24))
MERCHANT_HANDLING_HOURS = 24
LAST_MILE_SPEED_FACTOR = {Speed.STANDARD: Decimal("1"), Speed.EXPEDITED: Decimal("0.6"), Speed.PRIORITY: Decimal("0.4")}


@dataclass(frozen=True)
class StageEstimate:
    stage: str
    min_hours: Decimal
    typical_hours: Decimal
    max_hours: Decimal


@dataclass(frozen=True)
class Route:
    """How a parcel goes from ``origin`` to ``destination`` (countries), stage by stage."""

    origin: str
    destination: str
    crosses_border: bool
    transport: str
    lane_id: int | None
    cost_per_kg: Decimal
    stages: tuple[StageEstimate, ...]

    def hours(self, which: str) -> Decimal:
        return sum((getattr(s, f"{which}_hours") for s in self.stages), Decimal(0))


@dataclass(frozen=True)
class Source:
    """Where an order can ship from: a warehouse (or the merchant's own premises) and its route."""

    warehouse_id: int | None
    code: str
    country: str
    handling_hours: int
    route: Route

    @property
    def typical_hours(self) -> Decimal:
        return self.handling_hours + self.route.hours("typical")


@dataclass
class Network:
    """The active warehouses and lanes with their stages, loaded once (three queries)."""

    warehouses: list[Warehouse]
    lanes: dict[tuple[str, str], list[Lane]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Network":
        network = cls(warehouses=list(Warehouse.objects.filter(is_active=True).order_by("code")))
        for lane in Lane.objects.filter(is_active=True).prefetch_related("stages").order_by("pk"):
            network.lanes.setdefault((lane.origin, lane.destination), []).append(lane)
        return network

    def _domestic_last_mile(self, country: str, speed: str) -> StageEstimate:
        factor = LAST_MILE_SPEED_FACTOR[speed]
        for lane in self.lanes.get((country, country), []):
            for stage in lane.stages.all():
                if stage.stage == Stage.LAST_MILE:
                    hours = (stage.min_hours, stage.typical_hours, stage.max_hours)
                    break
            else:
                continue
            break
        else:
            hours = DEFAULT_LAST_MILE
        return StageEstimate(Stage.LAST_MILE, *(h * factor for h in hours))

    def route(self, *, origin: str, destination: str, speed: str, freight: bool = False) -> Route | None:
        """The route a parcel takes at ``speed``, or ``None`` if no lane connects the two.

        ``freight``: stock moving between warehouses may take any transport, ocean included,
        and takes the cheapest lane.
        """
        last_mile = self._domestic_last_mile(destination, speed)
        if origin == destination:
            return Route(origin, destination, False, Transport.TRUCK, None, Decimal(0), (last_mile,))
        if customs_area(origin) == customs_area(destination):
            road = StageEstimate(Stage.LINE_HAUL, *INTRA_UNION_ROAD)
            return Route(origin, destination, False, Transport.TRUCK, None, Decimal("0.60"), (road, last_mile))
        allowed = tuple(Transport.values) if freight else PARCEL_TRANSPORTS[speed]
        keys = {
            (origin, destination),
            (customs_area(origin), destination),
            (origin, customs_area(destination)),
            (customs_area(origin), customs_area(destination)),
        }
        lanes = [lane for key in keys for lane in self.lanes.get(key, []) if lane.transport in allowed]
        if not lanes:
            return None

        def line_haul(lane: Lane):
            return next((s for s in lane.stages.all() if s.stage == Stage.LINE_HAUL), None)

        lanes = [lane for lane in lanes if line_haul(lane) is not None]
        if not lanes:
            return None
        if speed == Speed.STANDARD or freight:
            lane = min(lanes, key=lambda ln: (ln.cost_per_kg, line_haul(ln).typical_hours, ln.pk))
        else:
            lane = min(lanes, key=lambda ln: (line_haul(ln).typical_hours, ln.cost_per_kg, ln.pk))
        stages = [StageEstimate(Stage.EXPORT_CUSTOMS, *EXPORT_CUSTOMS)]
        for stage in lane.stages.all():
            if stage.stage in (Stage.LINE_HAUL, Stage.IMPORT_CUSTOMS):
                stages.append(StageEstimate(stage.stage, stage.min_hours, stage.typical_hours, stage.max_hours))
        stages.append(last_mile)
        return Route(origin, destination, True, lane.transport, lane.pk, lane.cost_per_kg, tuple(stages))

    def sources(self, *, mode: str, destination: str, speed: str, merchant_country: str) -> tuple[list[Source], str]:
        """Where an order of ``mode`` to ``destination`` can ship from, fastest first; or why nowhere."""
        if mode == Mode.DIRECT:
            route = self.route(origin=merchant_country, destination=destination, speed=speed)
            if route is None:
                return [], f"No {Speed(speed).label.lower()} lane from {merchant_country} to {destination}."
            return [Source(None, "MERCHANT", merchant_country, MERCHANT_HANDLING_HOURS, route)], ""
        if mode == Mode.ASIA_WAREHOUSE and destination not in ASIA_PACIFIC:
            return [], f"Asia warehouses serve buyers in Asia-Pacific; {destination} is not."
        candidates = [w for w in self.warehouses if w.role in ORDER_ROLES[mode]]
        if mode == Mode.FBA_CROSS_BORDER:
            candidates = [w for w in candidates if customs_area(w.country.code) == customs_area(destination)]
            if not candidates:
                return [], f"No FBA distribution centre in {destination}'s market to ship from."
        found = []
        for warehouse in candidates:
            route = self.route(origin=warehouse.country.code, destination=destination, speed=speed)
            if route is not None:
                found.append(
                    Source(warehouse.pk, warehouse.code, warehouse.country.code, warehouse.handling_time_hours, route)
                )
        if not found:
            return [], (
                f"No warehouse of the {Mode(mode).label} mode reaches {destination} "
                f"at {Speed(speed).label.lower()} speed."
            )
        found.sort(key=lambda s: (s.typical_hours, s.code))
        return found, ""
