"""``GET /healthz``: database and broker status as JSON, for load balancers and people."""

import os

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from config.tasks import HEARTBEAT_CACHE_KEY


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", and we say why
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)}
    return {"ok": True, "vendor": connection.vendor}


def _broker_status() -> dict:
    url = celery_app.conf.broker_url
    transport = url.split("://", 1)[0]
    if transport == "filesystem":
        folder = celery_app.conf.broker_transport_options.get("data_folder_in", "")
        if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            return {"ok": False, "transport": transport, "error": "broker folder missing or not writable"}
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "transport": transport, "error": str(exc)}
    return {"ok": True, "transport": transport}


@never_cache
@require_GET
def healthz(request):
    database = _database_status()
    broker = _broker_status()
    ok = database["ok"] and broker["ok"]
    body = {
        "status": "ok" if ok else "degraded",
        "database": database,
        "broker": broker,
        "last_worker_heartbeat": cache.get(HEARTBEAT_CACHE_KEY),
    }
    return JsonResponse(body, status=200 if ok else 503)
