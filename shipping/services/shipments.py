"""Shipments: creation, the one transition service, and the tick that moves due shipments on.

Every stage change — from an operator, a partner, the API, the simulator or the periodic tick —
goes through ``_apply``: the allowed targets are checked, the rows are locked and changed with
their version bumped (a repeated or racing call finds another version and changes nothing),
the tracking events are written in the same transaction, inventory follows (leaving the
warehouse consumes ``reserved``; a transfer moves ``fulfillable`` → ``in_transfer`` → the
destination's ``fulfillable``), and ``shipment.stage_changed`` is published after commit.
"""

import contextlib
import contextvars
import datetime
import hashlib
import math
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from config.bulk import rows_insert, rows_update
from config.events import publish
from merchants.models import Product
from shipping.fees import parcels_price
from shipping.models import Package, Shipment, ShipmentLine, TrackingEvent
from shipping.packing import Item, cartonize
from shipping.services.outbound_customs import assess_import
from shipping.tracking import event_for
from warehouses.models import Bucket, Lane, LedgerReason
from warehouses.modes import Stage
from warehouses.services.inventory import StockChange, inventory_apply

TERMINAL = frozenset({Stage.DELIVERED, Stage.RETURNED, Stage.LOST, Stage.DAMAGED, Stage.CANCELLED})
STATUS_FOR = {
    Stage.DELIVERED: Shipment.Status.DELIVERED,
    Stage.RETURNED: Shipment.Status.RETURNED,
    Stage.LOST: Shipment.Status.LOST,
    Stage.DAMAGED: Shipment.Status.DAMAGED,
    Stage.CANCELLED: Shipment.Status.CANCELLED,
}
IN_TRANSIT = frozenset(
    {
        Stage.ORIGIN_SORTING,
        Stage.HANDED_TO_CARRIER,
        Stage.EXPORT_CUSTOMS,
        Stage.LINE_HAUL,
        Stage.IMPORT_CUSTOMS,
        Stage.DESTINATION_SORTING,
        Stage.DC_RECEIVING,
        Stage.LAST_MILE,
    }
)
LEAVES_WAREHOUSE = frozenset({Stage.ORIGIN_SORTING, Stage.HANDED_TO_CARRIER})
CUSTOMS = frozenset({Stage.EXPORT_CUSTOMS, Stage.IMPORT_CUSTOMS})
EXCEPTION_TARGETS = frozenset(
    {Stage.CUSTOMS_HOLD, Stage.DELIVERY_ATTEMPTED, Stage.RETURNING, Stage.LOST, Stage.DAMAGED}
)
EVENT_FIELDS = [
    "shipment",
    "from_stage",
    "stage",
    "event_code",
    "description",
    "location",
    "exception_reason",
    "source",
    "external_id",
    "actor",
    "occurred_at",
]
MAX_DELIVERY_ATTEMPTS = 3
RETRY_HOURS = 24
RETURN_HOURS = 7 * 24
INSPECTION_HOURS = 108  # the reference table's 2–7 extra days when customs opens a parcel


_clock_speed: contextvars.ContextVar[float | None] = contextvars.ContextVar("clock_speed", default=None)


def clock_hours(hours: float) -> datetime.timedelta:
    """A planned duration on the wall clock: the demo's accelerated clock divides every duration
    by ``CROSSDOCK_CLOCK_SPEED`` (1 in production), so parcels visibly move within minutes."""
    speed = _clock_speed.get() or settings.CROSSDOCK_CLOCK_SPEED
    return datetime.timedelta(hours=float(hours) / speed)


@contextlib.contextmanager
def real_clock():
    """Plan at real pace inside the block (history written after the fact), whatever the demo clock."""
    token = _clock_speed.set(1.0)
    try:
        yield
    finally:
        _clock_speed.reset(token)


class ShipmentTransitionNotAllowed(ValidationError):  # noqa: N818
    pass


@dataclass(frozen=True)
class Move:
    """One requested change of one shipment."""

    to: str
    source: str
    reason: str = ""
    location: str = ""
    external_id: str = ""
    actor: object = None
    at: datetime.datetime | None = None  # when it happened; the schedule uses the due time


