"""Scenario a: bulk order intake (validation, routing, allocation) against ``bulk_create``.

Each run sends ``orders`` orders of two lines for one merchant through ``orders_intake`` (what
the API's bulk endpoint calls), then writes the very same rows — orders, lines, allocations and
order events, copied from what intake wrote — with ``bulk_create`` in one transaction that is
rolled back: the floor is the cost of the rows alone, without any of intake's decisions.
"""

import random
import statistics
import time

from django.db import transaction
from django.utils import timezone

from merchants.models import Merchant, Product
from orders.models import Allocation, Order, OrderEvent, OrderLine
from orders.services.intake import orders_intake
from warehouses.models import Bucket, InventoryBalance, LedgerReason, Warehouse
from warehouses.modes import Mode, WarehouseRole
from warehouses.services.inventory import inventory_adjust

DESTINATION = {
    "contact_name": "Bench Buyer",
    "address_line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


def _stocked(merchant: Merchant, *, units: int) -> list[str]:
    """Two products with ``units`` fulfillable at a US global warehouse (topped up as needed)."""
    warehouse = Warehouse.objects.filter(role=WarehouseRole.GLOBAL_WAREHOUSE, country="US", is_active=True).first()
    products = list(Product.objects.filter(merchant=merchant, is_active=True).order_by("pk")[:2])
    for product in products:
        balance = InventoryBalance.objects.filter(product=product, warehouse=warehouse).first()
        have = balance.fulfillable if balance else 0
        if have < units:
            inventory_adjust(
                product=product,
                warehouse=warehouse,
                bucket=Bucket.FULFILLABLE,
                quantity=units - have,
                reason=LedgerReason.ADJUSTMENT,
                note="bench stock",
            )
    return [p.sku for p in products]


def _payloads(skus: list[str], *, orders: int, run: str) -> list[dict]:
    rng = random.Random(run)
    return [
        {
            "merchant_order_id": f"BENCH-A-{run}-{n}",
            "mode": Mode.GLOBAL_WAREHOUSE,
            "speed": "standard",
            "fulfillment_policy": "fill_or_kill",
            "destination": DESTINATION,
            "lines": [{"sku": sku, "quantity": rng.randint(1, 3)} for sku in skus],
        }
        for n in range(orders)
    ]


def _floor(order_ids: list[int], *, run: str) -> float:
    """Seconds to ``bulk_create`` copies of the rows intake wrote for ``order_ids`` (rolled back)."""
    orders = list(Order.objects.filter(pk__in=order_ids))
    lines = list(OrderLine.objects.filter(order_id__in=order_ids))
    allocations = list(Allocation.objects.filter(line__order_id__in=order_ids))
    events = list(OrderEvent.objects.filter(order_id__in=order_ids))
    with transaction.atomic():
        started = time.perf_counter()
        old_to_new: dict[int, Order] = {}
        for order in orders:
            old = order.pk
            order.pk = None
            order.merchant_order_id = f"{order.merchant_order_id}-floor"
            old_to_new[old] = order
        Order.objects.bulk_create(orders)
        line_map: dict[int, OrderLine] = {}
        for line in lines:
            old = line.pk
            line.pk, line.order = None, old_to_new[line.order_id]
            line_map[old] = line
        OrderLine.objects.bulk_create(lines)
        for allocation in allocations:
            allocation.pk, allocation.line = None, line_map[allocation.line_id]
        Allocation.objects.bulk_create(allocations)
        for event in events:
            event.pk, event.order = None, old_to_new[event.order_id]
        OrderEvent.objects.bulk_create(events)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def run(*, orders: int = 1000, runs: int = 5) -> dict:
    merchant = Merchant.objects.filter(slug="shenzhen-brightwave").first() or Merchant.objects.order_by("pk").first()
    skus = _stocked(merchant, units=orders * 3 * (runs + 1))
    stamp = timezone.now().strftime("%H%M%S")
    intake, floors = [], []
    for index in range(runs):
        payloads = _payloads(skus, orders=orders, run=f"{stamp}{index}")
        started = time.perf_counter()
        results = orders_intake(merchant=merchant, payloads=payloads)
        intake.append(time.perf_counter() - started)
        created = [r.order.pk for r in results if r.outcome == "created"]
        if len(created) != orders:
            raise RuntimeError(f"intake created {len(created)} of {orders} orders: {results[0]}")
        floors.append(_floor(created, run=f"{stamp}{index}"))
    intake_rate = orders / statistics.median(intake)
    floor_rate = orders / statistics.median(floors)
    return {
        "orders": orders,
        "runs": runs,
        "intake_seconds": intake,
        "floor_seconds": floors,
        "intake_rate": intake_rate,
        "floor_rate": floor_rate,
        "ratio": intake_rate / floor_rate,
    }
