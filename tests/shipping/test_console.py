"""The operator receiving console through HTTP: docks, scanning, counting, closing, claims."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from django.utils.html import escape

from shipping.models import InboundBox, InboundShipment
from shipping.services.inbound_shipments import inbound_shipment_cancel
from shipping.services.receiving import box_check_in, box_count
from tests.shipping.conftest import box
from warehouses.models import InventoryBalance, InventoryLedgerEntry
from warehouses.selectors import inventory_discrepancies

pytestmark = pytest.mark.django_db

S = InboundShipment.Status


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def us(network):
    return network["global_warehouse"]


@pytest.fixture
def ship(send, tees):
    """A shipment to US-ONT9 (of T-shirts, say), through customs and in transit: ready for the dock."""

    def _ship(items: dict[str, int], boxes: list[dict], **kwargs) -> InboundShipment:
        kwargs.setdefault("clear_customs", True)
        _, [shipment] = send(mode="global_warehouse", destination="US", items=items, boxes=boxes, **kwargs)
        shipment.refresh_from_db()
        return shipment

    return _ship


def dock_url(warehouse) -> str:
    return reverse("console:receiving-dock", args=[warehouse.code])


def shipment_url(shipment) -> str:
    return reverse("console:receiving-shipment", args=[shipment.pk])


def scan(client, warehouse, box_id: str, **kwargs):
    return client.post(dock_url(warehouse), {"box_id": box_id}, **kwargs)


def count(client, shipment, b: InboundBox, counts: dict[str, tuple[int, int]]):
    data = {}
    for content in b.contents.select_related("product"):
        good, damaged = counts.get(content.product.sku, (0, 0))
        data[f"box{b.pk}-{content.pk}_good"] = good
        data[f"box{b.pk}-{content.pk}_damaged"] = damaged
    return client.post(reverse("console:receiving-box-count", args=[shipment.pk, b.pk]), data)


def text(response) -> str:
    return response.content.decode()


def field_error(response, field_id: str) -> str:
    """The error paragraphs rendered next to one input (by ``_form_field.html``)."""
    match = re.search(rf'<p class="error" id="{field_id}_error" role="alert">(.*?)</p>', text(response))
    return match.group(1) if match else ""


def inventory_state() -> tuple:
    fields = ("pk", "inbound_shipped", "inbound_receiving", "fulfillable", "unfulfillable", "researching")
    return list(InventoryBalance.objects.order_by("pk").values_list(*fields)), InventoryLedgerEntry.objects.count()


def buckets(product, warehouse) -> dict:
    balance = InventoryBalance.objects.get(product=product, warehouse=warehouse)
    names = ("inbound_shipped", "inbound_receiving", "fulfillable", "unfulfillable", "researching")
    return {n: getattr(balance, n) for n in names if getattr(balance, n)}


# --- the flow ---------------------------------------------------------------------------------


def test_staff_receive_a_shipment_end_to_end(operator_client, ship, us, tees, operator):
    shipment = ship(items={"TEE-BLK-M": 40}, boxes=[box({"TEE-BLK-M": 20}), box({"TEE-BLK-M": 20})])
    first, second = shipment.boxes.order_by("box_id")

    page = operator_client.get(reverse("console:receiving-warehouses"))
    assert page.status_code == 200
    assert dock_url(us) in text(page) and "1 shipment" in text(page)

    page = operator_client.get(dock_url(us))
    assert shipment.confirmation_id in text(page)
    assert "autofocus" in text(page) and "Scan or type a box barcode" in text(page)
    assert "0 / 2" in text(page)

    response = scan(operator_client, us, first.box_id, follow=True)
    assert response.redirect_chain[-1][0] == dock_url(us)
    assert f"Box {first.box_id} of shipment {shipment.confirmation_id}" in text(response)
    assert "box 1 of 2 checked in" in text(response)
    response = scan(operator_client, us, f"  {second.box_id.lower()} ", follow=True)
    assert "box 2 of 2 checked in" in text(response)
    shipment.refresh_from_db()
    assert shipment.status == S.CHECKED_IN
    assert buckets(tees, us) == {"inbound_receiving": 40}
    first.refresh_from_db()
    assert first.checked_in_by == operator

    page = operator_client.get(shipment_url(shipment))
    assert page.status_code == 200
    assert f"Count box <code>{first.box_id}</code>" in text(page)
    assert count(operator_client, shipment, first, {"TEE-BLK-M": (20, 0)}).status_code == 302
    response = count(operator_client, shipment, second, {"TEE-BLK-M": (14, 1)})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == S.RECEIVING
    assert buckets(tees, us) == {"fulfillable": 34, "unfulfillable": 1, "researching": 5}

    # 5 of 40 missing is beyond tolerance: closing without a resolution is refused, nothing moves.
    line = shipment.lines.get()
    page = operator_client.get(shipment_url(shipment))
    assert f'name="close-resolution_{line.pk}"' in text(page)
    before = inventory_state()
    response = operator_client.post(reverse("console:receiving-close", args=[shipment.pk]), {})
    assert response.status_code == 200
    assert "TEE-BLK-M is 5 units short: choose reimbursed or units_not_shipped." in text(response)
    shipment.refresh_from_db()
    assert shipment.status == S.RECEIVING
    assert inventory_state() == before

    response = operator_client.post(
        reverse("console:receiving-close", args=[shipment.pk]),
        {f"close-resolution_{line.pk}": "reimbursed", f"close-note_{line.pk}": "Carrier lost a bag"},
        follow=True,
    )
    assert f"Shipment {shipment.confirmation_id} closed" in text(response)
    shipment.refresh_from_db()
    line.refresh_from_db()
    assert shipment.status == S.CLOSED
    assert (line.resolution, line.resolution_note) == ("reimbursed", "Carrier lost a bag")
    assert line.reimbursement_amount == tees.declared_value * 5
    assert buckets(tees, us) == {"fulfillable": 34, "unfulfillable": 1}
    assert inventory_discrepancies() == []
    page = text(response)
    assert f"{shipment.claim_window_ends_at:%Y-%m-%d}" in page and "Claims" in page
    assert "Reimbursed" in page and f"{line.reimbursement_amount} USD" in page
    assert shipment.confirmation_id not in text(operator_client.get(dock_url(us)))

    # Inside the claim window, a line's resolution can still change.
    response = operator_client.post(
        reverse("console:receiving-line-resolve", args=[shipment.pk, line.pk]),
        {f"line{line.pk}-resolution": "received", f"line{line.pk}-note": ""},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)  # received is not offered for a short line
    response = operator_client.post(
        reverse("console:receiving-line-resolve", args=[shipment.pk, line.pk]),
        {f"line{line.pk}-resolution": "units_not_shipped", f"line{line.pk}-note": "Merchant confirms"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.resolution, line.reimbursement_amount) == ("units_not_shipped", None)
    statuses = list(shipment.events.values_list("to_status", flat=True))
    assert statuses.count("CHECKED_IN") == 1 and statuses[-3:] == ["RECEIVING", "CLOSED", "CLOSED"]
    audit = shipment.events.last()
    assert audit.actor is not None and "resolution reimbursed → units_not_shipped" in audit.note


def test_dock_buttons_move_a_shipment_through_transit_and_customs(operator_client, ship, us):
    shipment = ship(items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})], clear_customs=False)
    assert (shipment.status, shipment.customs_status) == (S.SHIPPED, "pending")
    page = text(operator_client.get(dock_url(us)))
    assert reverse("console:receiving-mark-in-transit", args=[shipment.pk]) in page
    assert reverse("console:receiving-customs-release", args=[shipment.pk]) in page

    # Customs not cleared: the box is refused next to the input, and nothing moves.
    before, events = inventory_state(), shipment.events.count()
    response = scan(operator_client, us, shipment.boxes.get().box_id)
    assert response.status_code == 200
    assert "has not cleared import customs yet" in field_error(response, "id_box_id")
    shipment.refresh_from_db()
    assert shipment.status == S.SHIPPED and shipment.events.count() == events
    assert inventory_state() == before

    operator_client.post(reverse("console:receiving-mark-in-transit", args=[shipment.pk]))
    response = operator_client.post(reverse("console:receiving-customs-release", args=[shipment.pk]), follow=True)
    assert "released from import customs" in text(response)
    shipment.refresh_from_db()
    assert (shipment.status, shipment.customs_status) == (S.IN_TRANSIT, "cleared")

    # A second release has nothing to release: the error is shown, nothing changes.
    response = operator_client.post(reverse("console:receiving-customs-release", args=[shipment.pk]), follow=True)
    assert "has nothing waiting in customs" in text(response)
    response = operator_client.post(reverse("console:receiving-mark-delivered", args=[shipment.pk]), follow=True)
    assert "delivered to the dock" in text(response)
    shipment.refresh_from_db()
    assert shipment.status == S.DELIVERED
    assert scan(operator_client, us, shipment.boxes.get().box_id).status_code == 302


# --- refusals: shown next to the input, nothing changed ------------------------------------


def test_scanning_a_box_twice_is_refused_and_moves_nothing(operator_client, ship, us, tees):
    shipment = ship(items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})])
    b = shipment.boxes.get()
    assert scan(operator_client, us, b.box_id).status_code == 302
    before, events = inventory_state(), shipment.events.count()

    response = scan(operator_client, us, b.box_id)
    assert response.status_code == 200
    assert field_error(response, "id_box_id") == escape(f"Box {b.box_id} is already checked in.")
    assert inventory_state() == before
    assert shipment.events.count() == events
    assert buckets(tees, us) == {"inbound_receiving": 10}


def test_a_box_of_another_warehouse_names_the_right_one(operator_client, ship, us, network):
    shipment = ship(items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})])
    b = shipment.boxes.get()
    elsewhere = network["asia_warehouse"]
    before = inventory_state()

    response = scan(operator_client, elsewhere, b.box_id)
    assert response.status_code == 200
    assert f"belongs to {us.code}, not {elsewhere.code}" in field_error(response, "id_box_id")
    b.refresh_from_db()
    assert b.checked_in_at is None
    assert inventory_state() == before


def test_an_unknown_barcode_is_refused(operator_client, us):
    response = scan(operator_client, us, "fbanope0000u000001")
    assert response.status_code == 200
    assert field_error(response, "id_box_id") == "No box FBANOPE0000U000001 is expected anywhere."
    response = scan(operator_client, us, "   ")
    assert "This field is required." in field_error(response, "id_box_id")


def test_counting_more_than_the_box_can_hold_is_refused_at_its_row(operator_client, ship, us, tees):
    shipment = ship(items={"TEE-BLK-M": 20}, boxes=[box({"TEE-BLK-M": 20})])
    b = shipment.boxes.get()
    scan(operator_client, us, b.box_id)
    before = inventory_state()

    # 40 × 30 × 30 cm holds at most 32 T-shirts of 30 × 25 × 1.5 cm.
    response = count(operator_client, shipment, b, {"TEE-BLK-M": (30, 3)})
    assert response.status_code == 200
    page = text(response)
    assert "cannot hold 33 units of TEE-BLK-M: at most 32." in page
    content = b.contents.get()
    row = page.split(f'id="id_box{b.pk}-{content.pk}_good"', 1)[1].split("</tr>", 2)
    assert "cannot hold 33 units" in row[1]  # the error row right under the SKU's inputs
    content.refresh_from_db()
    b.refresh_from_db()
    assert (content.counted_good, b.counted_at) == (None, None)
    assert inventory_state() == before

    response = count(operator_client, shipment, b, {"TEE-BLK-M": (-1, 0)})
    assert response.status_code == 200
    assert "greater than or equal to 0" in text(response)
    assert inventory_state() == before


def test_closing_with_a_box_left_to_count_is_refused(operator_client, ship, us):
    shipment = ship(items={"TEE-BLK-M": 20}, boxes=[box({"TEE-BLK-M": 10}), box({"TEE-BLK-M": 10})])
    first = shipment.boxes.order_by("box_id").first()
    scan(operator_client, us, first.box_id)
    before = inventory_state()
    response = operator_client.post(reverse("console:receiving-close", args=[shipment.pk]), {})
    assert response.status_code == 200
    assert f"Count every checked-in box first: {first.box_id}." in text(response)
    shipment.refresh_from_db()
    assert shipment.status == S.CHECKED_IN
    assert inventory_state() == before


# --- access -------------------------------------------------------------------------------------


def _console_urls(values: dict) -> list[str]:
    _, resolver = get_resolver().namespace_dict["console"]
    urls = []
    for pattern in resolver.url_patterns:
        kwargs = {}
        for name in pattern.pattern.converters:
            assert name in values, f"console:{pattern.name} takes <{name}>: add it to the access test."
            kwargs[name] = values[name]
        urls.append(reverse(f"console:{pattern.name}", kwargs=kwargs))
    return urls


def test_only_staff_reach_the_console(client, ship, us, owner, operator):
    shipment = ship(items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})])
    b = shipment.boxes.get()
    urls = _console_urls({"code": us.code, "pk": shipment.pk, "box_pk": b.pk, "line_pk": shipment.lines.get().pk})
    assert len(urls) >= 9
    before = inventory_state()

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url

    client.force_login(owner)  # the owner of the very merchant whose boxes these are
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"box_id": b.box_id}).status_code == 403, url
    shipment.refresh_from_db()
    b.refresh_from_db()
    assert (shipment.status, shipment.customs_status, b.checked_in_at) == (S.IN_TRANSIT, "cleared", None)
    assert inventory_state() == before

    client.force_login(operator)
    assert client.get(urls[0]).status_code == 200


# --- the queue ----------------------------------------------------------------------------------


def test_dock_queue_lists_only_that_warehouses_expected_shipments(operator_client, send, ship, us, network):
    here = ship(items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})])
    working = ship(items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})], until="confirmed")
    cancelled = ship(items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})])
    inbound_shipment_cancel(shipment=cancelled)
    _, [there] = send(mode="asia_warehouse", items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})])
    assert there.warehouse == network["asia_warehouse"] and here.warehouse == us

    page = text(operator_client.get(dock_url(us)))
    assert here.confirmation_id in page
    for absent in (working, cancelled, there):
        assert absent.confirmation_id not in page
    page = text(operator_client.get(dock_url(network["asia_warehouse"])))
    assert there.confirmation_id in page and here.confirmation_id not in page
    assert operator_client.get("/console/receiving/XX-NOPE/").status_code == 404


def test_dock_queue_puts_the_work_at_the_dock_first(operator_client, ship, us):
    arriving = ship(items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})], clear_customs=False)
    at_dock = ship(items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})])
    scan(operator_client, us, at_dock.boxes.get().box_id)
    page = text(operator_client.get(dock_url(us)))
    assert page.index(at_dock.confirmation_id) < page.index(arriving.confirmation_id)


def test_dock_page_runs_a_bounded_number_of_queries(operator_client, ship, us, mugs, django_assert_max_num_queries):
    def add(n: int) -> None:
        for _ in range(n):
            ship(items={"TEE-BLK-M": 4, "MUG-01": 2}, boxes=[box({"TEE-BLK-M": 4}), box({"MUG-01": 2})])

    def render() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = operator_client.get(dock_url(us))
        assert response.status_code == 200
        return len(queries), text(response)

    add(2)
    two, _ = render()
    add(8)
    with django_assert_max_num_queries(8):
        ten, page = render()
    assert ten == two
    assert page.count("/console/receiving/shipments/") >= 10


def test_shipment_page_runs_a_bounded_number_of_queries(operator_client, ship, us, mugs):
    def page_queries(shipment) -> int:
        for b in shipment.boxes.all():
            scan(operator_client, us, b.box_id)
        with CaptureQueriesContext(connection) as queries:
            assert operator_client.get(shipment_url(shipment)).status_code == 200
        return len(queries)

    small = ship(items={"TEE-BLK-M": 4, "MUG-01": 2}, boxes=[box({"TEE-BLK-M": 4, "MUG-01": 2})])
    large = ship(
        items={"TEE-BLK-M": 12, "MUG-01": 6},
        boxes=[box({"TEE-BLK-M": 2, "MUG-01": 1}) for _ in range(6)],
    )
    assert page_queries(small) == page_queries(large)


# --- a service bug found while building the console ---------------------------------------------


def test_box_count_refuses_a_count_that_is_not_a_whole_number_with_a_validation_error(ship, us, operator):
    """``box_count`` checks each number with ``str.isdigit()``, which accepts "²" or "①"; ``int()`` then
    raises ``ValueError`` (a 500 for any caller that does not validate first) instead of the
    ``counts.SKU.good`` error the service gives for other bad numbers. The console's form and the API
    serializer never send such a value; the service must refuse it itself.
    """
    shipment = ship(items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})])
    b = shipment.boxes.get()
    box_check_in(box_id=b.box_id, warehouse=us, actor=operator)
    before = inventory_state()
    with pytest.raises(ValidationError) as excinfo:
        box_count(box_id=b.box_id, warehouse=us, counts={"TEE-BLK-M": {"good": "²"}}, actor=operator)
    assert "counts.TEE-BLK-M.good" in excinfo.value.error_dict
    assert inventory_state() == before
