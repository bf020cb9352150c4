"""Celery tasks of the orders app: ids in, one service call, safe to run twice."""

from celery import shared_task

from orders.services.imports import order_import_process


@shared_task(name="orders.tasks.process_order_import", acks_late=True, ignore_result=True)
def process_order_import(import_id: int) -> None:
    order_import_process(import_id=import_id)
