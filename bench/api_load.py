"""Scenario d: the API under concurrent load, served by gunicorn, measured by locust (headless).

One gunicorn (``BENCH_WORKERS`` sync workers, default 2 × cores + 1) serves the bench database
with production-like settings; locust runs ``clients`` users without think time against one
endpoint at a time: the orders list, one shipment's detail, and the API root — a trivial
endpoint through the same authentication and middleware, the floor.
"""

import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from merchants.models import Merchant
from shipping.models import Shipment
from warehouses.api_keys import MERCHANT_SCOPES, api_key_create

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - a local URL the bench built
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error: the server answers
                return
            time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not start")


def _locust(*, host: str, path: str, key: str, clients: int, seconds: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        prefix = str(Path(folder) / "stats")
        env = {**os.environ, "BENCH_PATH": path, "BENCH_KEY": key}
        subprocess.run(  # noqa: S603 - our own tool, fixed arguments
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--only-summary",
                "-u",
                str(clients),
                "-r",
                str(clients),
                "-t",
                f"{seconds}s",
                "--host",
                host,
                "--csv",
                prefix,
                "--loglevel",
                "WARNING",
            ],
            env=env,
            check=False,  # locust exits 1 when a request failed; the failures are counted below
            capture_output=True,
        )
        with open(f"{prefix}_stats.csv", newline="") as fh:
            row = next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
    }


def run(*, clients: int = 20, seconds: int = 20) -> dict:
    merchant = Merchant.objects.filter(slug="shenzhen-brightwave").first() or Merchant.objects.order_by("pk").first()
    _, key = api_key_create(name="bench", scopes=list(MERCHANT_SCOPES), merchant=merchant)
    shipment = Shipment.objects.filter(merchant=merchant).order_by("-pk").first()
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    workers = int(os.environ.get("BENCH_WORKERS", 2 * (os.cpu_count() or 1) + 1))
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ},
    )
    try:
        _wait_until_up(f"{host}/api/v1/")
        paths = {
            "orders list": "/api/v1/orders/",
            "shipment detail": f"/api/v1/shipments/{shipment.pk}/",
            "API root (floor)": "/api/v1/",
        }
        results = {}
        for name, path in paths.items():
            results[name] = _locust(host=host, path=path, key=key, clients=clients, seconds=seconds)
            if results[name]["failures"]:
                raise RuntimeError(f"{name}: {results[name]['failures']} failed requests")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"clients": clients, "seconds": seconds, "workers": workers, "endpoints": results}
