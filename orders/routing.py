"""Allocation: which warehouse each unit of an order comes from, under its fulfillment policy.

Routing (which warehouses can serve a destination, and how fast) is ``warehouses.network``.
The rules are written down in docs/routing.md.
"""

from dataclasses import dataclass

from orders.models import FulfillmentPolicy
from warehouses.network import Source


@dataclass
class AllocationPlan:
    """Units per (line, warehouse), and per line the units left unallocated and what becomes of them."""

    allocations: list[tuple[int, int, int]]  # (line index, warehouse id, quantity)
    shortfall: dict[int, int]
    outcome: str  # "allocated", "partial_pending", "partial_cancelled", "unfulfillable"


def plan_allocation(
    *, lines: list[tuple[int, int]], sources: list[Source], stock: dict[tuple[int, int], int], policy: str
) -> AllocationPlan:
    """Choose warehouses for ``lines`` ((product id, quantity)) and take the units from ``stock``.

    One warehouse that can fill the whole order wins (fewest parcels); otherwise each line is
    filled from the fastest warehouses first. Then the policy decides: ``fill_or_kill`` takes
    nothing unless everything is there; ``fill_all`` keeps the rest pending (all of it, if nothing
    is in stock yet); ``fill_all_available`` cancels the rest. ``stock`` ((warehouse id, product
    id) → fulfillable units) is reduced by what is taken, so consecutive orders see what the
    earlier ones left.
    """
    warehouses = [s.warehouse_id for s in sources if s.warehouse_id is not None]
    allocations: list[tuple[int, int, int]] = []
    shortfall: dict[int, int] = {}
    whole = next((w for w in warehouses if all(stock.get((w, p), 0) >= q for p, q in lines)), None)
    if whole is not None:
        allocations = [(i, whole, q) for i, (_, q) in enumerate(lines)]
    else:
        available = dict(stock)
        for index, (product_id, quantity) in enumerate(lines):
            remaining = quantity
            for warehouse_id in warehouses:
                take = min(remaining, available.get((warehouse_id, product_id), 0))
                if take:
                    allocations.append((index, warehouse_id, take))
                    available[(warehouse_id, product_id)] -= take
                    remaining -= take
                if not remaining:
                    break
            if remaining:
                shortfall[index] = remaining

    waits = policy == FulfillmentPolicy.FILL_ALL
    if shortfall and (policy == FulfillmentPolicy.FILL_OR_KILL or (not allocations and not waits)):
        # Nothing is taken; the shortfall says how many units of each line were missing.
        return AllocationPlan([], shortfall, "unfulfillable")
    for index, warehouse_id, quantity in allocations:
        stock[(warehouse_id, lines[index][0])] -= quantity
    if not shortfall:
        return AllocationPlan(allocations, {}, "allocated")
    outcome = "partial_pending" if policy == FulfillmentPolicy.FILL_ALL else "partial_cancelled"
    return AllocationPlan(allocations, shortfall, outcome)
