"""Scenario e: end to end — orders placed, then every one delivered by the simulator, with a
real Celery worker.

Buyers' orders of the demo merchants (the simulator's own demand: mixed destinations, modes,
speeds) are placed through intake until ``orders`` exist. A Celery worker process then runs
the simulator's step task (release, partners' reports, the tick) over and over on an
accelerated clock, until every one of those orders has ended; parcels customs holds for a
decision (restricted goods) are released by the bench acting as the customs desk, through the
console's service, and counted. Checked at the end: every order
complete, no shipment delivered twice (one ``delivered`` event each), and every inventory
balance equal to its ledger.
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from amqp.exceptions import ChannelError
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone

from config.celery import app
from orders.models import Order
from orders.simulator import demo_merchants, simulate_demand
from shipping.models import Shipment, TrackingEvent
from shipping.services.returns import shipment_operator_move
from warehouses.modes import Stage
from warehouses.selectors import inventory_discrepancies

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "BENCHE"
ENDED = (Order.Status.COMPLETE, Order.Status.COMPLETE_PARTIAL)


def _place(orders: int, prefix: str) -> int:
    """Place buyers' orders until ``orders`` were created; returns how many."""
    rng = random.Random("bench-pipeline")
    merchants = demo_merchants()
    created = 0
    while created < orders:
        per_merchant = max(1, min(250, (orders - created) // len(merchants)))
        counts = simulate_demand(
            rng=rng, merchants=merchants, now=timezone.now(), orders_per_merchant=per_merchant, prefix=prefix
        )
        created += counts.created
    return created


def _queue_length() -> int:
    """Messages waiting in the default queue (0 before the worker declared it)."""
    with app.connection_for_read() as connection, connection.channel() as channel:
        try:
            return channel.queue_declare(queue="celery", passive=True).message_count
        except ChannelError:
            return 0


def _desk_releases(order_ids: list[int], operator) -> int:
    """The customs desk's part: parcels held for a decision (restricted goods, documents) are
    released after review, through the console's own service. Inspections end on their own."""
    released = 0
    held = Shipment.objects.filter(order_id__in=order_ids, stage=Stage.CUSTOMS_HOLD, stage_due_at__isnull=True)
    for shipment in held:
        following = shipment.route[shipment.stage_index + 1]["stage"]
        released += shipment_operator_move(
            shipment=shipment,
            to=following,
            expected_version=shipment.version,
            actor=operator,
            note="Documents reviewed at the desk.",
        )
    return released


def run(*, orders: int = 10_000, timeout: float = 1800) -> dict:
    # This process (intake, the desk) plans on the worker's clock too.
    speed = float(os.environ.get("BENCH_CLOCK_SPEED", "200000"))
    with override_settings(CROSSDOCK_CLOCK_SPEED=speed, CROSSDOCK_ORDER_HOLD_MINUTES=0):
        return _run(orders=orders, timeout=timeout, speed=speed)


def _run(*, orders: int, timeout: float, speed: float) -> dict:
    prefix = f"{PREFIX}{timezone.now():%H%M%S}"
    started = time.perf_counter()
    placed = _place(orders, prefix)
    intake_seconds = time.perf_counter() - started
    bench_orders = Order.objects.filter(merchant_order_id__startswith=f"{prefix}-")
    ids = list(bench_orders.values_list("pk", flat=True))
    env = {
        **os.environ,
        "CROSSDOCK_CLOCK_SPEED": str(speed),
        "CROSSDOCK_ORDER_HOLD_MINUTES": "0",
        "CROSSDOCK_SIMULATOR": "1",
    }
    worker = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    sent = released = 0
    operator = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
    try:
        moving = time.perf_counter()
        while True:
            left = Order.objects.filter(pk__in=ids).exclude(status__in=ENDED).count()
            if not left:
                break
            if time.perf_counter() - moving > timeout:
                raise RuntimeError(f"{left} orders still open after {timeout:.0f} s")
            released += _desk_releases(ids, operator)
            if _queue_length() < 2:
                app.send_task("orders.tasks.simulate_demand", kwargs={"orders_per_merchant": 0})
                sent += 1
            time.sleep(0.5)
        moving_seconds = time.perf_counter() - moving
        stats = app.control.inspect(timeout=5).stats() or {}
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    executed = sum(sum(s.get("total", {}).values()) for s in stats.values())
    shipments = Shipment.objects.filter(order_id__in=ids)
    delivered_twice = (
        TrackingEvent.objects.filter(shipment__in=shipments, stage=Stage.DELIVERED)
        .values("shipment")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    statuses = dict(bench_orders.values_list("status").annotate(n=Count("pk")))
    return {
        "orders": placed,
        "intake_seconds": intake_seconds,
        "moving_seconds": moving_seconds,
        "wall_seconds": intake_seconds + moving_seconds,
        "tasks_sent": sent,
        "desk_releases": released,
        "tasks_executed": executed,
        "tasks_per_second": executed / moving_seconds if moving_seconds else 0.0,
        "transitions": TrackingEvent.objects.filter(shipment__in=shipments).count(),
        "shipments": shipments.count(),
        "delivered_twice": delivered_twice,
        "statuses": statuses,
        "ledger_discrepancies": len(inventory_discrepancies()),
    }
