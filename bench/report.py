"""The benchmark report: a line per scenario while running, then a table and ``docs/benchmarks.md``."""

import datetime
import os
import platform
import statistics
import time
from pathlib import Path

import django
from django.db import connection

TARGET_RATIO = 1 / 3
TARGET_PAGE_MS = 300
TARGET_QUERIES = 20
TARGET_P95_MS = 100

METHOD = """\
## How it is measured

- **Data.** A few days of history go through the real services (intake, routing, allocation,
  release, stages); those orders are then copied set-based (`INSERT … SELECT … FROM
  generate_series`) up to a million orders with one shipment each, their lines, allocations,
  packages and tracking events, spread over 90 days: most delivered, some in flight, and the due
  ones due now at a stage the schedule moves (`bench/data.py`).
- **a. Intake.** 1,000 orders of two lines through `orders_intake` (validation, routing,
  allocation, events), against `bulk_create` of the very rows intake wrote, in one transaction.
- **b. Tick.** `shipments_advance_due` in batches — the Celery task's loop, with everything that
  runs after each commit (orders following their shipments, the webhook outbox) — advancing the
  next due shipments among a million, against one `UPDATE` moving the same rows to their next
  stage plus one `INSERT … SELECT` of their events (rolled back).
- **c. Dashboards.** Every page through Django's test client (middleware, view, selectors,
  templates), over rollups as the beat task keeps them (built first when there are none); 10
  requests after a warm-up.
- **d. API.** gunicorn with sync workers and production-like settings (no debug, throttling
  off: the server is measured, not the limiter); locust, headless, 20 users without think time
  for 20 s per endpoint; the floor is the API root — same authentication and middleware, no
  query of its own.
- **e. End to end.** The simulator's buyers place 10,000 orders; a real Celery worker runs the
  simulator's step task (release, partners' reports, the tick) on an accelerated clock until
  every order has ended. Checked: every order complete, no shipment delivered twice, every
  inventory balance equal to its ledger.
"""


def cpu_probe() -> float:
    """Seconds for one core to run ten million multiply-adds in Python: how fast this machine is
    today, so that figures from runs on different machines can be put side by side."""
    started = time.perf_counter()
    total = 0
    for n in range(10_000_000):
        total += n * n
    return time.perf_counter() - started


def _machine() -> dict:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f"{kb / 1024 / 1024:.0f} GB"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    redis_version = ""
    try:
        import redis  # noqa: PLC0415

        redis_version = redis.Redis.from_url(os.environ["REDIS_URL"]).info("server")["redis_version"]
    except Exception:  # noqa: BLE001, S110 - the version is only informative
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
        "redis": redis_version,
        "probe": cpu_probe(),
    }


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def rows(results: dict) -> list[tuple[str, str, str, str, str, str, str]]:
    """(scenario, measure, Crossdock, floor, ratio, target, met) per figure."""
    out = []
    if "a" in results:
        a = results["a"]
        out.append(
            (
                "a. bulk intake",
                "orders/s",
                f"{a['intake_rate']:,.0f}",
                f"{a['floor_rate']:,.0f}",
                f"{a['ratio']:.2f}",
                "≥ 0.33 of floor",
                _met(a["ratio"] >= TARGET_RATIO),
            )
        )
    if "b" in results:
        b = results["b"]
        out.append(
            (
                "b. stage tick",
                "transitions/s",
                f"{b['tick_rate']:,.0f}",
                f"{b['floor_rate']:,.0f}",
                f"{b['ratio']:.2f}",
                "≥ 0.33 of floor",
                _met(b["ratio"] >= TARGET_RATIO),
            )
        )
    if "c" in results:
        for label, page in results["c"]["pages"].items():
            ok = page["median_ms"] <= TARGET_PAGE_MS and page["queries"] <= TARGET_QUERIES
            out.append(
                (
                    "c. dashboards",
                    label,
                    f"{page['median_ms']:.0f} ms (p95 {page['p95_ms']:.0f}), {page['queries']} queries",
                    "",
                    "",
                    "≤ 300 ms, ≤ 20 queries",
                    _met(ok),
                )
            )
    if "d" in results:
        d = results["d"]["endpoints"]
        floor = d.get("API root (floor)")
        for label, figures in d.items():
            ratio = f"{figures['rps'] / floor['rps']:.2f}" if floor and label != "API root (floor)" else ""
            target = "" if label == "API root (floor)" else "p95 ≤ 100 ms"
            ok = "" if label == "API root (floor)" else _met(figures["p95_ms"] <= TARGET_P95_MS)
            out.append(
                (
                    "d. API, 20 clients",
                    label,
                    f"p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms, {figures['rps']:,.0f} req/s",
                    f"{floor['rps']:,.0f} req/s" if floor and label != "API root (floor)" else "",
                    ratio,
                    target,
                    ok,
                )
            )
    if "e" in results:
        e = results["e"]
        complete = sum(n for status, n in e["statuses"].items() if status == "complete")
        ok = complete == e["orders"] and e["delivered_twice"] == 0 and e["ledger_discrepancies"] == 0
        out.append(
            (
                "e. end to end",
                f"{e['orders']:,} orders → delivered",
                f"{e['wall_seconds']:.0f} s wall, {e['tasks_per_second']:.2f} tasks/s, "
                f"{e['transitions'] / e['moving_seconds']:,.0f} events/s",
                "",
                "",
                "all delivered once, ledger true",
                _met(ok),
            )
        )
    return out


