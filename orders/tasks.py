"""Celery tasks of the orders app: ids in, one service call, safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from orders.services.fulfilment import orders_release
from orders.services.imports import order_import_process
from orders.services.intake import orders_allocate_waiting
from orders.simulator import simulate_round


@shared_task(name="orders.tasks.process_order_import", acks_late=True, ignore_result=True)
def process_order_import(import_id: int) -> None:
    order_import_process(import_id=import_id)


@shared_task(name="orders.tasks.allocate_waiting_orders", acks_late=True, ignore_result=True)
def allocate_waiting_orders() -> None:
    """Every few minutes: reserve newly received stock for fill-all orders still waiting."""
    orders_allocate_waiting()


@shared_task(name="orders.tasks.release_planned_orders", acks_late=True, ignore_result=True)
def release_planned_orders() -> None:
    """Every minute: planned orders past their cancellation window go to the warehouses."""
    orders_release()


@shared_task(name="orders.tasks.simulate_demand", acks_late=True, ignore_result=True)
def simulate_demand(orders_per_merchant: int = 1) -> None:
    """The demo's live simulator (beat sends it in local development only): a few buyers' orders
    per demo merchant, then the step (release, partners, tick). Does nothing unless
    ``CROSSDOCK_SIMULATOR`` is on; production settings have none."""
    if not getattr(settings, "CROSSDOCK_SIMULATOR", False):
        return
    simulate_round(
        seed=str(getattr(settings, "CROSSDOCK_SIMULATOR_SEED", "crossdock")),
        now=timezone.now(),
        orders_per_merchant=orders_per_merchant,
    )
