"""Real concurrent transactions on PostgreSQL: allocation never oversells."""

import threading

import pytest
from django.db import connection

from orders.models import Order
from orders.services.intake import order_create
from tests.orders.conftest import us_order
from warehouses.models import InventoryBalance
from warehouses.selectors import inventory_discrepancies


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_orders_never_oversell(merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 17)
    stock(widget, "US-NJ01", 13)  # 30 units in all, 24 threads asking for 2 each
    threads_count = 24
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def place(n: int) -> None:
        try:
            barrier.wait()
            order_create(merchant=merchant, payload=us_order(f"RACE-{n}", lines=(("WIDGET-1", 2),)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=place, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    statuses = list(Order.objects.values_list("status", flat=True))
    assert len(statuses) == threads_count
    assert statuses.count("planning") == 15 and statuses.count("unfulfillable") == 9
    balances = InventoryBalance.objects.filter(product=widget)
    assert sum(b.reserved for b in balances) == 30
    assert all(b.fulfillable == 0 for b in balances)
    assert inventory_discrepancies() == []
