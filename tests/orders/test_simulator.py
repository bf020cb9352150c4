"""The demo simulator on the demo network (``seed_demo``): reproducible demand through the real
intake, the step (release + tick), the history backfill, the Celery task and the clock banner."""

import datetime
import random
import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from orders.models import Order, OrderEvent
from orders.simulator import (
    REPLENISH_NOTE,
    REPLENISH_TO,
    backfill,
    demo_merchants,
    simulate_demand,
    simulate_step,
)
from orders.tasks import simulate_demand as simulate_demand_task
from shipping.context_processors import demo_clock
from shipping.models import Shipment, TrackingEvent
from warehouses.models import InventoryBalance, InventoryLedgerEntry, Lane, LedgerReason
from warehouses.selectors import inventory_discrepancies
from warehouses.services.inventory import inventory_adjust

pytestmark = pytest.mark.django_db

ENDED = {Order.Status.COMPLETE, Order.Status.COMPLETE_PARTIAL}


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    return demo_merchants()


class _Undo(Exception):  # noqa: N818
    pass


def _orders_of_a_run(merchants, seed) -> tuple[list[tuple], int]:
    """The orders one run of demand creates from the seeded state, which is then restored."""
    try:
        with transaction.atomic():
            counts = simulate_demand(
                rng=random.Random(seed), merchants=merchants, now=timezone.now(), orders_per_merchant=5
            )
            orders = [
                (
                    order.merchant.slug,
                    order.merchant_order_id,
                    order.mode_id,
                    order.speed,
                    order.fulfillment_policy,
                    order.country.code,
                    order.postal_code,
                    tuple((line.product.sku, line.quantity) for line in order.lines.all()),
                )
                for order in Order.objects.select_related("merchant").prefetch_related("lines__product")
            ]
            raise _Undo
    except _Undo:
        return sorted(orders), counts.rejected


def test_the_same_seed_gives_the_same_orders(demo):
    first, rejected = _orders_of_a_run(demo, seed=42)
    again, _ = _orders_of_a_run(demo, seed=42)
    other, _ = _orders_of_a_run(demo, seed=43)

    assert first == again
    assert first != other
    assert rejected == 0  # the simulator only sends orders intake accepts
    assert len(first) == 4 * 5
    today = timezone.localdate().strftime("%Y%m%d")
    assert {order_id for _, order_id, *_ in first} == {f"SIM-{today}-{n:05d}" for n in range(1, 6)}
    for *_, lines in first:
        assert 1 <= len(lines) <= 3 and all(1 <= quantity <= 3 for _, quantity in lines)


def test_ids_continue_and_the_task_does_nothing_when_the_simulator_is_off(demo, settings):
    now = timezone.now()
    simulate_demand(rng=random.Random(1), merchants=demo[:1], now=now, orders_per_merchant=2)
    simulate_demand(rng=random.Random(1), merchants=demo[:1], now=now, orders_per_merchant=2)
    ids = sorted(Order.objects.values_list("merchant_order_id", flat=True))
    assert [int(order_id.rsplit("-", 1)[1]) for order_id in ids] == [1, 2, 3, 4]

    settings.CROSSDOCK_SIMULATOR = False
    simulate_demand_task()
    assert Order.objects.count() == 4
    settings.CROSSDOCK_SIMULATOR = True
    simulate_demand_task()
    assert Order.objects.count() == 4 + len(demo)