def allowed_targets(shipment: Shipment) -> set[str]:
    """The stages ``shipment`` may move to now."""
    stage, index, route = shipment.stage, shipment.stage_index, shipment.route
    if stage in TERMINAL:
        return set()
    following = route[index + 1]["stage"] if index + 1 < len(route) else None
    if stage == Stage.CUSTOMS_HOLD:
        return {following, Stage.RETURNING}
    if stage == Stage.DELIVERY_ATTEMPTED:
        return {Stage.LAST_MILE, Stage.RETURNING}
    if stage == Stage.RETURNING:
        return {Stage.RETURNED, Stage.LOST}
    targets = {following} if following else set()
    if stage in CUSTOMS:
        targets.add(Stage.CUSTOMS_HOLD)
    if stage == Stage.LAST_MILE:
        targets.add(Stage.DELIVERY_ATTEMPTED)
    if stage in IN_TRANSIT:
        targets |= {Stage.LOST, Stage.DAMAGED}
    if index == 0 and not shipment.inventory_consumed:
        targets.add(Stage.CANCELLED)
    return targets


def _hours_due(shipment: Shipment, to: str, index: int, reason: str) -> float | None:
    if to in TERMINAL:
        return None
    if to == Stage.CUSTOMS_HOLD:
        return INSPECTION_HOURS if reason == "inspection" else None  # other holds wait for the desk
    if to == Stage.DELIVERY_ATTEMPTED:
        return RETRY_HOURS
    if to == Stage.RETURNING:
        return RETURN_HOURS
    step = shipment.route[index]
    if step.get("by") == "partner":
        return None  # the partner reports when it is done
    if "min" in step and settings.CROSSDOCK_SAMPLE_DURATIONS:
        return _sampled_hours(shipment, index, step)
    return step["hours"]


def _sampled_hours(shipment: Shipment, index: int, step: dict) -> float:
    """A duration drawn from the lane's range, most likely the typical one (a triangular law),
    reproducible per shipment and stage."""
    low, mode, high = step["min"], min(max(step["hours"], step["min"]), step["max"]), step["max"]
    u = _chance(shipment, f"duration:{index}")
    split = (mode - low) / (high - low)
    if u < split:
        return low + math.sqrt(u * (high - low) * (mode - low))
    return high - math.sqrt((1 - u) * (high - low) * (high - mode))


def _apply(shipments: list[Shipment], moves: dict[int, Move], at: datetime.datetime) -> list[Shipment]:
    """Apply ``moves`` to locked ``shipments`` (inside a transaction); returns those that moved."""
    moved, events, consume, transfers_in = [], [], [], []
    for shipment in shipments:
        move = moves.get(shipment.pk)
        if move is None:
            continue
        if move.to not in allowed_targets(shipment):
            raise ShipmentTransitionNotAllowed(
                {
                    "stage": f"Shipment {shipment.tracking_number} is at {Stage(shipment.stage).label.lower()}; "
                    f"it cannot move to {Stage(move.to).label.lower()}."
                }
            )
        when = move.at or at
        previous = shipment.stage
        route = shipment.route
        index = shipment.stage_index
        if move.to == route[min(index + 1, len(route) - 1)]["stage"] and previous != Stage.DELIVERY_ATTEMPTED:
            index += 1
        hours = _hours_due(shipment, move.to, index, move.reason)
        shipment.stage, shipment.stage_index, shipment.version = move.to, index, shipment.version + 1
        shipment.stage_started_at = when
        shipment.stage_due_at = when + clock_hours(hours) if hours is not None else None
        shipment.status = STATUS_FOR.get(move.to, Shipment.Status.ACTIVE)
        if move.to == Stage.DELIVERED:
            shipment.delivered_at = when
        if move.to == Stage.DELIVERY_ATTEMPTED:
            shipment.delivery_attempts += 1
        if move.to in EXCEPTION_TARGETS:
            shipment.exception_reason = move.reason[:40]
        if move.to in LEAVES_WAREHOUSE and not shipment.inventory_consumed and shipment.source_warehouse_id:
            shipment.inventory_consumed = True
            consume.append(shipment)
        if move.to == Stage.DELIVERED and shipment.kind == Shipment.Kind.TRANSFER:
            transfers_in.append(shipment)
        code, description = event_for(from_stage=previous, to_stage=move.to)
        events.append(
            (
                shipment.pk,
                previous,
                move.to,
                code,
                description,
                move.location[:120],
                move.reason[:40],
                move.source,
                move.external_id[:80],
                getattr(move.actor, "pk", None),
                when,
            )
        )
        moved.append((shipment, previous))
    if not moved:
        return []
    rows_update([s for s, _ in moved], _changed_fields(moved, moves))
    rows_insert(TrackingEvent, EVENT_FIELDS, events)
    _move_inventory(consume=consume, transfers_in=transfers_in)
    publish(
        "shipment.stage_changed",
        [
            {
                "shipment_id": s.pk,
                "order_id": s.order_id,
                "kind": s.kind,
                "merchant_id": s.merchant_id,
                "source_warehouse_id": s.source_warehouse_id,
                "from": previous,
                "to": s.stage,
                "status": s.status,
                "at": s.stage_started_at.isoformat(),
                "reason": s.exception_reason,
            }
            for s, previous in moved
        ],
    )
    return [s for s, _ in moved]


