"""Scenario c: every dashboard page over the scaled data — server time and SQL queries.

Pages are rendered in-process through Django's test client (the whole request: middleware,
view, selectors, templates), as a merchant (its own data) and as an operator (everything), with
the default period and with 90 days. The rollups are built first if there are none (the first
full build); afterwards they are as fresh as the beat task last left them (its cost is the
beat's, not the pages'). Each page is requested ``runs`` times after one warm-up; the median and
p95 of the server time and the number of queries are reported.
"""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards.models import RollupCursor
from dashboards.services import rollups_refresh
from warehouses.modes import Mode


def _pages() -> list[tuple[str, str, str]]:
    """(label, user, URL) for every dashboard page."""
    pages = [("dashboards index", "shenzhen.owner", reverse("dashboards:index"))]
    for mode in Mode:
        url = reverse("dashboards:mode", kwargs={"code": mode.value})
        pages.append((f"{mode.label} (merchant)", "shenzhen.owner", url))
        pages.append((f"{mode.label} (merchant, 90 days)", "shenzhen.owner", f"{url}?period=90"))
        pages.append((f"{mode.label} (operator)", "operator", url))
        pages.append((f"{mode.label} (live part)", "shenzhen.owner", url))
    pages.append(("operator overview", "operator", reverse("operations:overview")))
    return pages


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run(*, runs: int = 10) -> dict:
    started = time.perf_counter()
    if not RollupCursor.objects.exists():
        rollups_refresh()
    refresh_seconds = time.perf_counter() - started
    users = get_user_model().objects.in_bulk(["shenzhen.owner", "operator"], field_name="username")
    clients = {}
    for username, user in users.items():
        clients[username] = Client()
        clients[username].force_login(user)
    results = {}
    for label, username, url in _pages():
        client = clients[username]
        headers = {"HX-Request": "true"} if "live part" in label else {}
        client.get(url, headers=headers)  # warm-up
        times, queries = [], []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                t = time.perf_counter()
                response = client.get(url, headers=headers)
                times.append((time.perf_counter() - t) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{label}: {url} answered {response.status_code}")
            queries.append(len(captured.captured_queries))
        results[label] = {
            "median_ms": statistics.median(times),
            "p95_ms": _p95(times),
            "queries": max(queries),
        }
    return {"runs": runs, "rollup_refresh_seconds": refresh_seconds, "pages": results}