def test_the_step_releases_orders_and_moves_their_shipments_until_delivered(
    demo, settings, django_capture_on_commit_callbacks
):
    settings.CROSSDOCK_DELIVERY_FAILURE_RATE = 0.0
    Lane.objects.update(inspection_probability=0)
    low = InventoryBalance.objects.filter(warehouse__code="US-ONT1", fulfillable__gt=20).order_by("pk").first()
    inventory_adjust(
        product=low.product,
        warehouse=low.warehouse,
        bucket="fulfillable",
        quantity=3 - low.fulfillable,
        reason="adjustment",
    )

    now = timezone.now()
    counts = simulate_demand(rng=random.Random(5), merchants=demo, now=now, orders_per_merchant=6)
    assert counts.created == 24 and counts.replenished >= 1
    top_up = InventoryLedgerEntry.objects.get(
        product=low.product, warehouse=low.warehouse, reason=LedgerReason.ADJUSTMENT, note=REPLENISH_NOTE
    )
    assert top_up.quantity == REPLENISH_TO - 3

    assert simulate_step(now=now).released == 0  # the hold window
    later = now + datetime.timedelta(minutes=settings.CROSSDOCK_ORDER_HOLD_MINUTES + 1)
    with django_capture_on_commit_callbacks(execute=True):
        step = simulate_step(now=later)
    placed = Order.objects.exclude(status=Order.Status.UNFULFILLABLE)
    assert step.released == placed.count() > 0
    assert step.moved == 0  # nothing is due the minute it is released
    per_source = Counter(Shipment.objects.values_list("order_id", "source_warehouse_id"))
    assert set(per_source.values()) == {1}  # one shipment per order and warehouse: none released twice

    for days in (1, 3, 30, 60):
        with django_capture_on_commit_callbacks(execute=True):
            simulate_step(now=now + datetime.timedelta(days=days))
    shipments = Shipment.objects.all()
    # Restricted goods wait for the customs desk; everything else is delivered.
    waiting = shipments.filter(status=Shipment.Status.ACTIVE)
    assert set(waiting.values_list("stage", flat=True)) <= {"customs_hold"}
    assert shipments.filter(status=Shipment.Status.DELIVERED).count() == shipments.count() - waiting.count() > 0
    held_orders = set(waiting.values_list("order_id", flat=True))
    assert set(placed.exclude(pk__in=held_orders).values_list("status", flat=True)) <= ENDED
    assert inventory_discrepancies() == []

    out = StringIO()
    call_command("simulate", minutes=0.001, interval=1, seed="7", stdout=out)
    assert re.search(r"\+4 orders .* released \d+ +moved \d+ +active shipments \d+", out.getvalue())


@pytest.mark.django_db(transaction=True)
def test_backfill_writes_a_dated_history_once(settings):
    call_command("seed_demo", verbosity=0)
    settings.CROSSDOCK_CLOCK_SPEED = 720  # as under `make run`: the history still runs on the real clock
    end = timezone.now()

    counts = backfill(days=3, seed=11, end=end, orders_per_day=30)

    history = Order.objects.filter(merchant_order_id__startswith="HIST-")
    assert counts.orders == history.count() >= 60 and not counts.skipped
    created = sorted(history.values_list("created_at", flat=True))
    assert created[0] >= end - datetime.timedelta(days=3) and created[-1] <= end
    assert {(end - at).days for at in created} == {0, 1, 2}  # spread over the three days
    for order in history[:20]:
        assert re.fullmatch(rf"HIST-{timezone.localdate(order.created_at):%Y%m%d}-\d{{5}}", order.merchant_order_id)

    events = defaultdict(list)
    for shipment_id, at in TrackingEvent.objects.order_by("pk").values_list("shipment_id", "occurred_at"):
        events[shipment_id].append(at)
    assert events and all(times == sorted(times) and times[-1] <= end for times in events.values())
    order_events = defaultdict(list)
    for order_id, at in OrderEvent.objects.order_by("pk").values_list("order_id", "created_at"):
        order_events[order_id].append(at)
    assert all(times == sorted(times) and times[-1] <= end for times in order_events.values())
    for shipment in Shipment.objects.filter(status=Shipment.Status.DELIVERED):
        # Real durations, not the demo clock's: at least the warehouse's handling and a last mile.
        assert shipment.delivered_at - shipment.created_at > datetime.timedelta(hours=24)
        assert order_events[shipment.order_id][0] <= shipment.created_at
    assert history.filter(status__in=ENDED).exists()
    assert history.filter(status=Order.Status.PROCESSING).exists()
    # Parcels still under way are handed to the demo clock: their current stage ends within minutes.
    in_flight = Shipment.objects.filter(status=Shipment.Status.ACTIVE, stage_due_at__isnull=False)
    assert in_flight.exists()
    assert all(due <= end + datetime.timedelta(minutes=30) for due in in_flight.values_list("stage_due_at", flat=True))
    assert inventory_discrepancies() == []

    before = (Order.objects.count(), TrackingEvent.objects.count(), InventoryLedgerEntry.objects.count())
    out = StringIO()
    call_command("backfill_history", days=3, stdout=out)
    assert "nothing added" in out.getvalue()
    assert (Order.objects.count(), TrackingEvent.objects.count(), InventoryLedgerEntry.objects.count()) == before


def test_the_banner_states_the_demo_clock(settings):
    request = RequestFactory().get("/")
    settings.CROSSDOCK_CLOCK_SPEED = 1
    assert demo_clock(request) == {}
    assert render_to_string("_clock_banner.html", demo_clock(request)).strip() == ""
    settings.CROSSDOCK_CLOCK_SPEED = 720
    html = render_to_string("_clock_banner.html", demo_clock(request))
    assert "Demo clock: 1 real minute = 12 simulated hours" in html
    settings.CROSSDOCK_CLOCK_SPEED = 30
    assert demo_clock(request)["demo_clock"]["per_real_minute"] == "30 simulated minutes"
