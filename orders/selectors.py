"""Reads for the orders pages. Every read is scoped to one merchant; lists run a fixed number of queries."""

import datetime

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils import timezone

from merchants.models import Merchant, Product
from orders.models import Allocation, Order, OrderEvent, OrderImport, OrderLine


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def order_list(*, merchant: Merchant, filters: dict | None = None) -> QuerySet[Order]:
    """The merchant's orders, newest first, each with ``line_count`` and ``unit_count``.

    Filters: ``status``, ``mode``, ``country`` (destination), ``created_from`` / ``created_to``
    (local dates, both inclusive) and ``q`` (part of the merchant order id).
    """
    filters = filters or {}
    orders = Order.objects.filter(merchant=merchant)
    for name in ("status", "country"):
        if filters.get(name):
            orders = orders.filter(**{name: filters[name]})
    if filters.get("mode"):
        orders = orders.filter(mode_id=filters["mode"])
    if filters.get("created_from"):
        orders = orders.filter(created_at__gte=_start_of(filters["created_from"]))
    if filters.get("created_to"):
        orders = orders.filter(created_at__lt=_start_of(filters["created_to"] + datetime.timedelta(days=1)))
    query = (filters.get("q") or "").strip()
    if query:
        orders = orders.filter(merchant_order_id__icontains=query)
    return (
        orders.select_related("mode")
        .annotate(line_count=Count("lines"), unit_count=Sum("lines__quantity"))
        .order_by("-created_at", "-pk")
    )


def order_destination_countries(*, merchant: Merchant) -> list[str]:
    """The countries the merchant has sent orders to (for the list's filter)."""
    return list(
        Order.objects.filter(merchant=merchant).values_list("country", flat=True).distinct().order_by("country")
    )


def order_lines(*, order: Order) -> list[OrderLine]:
    """The order's lines with their products and allocations (warehouses included): three queries."""
    allocations = Prefetch("allocations", queryset=Allocation.objects.select_related("warehouse").order_by("pk"))
    return list(order.lines.select_related("product").prefetch_related(allocations).order_by("line_number"))


def order_events(*, order: Order) -> list[OrderEvent]:
    return list(order.events.select_related("actor").order_by("created_at", "pk"))


def order_reserved_units(*, order: Order) -> int:
    """Units the order holds reserved now (what a cancel would put back on the shelf)."""
    total = Allocation.objects.filter(line__order=order, status=Allocation.Status.RESERVED).aggregate(
        units=Sum("quantity")
    )["units"]
    return total or 0


def order_import_list(*, merchant: Merchant) -> QuerySet[OrderImport]:
    """The merchant's imports, newest first, without their (large) file content and report."""
    return OrderImport.objects.filter(merchant=merchant).defer("content", "report").order_by("-created_at", "-pk")


def order_import_orders_by_status(*, order_import: OrderImport) -> dict[str, int]:
    """How many of the orders an import created are in each status now."""
    rows = order_import.orders.values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def comparable_products(*, merchant: Merchant) -> QuerySet[Product]:
    """The merchant's active products: what the mode comparison offers to compare."""
    return Product.objects.filter(merchant=merchant, is_active=True).order_by("sku")


def merchant_has_orders(*, merchant: Merchant) -> bool:
    return Order.objects.filter(merchant=merchant).exists()
