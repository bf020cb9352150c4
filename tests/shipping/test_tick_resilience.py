"""The tick survives a worker killed with SIGKILL in the middle of a batch and a broker restart.

A real worker process ticks thousands of due shipments in the PostgreSQL test database. The
test freezes it while a batch transaction is open (rows locked, nothing committed), kills it
with SIGKILL, then kills and restarts the broker — a throwaway ``redis-server`` of its own, not
the shared one — so every queued and unacknowledged tick message is lost. A new worker, and
ticks sent after the restart, finish the work: the database is the source of truth and the
broker only a trigger. No transition is lost and none is written twice.
"""

import datetime
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from config.celery import app as celery_app
from shipping.models import Shipment, TrackingEvent
from shipping.services.shipments import shipments_create
from shipping.tasks import advance_due_shipments
from shipping.tracking import event_for
from tests.factories import MerchantFactory

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
PLAN = ["picking", "packing", "origin_sorting", "last_mile", "delivered"]
ROUTE = [{"stage": stage, "hours": 0.001} for stage in PLAN]  # 3.6 s: every next stage is due at once
SHIPMENTS = 3000  # at ~130 transitions per second of worker time (see the report), ~7,500 changes
BATCH = 2000  # shipments_advance_due's default limit
DEADLINE_SECONDS = 180
SUCCEEDED = re.compile(r"advance_due_shipments\[([^\]]+)\] succeeded in ([0-9.]+)s: (\d+)")
RECEIVED = re.compile(r"advance_due_shipments\[([^\]]+)\] received")


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def check(self, what: str, *logs: Path) -> None:
        if self.left() <= 0:
            tails = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs if log.exists())
            pytest.fail(f"gave up after {DEADLINE_SECONDS} s waiting for {what}\n{tails}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Broker:
    """A redis-server of the test's own, killed with SIGKILL and restarted on the same port."""

    def __init__(self, tmp_path: Path):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            pytest.fail("redis-server is not on PATH: this test starts a throwaway broker of its own")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp_path = tmp_path
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def start(self, deadline: Deadline) -> None:
        self.starts += 1
        log = self.tmp_path / f"redis-{self.starts}.log"
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.tmp_path),
            ],
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        while True:
            try:
                if self.client.ping():
                    return
            except redis.ConnectionError:
                pass
            assert self.process.poll() is None, log.read_text()
            deadline.check("the throwaway redis-server to answer", log)
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # SIGKILL, this pid only: no shutdown, no save
            self.process.wait(timeout=10)

    def queued(self) -> int:
        return self.client.llen("celery")

    def unacked(self) -> int:
        return self.client.hlen("unacked")


class Worker:
    def __init__(self, name: str, env: dict, tmp_path: Path):
        self.log = tmp_path / f"worker-{name}.log"
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname={name}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the main process and its pool child
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            os.killpg(self.process.pid, sig)

    def stop(self) -> None:
        """Warm shutdown (the main process lets the running tick finish), SIGKILL after 30 s."""
        if not self.alive():
            return
        self.signal(signal.SIGCONT)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def completed_ticks(self) -> list[tuple[float, int]]:
        """(seconds, transitions) of every tick this worker finished, from its log."""
        return [(float(s), int(n)) for _, s, n in SUCCEEDED.findall(self.log.read_text())]

    def log_size(self) -> int:
        return len(self.log.read_text())

    def ran_a_tick_received_after(self, offset: int) -> bool:
        """Whether a tick message that arrived after ``offset`` in the log has been run."""
        text = self.log.read_text()
        done = {task_id for task_id, _, _ in SUCCEEDED.findall(text)}
        return bool(done & set(RECEIVED.findall(text[offset:])))


def send_ticks(broker: Broker, count: int) -> None:
    """Publish tick messages on a fresh connection (the producer pool would hold dead sockets
    after a broker restart)."""
    with celery_app.connection_for_write(broker.url) as conn:
        for _ in range(count):
            advance_due_shipments.apply_async(connection=conn)


def tick_transitions() -> int:
    return TrackingEvent.objects.filter(source=TrackingEvent.Source.TICK).count()


