"""Celery tasks of the shipping app: thin, idempotent, the database is the source of truth."""

from celery import shared_task

from shipping.services.shipments import shipments_advance_due

BATCHES_PER_RUN = 20


@shared_task(name="shipping.tasks.advance_due_shipments", acks_late=True, ignore_result=True)
def advance_due_shipments() -> int:
    """The periodic tick: move due shipments on, batch after batch, until none is due."""
    moved = 0
    for _ in range(BATCHES_PER_RUN):
        count = shipments_advance_due()
        moved += count
        if not count:
            break
    return moved
