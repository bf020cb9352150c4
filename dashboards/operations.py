"""Reads of the operator overview: the network's state now, for platform staff (every merchant).

Receiving backlog, the customs and exception queues, warehouse utilisation and worker health.
Unscoped on purpose: only ``OperatorOverviewView`` (staff only) calls these.
"""

import datetime
import os
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from config.celery import app as celery_app
from config.tasks import HEARTBEAT_CACHE_KEY
from shipping.console_exceptions import exception_counts
from shipping.models import InboundShipment, Shipment, TrackingEvent
from warehouses.models import Warehouse
from warehouses.modes import Stage
from warehouses.selectors import warehouse_utilisation

S = InboundShipment.Status
EXPECTED = (S.SHIPPED, S.IN_TRANSIT)  # on the way to the dock
AT_DOCK = (S.DELIVERED, S.CHECKED_IN, S.RECEIVING)  # arrived, not yet closed: the backlog
# A heartbeat or tick older than this means beat or the workers are not running.
STALE_AFTER = datetime.timedelta(minutes=2)


@dataclass(frozen=True)
class BacklogRow:
    warehouse: Warehouse
    expected: int
    at_dock: int
    units: int
    volume_m3: float
    capacity_units: int
    capacity_m3: float

    @property
    def unit_share(self) -> float:
        return self.units / self.capacity_units if self.capacity_units else 0.0

    @property
    def volume_share(self) -> float:
        return self.volume_m3 / self.capacity_m3 if self.capacity_m3 else 0.0

    @property
    def share(self) -> float:
        return max(self.unit_share, self.volume_share)


def warehouse_rows() -> list[BacklogRow]:
    """Every active warehouse: its dock backlog and how full it is (units and m³). Three queries."""
    warehouses = list(
        Warehouse.objects.filter(is_active=True)
        .annotate(
            expected=Count("inbound_shipments", filter=Q(inbound_shipments__status__in=EXPECTED)),
            at_dock=Count("inbound_shipments", filter=Q(inbound_shipments__status__in=AT_DOCK)),
        )
        .order_by("code")
    )
    usage = warehouse_utilisation(warehouse_ids=[w.pk for w in warehouses])
    return [
        BacklogRow(
            warehouse=w,
            expected=w.expected,
            at_dock=w.at_dock,
            units=usage[w.pk].units,
            volume_m3=float(usage[w.pk].volume_m3),
            capacity_units=w.capacity_units,
            capacity_m3=float(w.capacity_m3),
        )
        for w in warehouses
        if w.pk in usage
    ]


def queue_counts(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The customs queue (every held parcel) and the exception desk's queue by kind. Two queries."""
    now = now or timezone.now()
    counts = dict(exception_counts(now=now))
    counts["customs_hold"] = Shipment.objects.filter(stage=Stage.CUSTOMS_HOLD).count()
    counts["exceptions_total"] = sum(n for kind, n in counts.items() if kind != "customs_hold")
    return counts


@dataclass(frozen=True)
class QueueDepth:
    transport: str
    messages: int | None
    error: str = ""


def broker_queue_depth(*, queue: str | None = None) -> QueueDepth:
    """Messages waiting in the Celery queue: Redis ``LLEN`` of the queue's list, or the number of
    message files in the filesystem broker's folder. ``messages`` is ``None`` when it cannot be read."""
    url = celery_app.conf.broker_url or ""
    transport = url.split("://", 1)[0]
    queue = queue or celery_app.conf.task_default_queue or "celery"
    try:
        if transport in ("redis", "rediss"):
            import redis  # noqa: PLC0415 - only with a Redis broker

            client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            try:
                return QueueDepth(transport, int(client.llen(queue)))
            finally:
                client.close()
        if transport == "filesystem":
            folder = celery_app.conf.broker_transport_options.get("data_folder_in", "")
            with os.scandir(folder) as entries:
                return QueueDepth(transport, sum(1 for e in entries if e.is_file() and e.name.endswith(".msg")))
    except Exception as exc:  # noqa: BLE001 - the overview reports any failure instead of failing
        return QueueDepth(transport, None, str(exc)[:200])
    return QueueDepth(transport, None, f"queue depth is not readable from a {transport} broker")


@dataclass(frozen=True)
class WorkerHealth:
    queue: QueueDepth
    heartbeat_at: datetime.datetime | None
    last_tick_move_at: datetime.datetime | None
    now: datetime.datetime

    @property
    def heartbeat_stale(self) -> bool:
        return self.heartbeat_at is None or self.now - self.heartbeat_at > STALE_AFTER


def worker_health(*, now: datetime.datetime | None = None) -> WorkerHealth:
    """Queue depth, the last heartbeat (beat → worker → cache) and the last move the tick made.

    The tick records each move at its due time, so ``last_tick_move_at`` says when a parcel last
    moved on schedule, not when the tick ran; the heartbeat is the liveness signal."""
    now = now or timezone.now()
    raw = cache.get(HEARTBEAT_CACHE_KEY)
    heartbeat = datetime.datetime.fromisoformat(raw) if raw else None
    last_tick = (
        TrackingEvent.objects.filter(source=TrackingEvent.Source.TICK)
        .order_by("-pk")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return WorkerHealth(queue=broker_queue_depth(), heartbeat_at=heartbeat, last_tick_move_at=last_tick, now=now)