MOVE_FIELDS = ["stage", "stage_index", "version", "stage_started_at", "stage_due_at", "status"]
CUSTOMS_FIELDS = ["customs_status", "customs_duty", "customs_tax", "customs_currency", "customs_notes"]


def _changed_fields(moved: list[tuple[Shipment, str]], moves: dict[int, Move]) -> list[str]:
    """The columns a batch changes: every move changes ``MOVE_FIELDS``; the others only when a
    move of the batch can have touched them (narrower updates are cheaper to write). Customs
    fields change while leaving customs (the tick assesses at import customs)."""
    shipments = [s for s, _ in moved]
    targets = {moves[s.pk].to for s in shipments}
    fields = list(MOVE_FIELDS)
    if Stage.DELIVERED in targets:
        fields.append("delivered_at")
    if Stage.DELIVERY_ATTEMPTED in targets:
        fields.append("delivery_attempts")
    if targets & EXCEPTION_TARGETS:
        fields.append("exception_reason")
    if targets & LEAVES_WAREHOUSE:
        fields.append("inventory_consumed")
    if any(previous in CUSTOMS or previous == Stage.CUSTOMS_HOLD for _, previous in moved):
        fields += CUSTOMS_FIELDS
    return fields


def _move_inventory(*, consume: list[Shipment], transfers_in: list[Shipment]) -> None:
    ids = [s.pk for s in consume + transfers_in]
    if not ids:
        return
    lines = defaultdict(list)
    for line in ShipmentLine.objects.filter(shipment_id__in=ids):
        lines[line.shipment_id].append(line)
    by_merchant: dict[tuple[int, str], list[StockChange]] = defaultdict(list)
    for shipment in consume:
        bucket = Bucket.IN_TRANSFER if shipment.kind == Shipment.Kind.TRANSFER else Bucket.RESERVED
        for line in lines[shipment.pk]:
            by_merchant[
                (
                    shipment.merchant_id,
                    LedgerReason.ORDER_SHIPPED if bucket == Bucket.RESERVED else LedgerReason.TRANSFER_OUT,
                )
            ].append(
                StockChange(
                    line.product_id, shipment.source_warehouse_id, bucket, -line.quantity, shipment.tracking_number
                )
            )
    for shipment in transfers_in:
        for line in lines[shipment.pk]:
            by_merchant[(shipment.merchant_id, LedgerReason.TRANSFER_IN)] += [
                StockChange(
                    line.product_id,
                    shipment.source_warehouse_id,
                    Bucket.IN_TRANSFER,
                    -line.quantity,
                    shipment.tracking_number,
                ),
                StockChange(
                    line.product_id,
                    shipment.destination_warehouse_id,
                    Bucket.FULFILLABLE,
                    line.quantity,
                    shipment.tracking_number,
                ),
            ]
    for (merchant_id, reason), changes in by_merchant.items():
        inventory_apply(merchant_id=merchant_id, changes=changes, reason=reason, reference_type="shipment")


