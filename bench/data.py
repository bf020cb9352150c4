"""Benchmark data at scale, fast: real template orders, then set-based copies of them.

A few days of history go through the real pipeline first (``backfill_history``: intake, routing,
allocation, release, stages), so every route plan, customs status and allocation is one the
services made. Those orders and their one outbound shipment each are the templates; ``scale``
copies them ``n`` times with ``INSERT … SELECT … FROM generate_series`` — one statement per
template and table row, no Python per copy — with explicit ids, so that order ``O0 + g`` owns
line ``L0 + g·k + i`` and shipment ``S0 + g``, whose packages are copies of the template's
(``P0 + g·m + i``, tracking numbers ``BP…``).

Delivered copies (most of them) are spread over the last 90 days, in-flight ones over the last
12: some not yet due, and the first ``due`` copies due now, at a stage of their plan
the schedule moves (never a partner-reported one). Units of due shipments that will still leave
their warehouse are reserved through ``inventory_apply``, so the ledger stays true.
"""

import dataclasses
import time
from collections import defaultdict

from django.core.management import call_command
from django.db import connection, transaction

from orders.models import Allocation, Order, OrderLine
from shipping.models import Package, Shipment, ShipmentLine, TrackingEvent
from shipping.routes import PARTNER_REPORTED
from shipping.services.shipments import LEAVES_WAREHOUSE
from shipping.tracking import STAGE_CODES, descriptions
from warehouses.models import Bucket, LedgerReason
from warehouses.modes import Stage
from warehouses.services.inventory import StockChange, inventory_apply

BENCH_PREFIX = "BENCH"
DAYS = 90
IN_FLIGHT_DAYS = 12


@dataclasses.dataclass
class Scale:
    orders: int
    due: int
    seconds: float
    templates: int


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _copy(model, template_pk: int, *, series: str, overrides: dict[str, str]) -> int:
    """Copy row ``template_pk`` of ``model`` once per ``g`` of ``series`` (``INSERT … SELECT``),
    every column taken from the template ``t`` unless overridden by an SQL expression."""
    columns = _columns(model)
    table = _q(model._meta.db_table)
    select = ", ".join(overrides.get(c, f"t.{_q(c)}") for c in columns)
    sql = (
        f"INSERT INTO {table} ({', '.join(_q(c) for c in columns)}) "  # noqa: S608
        f"SELECT {select} FROM {table} AS t, {series} WHERE t.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [template_pk])
        return cursor.rowcount


def _templates() -> list[dict]:
    """Orders with exactly one outbound shipment whose plan has a stage the schedule moves."""
    shipments = defaultdict(list)
    for s in Shipment.objects.filter(kind=Shipment.Kind.OUTBOUND, order_id__isnull=False).order_by("pk"):
        shipments[s.order_id].append(s)
    templates = []
    for order in Order.objects.filter(pk__in=list(shipments)).order_by("pk"):
        if len(shipments[order.pk]) != 1:
            continue
        shipment = shipments[order.pk][0]
        route = shipment.route
        stages = [step["stage"] for step in route]
        leave = next((i for i, st in enumerate(stages) if st in LEAVES_WAREHOUSE), len(stages))
        movable = [
            i
            for i, step in enumerate(route[:-1])
            if step.get("by") != "partner" and step["stage"] not in PARTNER_REPORTED
        ]
        if not movable:
            continue
        lines = list(OrderLine.objects.filter(order=order).order_by("line_number"))
        if not lines or any(line.quantity_cancelled for line in lines):
            continue
        templates.append(
            {
                "order": order,
                "shipment": shipment,
                "lines": lines,
                "allocations": list(Allocation.objects.filter(line__order=order).order_by("pk")),
                "shipment_lines": list(ShipmentLine.objects.filter(shipment=shipment).order_by("pk")),
                "packages": list(Package.objects.filter(shipment=shipment).order_by("sequence")),
                "leave": leave,
                "movable": movable,
                "last": len(route) - 1,
            }
        )
    return templates


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {_q(model._meta.db_table)}")  # noqa: S608
        return cursor.fetchone()[0]


def _reset_sequences(models) -> None:
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM {_q(table)}))",  # noqa: S608
                [table],
            )


def build_history(*, days: int = 4, orders_per_day: int = 60) -> None:
    """The templates: a short history through the real services (idempotent)."""
    call_command("seed_demo", verbosity=0)
    call_command("backfill_history", days=days, orders_per_day=orders_per_day, seed="bench", verbosity=0)


