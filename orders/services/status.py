"""The order state machine: allowed transitions in one table, applied with compare-and-set.

``received → planning → processing → complete | complete_partial``; side exits ``invalid``,
``cancelled`` (only from received or planning) and ``unfulfillable``.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from config.bulk import rows_insert, rows_update
from config.events import publish
from orders.models import Order, OrderEvent

S = Order.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.PLANNING, S.INVALID, S.CANCELLED, S.UNFULFILLABLE}),
    S.PLANNING: frozenset({S.PROCESSING, S.CANCELLED, S.UNFULFILLABLE}),
    S.PROCESSING: frozenset({S.COMPLETE, S.COMPLETE_PARTIAL}),
    S.COMPLETE: frozenset(),
    S.COMPLETE_PARTIAL: frozenset(),
    S.INVALID: frozenset(),
    S.CANCELLED: frozenset(),
    S.UNFULFILLABLE: frozenset(),
}


class OrderTransitionNotAllowed(ValidationError):  # noqa: N818
    pass


def _check(order: Order, to: str) -> None:
    if to not in TRANSITIONS[order.status]:
        raise OrderTransitionNotAllowed(
            {
                "status": f"Order {order.merchant_order_id} is {S(order.status).label.lower()}; it cannot become "
                f"{S(to).label.lower()}."
            }
        )


@transaction.atomic
def orders_transition(*, changes: list[tuple[Order, str, str]], actor=None, reasons_saved: bool = False) -> list[Order]:
    """Apply ``(order, to, reason)`` changes; returns the orders that moved.

    ``reasons_saved``: the rows already hold their ``status_reason`` (fresh orders written
    with it), so only the status is updated.

    Orders are grouped by (from, to); each group's rows still in ``from`` are locked with one
    query, and an order another call already moved is left out (a repeated call is a no-op).
    The moved rows are then written, and their events inserted, with one statement each.
    """
    for order, to, _ in changes:
        _check(order, to)
    groups: dict[tuple[str, str], list[tuple[Order, str]]] = defaultdict(list)
    for order, to, reason in changes:
        groups[(order.status, to)].append((order, reason))
    moved: list[tuple[Order, str, str]] = []
    now = timezone.now()
    for (current, to), members in groups.items():
        pks = [order.pk for order, _ in members]
        still_there = set(
            Order.objects.select_for_update()
            .filter(pk__in=pks, status=current)
            .order_by("pk")  # one lock order for every caller
            .values_list("pk", flat=True)
        )
        for order, reason in members:
            if order.pk in still_there:
                order.status, order.updated_at = to, now
                if not reasons_saved:
                    order.status_reason = reason[:300]
                moved.append((order, current, reason))
    rows_update(
        [order for order, _, _ in moved], ["status", "updated_at"] + ([] if reasons_saved else ["status_reason"])
    )
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    rows_insert(
        OrderEvent,
        ["order", "from_status", "to_status", "note", "actor", "created_at"],
        [(order.pk, current, order.status, reason[:300], actor_id, now) for order, current, reason in moved],
    )
    publish(
        "order.status_changed",
        [
            {
                "order_id": order.pk,
                "merchant_id": order.merchant_id,
                "merchant_order_id": order.merchant_order_id,
                "from": current,
                "to": order.status,
                "reason": reason[:300],
                "at": now.isoformat(),
            }
            for order, current, reason in moved
        ],
    )
    return [order for order, _, _ in moved]


def order_transition(*, order: Order, to: str, reason: str = "", actor=None) -> bool:
    """Move one order; ``False`` if another call moved it first."""
    return bool(orders_transition(changes=[(order, to, reason)], actor=actor))
