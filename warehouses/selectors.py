"""Reads for the network and inventory."""

from dataclasses import dataclass

from django.db.models import QuerySet, Sum

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
