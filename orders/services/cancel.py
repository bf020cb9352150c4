"""Cancelling an order: only while received or planning; its reservations go back on the shelf."""

from django.db import transaction

from orders.models import Allocation, Order, OrderLine
from orders.services.status import OrderTransitionNotAllowed, order_transition
from warehouses.models import Bucket, LedgerReason
from warehouses.services.inventory import StockChange, inventory_apply


@transaction.atomic
def order_cancel(*, order: Order, reason: str = "", actor=None) -> Order:
    """Cancel ``order`` and release every reserved unit (``reserved`` → ``fulfillable``).

    Raises ``OrderTransitionNotAllowed`` once the order is processing or finished. A repeated
    call on a cancelled order changes nothing.
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == Order.Status.CANCELLED:
        return order
    if order.status not in (Order.Status.RECEIVED, Order.Status.PLANNING):
        raise OrderTransitionNotAllowed(
            {
                "status": f"Order {order.merchant_order_id} is {order.get_status_display().lower()}: only received or "
                "planning orders can be cancelled."
            }
        )
    reserved = list(
        Allocation.objects.select_for_update()
        .filter(line__order=order, status=Allocation.Status.RESERVED)
        .select_related("line")
    )
    if not order_transition(order=order, to=Order.Status.CANCELLED, reason=reason or "Cancelled", actor=actor):
        order.refresh_from_db()
        return order
    changes = []
    for allocation in reserved:
        changes += [
            StockChange(allocation.line.product_id, allocation.warehouse_id, Bucket.RESERVED, -allocation.quantity),
            StockChange(allocation.line.product_id, allocation.warehouse_id, Bucket.FULFILLABLE, allocation.quantity),
        ]
    if changes:
        inventory_apply(
            merchant_id=order.merchant_id,
            changes=changes,
            reason=LedgerReason.ORDER_RELEASED,
            reference_type="order",
            reference_id=str(order.pk),
            actor=actor,
        )
    Allocation.objects.filter(pk__in=[a.pk for a in reserved]).update(status=Allocation.Status.RELEASED)
    lines = list(order.lines.all())
    for line in lines:
        line.quantity_allocated = 0
        line.quantity_cancelled = line.quantity - line.quantity_shipped
    OrderLine.objects.bulk_update(lines, ["quantity_allocated", "quantity_cancelled"])
    return order
