"""The exception desk: customs holds released or rejected, failed deliveries, lost and damaged
parcels, returns received with a disposition, through the services and the operator console."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.services.fulfilment import orders_release
from orders.services.intake import order_create
from shipping.models import Shipment, TrackingEvent
from shipping.routes import transfer_route_plan
from shipping.services.returns import RETURN_RECEIVED_EVENT, ReturnAlreadyReceived, shipment_return_receive
from shipping.services.shipments import allowed_targets, shipment_transition, shipments_advance_due, shipments_create
from tests.factories import WarehouseFactory
from tests.orders import conftest as orders_fixtures
from warehouses.models import InventoryBalance, InventoryLedgerEntry, Lane
from warehouses.modes import WarehouseRole
from warehouses.network import Network
from warehouses.selectors import inventory_discrepancies
from warehouses.services.inventory import inventory_adjust

# The order network of the orders tests: warehouses, lanes, rate cards, two products, stock.
order_network, widget, gadget, stock = (
    orders_fixtures.order_network,
    orders_fixtures.widget,
    orders_fixtures.gadget,
    orders_fixtures.stock,
)

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(days=60)
TOKYO = {"city": "Tokyo", "region": "", "postal_code": "100-0001", "country": "JP"}
DOMESTIC_TO_RETURNED = ["packing", "origin_sorting", "last_mile", ("delivery_attempted", "not_home"), "returning"]
DIRECT_TO_IMPORT = ["origin_sorting", "export_customs", "line_haul", "import_customs"]


@pytest.fixture(autouse=True)
def _no_random_exceptions(settings):
    settings.CROSSDOCK_DELIVERY_FAILURE_RATE = 0.0


@pytest.fixture
def run_ticks(django_capture_on_commit_callbacks):
    def _run(until: datetime.datetime, rounds: int = 40) -> None:
        for _ in range(rounds):
            with django_capture_on_commit_callbacks(execute=True):
                moved = shipments_advance_due(now=until)
            if not moved:
                return

    return _run


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def released(merchant, order_id="ORD-1", *, destination=None, **kwargs) -> Shipment:
    payload = orders_fixtures.us_order(order_id, **kwargs)
    payload["destination"].update(destination or {})
    order = order_create(merchant=merchant, payload=payload)
    orders_release(now=timezone.now() + datetime.timedelta(hours=1))
    return Shipment.objects.get(order_id=order.pk)  # one source warehouse: one shipment


def walk(shipment: Shipment, *steps, at=None) -> Shipment:
    """Move ``shipment`` through ``steps`` (a stage, or ``(stage, reason)``) as the simulator would."""
    for step in steps:
        stage, reason = step if isinstance(step, tuple) else (step, "")
        assert shipment_transition(shipment=shipment, to=stage, source="simulator", reason=reason, at=at), step
    return shipment


def balance(product, warehouse) -> tuple[int, int, int]:
    b = InventoryBalance.objects.get(product=product, warehouse=warehouse)
    return b.fulfillable, b.reserved, b.unfulfillable


def move(client, shipment: Shipment, to: str, *, version=None, follow=True, **data):
    data = {"to": to, "version": shipment.version if version is None else version, **data}
    return client.post(reverse("console:shipment-move", args=[shipment.pk]), data, follow=follow)


def receive(client, shipment: Shipment, split: dict[tuple[int, str], int], **kwargs):
    data = {f"return{shipment.pk}-p{product.pk}_{disposition}": n for (product, disposition), n in split.items()}
    return client.post(reverse("console:shipment-return-receive", args=[shipment.pk]), data, **kwargs)


def texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- customs holds ---------------------------------------------------------------------------


def test_releasing_a_customs_hold_resumes_the_plan_and_a_repeated_click_does_nothing(
    merchant, widget, order_network, operator, operator_client, run_ticks
):
    Lane.objects.update(inspection_probability=1)
    shipment = released(merchant, mode="direct")
    run_ticks(timezone.now() + datetime.timedelta(days=12), rounds=6)
    shipment.refresh_from_db()
    assert (shipment.stage, shipment.exception_reason) == ("customs_hold", "inspection")

    queue = operator_client.get(reverse("console:customs-queue"))
    assert [s.pk for s, _, _ in queue.context["rows"]] == [shipment.pk]
    assert [(a.to, a.label) for a in queue.context["rows"][0][2]] == [
        ("destination_sorting", "Release"),
        ("returning", "Reject"),
    ]
    assert shipment.tracking_number in queue.content.decode() and "Inspection" in queue.content.decode()

    seen = shipment.version
    response = move(
        operator_client, shipment, "destination_sorting", note="Opened: contents match.", next="/console/customs/"
    )
    assert response.redirect_chain[-1][0] == "/console/customs/"
    assert "Release: shipment" in texts(response)[0]
    shipment.refresh_from_db()
    assert shipment.stage == "destination_sorting"
    assert shipment.stage_index == shipment.planned_stages.index("destination_sorting")
    assert shipment.customs_status == "cleared" and "Released: Opened: contents match." in shipment.customs_notes
    release = shipment.events.order_by("pk").last()
    assert (release.from_stage, release.source, release.actor) == ("customs_hold", "operator", operator)

    events = shipment.events.count()
    again = move(operator_client, shipment, "destination_sorting", version=seen, note="again")
    assert "had already changed" in texts(again)[0] and "nothing was done" in texts(again)[0]
    shipment.refresh_from_db()
    assert shipment.stage == "destination_sorting" and shipment.events.count() == events
    assert shipment.customs_notes.count("Released") == 1

    run_ticks(timezone.now() + LATER)
    shipment.refresh_from_db()
    assert shipment.stage == "delivered"


def test_a_rejected_hold_returns_and_is_received_with_mixed_dispositions(
    merchant, widget, gadget, stock, order_network, operator, operator_client
):
    szx = order_network["CN-SZX1"]
    stock(widget, "CN-SZX1", 10)
    stock(gadget, "CN-SZX1", 10)
    shipment = released(merchant, mode="asia_warehouse", destination=TOKYO, lines=(("WIDGET-1", 2), ("GADGET-1", 3)))
    walk(shipment, "packing", *DIRECT_TO_IMPORT, ("customs_hold", "duties_unpaid"))
    assert balance(widget, szx) == (8, 0, 0) and balance(gadget, szx) == (7, 0, 0)  # the units left with the parcel

    refused = move(operator_client, shipment, "returning", note="No duties paid")
    assert "Reason: Choose why" in texts(refused)[0]
    shipment.refresh_from_db()
    assert shipment.stage == "customs_hold"

    move(operator_client, shipment, "returning", reason="prohibited", note="Batteries not declared.")
    shipment.refresh_from_db()
    assert (shipment.stage, shipment.exception_reason, shipment.customs_status) == (
        "returning",
        "prohibited",
        "rejected",
    )
    assert "Rejected (prohibited or restricted goods): Batteries not declared." in shipment.customs_notes
    queue = operator_client.get(reverse("console:exception-queue"))
    assert [(s.pk, kind) for s, kind, *_ in queue.context["rows"]] == [(shipment.pk, "Returning")]

    move(operator_client, shipment, "returned")
    shipment.refresh_from_db()
    queue = operator_client.get(reverse("console:exception-queue"), {"reason": "return_to_receive"})
    [(row, kind, _, _, form)] = queue.context["rows"]
    assert (row.pk, kind, form is not None) == (shipment.pk, "Returned, not yet received", True)

    split = {
        (widget, "sellable"): 1,
        (widget, "customer_damaged"): 1,
        (gadget, "sellable"): 1,
        (gadget, "defective"): 1,
        (gadget, "carrier_damaged"): 1,
    }
    response = receive(operator_client, shipment, split, follow=True)
    assert f"Return of shipment {shipment.tracking_number} received at CN-SZX1: 5 units." in texts(response)
    assert balance(widget, szx) == (9, 0, 1)
    assert balance(gadget, szx) == (8, 0, 2)
    assert inventory_discrepancies() == []
    ledger = InventoryLedgerEntry.objects.filter(reason="return_received", reference_id=shipment.tracking_number)
    assert sorted(ledger.values_list("bucket", "quantity", "note")) == sorted(
        [
            ("fulfillable", 1, f"Return of {shipment.tracking_number}: sellable"),
            ("fulfillable", 1, f"Return of {shipment.tracking_number}: sellable"),
            ("unfulfillable", 1, f"Return of {shipment.tracking_number}: defective"),
            ("unfulfillable", 1, f"Return of {shipment.tracking_number}: customer damaged"),
            ("unfulfillable", 1, f"Return of {shipment.tracking_number}: carrier damaged"),
        ]
    )
    receipt = shipment.events.get(external_id=RETURN_RECEIVED_EVENT)
    assert (receipt.stage, receipt.source, receipt.actor) == ("returned", "operator", operator)
    assert receipt.description.startswith("Return received: 2 sellable, 1 defective")

    # Received once: a second click says so and changes nothing.
    again = receive(operator_client, shipment, split, follow=True)
    assert "already received" in texts(again)[0]
    with pytest.raises(ReturnAlreadyReceived):
        shipment_return_receive(shipment=shipment, dispositions={"WIDGET-1": {"sellable": 2}}, actor=operator)
    assert balance(widget, szx) == (9, 0, 1) and ledger.count() == 5
    assert shipment.events.filter(external_id=RETURN_RECEIVED_EVENT).count() == 1
    queue = operator_client.get(reverse("console:exception-queue"))
    assert queue.context["rows"] == []


def test_units_that_do_not_add_up_are_refused_and_nothing_is_written(
    merchant, widget, gadget, stock, order_network, operator, operator_client
):
    ont = order_network["US-ONT1"]
    stock(widget, "US-ONT1", 10)
    stock(gadget, "US-ONT1", 10)
    shipment = walk(
        released(merchant, lines=(("WIDGET-1", 2), ("GADGET-1", 1))), *DOMESTIC_TO_RETURNED
    )  # still returning: a valid receipt would mark it returned
    ledger = InventoryLedgerEntry.objects.count()
    events = TrackingEvent.objects.count()

    bad = [
        ({"WIDGET-1": {"sellable": 1}, "GADGET-1": {"sellable": 1}}, "WIDGET-1: 1 unit given, but shipment"),
        ({"WIDGET-1": {"sellable": 2}}, "GADGET-1: 0 units given"),
        ({"WIDGET-1": {"sellable": 3, "defective": 0}, "GADGET-1": {"sellable": 1}}, "WIDGET-1: 3 units given"),
        ({"WIDGET-1": {"sellable": 2}, "GADGET-1": {"lost": 1}}, "Unknown disposition 'lost' for GADGET-1"),
        ({"WIDGET-1": {"sellable": 2}, "GADGET-1": {"sellable": -1}}, "Units of GADGET-1 (sellable) must be"),
        ({"WIDGET-1": {"sellable": 2}, "GADGET-1": {"sellable": 1}, "NOPE": {"sellable": 1}}, "SKU NOPE was not"),
        ({"WIDGET-1": {"sellable": 2}, "widget-1": {"sellable": 2}, "GADGET-1": {"sellable": 1}}, "more than once"),
        ({}, "Give the returned units"),
    ]
    for dispositions, message in bad:
        with pytest.raises(ValidationError, match=re.escape(message)):
            shipment_return_receive(shipment=shipment, dispositions=dispositions, actor=operator)
    shipment.refresh_from_db()
    assert shipment.stage == "returning"
    assert (InventoryLedgerEntry.objects.count(), TrackingEvent.objects.count()) == (ledger, events)
    assert balance(widget, ont) == (8, 0, 0)

    # Through the console the error lands next to the SKU, on the shipment's page.
    response = receive(operator_client, shipment, {(widget, "sellable"): 1, (gadget, "defective"): 1})
    assert response.status_code == 200
    assert "WIDGET-1: 1 unit given, but shipment" in response.content.decode()
    assert InventoryLedgerEntry.objects.count() == ledger

    # Valid: received from ``returning``, the shipment is marked returned on the way.
    shipment_return_receive(
        shipment=shipment,
        dispositions={"widget-1": {"sellable": 2}, "GADGET-1": {"fulfiller_damaged": 1}},
        actor=operator,
    )
    shipment.refresh_from_db()
    assert (shipment.stage, shipment.status) == ("returned", "returned")
    assert list(shipment.events.order_by("-pk").values_list("from_stage", "stage", "source")[:2]) == [
        ("returned", "returned", "operator"),
        ("returning", "returned", "operator"),
    ]
    assert balance(widget, ont) == (10, 0, 0) and balance(gadget, ont) == (9, 0, 1)
    assert inventory_discrepancies() == []


def test_a_direct_shipments_return_is_refused(merchant, widget, order_network, operator, operator_client):
    shipment = walk(
        released(merchant, mode="direct"), *DIRECT_TO_IMPORT, ("customs_hold", "documentation"), "returning", "returned"
    )
    with pytest.raises(ValidationError, match="goes back to the merchant"):
        shipment_return_receive(shipment=shipment, dispositions={"WIDGET-1": {"sellable": 2}}, actor=operator)

    page = operator_client.get(reverse("console:shipment-exception", args=[shipment.pk]))
    assert page.context["return_form"] is None and "goes back to the merchant" in page.content.decode()
    response = receive(operator_client, shipment, {(widget, "sellable"): 2}, follow=True)
    assert "goes back to the merchant" in texts(response)[0]
    assert not InventoryLedgerEntry.objects.filter(reason="return_received").exists()
    assert not shipment.events.filter(external_id=RETURN_RECEIVED_EVENT).exists()
    queue = operator_client.get(reverse("console:exception-queue"))
    assert queue.context["rows"] == []  # nothing for the desk to receive


def test_a_returned_transfer_comes_back_out_of_in_transfer(merchant, widget, order_network, operator):
    origin = WarehouseFactory(
        code="CN-CAN7", role=WarehouseRole.ORIGIN_FC, country="CN", postal_code="510000", region=""
    )
    destination = WarehouseFactory(code="US-LAX7", role=WarehouseRole.DESTINATION_DC, country="US")
    inventory_adjust(product=widget, warehouse=origin, bucket="fulfillable", quantity=10, reason="adjustment")
    route = Network.load().route(origin="CN", destination="US", speed="standard")
    [transfer] = shipments_create(
        specs=[
            {
                "kind": Shipment.Kind.TRANSFER,
                "merchant_id": merchant.pk,
                "mode_id": "fba_cross_border",
                "source_warehouse_id": origin.pk,
                "destination_warehouse_id": destination.pk,
                "origin_country": "CN",
                "crosses_border": True,
                "route": transfer_route_plan(route=route),
                "lane_id": route.lane_id,
                "address_line1": destination.address_line1,
                "city": destination.city,
                "country": "US",
                "lines": [(widget.pk, 4, widget.declared_value, "USD")],
            }
        ]
    )
    plan = transfer.planned_stages
    walk(transfer, *plan[1 : plan.index("import_customs") + 1], ("customs_hold", "documentation"), "returning")
    shipment_return_receive(
        shipment=transfer, dispositions={"WIDGET-1": {"sellable": 3, "carrier_damaged": 1}}, actor=operator
    )
    at_origin = InventoryBalance.objects.get(product=widget, warehouse=origin)
    assert (at_origin.fulfillable, at_origin.in_transfer, at_origin.unfulfillable) == (9, 0, 1)
    assert inventory_discrepancies() == []


# --- failed deliveries, lost and damaged ---------------------------------------------------------


def test_a_failed_delivery_is_retried_or_returned_from_the_desk(
    merchant, widget, stock, order_network, settings, operator_client
):
    settings.CROSSDOCK_DELIVERY_FAILURE_RATE = 1.0
    stock(widget, "US-ONT1", 10)
    shipment = released(merchant)
    later = timezone.now() + LATER
    for _ in range(10):
        shipments_advance_due(now=later, limit=1)
        shipment.refresh_from_db()
        if shipment.stage == "delivery_attempted":
            break
    assert (shipment.stage, shipment.delivery_attempts) == ("delivery_attempted", 1)
    queue = operator_client.get(reverse("console:exception-queue"), {"reason": "delivery_attempted"})
    [(row, _, reason, actions, _)] = queue.context["rows"]
    assert (row.pk, reason) == (shipment.pk, "Consignee not at home")
    assert [(a.to, a.label) for a in actions] == [("last_mile", "Retry delivery"), ("returning", "Start return")]

    move(operator_client, shipment, "last_mile")
    shipment.refresh_from_db()
    assert shipment.stage == "last_mile" and shipment.stage_index == shipment.planned_stages.index("last_mile")
    walk(shipment, ("delivery_attempted", "incorrect_address"))

    refused = move(operator_client, shipment, "returning", reason="prohibited")
    assert "Reason: Choose why: not_home, refused, incorrect_address." in texts(refused)[0]
    move(operator_client, shipment, "returning", reason="refused")
    shipment.refresh_from_db()
    assert (shipment.stage, shipment.exception_reason) == ("returning", "refused")


def test_lost_and_damaged_only_where_the_stage_allows(merchant, widget, stock, order_network, operator_client):
    stock(widget, "US-ONT1", 10)
    picking = released(merchant, "ORD-1")
    response = move(operator_client, picking, "lost")
    assert "it cannot move to lost" in texts(response)[0]
    picking.refresh_from_db()
    assert picking.stage == "picking"

    page = operator_client.get(reverse("console:shipment-exception", args=[picking.pk]))
    assert {a.to for a in page.context["actions"]} == allowed_targets(picking) == {"packing", "cancelled"}

    sorting = walk(released(merchant, "ORD-2"), "packing", "origin_sorting")
    page = operator_client.get(reverse("console:shipment-exception", args=[sorting.pk]))
    assert {a.to for a in page.context["actions"]} == allowed_targets(sorting) == {"last_mile", "lost", "damaged"}
    move(operator_client, sorting, "damaged", location="ONT sort centre")
    sorting.refresh_from_db()
    assert (sorting.stage, sorting.status) == ("damaged", "damaged")
    assert sorting.events.order_by("pk").last().location == "ONT sort centre"
    page = operator_client.get(reverse("console:shipment-exception", args=[sorting.pk]))
    assert page.context["actions"] == [] and "is final" in page.content.decode()

    attempted = walk(
        released(merchant, "ORD-3"), "packing", "origin_sorting", "last_mile", ("delivery_attempted", "not_home")
    )
    for target in ("lost", "damaged"):
        response = move(operator_client, attempted, target)
        assert "cannot move to" in texts(response)[0]
    returning = walk(attempted, ("returning", "not_home"))
    move(operator_client, returning, "lost")
    returning.refresh_from_db()
    assert returning.stage == "lost"


# --- the queues ----------------------------------------------------------------------------------


def test_the_queues_list_the_right_shipments(merchant, widget, stock, order_network, operator, operator_client):
    stock(widget, "US-ONT1", 100)
    long_ago = timezone.now() - datetime.timedelta(days=10)
    desk_hold = walk(released(merchant, "D-1", mode="direct"), *DIRECT_TO_IMPORT, ("customs_hold", "documentation"))
    overdue_hold = walk(
        released(merchant, "D-2", mode="direct"), *DIRECT_TO_IMPORT, ("customs_hold", "inspection"), at=long_ago
    )
    attempted = walk(released(merchant, "W-1"), *DOMESTIC_TO_RETURNED[:-1])
    returning = walk(released(merchant, "W-2"), *DOMESTIC_TO_RETURNED)
    to_receive = walk(released(merchant, "W-3"), *DOMESTIC_TO_RETURNED, "returned")
    received = walk(released(merchant, "W-4"), *DOMESTIC_TO_RETURNED, "returned")
    shipment_return_receive(shipment=received, dispositions={"WIDGET-1": {"sellable": 2}}, actor=operator)
    walk(
        released(merchant, "D-3", mode="direct"),
        *DIRECT_TO_IMPORT,
        ("customs_hold", "documentation"),
        "returning",
        "returned",
    )
    lost = walk(released(merchant, "D-4", mode="direct"), "origin_sorting", "export_customs", "line_haul", "lost")
    damaged = walk(released(merchant, "W-5"), "packing", "origin_sorting", "last_mile", "damaged")
    walk(released(merchant, "W-6"), "packing", "origin_sorting", "last_mile")  # on its way: no exception
    released(merchant, "W-7")  # picking

    customs = operator_client.get(reverse("console:customs-queue"))
    assert [s.pk for s, *_ in customs.context["rows"]] == [overdue_hold.pk, desk_hold.pk]  # longest held first

    queue = operator_client.get(reverse("console:exception-queue"))
    assert [(s.pk, kind) for s, kind, *_ in queue.context["rows"]] == [
        (overdue_hold.pk, "Customs hold past its due time"),
        (attempted.pk, "Delivery attempted"),
        (returning.pk, "Returning"),
        (to_receive.pk, "Returned, not yet received"),
        (lost.pk, "Lost"),
        (damaged.pk, "Damaged"),
    ]
    assert [(code, n) for code, _, n in queue.context["kinds"]] == [
        ("customs_overdue", 1),
        ("delivery_attempted", 1),
        ("returning", 1),
        ("return_to_receive", 1),
        ("lost", 1),
        ("damaged", 1),
    ]
    forms = {s.pk: form is not None for s, _, _, _, form in queue.context["rows"]}
    assert forms == {
        overdue_hold.pk: False,
        attempted.pk: False,
        returning.pk: True,
        to_receive.pk: True,
        lost.pk: False,
        damaged.pk: False,
    }
    lost_only = operator_client.get(reverse("console:exception-queue"), {"reason": "lost"})
    assert [s.pk for s, *_ in lost_only.context["rows"]] == [lost.pk]
    found = operator_client.get(reverse("console:exception-queue"), {"tracking": lost.tracking_number.lower()})
    assert found.url == reverse("console:shipment-exception", args=[lost.pk])
    missing = operator_client.get(reverse("console:exception-queue"), {"tracking": "CD000"})
    assert "No shipment has the tracking number CD000." in texts(missing)


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_queues_run_a_bounded_number_of_queries(merchant, widget, gadget, stock, order_network, operator_client):
    stock(widget, "US-ONT1", 500)
    stock(gadget, "US-ONT1", 500)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            walk(released(merchant, f"H-{i}", mode="direct"), *DIRECT_TO_IMPORT, ("customs_hold", "documentation"))
            lines = (("WIDGET-1", 1), ("GADGET-1", 2))
            walk(released(merchant, f"R-{i}", lines=lines), *DOMESTIC_TO_RETURNED, "returned")
            walk(released(merchant, f"A-{i}"), *DOMESTIC_TO_RETURNED[:-1])

    add(1, 0)
    few = (
        _query_count(operator_client, reverse("console:customs-queue")),
        _query_count(operator_client, reverse("console:exception-queue")),
    )
    add(6, 1)
    many = (
        _query_count(operator_client, reverse("console:customs-queue")),
        _query_count(operator_client, reverse("console:exception-queue")),
    )
    assert few == many
    assert many[0] <= 8 and many[1] <= 10


# --- access --------------------------------------------------------------------------------------


def test_merchant_users_get_403_on_every_desk_url(merchant, widget, order_network, owner_client, client):
    shipment = released(merchant, mode="direct")
    gets = [
        reverse("console:customs-queue"),
        reverse("console:exception-queue"),
        reverse("console:shipment-exception", args=[shipment.pk]),
        reverse("console:shipment-move", args=[shipment.pk]),
        reverse("console:shipment-return-receive", args=[shipment.pk]),
    ]
    for url in gets:
        assert owner_client.get(url).status_code == 403, url
        assert owner_client.post(url, {"to": "lost", "version": shipment.version}).status_code == 403, url
    shipment.refresh_from_db()
    assert shipment.stage == "awaiting_pickup"
    client.logout()
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url, url