def scale(*, orders: int, due: int, in_flight_share: float = 0.1) -> Scale:
    """Copy the template orders until there are ``orders`` copies (one shipment each), the first
    ``due`` of them due now. Returns what was made. PostgreSQL only."""
    started = time.perf_counter()
    templates = _templates()
    if not templates:
        raise RuntimeError("No template orders: run build_history first.")
    count = len(templates)
    max_lines = max(len(t["lines"]) for t in templates)
    max_allocations = max(len(t["allocations"]) for t in templates)
    max_shipment_lines = max(len(t["shipment_lines"]) for t in templates)
    max_packages = max(len(t["packages"]) for t in templates)
    in_flight = due + int((orders - due) * in_flight_share)
    o0, l0, a0, s0, sl0, p0 = (_next_id(m) for m in (Order, OrderLine, Allocation, Shipment, ShipmentLine, Package))
    # g = 0 … orders-1; template g % count. Ages spread over DAYS; due ones are due in the last hour.
    # In-flight copies were created in the last IN_FLIGHT_DAYS, delivered ones over DAYS.
    age = (
        f"make_interval(secs => ((g::bigint * 7919) %% "
        f"(CASE WHEN g < {in_flight} THEN {IN_FLIGHT_DAYS * 86400} ELSE {DAYS * 86400} END)))"
    )
    reserved: dict[tuple[int, int, int], int] = defaultdict(int)

    with transaction.atomic():
        for t_index, t in enumerate(templates):
            route_movable = "ARRAY[" + ",".join(str(i) for i in t["movable"]) + "]"
            k = len(t["movable"])
            # Index of the copy's current stage: due and in flight at a movable stage; else delivered.
            index = f"(CASE WHEN g < {in_flight} THEN ({route_movable})[1 + (g %% {k})] ELSE {t['last']} END)"
            series = f"generate_series({t_index}, {orders - 1}, {count}) AS g"
            consumed = f"({index} >= {t['leave']})"
            _copy(
                Order,
                t["order"].pk,
                series=series,
                overrides={
                    "id": f"{o0} + g",
                    "merchant_order_id": f"'{BENCH_PREFIX}-' || g",
                    "status": f"CASE WHEN g < {in_flight} THEN 'processing' ELSE 'complete' END",
                    "status_reason": "''",
                    "order_import_id": "NULL",
                    "created_at": f"now() - {age} - interval '2 days'",
                    "updated_at": "now()",
                },
            )
            for i, line in enumerate(t["lines"]):
                _copy(
                    OrderLine,
                    line.pk,
                    series=series,
                    overrides={
                        "id": f"{l0} + g * {max_lines} + {i}",
                        "order_id": f"{o0} + g",
                        "quantity_allocated": "t.quantity",
                        "quantity_shipped": f"CASE WHEN {consumed} THEN t.quantity ELSE 0 END",
                    },
                )
            line_index = {line.pk: i for i, line in enumerate(t["lines"])}
            for i, allocation in enumerate(t["allocations"]):
                _copy(
                    Allocation,
                    allocation.pk,
                    series=series,
                    overrides={
                        "id": f"{a0} + g * {max_allocations} + {i}",
                        "line_id": f"{l0} + g * {max_lines} + {line_index[allocation.line_id]}",
                        "status": f"CASE WHEN {consumed} THEN 'shipped' ELSE 'reserved' END",
                        "created_at": f"now() - {age} - interval '2 days'",
                    },
                )
            stage = f"(t.route -> {index} ->> 'stage')"
            _copy(
                Shipment,
                t["shipment"].pk,
                series=series,
                overrides={
                    "id": f"{s0} + g",
                    "order_id": f"{o0} + g",
                    "merchant_order_id": f"'{BENCH_PREFIX}-' || g",
                    "tracking_number": "'BX' || lpad(g::text, 12, '0')",
                    "stage_index": index,
                    "stage": stage,
                    "status": f"CASE WHEN g < {in_flight} THEN 'active' ELSE 'delivered' END",
                    "stage_started_at": f"now() - {age} - interval '1 day'",
                    "stage_due_at": (
                        f"CASE WHEN g < {due} THEN now() - make_interval(secs => g %% 3600) "
                        f"WHEN g < {in_flight} THEN now() + interval '30 days' + {age} ELSE NULL END"
                    ),
                    "version": index,
                    "customs_status": (
                        f"CASE WHEN NOT t.crosses_border THEN 'not_required' "
                        f"WHEN g < {in_flight} THEN 'pending' ELSE 'cleared' END"
                    ),
                    "exception_reason": "''",
                    "delivery_attempts": "0",
                    "inventory_consumed": consumed,
                    "created_at": f"now() - {age} - interval '2 days'",
                    "delivered_at": f"CASE WHEN g < {in_flight} THEN NULL ELSE now() - {age} END",
                },
            )
            for i, line in enumerate(t["shipment_lines"]):
                _copy(
                    ShipmentLine,
                    line.pk,
                    series=series,
                    overrides={"id": f"{sl0} + g * {max_shipment_lines} + {i}", "shipment_id": f"{s0} + g"},
                )
            # The template's parcels (one or more, as cartonization made them), each with its own number.
            for i, package in enumerate(t["packages"]):
                _copy(
                    Package,
                    package.pk,
                    series=series,
                    overrides={
                        "id": f"{p0} + g * {max_packages} + {i}",
                        "shipment_id": f"{s0} + g",
                        "tracking_number": f"'BP' || lpad((g * {max_packages} + {i})::text, 12, '0')",
                        "created_at": f"now() - {age} - interval '2 days'",
                    },
                )
            # Units of due copies that have not left their warehouse yet are reserved there.
            unconsumed = [
                g for g in range(t_index, in_flight, count) if t["movable"][g % len(t["movable"])] < t["leave"]
            ]
            for allocation in t["allocations"]:
                line = next(x for x in t["lines"] if x.pk == allocation.line_id)
                reserved[(t["order"].merchant_id, line.product_id, allocation.warehouse_id)] += (
                    allocation.quantity * len(unconsumed)
                )
        _tracking_events(s0, orders)
        _reset_sequences([Order, OrderLine, Allocation, Shipment, ShipmentLine, Package, TrackingEvent])
        by_merchant = defaultdict(list)
        for (merchant_id, product_id, warehouse_id), quantity in reserved.items():
            if quantity:
                by_merchant[merchant_id].append(StockChange(product_id, warehouse_id, Bucket.RESERVED, quantity))
        for merchant_id, changes in by_merchant.items():
            inventory_apply(
                merchant_id=merchant_id, changes=changes, reason=LedgerReason.ORDER_RESERVED, reference_type="bench"
            )
    # As autovacuum would leave them after a load: statistics for the planner, and the visibility
    # map that lets counts over an index (the dashboards' live figures) skip the table.
    with connection.cursor() as cursor:
        for model in (Order, OrderLine, Allocation, Shipment, ShipmentLine, Package, TrackingEvent):
            cursor.execute(f"VACUUM (ANALYZE) {_q(model._meta.db_table)}")
    return Scale(orders=orders, due=due, seconds=time.perf_counter() - started, templates=count)