def line(scenario: str, result: dict) -> str:
    return "\n".join(" | ".join(x for x in r if x) for r in rows({scenario: result}))


def table(results: dict) -> str:
    header = ("scenario", "measure", "Crossdock", "floor", "ratio", "target", "met")
    body = rows(results)
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *body])


def _details(results: dict) -> list[str]:
    out = ["## Raw figures", ""]
    stamps = {name: figures.get("measured_at", "") for name, figures in results.items() if isinstance(figures, dict)}
    out += ["- Measured: " + "; ".join(f"{k} {v}" for k, v in sorted(stamps.items()) if v) + ".", ""]
    if "setup" in results:
        s = results["setup"]
        out.append(f"- Setup: {s.get('shipments', 0):,} shipments in the table; setup took {s['total_seconds']:.0f} s.")
    if "a" in results:
        a = results["a"]
        out.append(
            f"- a: intake runs {_seconds(a['intake_seconds'])}; floor runs {_seconds(a['floor_seconds'])} "
            f"({a['orders']:,} orders each)."
        )
    if "b" in results:
        b = results["b"]
        out.append(
            f"- b: {b['per_run']:,} due shipments per run in batches of {b['batch']:,}; tick runs "
            f"{_seconds(b['tick_seconds'])}; floor runs {_seconds(b['floor_seconds'])}."
        )
    if "c" in results:
        built = results["c"]["rollup_refresh_seconds"]
        out.append(f"- c: rollups built first in {built:.1f} s (about 0 when they were already there).")
    if "d" in results:
        d = results["d"]
        out.append(
            f"- d: {d['workers']} gunicorn workers, {d['clients']} clients, {d['seconds']} s per endpoint; "
            + "; ".join(f"{k}: {v['requests']:,} requests, {v['failures']} failed" for k, v in d["endpoints"].items())
            + "."
        )
    if "e" in results:
        e = results["e"]
        out.append(
            f"- e: placing took {e['intake_seconds']:.0f} s, delivering {e['moving_seconds']:.0f} s; "
            f"{e['shipments']:,} shipments, {e['transitions']:,} tracking events; {e['tasks_executed']} tasks run; "
            f"statuses {e['statuses']}; customs holds released by the desk: {e['desk_releases']}; "
            f"delivered twice: {e['delivered_twice']}; "
            f"ledger discrepancies: {e['ledger_discrepancies']}."
        )
    return out


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values) + f" s (median {statistics.median(values):.2f})"


def markdown(results: dict) -> str:
    machine = _machine()
    header = ("scenario", "measure", "Crossdock", "floor", "ratio", "target", "met")
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/`) on "
        f"{datetime.datetime.now(tz=datetime.UTC):%Y-%m-%d %H:%M} UTC. A run measures the scenarios it is "
        "asked for (`--only`); each scenario's figures come from its latest run, at the time given "
        "under Raw figures.",
        "",
        "## Machine",
        "",
        f"- CPU: {machine['cpu']}, {machine['cores']} cores; memory {machine['memory']}; {machine['os']}",
        f"- Python {machine['python']}, Django {machine['django']}, PostgreSQL {machine['postgresql']}, "
        f"Redis {machine['redis']} — all on the same machine as the load.",
        f"- Speed: {machine['probe']:.2f} s for ten million multiply-adds in Python on one core, measured "
        "as this report was written (a machine that takes twice as long serves about half the requests a second).",
        "",
        "## Results",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows(results)]
    lines += ["", *_details(results), "", METHOD]
    notes = Path(__file__).with_name("NOTES.md")
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines)
