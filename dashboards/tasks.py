"""Celery tasks of the dashboards: thin, idempotent, the database is the source of truth."""

from celery import shared_task

from dashboards.services import rollups_refresh


@shared_task(name="dashboards.tasks.refresh_rollups", acks_late=True, ignore_result=True)
def refresh_rollups() -> int:
    """Recompute the daily rollups of the days that changed since the last run."""
    return rollups_refresh()
