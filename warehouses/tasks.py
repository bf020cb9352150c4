import logging

from celery import shared_task

from warehouses.selectors import inventory_discrepancies

logger = logging.getLogger(__name__)


@shared_task(name="warehouses.tasks.verify_inventory", ignore_result=True)
def verify_inventory() -> int:
    """Hourly: log every balance that differs from its ledger (there should be none)."""
    discrepancies = inventory_discrepancies()
    for d in discrepancies:
        logger.error("inventory discrepancy: %s", d)
    return len(discrepancies)
