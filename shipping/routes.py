"""Route plans: the stages a shipment goes through, with planned hours, from its mode and lane.

Warehouse stages come from the source's handling time; transport stages from the lane's
duration model (``warehouses.network``); customs stages appear only when a customs border is
crossed (the EU is one customs area). The last stage is always ``delivered``.
"""

from decimal import Decimal

from warehouses.modes import Mode, Stage
from warehouses.network import Route

SORTING_HOURS = Decimal(8)
ACKNOWLEDGE_HOURS = Decimal(2)
HANDOVER_HOURS = Decimal(4)


def _warehouse_stages(mode: str, handling_hours: Decimal) -> list[tuple[str, Decimal]]:
    if mode == Mode.DIRECT:
        return [(Stage.AWAITING_PICKUP, handling_hours), (Stage.ORIGIN_SORTING, SORTING_HOURS)]
    if mode == Mode.VIRTUAL_WAREHOUSE:
        return [
            (Stage.ACKNOWLEDGED, ACKNOWLEDGE_HOURS),
            (Stage.PICKING, handling_hours / 2),
            (Stage.PACKING, handling_hours / 4),
            (Stage.HANDED_TO_CARRIER, HANDOVER_HOURS),
        ]
    return [
        (Stage.PICKING, handling_hours / 2),
        (Stage.PACKING, handling_hours / 4),
        (Stage.ORIGIN_SORTING, handling_hours / 4),
    ]


# In the virtual-warehouse mode the partner reports these stages; the schedule never moves them.
PARTNER_REPORTED = frozenset({Stage.ACKNOWLEDGED, Stage.PICKING, Stage.PACKING, Stage.HANDED_TO_CARRIER})


def outbound_route_plan(*, mode: str, handling_hours: int, route: Route) -> list[dict]:
    """The plan of an order's shipment: warehouse stages, transport stages, delivered.

    Stages a partner reports are marked ``"by": "partner"``: they have planned hours (for SLAs
    and estimates) but no due time, so only the partner (or the simulator acting for it) moves them.
    """
    stages = _warehouse_stages(mode, Decimal(handling_hours))
    for estimate in route.stages:
        if estimate.stage == Stage.EXPORT_CUSTOMS and mode == Mode.VIRTUAL_WAREHOUSE:
            continue  # the partner declares at handover
        if estimate.stage == Stage.LAST_MILE and mode == Mode.DIRECT and route.crosses_border:
            stages.append((Stage.DESTINATION_SORTING, SORTING_HOURS))
        stages.append((estimate.stage, estimate.typical_hours, estimate.min_hours, estimate.max_hours))
    stages.append((Stage.DELIVERED, Decimal(0)))
    partner = mode == Mode.VIRTUAL_WAREHOUSE
    plan = [_step(stage, hours, *spread) for stage, hours, *spread in stages]
    for step in plan:
        if partner and step["stage"] in PARTNER_REPORTED:
            step["by"] = "partner"
    return plan


def transfer_route_plan(*, route: Route) -> list[dict]:
    """FBA cross-border: origin FC → destination DC, received into stock at the DC."""
    stages = [(Stage.ORIGIN_SORTING, SORTING_HOURS)]
    stages += [(e.stage, e.typical_hours, e.min_hours, e.max_hours) for e in route.stages if e.stage != Stage.LAST_MILE]
    stages += [(Stage.DC_RECEIVING, Decimal(24)), (Stage.DELIVERED, Decimal(0))]
    return [_step(stage, hours, *spread) for stage, hours, *spread in stages]


def _step(stage: str, hours: Decimal, min_hours: Decimal | None = None, max_hours: Decimal | None = None) -> dict:
    """One stage of a plan: its typical hours, and the lane's range where the lane gives one
    (the schedule draws the actual duration within it)."""
    step = {"stage": str(stage), "hours": float(hours)}
    if min_hours is not None and max_hours is not None and min_hours < max_hours:
        step["min"], step["max"] = float(min_hours), float(max_hours)
    return step