def worker_backends() -> list[tuple[int, str, bool, bool]]:
    """(pid, state, in a transaction, holds locks on shipments) of the other sessions on the test
    database: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.pid, a.state, a.xact_start IS NOT NULL,
                   EXISTS (SELECT 1 FROM pg_locks l
                           WHERE l.pid = a.pid AND l.granted AND l.relation = 'shipping_shipment'::regclass)
            FROM pg_stat_activity a
            WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
              AND a.backend_type = 'client backend'
            """
        )
        return cursor.fetchall()


def make_due_shipments(merchant, created_at: datetime.datetime) -> dict[int, int]:
    """``SHIPMENTS`` active shipments, every stage due long ago; returns {pk: transitions to go}."""
    spec = {
        "merchant_id": merchant.pk,
        "mode_id": "global_warehouse",
        "origin_country": "US",
        "route": ROUTE,
        "address_line1": "1 Main St",
        "city": "Springfield",
        "country": "US",
        "lines": [],
    }
    made = shipments_create(specs=[dict(spec) for _ in range(4)], at=created_at)
    template = {k: v for k, v in spec.items() if k != "lines"}
    copies = []
    for n in range(SHIPMENTS - len(made)):
        index = n % 4  # start anywhere from picking to last_mile: 4, 3, 2 or 1 changes to go
        copies.append(
            Shipment(
                **template,
                tracking_number=f"CDT{n:012d}",
                stage=PLAN[index],
                stage_index=index,
                stage_started_at=created_at,
                stage_due_at=created_at + datetime.timedelta(hours=0.001),
                created_at=created_at,
            )
        )
    Shipment.objects.bulk_create(copies, batch_size=2000)
    TrackingEvent.objects.bulk_create(
        (
            TrackingEvent(
                shipment=s,
                stage=s.stage,
                event_code=event_for(from_stage="", to_stage=s.stage)[0],
                description=event_for(from_stage="", to_stage=s.stage)[1],
                source=TrackingEvent.Source.SYSTEM,
                occurred_at=created_at,
            )
            for s in copies
        ),
        batch_size=2000,
    )
    return {s.pk: len(PLAN) - 1 - s.stage_index for s in [*made, *copies]}