def _tracking_events(s0: int, orders: int) -> None:
    """One event per stage each copy has reached, with the stage's Amazon code."""
    codes = ", ".join(
        f"('{stage}', '{code}', '{descriptions()[code].replace(chr(39), chr(39) * 2)}')"
        for stage, code in STAGE_CODES.items()
    )
    columns = ["shipment_id", "from_stage", "stage", "event_code", "description", "location"]
    columns += ["exception_reason", "source", "external_id", "occurred_at"]
    sql = (
        f"INSERT INTO {_q(TrackingEvent._meta.db_table)} ({', '.join(_q(c) for c in columns)}) "  # noqa: S608
        "SELECT s.id, COALESCE(s.route -> (i - 1) ->> 'stage', ''), s.route -> i ->> 'stage', c.code, c.description, "
        "'', '', CASE WHEN i = 0 THEN 'system' ELSE 'tick' END, '', s.created_at + make_interval(hours => i * 12) "
        f"FROM {_q(Shipment._meta.db_table)} AS s "
        "CROSS JOIN LATERAL generate_series(0, s.stage_index) AS i "
        f"JOIN (VALUES {codes}) AS c(stage, code, description) ON c.stage = s.route -> i ->> 'stage' "
        "WHERE s.id >= %s AND s.id < %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [s0, s0 + orders])


__all__ = ["BENCH_PREFIX", "Scale", "Stage", "build_history", "scale"]
