"""Intake, routing, allocation and cancel, through the services."""

import pytest
from django.core.exceptions import ValidationError

from orders.models import Allocation, Order
from orders.services.cancel import order_cancel
from orders.services.intake import DuplicateOrder, order_create, orders_intake
from orders.services.status import OrderTransitionNotAllowed
from tests.orders.conftest import us_order
from warehouses.models import InventoryBalance
from warehouses.selectors import inventory_discrepancies

pytestmark = pytest.mark.django_db


def balance(product, warehouse):
    b = InventoryBalance.objects.get(product=product, warehouse=warehouse)
    return b.fulfillable, b.reserved


def test_an_order_is_routed_to_the_fastest_warehouse_with_stock_and_reserved(merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    stock(widget, "US-NJ01", 10)  # slower: 48 h handling
    order = order_create(merchant=merchant, payload=us_order())
    assert order.status == Order.Status.PLANNING
    [allocation] = Allocation.objects.filter(line__order=order)
    assert (allocation.warehouse.code, allocation.quantity) == ("US-ONT1", 2)
    assert balance(widget, order_network["US-ONT1"]) == (8, 2)
    assert list(order.events.values_list("to_status", flat=True)) == ["received", "planning"]
    assert inventory_discrepancies() == []


def test_one_warehouse_that_fills_everything_beats_a_faster_split(merchant, widget, gadget, stock, order_network):
    stock(widget, "US-ONT1", 5)
    stock(widget, "US-NJ01", 5)
    stock(gadget, "US-NJ01", 5)
    order = order_create(merchant=merchant, payload=us_order(lines=(("WIDGET-1", 2), ("GADGET-1", 1))))
    assert set(Allocation.objects.filter(line__order=order).values_list("warehouse__code", flat=True)) == {"US-NJ01"}


def test_a_line_is_split_across_warehouses_when_none_holds_enough(merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 3)
    stock(widget, "US-NJ01", 3)
    order = order_create(merchant=merchant, payload=us_order(lines=(("WIDGET-1", 5),)))
    split = sorted(Allocation.objects.filter(line__order=order).values_list("warehouse__code", "quantity"))
    assert split == [("US-NJ01", 2), ("US-ONT1", 3)]


@pytest.mark.parametrize(
    ("policy", "status", "allocated", "cancelled"),
    [
        ("fill_or_kill", "unfulfillable", 0, 0),
        ("fill_all", "planning", 3, 0),
        ("fill_all_available", "planning", 3, 2),
    ],
)
def test_the_policy_decides_what_happens_to_a_shortfall(merchant, widget, stock, policy, status, allocated, cancelled):
    stock(widget, "US-ONT1", 3)
    order = order_create(merchant=merchant, payload=us_order(lines=(("WIDGET-1", 5),), policy=policy))
    line = order.lines.get()
    assert (order.status, line.quantity_allocated, line.quantity_cancelled) == (status, allocated, cancelled)
    assert line.unfulfillable_reason
    if status == "unfulfillable":
        assert "WIDGET-1" in order.status_reason and "Only 3 of 5" in order.status_reason
    assert inventory_discrepancies() == []


def test_direct_orders_need_no_platform_stock(merchant, widget, order_network):
    order = order_create(merchant=merchant, payload=us_order(mode="direct"))
    assert order.status == Order.Status.PLANNING
    assert not Allocation.objects.exists()
    assert "merchant" in order.events.last().note


def test_a_duplicate_order_id_is_refused_with_the_existing_id(merchant, widget, stock):
    stock(widget, "US-ONT1", 10)
    first = order_create(merchant=merchant, payload=us_order())
    with pytest.raises(DuplicateOrder) as excinfo:
        order_create(merchant=merchant, payload=us_order())
    assert excinfo.value.existing_id == first.pk
    assert Order.objects.count() == 1
    assert InventoryBalance.objects.get(product=widget).reserved == 2


@pytest.mark.parametrize(
    ("override", "path", "message"),
    [
        ({"lines": [{"sku": "NOPE", "quantity": 1}]}, "lines.0.sku", "Unknown SKU NOPE"),
        ({"lines": [{"sku": "WIDGET-1", "quantity": 0}]}, "lines.0.quantity", "between 1 and"),
        ({"lines": [{"sku": "WIDGET-1", "quantity": -2}]}, "lines.0.quantity", "between 1 and"),
        ({"lines": [{"sku": "WIDGET-1", "quantity": "1.5"}]}, "lines.0.quantity", "whole number"),
        ({"lines": []}, "lines", "at least one line"),
        ({"speed": "warp"}, "speed", "Choose a speed"),
        ({"speed": "priority", "mode": "direct"}, "speed", "not offered in the Direct shipping mode"),
        ({"mode": "teleport"}, "mode", "Choose a fulfillment mode"),
        (
            {"destination": {"address_line1": "1 Main", "city": "X", "country": "US", "postal_code": "ABC"}},
            "destination.postal_code",
            "not a valid US postal code",
        ),
        (
            {"destination": {"address_line1": "1 Main", "city": "X", "country": "GB", "postal_code": "12345"}},
            "destination.postal_code",
            "not a valid GB postal code",
        ),
        (
            {"destination": {"address_line1": "", "city": "X", "country": "US", "postal_code": "10001"}},
            "destination.address_line1",
            "required",
        ),
        (
            {"destination": {"address_line1": "1 Rua", "city": "Rio", "country": "BR", "postal_code": "20040-002"}},
            "destination.country",
            "reaches BR",
        ),
        ({"mode": "asia_warehouse"}, "destination.country", "Asia-Pacific; US is not"),
        ({"buyer_email": "not-an-email"}, "buyer_email", "valid email"),
    ],
)
def test_bad_orders_name_the_field_and_write_nothing(merchant, widget, stock, override, path, message):
    stock(widget, "US-ONT1", 10)
    with pytest.raises(ValidationError) as excinfo:
        order_create(merchant=merchant, payload=us_order(**override))
    assert message in " ".join(excinfo.value.message_dict[path]), excinfo.value.message_dict
    assert not Order.objects.exists()
    assert InventoryBalance.objects.get(product=widget).reserved == 0


def test_a_sku_of_another_merchant_reads_as_unknown(merchant, widget, other_merchant, stock):
    from tests.factories import ProductFactory

    ProductFactory(merchant=other_merchant, sku="THEIRS-9")
    with pytest.raises(ValidationError) as excinfo:
        order_create(merchant=merchant, payload=us_order(lines=(("THEIRS-9", 1),)))
    assert "Unknown SKU THEIRS-9" in excinfo.value.message_dict["lines.0.sku"][0]


def test_bulk_gives_a_result_per_order_and_creates_the_good_ones(merchant, widget, stock):
    stock(widget, "US-ONT1", 4)
    order_create(merchant=merchant, payload=us_order("OLD-1"))
    payloads = [
        us_order("B-1"),
        us_order("B-2", lines=(("NOPE", 1),)),
        us_order("OLD-1"),
        us_order("B-1"),
        us_order("B-3", lines=(("WIDGET-1", 5),)),
    ]
    results = orders_intake(merchant=merchant, payloads=payloads)
    assert [r.outcome for r in results] == ["created", "rejected", "duplicate", "rejected", "created"]
    assert "appears twice" in results[3].errors["merchant_order_id"][0]
    assert results[2].existing_id == Order.objects.get(merchant_order_id="OLD-1").pk
    assert results[4].order.status == Order.Status.UNFULFILLABLE  # 2 left after OLD-1 and B-1
    assert Order.objects.count() == 3
    assert inventory_discrepancies() == []


def test_bulk_runs_a_bounded_number_of_queries(merchant, widget, stock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stock(widget, "US-ONT1", 10_000)

    def run(prefix: str, count: int) -> int:
        payloads = [us_order(f"{prefix}-{n}") for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            results = orders_intake(merchant=merchant, payloads=payloads)
        assert all(r.outcome == "created" for r in results)
        return len(queries)

    small, large = run("S", 2), run("L", 200)
    if connection.vendor == "postgresql":
        assert small == large
    else:
        # SQLite caps a statement at 999 parameters, so Django splits big inserts into batches.
        assert large <= small + 15


def test_cancel_releases_the_reservation_and_only_while_received_or_planning(merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    order = order_create(merchant=merchant, payload=us_order())
    order_cancel(order=order, reason="Buyer changed their mind")
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert balance(widget, order_network["US-ONT1"]) == (10, 0)
    assert set(Allocation.objects.values_list("status", flat=True)) == {"released"}
    assert order.lines.get().quantity_cancelled == 2
    order_cancel(order=order)  # repeated: nothing more happens
    assert balance(widget, order_network["US-ONT1"]) == (10, 0)

    other = order_create(merchant=merchant, payload=us_order("ORD-2"))
    Order.objects.filter(pk=other.pk).update(status=Order.Status.PROCESSING)
    other.refresh_from_db()
    with pytest.raises(OrderTransitionNotAllowed, match="only received or planning"):
        order_cancel(order=other)
    assert balance(widget, order_network["US-ONT1"]) == (8, 2)
    assert inventory_discrepancies() == []


def test_fill_all_orders_wait_and_get_stock_when_it_arrives(merchant, widget, stock, order_network):
    from orders.services.intake import orders_allocate_waiting

    stock(widget, "US-ONT1", 1)
    waiting = order_create(merchant=merchant, payload=us_order("WAIT-1", lines=(("WIDGET-1", 3),), policy="fill_all"))
    empty = order_create(merchant=merchant, payload=us_order("WAIT-2", lines=(("WIDGET-1", 2),), policy="fill_all"))
    assert (waiting.status, empty.status) == ("planning", "planning")  # fill all waits, even with nothing in stock
    assert empty.lines.get().quantity_pending == 2

    stock(widget, "US-NJ01", 3)
    assert orders_allocate_waiting() == 2
    first, second = waiting.lines.get(), empty.lines.get()
    assert (first.quantity_allocated, first.quantity_pending, first.unfulfillable_reason) == (3, 0, "")
    assert (second.quantity_allocated, second.quantity_pending) == (1, 1)  # oldest order served first
    assert "waiting for stock" in second.unfulfillable_reason
    assert orders_allocate_waiting() == 1 and empty.lines.get().quantity_allocated == 1  # nothing new arrived
    assert inventory_discrepancies() == []


def test_a_declared_value_in_another_currency_is_not_silently_relabelled(merchant, stock, order_network):
    from decimal import Decimal

    from tests.factories import ProductFactory

    euro = ProductFactory(merchant=merchant, sku="EURO-1", declared_value=Decimal("10.00"), declared_currency="EUR")
    stock(euro, "US-ONT1", 5)
    with pytest.raises(ValidationError) as excinfo:
        order_create(merchant=merchant, payload=us_order(lines=(("EURO-1", 1),)))
    assert "declared in EUR; give its unit value in USD" in excinfo.value.message_dict["lines.0.unit_value"][0]
    order = order_create(
        merchant=merchant, payload=us_order(lines=[{"sku": "EURO-1", "quantity": 1, "unit_value": "11"}])
    )
    assert order.lines.get().unit_value == Decimal("11.00")
    eur_order = order_create(merchant=merchant, payload=us_order("ORD-EUR", lines=(("EURO-1", 1),), currency="EUR"))
    assert (eur_order.currency, eur_order.lines.get().unit_value) == ("EUR", Decimal("10.00"))
