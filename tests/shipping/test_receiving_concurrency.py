"""Operators racing at the dock: real concurrent transactions, so PostgreSQL only.

Each thread has its own database connection (Django's connections are per thread) and starts
at a barrier, so the calls reach the database at the same moment.
"""

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from shipping.models import InboundShipment
from shipping.services.receiving import box_check_in, box_count, inbound_shipment_close
from tests.shipping.conftest import box
from warehouses.models import InventoryBalance, InventoryLedgerEntry, LedgerReason
from warehouses.selectors import inventory_discrepancies

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

S = InboundShipment.Status
THREADS = 8


def race(*calls: Callable[[], object]) -> list[object]:
    """Run ``calls`` at once, one thread each; returns each call's result or exception, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # the test inspects what each racer got
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racer is stuck (deadlock?)"
    return results


def refused(results: list[object]) -> list[ValidationError]:
    return [r for r in results if isinstance(r, ValidationError)]


def unexpected(results: list[object]) -> list[object]:
    return [r for r in results if isinstance(r, Exception) and not isinstance(r, ValidationError)]


def balance(product, warehouse) -> InventoryBalance:
    return InventoryBalance.objects.get(product=product, warehouse=warehouse)


@pytest.fixture
def shipment(send, network, tees, mugs):
    """In transit to US-ONT9, through customs: two boxes of T-shirts, one of mugs."""
    _, [shipment] = send(
        mode="global_warehouse",
        destination="US",
        clear_customs=True,
        items={"TEE-BLK-M": 40, "MUG-01": 12},
        boxes=[box({"TEE-BLK-M": 20}), box({"TEE-BLK-M": 20}), box({"MUG-01": 12})],
    )
    shipment.refresh_from_db()
    assert (shipment.status, shipment.warehouse) == (S.IN_TRANSIT, network["global_warehouse"])
    return shipment


def test_one_box_scanned_at_the_same_moment_is_checked_in_once(shipment, tees, operator):
    warehouse = shipment.warehouse
    target = shipment.boxes.get(number=1)

    results = race(*[lambda: box_check_in(box_id=target.box_id, warehouse=warehouse, actor=operator)] * THREADS)

    assert unexpected(results) == []
    assert len(refused(results)) == THREADS - 1
    assert all(f"Box {target.box_id} is already checked in." in e.messages for e in refused(results))
    target.refresh_from_db()
    assert target.checked_in_at is not None
    assert (balance(tees, warehouse).inbound_shipped, balance(tees, warehouse).inbound_receiving) == (20, 20)
    moves = InventoryLedgerEntry.objects.filter(reason=LedgerReason.INBOUND_CHECKED_IN, reference_id=target.box_id)
    assert sorted(moves.values_list("bucket", "quantity")) == [("inbound_receiving", 20), ("inbound_shipped", -20)]
    assert inventory_discrepancies() == []
    shipment.refresh_from_db()
    assert shipment.status == S.CHECKED_IN
    statuses = list(shipment.events.values_list("to_status", flat=True))
    assert statuses.count("DELIVERED") == 1 and statuses.count("CHECKED_IN") == 1
    assert statuses[-2:] == ["DELIVERED", "CHECKED_IN"]


def test_every_box_of_a_shipment_scanned_at_once_walks_the_status_once(shipment, tees, mugs, operator):
    warehouse = shipment.warehouse
    boxes = list(shipment.boxes.order_by("number"))

    results = race(
        *[lambda b=b: box_check_in(box_id=b.box_id, warehouse=warehouse, actor=operator) for b in boxes for _ in "ab"]
    )

    assert unexpected(results) == []
    assert len(refused(results)) == len(boxes)  # each box's second scan
    assert (balance(tees, warehouse).inbound_receiving, balance(mugs, warehouse).inbound_receiving) == (40, 12)
    assert balance(tees, warehouse).inbound_shipped == balance(mugs, warehouse).inbound_shipped == 0
    assert inventory_discrepancies() == []
    statuses = list(shipment.events.values_list("to_status", flat=True))
    assert statuses.count("DELIVERED") == 1 and statuses.count("CHECKED_IN") == 1


def _checked_in_and_counted(shipment, operator, *, tees_found: tuple[int, int]) -> None:
    warehouse = shipment.warehouse
    first, second, third = shipment.boxes.order_by("number")
    for b in (first, second, third):
        box_check_in(box_id=b.box_id, warehouse=warehouse, actor=operator)
    box_count(box_id=first.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": tees_found[0]}}, actor=operator)
    box_count(box_id=second.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": tees_found[1]}}, actor=operator)
    box_count(box_id=third.box_id, warehouse=warehouse, counts={"MUG-01": {"good": 12}}, actor=operator)


def test_two_operators_counting_one_box_at_once_leave_one_consistent_count(shipment, tees, operator):
    warehouse = shipment.warehouse
    target = shipment.boxes.get(number=1)
    for b in shipment.boxes.all():
        box_check_in(box_id=b.box_id, warehouse=warehouse, actor=operator)

    results = race(
        lambda: box_count(box_id=target.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": 15}}),
        lambda: box_count(box_id=target.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": 18, "damaged": 2}}),
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    content = target.contents.get()
    good, damaged = content.counted_good, content.counted_damaged
    assert (good, damaged) in {(15, 0), (18, 2)}  # the later count replaced the earlier one
    tee = balance(tees, warehouse)
    assert (tee.fulfillable, tee.unfulfillable, tee.researching) == (good, damaged, 20 - good - damaged)
    assert tee.inbound_receiving == 20  # the second box, not counted yet
    line = shipment.lines.get(product=tees)
    assert (line.quantity_received, line.quantity_damaged) == (good, damaged)
    assert inventory_discrepancies() == []
    shipment.refresh_from_db()
    assert list(shipment.events.values_list("to_status", flat=True)).count("RECEIVING") == 1


def test_closing_twice_at_once_closes_once_and_settles_research_once(shipment, tees, operator):
    _checked_in_and_counted(shipment, operator, tees_found=(20, 15))
    assert balance(tees, shipment.warehouse).researching == 5
    resolutions = {"TEE-BLK-M": {"resolution": "reimbursed"}}

    results = race(*[lambda: inbound_shipment_close(shipment=shipment, resolutions=resolutions, actor=operator)] * 2)

    assert unexpected(results) == []
    closed = [r for r in results if isinstance(r, InboundShipment)]
    assert len(closed) == 1 and closed[0].status == S.CLOSED
    [refusal] = refused(results)
    assert "only a shipment being received can be closed" in refusal.messages[0]
    shipment.refresh_from_db()
    assert shipment.status == S.CLOSED
    assert list(shipment.events.values_list("to_status", flat=True)).count("CLOSED") == 1
    settled = InventoryLedgerEntry.objects.filter(
        reason=LedgerReason.INBOUND_RECONCILED, reference_id=shipment.confirmation_id
    )
    assert list(settled.values_list("bucket", "quantity")) == [("researching", -5)]
    tee = balance(tees, shipment.warehouse)
    assert (tee.fulfillable, tee.researching) == (35, 0)
    assert shipment.lines.get(product=tees).reimbursement_amount == tees.declared_value * 5
    assert inventory_discrepancies() == []


def test_a_recount_racing_the_close_is_either_in_the_reconciliation_or_refused(shipment, tees, operator):
    _checked_in_and_counted(shipment, operator, tees_found=(20, 19))
    warehouse = shipment.warehouse
    second = shipment.boxes.get(number=2)

    recount, close = race(
        lambda: box_count(box_id=second.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": 20}}),
        lambda: inbound_shipment_close(shipment=shipment, actor=operator),
    )

    assert not isinstance(close, Exception), close
    line = shipment.lines.get(product=tees)
    if isinstance(recount, Exception):  # the close came first: counting a closed shipment is refused
        assert isinstance(recount, ValidationError) and "is closed for counting" in recount.messages[0]
        assert (line.quantity_received, line.shortage, line.resolution) == (39, 1, "auto_reconciled")
    else:  # the recount came first: the close reconciled the corrected count
        assert (line.quantity_received, line.shortage, line.resolution) == (40, 0, "received")
    tee = balance(tees, warehouse)
    assert (tee.fulfillable, tee.researching, tee.inbound_receiving) == (line.quantity_received, 0, 0)
    assert inventory_discrepancies() == []
