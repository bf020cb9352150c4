"""Celery tasks of the webhooks app: ids in, one service call, safe to run twice.

The database is the source of truth: a delivery is due when its row says so, and the periodic
scan (``dispatch_due_deliveries``, every few seconds from beat) hands out whatever is due, so a
lost message only delays a delivery.
"""

from celery import shared_task

from webhooks.services.delivery import webhook_deliveries_dispatch, webhook_delivery_attempt

DISPATCH_LIMIT = 500


@shared_task(name="webhooks.tasks.deliver_webhook", acks_late=True, ignore_result=True)
def deliver_webhook(delivery_id: int) -> None:
    """Send one delivery (a repeated message finds it sent or held, and does nothing)."""
    webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.tasks.dispatch_due_deliveries", acks_late=True, ignore_result=True)
def dispatch_due_deliveries() -> None:
    """Hand every due delivery to a worker; when there were more than one round's worth, go again."""
    ids = webhook_deliveries_dispatch(limit=DISPATCH_LIMIT)
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    if len(ids) == DISPATCH_LIMIT:
        dispatch_due_deliveries.delay()
