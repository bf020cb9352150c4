"""``make bench``: Crossdock's throughput and latency, each beside the floor of its machinery.

    python -m bench [--only a,b,c,d,e] [--orders 1000000] [--due 100000] [--runs 3] [--fresh]

Runs on PostgreSQL and Redis (``DATABASE_URL``, ``REDIS_URL``; the Makefile points them at a
database of its own, ``crossdock_bench``). Builds its data — a short history through the real
services, then copies of it up to ``--orders`` orders with one shipment each — unless a previous
run left it there (``--fresh`` starts over). Prints a table and writes ``docs/benchmarks.md``.
"""

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def _database(url: str, *, fresh: bool) -> None:
    """Create the bench database if it is missing (drop it first with ``fresh``)."""
    import psycopg  # noqa: PLC0415 - only the bench needs it before Django is set up

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _merged(results: dict) -> dict:
    """This run's scenarios, stamped with their time, over the last figures of the others
    (kept in ``var/bench/results.json``), so one report holds every scenario's latest run."""
    import datetime  # noqa: PLC0415
    import json  # noqa: PLC0415

    store = ROOT / "var" / "bench" / "results.json"
    kept = json.loads(store.read_text()) if store.exists() else {}
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    for name, figures in results.items():
        if name != "setup" or figures.get("orders"):
            kept[name] = {**figures, "measured_at": stamp}
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps(kept, indent=1, default=str))
    return kept


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="a,b,c,d,e", help="Scenarios to run (default all: a,b,c,d,e).")
    parser.add_argument("--orders", type=int, default=1_000_000, help="Orders (= shipments) in the tables.")
    parser.add_argument("--due", type=int, default=100_000, help="Due shipments each tick run advances.")
    parser.add_argument("--runs", type=int, default=3, help="Runs per scenario; the median is reported.")
    parser.add_argument("--pipeline-orders", type=int, default=10_000, help="Orders of scenario e.")
    parser.add_argument("--fresh", action="store_true", help="Drop the bench database and build it again.")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"), help="Where to write the report.")
    args = parser.parse_args(argv)
    scenarios = [s.strip() for s in args.only.split(",") if s.strip()]

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        print("The benchmarks run on PostgreSQL and Redis: set DATABASE_URL and REDIS_URL (make bench does).")
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    _database(url, fresh=args.fresh)

    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    from bench import report  # noqa: PLC0415
    from bench.data import BENCH_PREFIX, build_history, scale  # noqa: PLC0415
    from orders.models import Order  # noqa: PLC0415
    from shipping.models import Shipment  # noqa: PLC0415

    results: dict = {"setup": {}}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    build_history()
    have = Order.objects.filter(merchant_order_id__startswith=f"{BENCH_PREFIX}-").count()
    due_needed = args.due * args.runs
    if have < args.orders:
        if have:
            print(f"The bench database holds {have:,} of {args.orders:,} orders: run with --fresh.")
            return 2
        made = scale(orders=args.orders, due=due_needed + args.due // 10)
        results["setup"] = {"orders": made.orders, "seconds": made.seconds, "templates": made.templates}
        print(f"data: {made.orders:,} orders and shipments copied from {made.templates} in {made.seconds:.0f} s")
    due_now = Shipment.objects.filter(status="active", stage_due_at__lte=django.utils.timezone.now()).count()
    if "b" in scenarios and due_now < due_needed:
        print(f"Only {due_now:,} shipments are still due ({due_needed:,} needed): run with --fresh.")
        return 2
    results["setup"]["total_seconds"] = time.perf_counter() - started
    results["setup"]["shipments"] = Shipment.objects.count()

    if "a" in scenarios:
        from bench import intake  # noqa: PLC0415

        results["a"] = intake.run(orders=1000, runs=max(args.runs, 3))
        print(report.line("a", results["a"]))
    if "b" in scenarios:
        from bench import tick  # noqa: PLC0415

        results["b"] = tick.run(per_run=args.due, runs=args.runs, batch=tick.BATCH)
        print(report.line("b", results["b"]))
    if "c" in scenarios:
        from bench import dashboards  # noqa: PLC0415

        results["c"] = dashboards.run(runs=10)
        print(report.line("c", results["c"]))
    if "d" in scenarios:
        from bench import api_load  # noqa: PLC0415

        results["d"] = api_load.run(clients=20, seconds=20)
        print(report.line("d", results["d"]))
    if "e" in scenarios:
        from bench import pipeline  # noqa: PLC0415

        results["e"] = pipeline.run(orders=args.pipeline_orders)
        print(report.line("e", results["e"]))

    results = _merged(results)
    text = report.markdown(results)
    Path(args.output).write_text(text, encoding="utf-8")
    print()
    print(report.table(results))
    print(f"\nWritten to {os.path.relpath(args.output, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
