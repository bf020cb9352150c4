"""Reads for the network, inventory and rate cards."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import ExpressionWrapper, F, FloatField, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast

from merchants.models import Merchant
from warehouses.models import BUCKETS, InventoryBalance, InventoryLedgerEntry, Warehouse


def warehouse_list(*, active_only: bool = True) -> QuerySet[Warehouse]:
    warehouses = Warehouse.objects.select_related("partner")
    return warehouses.filter(is_active=True) if active_only else warehouses


def inventory_balances(*, merchant: Merchant, warehouse: Warehouse | None = None) -> QuerySet[InventoryBalance]:
    balances = InventoryBalance.objects.filter(merchant=merchant).select_related("product", "warehouse")
    if warehouse is not None:
        balances = balances.filter(warehouse=warehouse)
    return balances.order_by("warehouse__code", "product__sku")


def inventory_totals_by_warehouse(*, merchant: Merchant) -> list[dict]:
    """One row per warehouse holding any of the merchant's units: the sum of each bucket."""
    rows = (
        InventoryBalance.objects.filter(merchant=merchant)
        .values("warehouse_id", "warehouse__code", "warehouse__name", "warehouse__role", "warehouse__country")
        .annotate(**{f"total_{bucket}": Sum(bucket) for bucket in BUCKETS})
        .order_by("warehouse__code")
    )
    return list(rows)


@dataclass(frozen=True)
class Discrepancy:
    merchant_id: int
    product_id: int
    warehouse_id: int
    bucket: str
    balance: int
    ledger_sum: int


def inventory_discrepancies() -> list[Discrepancy]:
    """Every (balance, bucket) whose value differs from the sum of its ledger entries."""
    ledger: dict[tuple[int, int, int, str], int] = {
        (row["merchant_id"], row["product_id"], row["warehouse_id"], row["bucket"]): row["total"]
        for row in InventoryLedgerEntry.objects.values("merchant_id", "product_id", "warehouse_id", "bucket")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    found = []
    seen = set()
    for balance in InventoryBalance.objects.values("merchant_id", "product_id", "warehouse_id", *BUCKETS).iterator():
        for bucket in BUCKETS:
            key = (balance["merchant_id"], balance["product_id"], balance["warehouse_id"], bucket)
            seen.add(key)
            expected = ledger.get(key, 0)
            if balance[bucket] != expected:
                found.append(Discrepancy(*key, balance=balance[bucket], ledger_sum=expected))
    found.extend(
        Discrepancy(*key, balance=0, ledger_sum=total) for key, total in ledger.items() if key not in seen and total
    )
    return found


# Buckets of units that occupy (or are on their way to occupy) space in a warehouse.
OCCUPYING_BUCKETS = (
    "inbound_working",
    "inbound_shipped",
    "inbound_receiving",
    "fulfillable",
    "reserved",
    "unfulfillable",
    "researching",
)


@dataclass(frozen=True)
class Utilisation:
    warehouse_id: int
    units: int
    volume_m3: Decimal
    capacity_units: int
    capacity_m3: Decimal

    @property
    def free_units(self) -> int:
        return max(self.capacity_units - self.units, 0)

    @property
    def free_m3(self) -> Decimal:
        return max(self.capacity_m3 - self.volume_m3, Decimal("0"))

    @property
    def share(self) -> float:
        return max(self.units / self.capacity_units, float(self.volume_m3 / self.capacity_m3))


def warehouse_utilisation(*, warehouse_ids) -> dict[int, Utilisation]:
    """Units and cubic metres held or expected at each warehouse, against its capacity."""
    units_expr = sum((F(bucket) for bucket in OCCUPYING_BUCKETS[1:]), F(OCCUPYING_BUCKETS[0]))
    # Float arithmetic on purpose: SQLite stores whole-number decimals as integers and would
    # divide them as integers. Capacity checks need no more than float precision.
    volume_expr = ExpressionWrapper(
        Cast(units_expr, FloatField())
        * F("product__length_cm")
        * F("product__width_cm")
        * F("product__height_cm")
        / Value(1_000_000.0),
        output_field=FloatField(),
    )
    rows = {
        row["warehouse_id"]: row
        for row in InventoryBalance.objects.filter(warehouse_id__in=warehouse_ids)
        .values("warehouse_id")
        .annotate(units=Sum(units_expr), volume=Sum(volume_expr))
        .order_by()
    }
    result = {}
    for warehouse in Warehouse.objects.filter(pk__in=warehouse_ids).only("pk", "capacity_units", "capacity_m3"):
        row = rows.get(warehouse.pk, {})
        result[warehouse.pk] = Utilisation(
            warehouse_id=warehouse.pk,
            units=int(row.get("units") or 0),
            volume_m3=Decimal(str(row.get("volume") or 0)).quantize(Decimal("0.000001")),
            capacity_units=warehouse.capacity_units,
            capacity_m3=warehouse.capacity_m3,
        )
    return result


def rate_card_for(*, mode_id: str, on: datetime.date):
    """The rate card of a mode in force on a date, with its entries prefetched (or None)."""
    from warehouses.models import RateCard

    return (
        RateCard.objects.filter(mode_id=mode_id, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .prefetch_related("entries")
        .order_by("-effective_from")
        .first()
    )


def rate_lookup(card, *, fee: str, size_tier: str = "", destination: str = "", speed: str = "") -> Decimal | None:
    """The most specific entry of ``card`` for a fee (blank qualifiers match anything)."""
    if card is None:
        return None
    best, best_score = None, -1
    for entry in card.entries.all():
        if entry.fee != fee:
            continue
        qualifiers = ((entry.size_tier, size_tier), (entry.destination, destination), (entry.speed, speed))
        if any(have and have != wanted for have, wanted in qualifiers):
            continue
        score = sum(1 for have, _ in qualifiers if have)
        if score > best_score:
            best, best_score = entry.amount, score
    return best
