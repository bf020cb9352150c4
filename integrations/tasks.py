from celery import shared_task

from integrations.services import idempotency_keys_purge


@shared_task(name="integrations.tasks.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    """Hourly: forget the ``Idempotency-Key`` rows older than the retention period (24 hours)."""
    return idempotency_keys_purge()
