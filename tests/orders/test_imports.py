"""CSV import: the same file once, good rows land, bad rows reported with their reasons."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from orders.models import Order, OrderImport
from orders.services.imports import TEMPLATE_HEADER, order_import_create, order_import_process

ROOT = Path(__file__).resolve().parents[2]

CSV = (
    TEMPLATE_HEADER
    + """
CSV-1,global_warehouse,standard,fill_or_kill,,USD,Ada,,1 Main St,,Springfield,IL,62701,US,WIDGET-1,2,
CSV-1,global_warehouse,standard,fill_or_kill,,USD,Ada,,1 Main St,,Springfield,IL,62701,US,GADGET-1,1,30.00
CSV-2,global_warehouse,standard,fill_or_kill,,USD,Bo,,2 Main St,,Springfield,IL,XXXXX,US,WIDGET-1,1,
CSV-3,global_warehouse,standard,fill_or_kill,,USD,Cy,,3 Main St,,Springfield,IL,62701,US,NOPE-9,1,
CSV-4,direct,standard,fill_or_kill,,USD,Di,,4 Main St,,Springfield,IL,62701,US,WIDGET-1,abc,
"""
)


@pytest.fixture
def stocked(widget, gadget, stock):
    stock(widget, "US-ONT1", 50)
    stock(gadget, "US-ONT1", 50)


def upload(merchant, data: str = CSV, name="orders.csv"):
    return order_import_create(merchant=merchant, filename=name, data=data.encode())


@pytest.mark.django_db
def test_good_rows_land_and_bad_rows_are_reported(merchant, stocked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order_import, created = upload(merchant)
    assert created and len(callbacks) == 1  # the task is queued once the upload commits
    assert (order_import.status, order_import.total_rows) == ("pending", 5)

    order_import = order_import_process(import_id=order_import.pk)
    assert order_import.status == "done" and order_import.progress_percent == 100
    assert (order_import.created_orders, order_import.duplicate_orders, order_import.failed_rows) == (1, 0, 3)
    report = {entry["merchant_order_id"]: entry for entry in order_import.report}
    assert report["CSV-1"]["outcome"] == "created" and report["CSV-1"]["rows"] == [2, 3]
    assert report["CSV-1"]["status"] == "planning"
    assert Order.objects.get(merchant_order_id="CSV-1").lines.count() == 2
    assert report["CSV-2"]["errors"] == [
        "postal_code: XXXXX is not a valid US postal code (5 digits, or ZIP+4 (94105 or 94105-1234))."
    ]
    assert report["CSV-3"]["errors"][0].startswith("row 5, sku: Unknown SKU NOPE-9")
    assert report["CSV-4"]["errors"][0] == "row 6, quantity: Enter a whole number of units."


@pytest.mark.django_db
def test_the_same_file_twice_creates_nothing_new(merchant, stocked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first, _ = upload(merchant)
    order_import_process(import_id=first.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again, created = upload(merchant, name="orders (1).csv")
    assert (again.pk, created, callbacks) == (first.pk, False, [])
    order_import_process(import_id=first.pk)  # a repeated task run is a no-op
    assert Order.objects.count() == 1 and OrderImport.objects.count() == 1

    # A different file repeating an order id reports it as a duplicate, never a second order.
    with django_capture_on_commit_callbacks(execute=False):
        other, _ = upload(merchant, data=CSV.replace("CSV-2,", "CSV-9,", 1))
    other = order_import_process(import_id=other.pk)
    assert other.duplicate_orders == 1 and Order.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"merchant_order_id,sku\nX,Y\n", "Missing columns"),
        (TEMPLATE_HEADER.encode() + b"\n", "no rows"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
    ],
)
def test_bad_files_are_refused_with_the_reason(merchant, data, message):
    with pytest.raises(ValidationError) as excinfo:
        order_import_create(merchant=merchant, filename="x.csv", data=data)
    assert message in excinfo.value.message_dict["file"][0]
    assert not OrderImport.objects.exists()


@pytest.mark.postgres
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_processes_the_upload(merchant, stocked, tmp_path, celery_broker):
    """The upload commits, the task goes through the broker, a worker process imports the rows."""
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:"
        f"{connection.settings_dict['PORT']}/{connection.settings_dict['NAME']}",
        CROSSDOCK_VAR_DIR=str(tmp_path),
        CROSSDOCK_BROKER_DIR=str(tmp_path / "celery"),
        PYTHONUNBUFFERED="1",
    )
    from config.settings.base import filesystem_broker_options

    celery_broker("filesystem://", filesystem_broker_options(tmp_path / "celery"))
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        order_import, _ = upload(merchant)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            order_import.refresh_from_db()
            if order_import.status == "done":
                break
            assert worker.poll() is None, log.read_text()
            time.sleep(0.3)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    assert order_import.status == "done", log.read_text()[-3000:]
    assert order_import.created_orders == 1 and Order.objects.filter(order_import=order_import).count() == 1
    assert "orders.tasks.process_order_import" in log.read_text()