def assert_every_commit_is_whole(expected: dict[int, int]) -> None:
    """At any committed point each shipment has one event per version, and its stage is where
    that many changes lead."""
    rows = Shipment.objects.annotate(events_count=Count("events")).values_list(
        "pk", "stage", "stage_index", "version", "events_count"
    )
    start = {pk: len(PLAN) - 1 - to_go for pk, to_go in expected.items()}
    torn = [row for row in rows if row[4] != 1 + row[3] or row[2] != start[row[0]] + row[3] or row[1] != PLAN[row[2]]]
    assert not torn, f"{len(torn)} shipments torn by a partial batch, e.g. {torn[:5]}"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_batch_and_a_broker_restart_lose_and_duplicate_no_transition(tmp_path, celery_broker):
    created_at = timezone.now() - datetime.timedelta(days=1)
    started = time.monotonic()
    expected = make_due_shipments(MerchantFactory(), created_at)
    total = sum(expected.values())
    setup_seconds = time.monotonic() - started

    broker = Broker(tmp_path)
    celery_broker(broker.url, {"visibility_timeout": 3600})
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL", "CROSSDOCK_BROKER_DIR"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        CELERY_BROKER_URL=broker.url,
        CROSSDOCK_VAR_DIR=str(tmp_path),
        CROSSDOCK_CLOCK_SPEED="1",
        CROSSDOCK_DELIVERY_FAILURE_RATE="0",  # no random failed deliveries: the path is the plan
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    deadline = Deadline(DEADLINE_SECONDS)
    workers: list[Worker] = []
    report: dict[str, object] = {"shipments": len(expected), "transitions planned": total}
    try:
        broker.start(deadline)

        # 1. A worker ticks; once a batch has committed, freeze it while the next one is open.
        first = Worker("first", env, tmp_path)
        workers.append(first)
        send_ticks(broker, 20)
        while tick_transitions() < BATCH:
            assert first.alive(), first.log.read_text()[-3000:]
            deadline.check("the first batch", first.log)
            time.sleep(0.05)
        while True:
            first.signal(signal.SIGSTOP)
            time.sleep(0.3)  # a statement already sent finishes; nothing more can come from the worker
            backends = worker_backends()
            committed = tick_transitions()
            if any(state == "idle in transaction" and in_tx and locks for _, state, in_tx, locks in backends):
                break
            assert committed < total, "the first worker finished before it could be caught mid-batch"
            first.signal(signal.SIGCONT)
            deadline.check("the worker to be inside a batch transaction", first.log)
            time.sleep(0.07)
        report["frozen with"] = backends
        assert broker.unacked() >= 1, "the running tick should be unacknowledged (acks_late)"
        report["messages queued / unacked at the kill"] = (broker.queued(), broker.unacked())

        first.kill()  # SIGKILL to the process group: main process and pool child
        pids = {pid for pid, *_ in backends}
        while pids & {pid for pid, *_ in worker_backends()}:
            deadline.check("PostgreSQL to notice the killed worker's session", first.log)
            time.sleep(0.05)
        assert tick_transitions() == committed, "the open batch must roll back whole"
        assert 0 < committed < total
        assert_every_commit_is_whole(expected)
        report["transitions committed when killed"] = committed

        # 2. The broker dies without saving: every queued and unacknowledged tick is gone.
        broker.kill()
        broker.start(deadline)
        assert broker.client.dbsize() == 0

        # 3. A new worker and new ticks repair it; the broker is restarted under it once more.
        second_started = time.monotonic()
        second = Worker("second", env, tmp_path)
        workers.append(second)
        send_ticks(broker, 3)
        while tick_transitions() <= committed:
            assert second.alive(), second.log.read_text()[-3000:]
            deadline.check("the second worker to move shipments", second.log)
            time.sleep(0.05)
        restarted_at = second.log_size()
        broker.kill()
        broker.start(deadline)
        report["transitions committed at the second broker restart"] = tick_transitions()
        # A tick sent now may be lost while the worker reconnects: keep sending while work remains
        # and until the worker has run one that reached it through the restarted broker.
        while Shipment.objects.filter(status=Shipment.Status.ACTIVE).exists() or not second.ran_a_tick_received_after(
            restarted_at
        ):
            assert second.alive(), second.log.read_text()[-3000:]
            deadline.check("every shipment to be delivered", second.log, first.log)
            try:
                if broker.queued() == 0:
                    send_ticks(broker, 1)
            except Exception as exc:  # a send lost while the broker restarts is part of the test
                report.setdefault("sends that failed", []).append(repr(exc))
            time.sleep(0.5)
        report["seconds to deliver the rest"] = round(time.monotonic() - second_started, 2)
    finally:
        for worker in workers:
            worker.stop()
        broker.kill()

    # Every shipment delivered, exactly once per planned change, nothing repeated.
    assert not Shipment.objects.exclude(status=Shipment.Status.DELIVERED).exists()
    assert set(Shipment.objects.values_list("stage", flat=True)) == {"delivered"}
    rows = Shipment.objects.annotate(events_count=Count("events")).values_list("pk", "version", "events_count")
    wrong = [
        (pk, version, events, expected[pk]) for pk, version, events in rows if not version == events - 1 == expected[pk]
    ]
    assert not wrong, f"{len(wrong)} shipments with a missing or duplicated transition, e.g. {wrong[:5]}"
    repeated = (
        TrackingEvent.objects.values("shipment_id", "from_stage", "stage").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert not repeated.exists(), list(repeated[:5])
    steps = set(zip(PLAN, PLAN[1:], strict=False))
    made = set(TrackingEvent.objects.filter(source="tick").values_list("from_stage", "stage").distinct())
    assert made <= steps, made - steps
    assert tick_transitions() == total

    ticks = [t for w in workers for t in w.completed_ticks()]
    busy = sum(seconds for seconds, _ in ticks)
    moved = sum(n for _, n in ticks)
    report.update(
        {
            "setup seconds": round(setup_seconds, 2),
            "completed ticks (seconds, transitions)": ticks,
            "tick throughput (transitions per second of worker time)": round(moved / busy) if busy else None,
        }
    )
    print("\n" + "\n".join(f"{k}: {v}" for k, v in report.items()))
