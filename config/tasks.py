"""Infrastructure tasks: the heartbeat lets /healthz and operators see that beat and a worker live."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "crossdock:worker-heartbeat"


@shared_task(name="config.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    cache.set(HEARTBEAT_CACHE_KEY, timezone.now().isoformat(), timeout=None)
