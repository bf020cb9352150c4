"""The one way inventory changes: signed bucket changes, applied atomically with their ledger.

Every write to ``InventoryBalance`` goes through ``inventory_apply``. It never lets a bucket
go below zero: it locks the balance rows it touches (``SELECT … FOR UPDATE`` in primary-key
order, so concurrent callers queue and cannot deadlock), checks every bucket, and writes them
all in one statement; the database's check constraints stand behind it. The ledger rows are
written in the same transaction. The number of queries does not grow with the number of rows,
so bulk allocation can use it as it is.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.bulk import rows_insert, rows_update
from config.events import publish
from merchants.models import Product
from warehouses.models import BUCKETS, InventoryBalance, InventoryLedgerEntry, LedgerReason, Warehouse


class InventoryError(Exception):
    """A change the inventory cannot take; nothing was written."""


class InsufficientStock(InventoryError):  # noqa: N818 - domain language, not an error class name
    def __init__(self, *, sku: str, warehouse_code: str, bucket: str, available: int, requested: int):
        self.sku = sku
        self.warehouse_code = warehouse_code
        self.bucket = bucket
        self.available = available
        self.requested = requested
        super().__init__(
            f"Not enough {bucket.replace('_', ' ')} stock of {sku} at {warehouse_code}: "
            f"{available} available, {requested} needed."
        )


@dataclass(frozen=True)
class StockChange:
    """A signed change of one bucket of one product at one warehouse."""

    product_id: int
    warehouse_id: int
    bucket: str
    quantity: int
    reference_id: str = ""  # the document of this change, when one call carries several


def moves(*, product_id: int, warehouse_id: int, quantity: int, from_bucket: str, to_bucket: str) -> list[StockChange]:
    """The pair of changes that moves ``quantity`` units from one bucket to another."""
    if from_bucket == to_bucket:
        raise InventoryError(f"Cannot move units from {from_bucket} to itself.")
    return [
        StockChange(product_id, warehouse_id, from_bucket, -quantity),
        StockChange(product_id, warehouse_id, to_bucket, quantity),
    ]


def _validate(changes: Sequence[StockChange], reason: str) -> None:
    if not changes:
        raise InventoryError("No inventory change given.")
    if reason not in LedgerReason.values:
        raise InventoryError(f"Unknown ledger reason {reason!r}.")
    for change in changes:
        if change.bucket not in BUCKETS:
            raise InventoryError(f"Unknown inventory bucket {change.bucket!r}.")
        if not isinstance(change.quantity, int) or isinstance(change.quantity, bool) or change.quantity == 0:
            raise InventoryError("Every inventory change must be a non-zero whole number of units.")


LEDGER_FIELDS = [
    "movement",
    "merchant",
    "product",
    "warehouse",
    "bucket",
    "quantity",
    "reason",
    "reference_type",
    "reference_id",
    "actor",
    "note",
    "created_at",
]


@transaction.atomic
def inventory_apply(
    *,
    merchant_id: int,
    changes: Sequence[StockChange],
    reason: str,
    reference_type: str = "",
    reference_id: str = "",
    actor=None,
    note: str = "",
) -> uuid.UUID:
    """Apply ``changes`` for one merchant and record them; returns the movement id.

    Changes to the same bucket are netted before the balance is checked, and every change
    is still recorded in the ledger as given.

    Raises ``InsufficientStock`` if any bucket would go below zero, ``InventoryError`` for a
    product of another merchant or an inactive warehouse; in both cases nothing is written.
    """
    _validate(changes, reason)
    product_ids = {c.product_id for c in changes}
    warehouse_ids = {c.warehouse_id for c in changes}
    skus = dict(Product.objects.filter(merchant_id=merchant_id, pk__in=product_ids).values_list("pk", "sku"))
    if len(skus) != len(product_ids):
        raise InventoryError("A product in this change does not belong to the merchant.")
    codes = dict(Warehouse.objects.filter(pk__in=warehouse_ids).values_list("pk", "code"))
    if len(codes) != len(warehouse_ids):
        raise InventoryError("A warehouse in this change does not exist.")

    net: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for change in changes:
        net[(change.product_id, change.warehouse_id)][change.bucket] += change.quantity

    # Missing rows first, in key order: two callers creating the same rows queue on the unique
    # index instead of deadlocking on it.
    InventoryBalance.objects.bulk_create(
        [InventoryBalance(merchant_id=merchant_id, product_id=p, warehouse_id=w) for p, w in sorted(net)],
        ignore_conflicts=True,
    )
    # Lock every touched row, in primary-key order so that concurrent callers queue instead
    # of deadlocking, then check and write all of them: a constant number of queries however
    # many rows a change touches.
    balances = {
        (b.product_id, b.warehouse_id): b
        for b in InventoryBalance.objects.select_for_update()
        .filter(merchant_id=merchant_id, product_id__in=product_ids, warehouse_id__in=warehouse_ids)
        .order_by("pk")
        if (b.product_id, b.warehouse_id) in net
    }
    now = timezone.now()
    changed = []
    low_stock = []
    threshold = settings.CROSSDOCK_LOW_STOCK_THRESHOLD
    for key, deltas in net.items():
        balance = balances[key]
        fulfillable_before = balance.fulfillable
        for bucket, delta in deltas.items():
            if delta < 0 and getattr(balance, bucket) < -delta:
                raise InsufficientStock(
                    sku=skus[key[0]],
                    warehouse_code=codes[key[1]],
                    bucket=bucket,
                    available=getattr(balance, bucket),
                    requested=-delta,
                )
            setattr(balance, bucket, getattr(balance, bucket) + delta)
        balance.updated_at = now
        changed.append(balance)
        if fulfillable_before >= threshold > balance.fulfillable:
            low_stock.append(balance)
    rows_update(changed, [*BUCKETS, "updated_at"])

    movement = uuid.uuid4()
    actor_id = getattr(actor, "pk", None)
    note = note[:200]
    rows_insert(
        InventoryLedgerEntry,
        LEDGER_FIELDS,
        [
            (
                movement,
                merchant_id,
                c.product_id,
                c.warehouse_id,
                c.bucket,
                c.quantity,
                reason,
                reference_type,
                c.reference_id or str(reference_id),
                actor_id,
                note,
                now,
            )
            for c in changes
        ],
    )
    # Stock that just fell below the threshold (not every change while it stays low).
    publish(
        "inventory.low_stock",
        [
            {
                "merchant_id": merchant_id,
                "product_id": b.product_id,
                "sku": skus[b.product_id],
                "warehouse_id": b.warehouse_id,
                "warehouse_code": codes[b.warehouse_id],
                "fulfillable": b.fulfillable,
                "threshold": threshold,
                "at": now.isoformat(),
            }
            for b in low_stock
        ],
    )
    return movement


def inventory_move(
    *, product: Product, warehouse: Warehouse, quantity: int, from_bucket: str, to_bucket: str, reason: str, **kwargs
) -> uuid.UUID:
    """Move ``quantity`` units of one product between two buckets at one warehouse."""
    if quantity <= 0:
        raise InventoryError("Quantity to move must be at least 1.")
    return inventory_apply(
        merchant_id=product.merchant_id,
        changes=moves(
            product_id=product.pk,
            warehouse_id=warehouse.pk,
            quantity=quantity,
            from_bucket=from_bucket,
            to_bucket=to_bucket,
        ),
        reason=reason,
        **kwargs,
    )


def inventory_adjust(
    *, product: Product, warehouse: Warehouse, bucket: str, quantity: int, reason: str, **kwargs
) -> uuid.UUID:
    """Add (positive) or remove (negative) units of one bucket."""
    return inventory_apply(
        merchant_id=product.merchant_id,
        changes=[StockChange(product.pk, warehouse.pk, bucket, quantity)],
        reason=reason,
        **kwargs,
    )
