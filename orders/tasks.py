"""Celery tasks of the orders app: ids in, one service call, safe to run twice."""

from celery import shared_task

from orders.services.fulfilment import orders_release
from orders.services.imports import order_import_process
from orders.services.intake import orders_allocate_waiting


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