def _locked(ids) -> list[Shipment]:
    return list(Shipment.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def shipment_transition(
    *,
    shipment: Shipment,
    to: str,
    source: str,
    reason: str = "",
    location: str = "",
    external_id: str = "",
    actor=None,
    at: datetime.datetime | None = None,
    expected_version: int | None = None,
) -> bool:
    """Move one shipment (operator, partner, API, simulator). ``False`` if nothing changed:
    the same partner event was already recorded, or another call moved the shipment first."""
    [locked] = _locked([shipment.pk])
    if external_id and TrackingEvent.objects.filter(shipment=locked, external_id=external_id).exists():
        return False
    version = shipment.version if expected_version is None else expected_version
    if locked.version != version:
        return False
    moved = _apply([locked], {locked.pk: Move(to, source, reason, location, external_id, actor)}, at or timezone.now())
    if moved:
        shipment.__dict__.update({k: v for k, v in moved[0].__dict__.items() if not k.startswith("_")})
    return bool(moved)


def _chance(shipment: Shipment, salt: str) -> float:
    """A reproducible number in [0, 1) per shipment, version and purpose (no shared RNG state)."""
    digest = hashlib.sha256(f"{shipment.pk}:{shipment.version}:{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _due_move(shipment: Shipment, inspection: dict[int, Decimal], held: dict[int, str], at) -> Move | None:
    """What the schedule does with a due shipment (recorded ``at`` its due time)."""
    stage, route, index = shipment.stage, shipment.route, shipment.stage_index
    tick = TrackingEvent.Source.TICK
    if stage == Stage.CUSTOMS_HOLD:
        return Move(route[index + 1]["stage"], tick, location="Customs released the parcel", at=at)
    if stage == Stage.DELIVERY_ATTEMPTED:
        if shipment.delivery_attempts >= MAX_DELIVERY_ATTEMPTS:
            return Move(Stage.RETURNING, tick, reason="not_home", at=at)
        return Move(Stage.LAST_MILE, tick, at=at)
    if stage == Stage.RETURNING:
        return Move(Stage.RETURNED, tick, at=at)
    if index + 1 >= len(route):
        return None
    if shipment.pk in held:
        return Move(Stage.CUSTOMS_HOLD, tick, reason=held[shipment.pk], at=at)
    if stage == Stage.IMPORT_CUSTOMS and _chance(shipment, "inspection") < float(inspection.get(shipment.lane_id, 0)):
        return Move(Stage.CUSTOMS_HOLD, tick, reason="inspection", at=at)
    if stage == Stage.LAST_MILE and _chance(shipment, "delivery") < settings.CROSSDOCK_DELIVERY_FAILURE_RATE:
        return Move(Stage.DELIVERY_ATTEMPTED, tick, reason="not_home", at=at)
    return Move(route[index + 1]["stage"], tick, at=at)


# Shipments one transaction of the tick moves: big enough to amortise each batch's fixed queries,
# small enough to keep locks and the rolled-back work of a killed worker short.
TICK_BATCH = 2000


def shipments_advance_due(*, now: datetime.datetime | None = None, limit: int = TICK_BATCH) -> int:
    """The tick: move every shipment whose stage is due, ``limit`` at a time; returns how many moved.

    Rows are locked with ``SKIP LOCKED`` where the database has it, so several workers can
    tick at once without waiting on each other; a killed worker's batch rolls back whole.
    """
    now = now or timezone.now()
    skip = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        due = list(
            Shipment.objects.select_for_update(
                skip_locked=skip, of=("self",) if connection.features.has_select_for_update_of else ()
            )
            .filter(status=Shipment.Status.ACTIVE, stage_due_at__lte=now)
            .order_by("stage_due_at", "pk")[:limit]
        )
        if not due:
            return 0
        lanes = {s.lane_id for s in due if s.lane_id and s.stage == Stage.IMPORT_CUSTOMS}
        inspection = dict(Lane.objects.filter(pk__in=lanes).values_list("pk", "inspection_probability"))
        # A late tick (or a backfill) records each change when it was due, not when it ran, so
        # that catching up gives the same timeline as running on time.
        at_customs = [s for s in due if s.stage == Stage.IMPORT_CUSTOMS]
        held = assess_import(at_customs, on=now.date())
        moves = {
            s.pk: move for s in due if (move := _due_move(s, inspection, held, min(s.stage_due_at, now))) is not None
        }
        return len(_apply(due, moves, now))


def new_tracking_number() -> str:
    return "CD" + "".join(secrets.choice("0123456789") for _ in range(12))


def shipments_create(*, specs: list[dict], at: datetime.datetime | None = None) -> list[Shipment]:
    """Create shipments (bulk): each spec has the Shipment fields, ``route`` and ``lines``
    (``(product_id, quantity, unit_value, currency)``). Outbound shipments are packed into
    parcels (``shipping.packing.cartonize``), one ``Package`` each with its own tracking number;
    transfers travel as freight, without parcels. Transfers take their units from the origin's
    ``fulfillable`` into ``in_transfer`` at once. Each outbound shipment is priced as it is
    created (``shipping.fees.parcels_price``). A constant number of queries whatever the
    number of shipments."""
    at = at or timezone.now()
    with transaction.atomic():
        shipments = []
        for spec in specs:
            spec = dict(spec)
            lines = spec.pop("lines")
            route = spec["route"]
            shipment = Shipment(
                **spec,
                tracking_number=new_tracking_number(),
                stage=route[0]["stage"],
                stage_index=0,
                stage_started_at=at,
                stage_due_at=None if route[0].get("by") == "partner" else at + clock_hours(route[0]["hours"]),
                created_at=at,
            )
            if shipment.crosses_border:
                shipment.customs_status = Shipment.CustomsStatus.PENDING
            shipment.pending_lines = lines
            shipments.append(shipment)
        outbound = [s for s in shipments if s.kind == Shipment.Kind.OUTBOUND]
        product_ids = {p for s in outbound for p, _, _, _ in s.pending_lines}
        products = (
            Product.objects.only("sku", "weight_kg", "length_cm", "width_cm", "height_cm", "size_tier").in_bulk(
                product_ids
            )
            if product_ids
            else {}
        )
        parcels_price(outbound, products)
        Shipment.objects.bulk_create(shipments)
        ShipmentLine.objects.bulk_create(
            ShipmentLine(shipment=s, product_id=p, quantity=q, unit_value=v, currency=c)
            for s in shipments
            for p, q, v, c in s.pending_lines
        )
        parcels = [s for s in outbound if s.pending_lines]
        Package.objects.bulk_create(
            Package(
                shipment=s,
                sequence=sequence,
                tracking_number=new_tracking_number(),
                carton=parcel.carton,
                weight_kg=parcel.weight_kg,
                length_cm=parcel.length_cm,
                width_cm=parcel.width_cm,
                height_cm=parcel.height_cm,
                units=parcel.units,
                contents=[{"product_id": c.product_id, "sku": c.sku, "quantity": c.quantity} for c in parcel.contents],
                oversize=parcel.oversize,
                created_at=at,
            )
            for s in parcels
            for sequence, parcel in enumerate(
                cartonize(
                    Item(
                        product_id=p,
                        sku=products[p].sku,
                        quantity=q,
                        weight_kg=products[p].weight_kg,
                        length_cm=products[p].length_cm,
                        width_cm=products[p].width_cm,
                        height_cm=products[p].height_cm,
                    )
                    for p, q, _, _ in s.pending_lines
                ),
                start=1,
            )
        )
        TrackingEvent.objects.bulk_create(
            TrackingEvent(
                shipment=s,
                stage=s.stage,
                event_code=event_for(from_stage="", to_stage=s.stage)[0],
                description=event_for(from_stage="", to_stage=s.stage)[1],
                source=TrackingEvent.Source.SYSTEM,
                occurred_at=at,
            )
            for s in shipments
        )
        transfers = defaultdict(list)
        for s in shipments:
            if s.kind == Shipment.Kind.TRANSFER:
                for p, q, _, _ in s.pending_lines:
                    transfers[s.merchant_id] += [
                        StockChange(p, s.source_warehouse_id, Bucket.FULFILLABLE, -q, s.tracking_number),
                        StockChange(p, s.source_warehouse_id, Bucket.IN_TRANSFER, q, s.tracking_number),
                    ]
                s.inventory_consumed = True
        for merchant_id, changes in transfers.items():
            inventory_apply(
                merchant_id=merchant_id, changes=changes, reason=LedgerReason.TRANSFER_OUT, reference_type="shipment"
            )
        if transfers:
            Shipment.objects.filter(pk__in=[s.pk for s in shipments if s.inventory_consumed]).update(
                inventory_consumed=True
            )
        publish(
            "shipment.created",
            [
                {
                    "shipment_id": s.pk,
                    "order_id": s.order_id,
                    "kind": s.kind,
                    "merchant_id": s.merchant_id,
                    "stage": s.stage,
                }
                for s in shipments
            ],
        )
    return shipments
