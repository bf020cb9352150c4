"""From a planned order to its shipments, and back: orders follow what their shipments do.

After a hold window (``CROSSDOCK_ORDER_HOLD_MINUTES``, during which the order can still be
cancelled) a planned order is released: one outbound shipment per source warehouse (or from
the merchant's address for direct shipping), and the order is ``processing``. The order then
follows ``shipment.stage_changed`` events: units leaving a warehouse are shipped, and once
every shipment has ended the order is ``complete`` or ``complete_partial``.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from config.bulk import rows_update
from orders.models import Allocation, Order, OrderLine
from orders.services.status import orders_transition
from shipping.models import Shipment
from shipping.routes import outbound_route_plan
from shipping.services.shipments import LEAVES_WAREHOUSE, TERMINAL, shipments_create
from warehouses.modes import Mode
from warehouses.network import Network

ADDRESS = ("contact_name", "phone", "address_line1", "address_line2", "city", "region", "postal_code", "country")


def orders_release(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Release planned orders whose hold window has passed and that wait for nothing; returns how many."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.CROSSDOCK_ORDER_HOLD_MINUTES)
    skip = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        orders = list(
            Order.objects.select_for_update(skip_locked=skip, of=("self",))
            .filter(status=Order.Status.PLANNING, created_at__lte=cutoff)
            # Direct orders reserve nothing; the others go when no unit waits for stock.
            .filter(
                Q(mode_id=Mode.DIRECT)
                | ~Exists(
                    OrderLine.objects.filter(
                        order=OuterRef("pk"), quantity__gt=F("quantity_allocated") + F("quantity_cancelled")
                    )
                )
            )
            .select_related("merchant")
            .order_by("created_at", "pk")[:limit]
        )
        if not orders:
            return 0
        network = Network.load()
        warehouses = {w.pk: w for w in network.warehouses}
        lines = defaultdict(list)
        for line in OrderLine.objects.filter(order__in=orders).order_by("line_number"):
            lines[line.order_id].append(line)
        reserved = defaultdict(lambda: defaultdict(list))
        for allocation in Allocation.objects.filter(
            line__order__in=orders, status=Allocation.Status.RESERVED
        ).select_related("line"):
            reserved[allocation.line.order_id][allocation.warehouse_id].append(allocation)
        specs, transitions = [], []
        for order in orders:
            destination = {name: getattr(order, name) for name in ADDRESS}
            common = {
                "merchant_id": order.merchant_id,
                "mode_id": order.mode_id,
                "order_id": order.pk,
                "merchant_order_id": order.merchant_order_id,
                "speed": order.speed,
                **destination,
            }
            if order.mode_id == Mode.DIRECT:
                groups = {
                    None: [
                        (ln.product_id, ln.quantity - ln.quantity_cancelled, ln.unit_value, order.currency)
                        for ln in lines[order.pk]
                        if ln.quantity > ln.quantity_cancelled
                    ]
                }
            else:
                groups = {
                    warehouse_id: [(a.line.product_id, a.quantity, a.line.unit_value, order.currency) for a in group]
                    for warehouse_id, group in reserved[order.pk].items()
                }
            made = []
            for warehouse_id, items in groups.items():
                warehouse = warehouses.get(warehouse_id)
                origin = warehouse.country.code if warehouse else order.merchant.country.code
                handling = warehouse.handling_time_hours if warehouse else 24
                route = network.route(origin=origin, destination=order.country.code, speed=order.speed)
                if route is None or not items:
                    continue
                specs.append(
                    {
                        **common,
                        "kind": Shipment.Kind.OUTBOUND,
                        "source_warehouse_id": warehouse_id,
                        "origin_country": origin,
                        "lane_id": route.lane_id,
                        "transport": route.transport,
                        "crosses_border": route.crosses_border,
                        "route": outbound_route_plan(mode=order.mode_id, handling_hours=handling, route=route),
                        "lines": items,
                    }
                )
                made.append(warehouse.code if warehouse else "the merchant's address")
            if made:
                transitions.append((order, Order.Status.PROCESSING, "Released to " + ", ".join(made)))
        shipments_create(specs=specs, at=now)
        orders_transition(changes=transitions)
    return len(transitions)


def on_shipment_changes(payloads: list[dict]) -> None:
    """Subscriber of ``shipment.stage_changed``, inside the shipments' transaction: units shipped,
    and orders completed.

    Set-based, whatever the batch: a tick moving thousands of shipments costs a handful of
    queries here, not a few per shipment.
    """
    outbound = [p for p in payloads if p["order_id"] and p["kind"] == Shipment.Kind.OUTBOUND]
    if not outbound:
        return
    with transaction.atomic():
        left = [p for p in outbound if p["to"] in LEAVES_WAREHOUSE and p["from"] not in LEAVES_WAREHOUSE]
        if left:
            _units_shipped(left)
        ended = {p["order_id"] for p in outbound if p["to"] in TERMINAL}
        if ended:
            _orders_ended(ended)


def _units_shipped(left: list[dict]) -> None:
    """A shipment left its warehouse: its reserved allocations are shipped (direct shipping,
    from the merchant's own address, ships every line)."""
    pairs = {(p["order_id"], p["source_warehouse_id"]) for p in left}
    direct = [order_id for order_id, warehouse_id in pairs if warehouse_id is None]
    if direct:
        OrderLine.objects.filter(order_id__in=direct).update(quantity_shipped=F("quantity") - F("quantity_cancelled"))
    allocations = [
        (pk, line_id, quantity)
        for pk, line_id, quantity, order_id, warehouse_id in Allocation.objects.filter(
            line__order_id__in={order_id for order_id, _ in pairs}, status=Allocation.Status.RESERVED
        ).values_list("pk", "line_id", "quantity", "line__order_id", "warehouse_id")
        if (order_id, warehouse_id) in pairs
    ]
    if not allocations:
        return
    shipped: dict[int, int] = defaultdict(int)
    for _, line_id, quantity in allocations:
        shipped[line_id] += quantity
    lines = list(OrderLine.objects.select_for_update().filter(pk__in=shipped).order_by("pk"))
    for line in lines:
        line.quantity_shipped += shipped[line.pk]
    rows_update(lines, ["quantity_shipped"])
    Allocation.objects.filter(pk__in=[pk for pk, _, _ in allocations]).update(status=Allocation.Status.SHIPPED)


def _orders_ended(ended: set[int]) -> None:
    """Every shipment of an order has ended: the order is complete, or complete in part.

    The orders are locked before their shipments are read. Two transactions ending the last two
    shipments of one order would otherwise each see the other's shipment still active (neither
    has committed) and both leave the order processing; locked, the second waits for the first
    to commit and then reads both ended.
    """
    processing = list(
        Order.objects.select_for_update()
        .filter(pk__in=ended, status=Order.Status.PROCESSING)
        .order_by("pk")
        .only("pk", "merchant_id", "status", "merchant_order_id")
    )
    if not processing:
        return
    statuses = defaultdict(list)
    for order_id, status in Shipment.objects.filter(order_id__in=[o.pk for o in processing]).values_list(
        "order_id", "status"
    ):
        statuses[order_id].append(status)
    finished = [order for order in processing if Shipment.Status.ACTIVE not in statuses[order.pk]]
    if not finished:
        return
    cancelled = set(
        OrderLine.objects.filter(order_id__in=[o.pk for o in finished], quantity_cancelled__gt=0).values_list(
            "order_id", flat=True
        )
    )
    changes = []
    for order in finished:
        found = statuses[order.pk]
        delivered = found.count(Shipment.Status.DELIVERED)
        if delivered == len(found) and order.pk not in cancelled:
            changes.append((order, Order.Status.COMPLETE, "Every parcel delivered"))
        else:
            changes.append(
                (
                    order,
                    Order.Status.COMPLETE_PARTIAL,
                    f"{delivered} of {len(found)} parcels delivered"
                    + ("; some units cancelled" if order.pk in cancelled else ""),
                )
            )
    orders_transition(changes=changes)
