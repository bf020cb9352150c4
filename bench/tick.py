"""Scenario b: the stage tick advancing due shipments among many, against its floor.

Each run takes the next ``per_run`` due shipments (the earliest due): first the floor — one
``UPDATE`` moving exactly those rows to their next stage plus one ``INSERT … SELECT`` of their
tracking events, in a transaction that is rolled back — then the real tick
(``shipments_advance_due`` in batches, as the Celery task runs it, with the subscribers that run
after each commit) on the same rows.
"""

import statistics
import time

from django.db import connection, transaction
from django.utils import timezone

from shipping.models import Shipment, TrackingEvent
from shipping.services.shipments import TICK_BATCH, shipments_advance_due

BATCH = TICK_BATCH  # as the Celery task runs it

FLOOR_SQL = """
WITH due AS (
    SELECT id FROM {shipment} WHERE status = 'active' AND stage_due_at <= %(now)s
    ORDER BY stage_due_at, id LIMIT %(limit)s
), moved AS (
    UPDATE {shipment} AS s
    SET stage = s.route -> (s.stage_index + 1) ->> 'stage', stage_index = s.stage_index + 1,
        version = s.version + 1, stage_started_at = s.stage_due_at,
        stage_due_at = s.stage_due_at + make_interval(hours => 12),
        status = CASE WHEN s.route -> (s.stage_index + 1) ->> 'stage' = 'delivered' THEN 'delivered' ELSE 'active' END,
        delivered_at = CASE WHEN s.route -> (s.stage_index + 1) ->> 'stage' = 'delivered' THEN s.stage_due_at END
    FROM due WHERE s.id = due.id
    RETURNING s.id, s.stage, s.stage_started_at
)
INSERT INTO {event} (shipment_id, from_stage, stage, event_code, description, location, exception_reason,
                     source, external_id, occurred_at)
SELECT id, '', stage, 'EVENT_202', 'Moved', '', '', 'tick', '', stage_started_at FROM moved
"""


def floor(*, now, limit: int) -> float:
    """Seconds for the raw SQL move of ``limit`` due rows (rolled back afterwards)."""
    sql = FLOOR_SQL.format(
        shipment=connection.ops.quote_name(Shipment._meta.db_table),
        event=connection.ops.quote_name(TrackingEvent._meta.db_table),
    )
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql, {"now": now, "limit": limit})
        elapsed = time.perf_counter() - started
        if cursor.rowcount != limit:
            raise RuntimeError(f"the floor moved {cursor.rowcount} rows, not {limit}")
        transaction.set_rollback(True)
    return elapsed


def tick(*, now, limit: int, batch: int) -> float:
    """Seconds for the real tick to move ``limit`` due shipments, ``batch`` per transaction."""
    moved = 0
    started = time.perf_counter()
    while moved < limit:
        count = shipments_advance_due(now=now, limit=min(batch, limit - moved))
        if not count:
            raise RuntimeError(f"only {moved} of {limit} shipments were due")
        moved += count
    return time.perf_counter() - started


def run(*, per_run: int, runs: int, batch: int) -> dict:
    now = timezone.now()
    floors, ticks = [], []
    for _ in range(runs):
        floors.append(floor(now=now, limit=per_run))
        ticks.append(tick(now=now, limit=per_run, batch=batch))
    tick_rate = per_run / statistics.median(ticks)
    floor_rate = per_run / statistics.median(floors)
    return {
        "per_run": per_run,
        "runs": runs,
        "batch": batch,
        "tick_seconds": ticks,
        "floor_seconds": floors,
        "tick_rate": tick_rate,
        "floor_rate": floor_rate,
        "ratio": tick_rate / floor_rate,
    }
