"""The /api/v1/ sending-inventory endpoints: the whole flow over HTTP, bad input, tenancy."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shipping.models import InboundBox, InboundPlan, InboundShipment
from shipping.services.inbound_plans import inbound_plan_create, inbound_plan_set_boxes
from shipping.services.inbound_shipments import inbound_shipment_mark_shipped, inbound_shipment_set_transport
from shipping.services.placement import placement_option_confirm, placement_options_generate
from tests.factories import MembershipFactory, ProductFactory, UserFactory
from tests.shipping.conftest import box, window
from warehouses.models import InventoryBalance, InventoryLedgerEntry

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/inbound-plans/"
SHIPMENTS = "/api/v1/inbound-shipments/"
INVENTORY = "/api/v1/inventory/"
DOCK = "/api/v1/receiving/warehouses/"
DESK = "/api/v1/receiving/shipments/"
JSON = "application/json"


def errors_of(response, status: int) -> list[dict]:
    """The body is exactly ``{"errors": [{"code", "detail", "attr"}, ...]}``; returns the errors."""
    assert response.status_code == status, response.content
    body = response.json()
    assert list(body) == ["errors"] and body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}, error
    return body["errors"]


def attrs(response, status: int = 400) -> dict[str | None, str]:
    return {e["attr"]: e["detail"] for e in errors_of(response, status)}


def post(client, url, data=None, method="post"):
    return getattr(client, method)(url, data if data is not None else {}, content_type=JSON)


def transport_payload(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "carrier": "UPS",
        "shipping_mode": "small_parcel",
        "ready_to_ship_from": today.isoformat(),
        "ready_to_ship_to": (today + timedelta(days=3)).isoformat(),
        "tracking_numbers": ["1Z999AA10123456784"],
    }
    data.update(overrides)
    return data


def stock(merchant) -> list[dict]:
    """Every balance of the merchant, to show that a refused request moved nothing."""
    return list(InventoryBalance.objects.filter(merchant=merchant).order_by("pk").values())


@pytest.fixture
def api(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def dock(operator):
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def plan_payload():
    return {
        "mode": "global_warehouse",
        "destination_country": "US",
        "items": [{"sku": "TEE-BLK-M", "quantity": 30}, {"sku": "MUG-01", "quantity": 12}],
    }


BOXES = {"boxes": [box({"TEE-BLK-M": 30}), box({"MUG-01": 12})]}


def confirm_via_api(api, plan_id: int, warehouse_code: str) -> dict:
    """Generate options and confirm the one sending every box to ``warehouse_code``."""
    response = post(api, f"{PLANS}{plan_id}/placement-options/")
    assert response.status_code == 201, response.content
    option = next(
        o for o in response.json() if len(o["shipments"]) == 1 and o["shipments"][0]["warehouse_code"] == warehouse_code
    )
    response = post(api, f"{PLANS}{plan_id}/placement-options/{option['option_id']}/confirm/")
    assert response.status_code == 201, response.content
    [shipment] = response.json()
    return shipment


@pytest.fixture
def confirmed(api, network, tees, mugs, plan_payload):
    """A global-warehouse plan confirmed through the API: (plan id, shipment as the API shows it)."""
    plan = post(api, PLANS, plan_payload).json()
    assert post(api, f"{PLANS}{plan['id']}/boxes/", BOXES, method="put").status_code == 200
    return plan["id"], confirm_via_api(api, plan["id"], "US-ONT9")


@pytest.fixture
def at_dock(api, dock, confirmed):
    """The confirmed shipment shipped, in transit and cleared: ready for the dock."""
    _, shipment = confirmed
    assert post(api, f"{SHIPMENTS}{shipment['id']}/transport/", transport_payload()).status_code == 200
    assert post(api, f"{SHIPMENTS}{shipment['id']}/mark-shipped/").status_code == 200
    assert post(dock, f"{DESK}{shipment['id']}/in-transit/").status_code == 200
    assert post(dock, f"{DESK}{shipment['id']}/customs-release/").status_code == 200
    return InboundShipment.objects.get(pk=shipment["id"])


# --- the whole flow ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "destination", "warehouse_code", "customs"),
    [("global_warehouse", "US", "US-ONT9", "pending"), ("fba_cross_border", "", "CN-CAN9", "not_required")],
)
def test_send_inventory_end_to_end(
    api, dock, merchant, network, tees, mugs, mode, destination, warehouse_code, customs
):
    # Plan, packing, placement.
    response = post(
        api,
        PLANS,
        {
            "name": "Spring restock",
            "mode": mode,
            "destination_country": destination,
            "items": [
                {"sku": "tee-blk-m", "quantity": 30, "prep_owner": "platform"},
                {"sku": "MUG-01", "quantity": 12},
            ],
        },
    )
    assert response.status_code == 201, response.content
    plan = response.json()
    assert (plan["name"], plan["mode"], plan["status"], plan["step"]) == ("Spring restock", mode, "ACTIVE", "packing")
    assert plan["source"]["city"] == merchant.city and plan["source"]["country"] == "CN"
    assert {i["sku"]: (i["quantity"], i["prep_owner"]) for i in plan["items"]} == {
        "TEE-BLK-M": (30, "platform"),
        "MUG-01": (12, "merchant"),
    }

    response = post(api, f"{PLANS}{plan['id']}/boxes/", {"shipping_mode": "small_parcel", **BOXES}, method="put")
    assert response.status_code == 200, response.content
    assert response.json()["step"] == "placement"
    assert [[c["sku"] for c in b["contents"]] for b in response.json()["boxes"]] == [["TEE-BLK-M"], ["MUG-01"]]

    shipment = confirm_via_api(api, plan["id"], warehouse_code)
    assert shipment["status"] == "WORKING" and shipment["warehouse"] == warehouse_code
    assert shipment["customs_status"] == customs
    assert shipment["confirmation_id"].startswith("FBA") and len(shipment["confirmation_id"]) == 11
    box_ids = [b["box_id"] for b in shipment["boxes"]]
    assert box_ids == [f"{shipment['confirmation_id']}U00000{n}" for n in (1, 2)]

    plan = api.get(f"{PLANS}{plan['id']}/").json()
    assert plan["step"] == "transport"
    assert [s["id"] for s in plan["shipments"]] == [shipment["id"]]
    assert [o["status"] for o in plan["placement_options"]] == ["ACCEPTED"]
    assert [o["status"] for o in api.get(f"{PLANS}{plan['id']}/placement-options/").json()] == ["ACCEPTED"]

    # Transport, labels, shipping.
    url = f"{SHIPMENTS}{shipment['id']}/"
    response = post(api, f"{url}transport/", transport_payload(tracking_numbers=["1Z1", "1Z2"]), method="put")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["carrier"]) == ("READY_TO_SHIP", "UPS")
    assert response.json()["tracking_numbers"] == ["1Z1", "1Z2"]

    for accept in ("application/pdf", "application/json", "*/*"):
        labels = api.get(f"{url}labels/", HTTP_ACCEPT=accept)
        assert labels.status_code == 200
        assert labels["Content-Type"] == "application/pdf"
        assert labels.content.startswith(b"%PDF")

    response = post(api, f"{url}mark-shipped/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "SHIPPED" and response.json()["shipped_at"]
    assert api.get(f"{PLANS}{plan['id']}/").json()["status"] == "SHIPPED"

    # The dock.
    response = post(dock, f"{DESK}{shipment['id']}/in-transit/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "IN_TRANSIT"
    if response.json()["customs_status"] == "pending":
        response = post(dock, f"{DESK}{shipment['id']}/customs-release/")
        assert response.status_code == 200, response.content
        assert response.json()["customs_status"] == "cleared"

    queue = dock.get(f"{DOCK}{warehouse_code.lower()}/queue/").json()["results"]
    assert [(q["confirmation_id"], q["box_count"], q["boxes_checked_in"]) for q in queue] == [
        (shipment["confirmation_id"], 2, 0)
    ]

    for box_id in (box_ids[0], box_ids[1].lower()):
        response = post(dock, f"{DOCK}{warehouse_code}/check-in/", {"box_id": box_id})
        assert response.status_code == 200, response.content
        assert response.json()["checked_in"] is True
    assert response.json()["shipment_status"] == "CHECKED_IN"
    queue = dock.get(f"{DOCK}{warehouse_code}/queue/").json()["results"]
    assert [(q["boxes_checked_in"], q["boxes_counted"]) for q in queue] == [(2, 0)]

    counts = [{"TEE-BLK-M": {"good": 30}}, {"MUG-01": {"good": 11, "damaged": 1}}]
    for box_id, count in zip(box_ids, counts, strict=True):
        response = post(dock, f"{DOCK}{warehouse_code}/count/", {"box_id": box_id, "counts": count})
        assert response.status_code == 200, response.content
        assert response.json()["counted"] is True
    assert response.json()["shipment_status"] == "RECEIVING"

    response = post(dock, f"{DESK}{shipment['id']}/close/", {})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "CLOSED"
    assert dock.get(f"{DOCK}{warehouse_code}/queue/").json()["results"] == []

    # What the merchant sees.
    shown = api.get(url).json()
    assert shown["status"] == "CLOSED" and shown["claim_window_ends_at"]
    lines = {line["sku"]: line for line in shown["lines"]}
    assert {k: lines["TEE-BLK-M"][k] for k in ("quantity_expected", "quantity_received", "resolution")} == {
        "quantity_expected": 30,
        "quantity_received": 30,
        "resolution": "received",
    }
    mug = lines["MUG-01"]
    assert (mug["quantity_received"], mug["quantity_damaged"], mug["shortage"], mug["overage"]) == (11, 1, 0, 0)
    assert mug["resolution"] == "received" and mug["reimbursement_amount"] is None
    assert all(b["checked_in"] and b["counted"] for b in shown["boxes"])
    timeline = [e["to_status"] for e in shown["events"]]
    assert timeline[:3] == ["WORKING", "READY_TO_SHIP", "SHIPPED"] and timeline[-2:] == ["RECEIVING", "CLOSED"]

    [tee_stock] = api.get(INVENTORY, {"sku": "TEE-BLK-M"}).json()["results"]
    assert (tee_stock["warehouse"], tee_stock["fulfillable"], tee_stock["inbound_shipped"]) == (warehouse_code, 30, 0)
    [mug_stock] = api.get(INVENTORY, {"sku": "MUG-01"}).json()["results"]
    assert (mug_stock["fulfillable"], mug_stock["unfulfillable"]) == (11, 1)


def test_a_short_line_needs_a_resolution_from_the_operator(api, dock, at_dock, merchant):
    first, second = at_dock.boxes.order_by("number")
    for b in (first, second):
        post(dock, f"{DOCK}US-ONT9/check-in/", {"box_id": b.box_id})
    post(dock, f"{DOCK}US-ONT9/count/", {"box_id": first.box_id, "counts": {"TEE-BLK-M": {"good": 20}}})
    post(dock, f"{DOCK}US-ONT9/count/", {"box_id": second.box_id, "counts": {"MUG-01": {"good": 12}}})

    refused = post(dock, f"{DESK}{at_dock.pk}/close/")
    assert "10 units short" in attrs(refused)["resolutions.TEE-BLK-M"]
    bad = post(dock, f"{DESK}{at_dock.pk}/close/", {"resolutions": {"TEE-BLK-M": {"resolution": "lost"}}})
    assert "resolutions.TEE-BLK-M.resolution" in attrs(bad)

    response = post(
        dock,
        f"{DESK}{at_dock.pk}/close/",
        {"resolutions": {"TEE-BLK-M": {"resolution": "reimbursed", "note": "carrier lost a bag"}}},
    )
    assert response.status_code == 200, response.content
    tee = next(line for line in api.get(f"{SHIPMENTS}{at_dock.pk}/").json()["lines"] if line["sku"] == "TEE-BLK-M")
    assert (tee["shortage"], tee["resolution"], tee["reimbursement_amount"]) == (10, "reimbursed", "85.00")
    assert tee["resolution_note"] == "carrier lost a bag"


def test_delete_before_shipping_and_cancel_after(api, confirmed, merchant, tees):
    _, shipment = confirmed
    url = f"{SHIPMENTS}{shipment['id']}/"
    response = api.delete(url)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "DELETED"
    assert InventoryBalance.objects.get(product=tees).inbound_working == 0
    assert api.get(url).json()["status"] == "DELETED"
    assert errors_of(api.delete(url), 409)[0]["code"] == "conflict"


def test_cancel_after_shipping(api, confirmed, tees):
    _, shipment = confirmed
    url = f"{SHIPMENTS}{shipment['id']}/"
    post(api, f"{url}transport/", transport_payload())
    post(api, f"{url}mark-shipped/")
    assert errors_of(api.delete(url), 409)[0]["attr"] == "status"

    response = post(api, f"{url}cancel/", {"note": "Wrong colour"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "CANCELLED"
    assert response.json()["events"][-1]["note"] == "Wrong colour"
    assert InventoryBalance.objects.get(product=tees).inbound_shipped == 0
    assert errors_of(post(api, f"{url}cancel/"), 409)[0]["attr"] == "status"


def test_void_a_plan_before_confirming_but_not_after(api, confirmed, network, tees, plan_payload):
    plan_id, _ = confirmed
    assert errors_of(post(api, f"{PLANS}{plan_id}/void/"), 409)[0]["code"] == "conflict"
    assert InboundPlan.objects.get(pk=plan_id).status == "ACTIVE"

    other = post(api, PLANS, {**plan_payload, "items": [{"sku": "TEE-BLK-M", "quantity": 5}]}).json()
    response = post(api, f"{PLANS}{other['id']}/void/")
    assert response.status_code == 200 and response.json()["status"] == "VOIDED"


def test_lists_filter_and_put_the_newest_first(api, confirmed, network, tees, plan_payload):
    plan_id, shipment = confirmed
    newer = post(api, PLANS, {**plan_payload, "mode": "fba_cross_border", "destination_country": ""}).json()

    assert [p["id"] for p in api.get(PLANS).json()["results"]] == [newer["id"], plan_id]
    assert [p["id"] for p in api.get(PLANS, {"mode": "fba_cross_border"}).json()["results"]] == [newer["id"]]
    assert [p["id"] for p in api.get(PLANS, {"status": "ACTIVE"}).json()["results"]] == [newer["id"], plan_id]
    assert api.get(PLANS, {"status": "VOIDED"}).json()["results"] == []

    def ids(**params):
        return [s["id"] for s in api.get(SHIPMENTS, params).json()["results"]]

    assert ids() == [shipment["id"]]
    assert ids(status="WORKING", warehouse="us-ont9", plan=plan_id) == [shipment["id"]]
    assert ids(status="SHIPPED") == ids(warehouse="CN-CAN9") == ids(plan=newer["id"]) == []
    assert attrs(api.get(SHIPMENTS, {"status": "LOST"}))["status"]


def test_shipment_list_runs_a_constant_number_of_queries(api, send, merchant, network, tees):
    plan, [first] = send(
        mode="global_warehouse", destination="US", items={"TEE-BLK-M": 30}, boxes=[box({"TEE-BLK-M": 30})]
    )

    def add_shipments(n: int) -> None:
        for _ in range(n):
            shipment = InboundShipment.objects.create(
                plan=plan, merchant=merchant, warehouse=first.warehouse, source_country="CN"
            )
            number = plan.boxes.count() + 1
            InboundBox.objects.create(
                plan=plan,
                shipment=shipment,
                number=number,
                box_id=f"{shipment.confirmation_id}U000001",
                weight_kg=5,
                length_cm=40,
                width_cm=30,
                height_cm=30,
                checked_in_at=timezone.now() if number % 2 else None,
            )

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = api.get(SHIPMENTS)
        assert response.status_code == 200
        return len(captured), len(response.json()["results"])

    add_shipments(2)
    few, count = queries()
    assert count == 3
    add_shipments(17)
    many, count = queries()
    assert count == 20
    assert few == many <= 8


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [0, -3])
def test_a_quantity_below_one_is_refused(api, network, tees, mugs, plan_payload, quantity):
    plan_payload["items"][0]["quantity"] = quantity
    assert attrs(post(api, PLANS, plan_payload))["items.0.quantity"] == "Quantity must be at least 1."
    assert not InboundPlan.objects.exists()


def test_malformed_input_names_the_field(api, network, tees, mugs, plan_payload):
    plan_payload["items"][1]["quantity"] = "a dozen"
    plan_payload["items"][0]["label_owner"] = "amazon"
    found = attrs(post(api, PLANS, plan_payload))
    assert set(found) == {"items.1.quantity", "items.0.label_owner"}
    assert set(attrs(post(api, PLANS, {}))) == {"mode", "items"}
    too_many = {**plan_payload, "items": [{"sku": "TEE-BLK-M", "quantity": 10**12}]}
    assert list(attrs(post(api, PLANS, too_many))) == ["items.0.quantity"]
    assert "source.country" in attrs(post(api, PLANS, {**plan_payload, "source": {"address_line1": "1 Road"}}))
    assert not InboundPlan.objects.exists()


def test_unknown_and_other_merchants_skus_read_the_same(api, network, tees, other_merchant, plan_payload):
    ProductFactory(merchant=other_merchant, sku="THEIR-SKU")
    unknown = attrs(post(api, PLANS, {**plan_payload, "items": [{"sku": "NO-SUCH-SKU", "quantity": 1}]}))
    theirs = attrs(post(api, PLANS, {**plan_payload, "items": [{"sku": "THEIR-SKU", "quantity": 1}]}))
    assert list(unknown) == list(theirs) == ["items.0.sku"]
    assert unknown["items.0.sku"].replace("NO-SUCH-SKU", "X") == theirs["items.0.sku"].replace("THEIR-SKU", "X")
    assert not InboundPlan.objects.exists()


def test_a_mode_that_holds_no_stock_is_refused(api, network, tees, plan_payload):
    found = attrs(post(api, PLANS, {**plan_payload, "mode": "direct"}))
    assert list(found) == ["mode"] and "nothing to send" in found["mode"]
    assert list(attrs(post(api, PLANS, {**plan_payload, "mode": "teleport"}))) == ["mode"]
    assert not InboundPlan.objects.exists()


def test_boxes_that_do_not_add_up_are_refused(api, network, tees, mugs, plan_payload):
    plan = post(api, PLANS, plan_payload).json()
    url = f"{PLANS}{plan['id']}/boxes/"
    found = attrs(post(api, url, {"boxes": [box({"TEE-BLK-M": 29}), box({"MUG-01": 12})]}, method="put"))
    assert found == {"items.TEE-BLK-M": "SKU TEE-BLK-M: the plan has 30 units but the boxes hold 29."}
    found = attrs(post(api, url, {"boxes": [box({"TEE-BLK-M": 30}), box({"MUG-01": 12, "NOPE": 1})]}))
    assert "boxes.1.contents.1.sku" in found
    found = attrs(post(api, url, {"boxes": [box({"TEE-BLK-M": 30}, weight="x"), box({"MUG-01": 12})]}))
    assert list(found) == ["boxes.0.weight_kg"]
    assert not InboundBox.objects.exists()
    assert api.get(f"{PLANS}{plan['id']}/").json()["step"] == "packing"


def test_a_confirmed_plan_cannot_be_edited(api, confirmed):
    plan_id, _ = confirmed
    before = api.get(f"{PLANS}{plan_id}/").json()

    items = post(api, f"{PLANS}{plan_id}/items/", {"items": [{"sku": "TEE-BLK-M", "quantity": 1}]}, method="put")
    boxes = post(api, f"{PLANS}{plan_id}/boxes/", {"boxes": [box({"TEE-BLK-M": 30}), box({"MUG-01": 12})]})
    placement = post(api, f"{PLANS}{plan_id}/placement-options/")
    for response in (items, boxes, placement):
        [error] = errors_of(response, 409)
        assert error["code"] == "conflict" and "confirmed" in error["detail"]
    assert api.get(f"{PLANS}{plan_id}/").json() == before


def test_transport_and_shipping_refusals(api, confirmed):
    _, shipment = confirmed
    url = f"{SHIPMENTS}{shipment['id']}/"
    today = timezone.localdate()
    [error] = errors_of(post(api, f"{url}mark-shipped/"), 409)
    assert error["attr"] == "status" and "transport" in error["detail"]

    found = attrs(post(api, f"{url}transport/", transport_payload(ready_to_ship_to=str(today - timedelta(days=1)))))
    assert list(found) == ["ready_to_ship_to"]
    assert list(attrs(post(api, f"{url}transport/", transport_payload(shipping_mode="rocket")))) == ["shipping_mode"]
    assert "carrier" in attrs(post(api, f"{url}transport/", transport_payload(carrier="")))
    assert api.get(url).json()["status"] == "WORKING"


def test_an_unknown_placement_option_is_not_found(api, confirmed, network, tees, plan_payload):
    plan_id, _ = confirmed
    other = post(api, PLANS, {**plan_payload, "items": [{"sku": "TEE-BLK-M", "quantity": 30}]}).json()
    post(api, f"{PLANS}{other['id']}/boxes/", {"boxes": [box({"TEE-BLK-M": 30})]})
    option = post(api, f"{PLANS}{other['id']}/placement-options/").json()[0]
    # Another plan's option, through this plan: 404, and neither plan changes.
    assert errors_of(post(api, f"{PLANS}{plan_id}/placement-options/{option['option_id']}/confirm/"), 404)
    assert errors_of(post(api, f"{PLANS}{plan_id}/placement-options/PO0000000000/confirm/"), 404)
    assert not InboundShipment.objects.filter(plan_id=other["id"]).exists()


def test_receiving_a_box_twice_is_refused_and_moves_nothing(dock, at_dock, merchant):
    first = at_dock.boxes.order_by("number").first()
    assert post(dock, f"{DOCK}US-ONT9/check-in/", {"box_id": first.box_id}).status_code == 200
    before, ledger = stock(merchant), InventoryLedgerEntry.objects.count()

    found = attrs(post(dock, f"{DOCK}US-ONT9/check-in/", {"box_id": first.box_id}), 409)
    assert found == {"box_id": f"Box {first.box_id} is already checked in."}
    assert stock(merchant) == before and InventoryLedgerEntry.objects.count() == ledger


def test_a_box_of_another_warehouse_is_refused(dock, at_dock, merchant, network):
    first = at_dock.boxes.order_by("number").first()
    before = stock(merchant)
    found = attrs(post(dock, f"{DOCK}CN-CAN9/check-in/", {"box_id": first.box_id}))
    assert "belongs to US-ONT9, not CN-CAN9" in found["box_id"]
    assert "No box" in attrs(post(dock, f"{DOCK}US-ONT9/check-in/", {"box_id": "FBA00000000U000001"}))["box_id"]
    assert list(attrs(post(dock, f"{DOCK}US-ONT9/check-in/", {}))) == ["box_id"]
    assert errors_of(post(dock, f"{DOCK}XX-NOPE/check-in/", {"box_id": first.box_id}), 404)
    assert stock(merchant) == before
    assert InboundBox.objects.get(pk=first.pk).checked_in_at is None


def test_counting_more_than_a_box_could_hold_is_refused(dock, at_dock, merchant):
    first = at_dock.boxes.order_by("number").first()
    post(dock, f"{DOCK}US-ONT9/check-in/", {"box_id": first.box_id})
    before = stock(merchant)

    found = attrs(post(dock, f"{DOCK}US-ONT9/count/", {"box_id": first.box_id, "counts": {"TEE-BLK-M": {"good": 500}}}))
    [attr] = found
    assert attr.startswith("counts.") and "cannot hold 500 units" in found[attr]
    found = attrs(post(dock, f"{DOCK}US-ONT9/count/", {"box_id": first.box_id, "counts": {"TEE-BLK-M": {"good": -1}}}))
    assert list(found) == ["counts.TEE-BLK-M.good"]
    found = attrs(post(dock, f"{DOCK}US-ONT9/count/", {"box_id": first.box_id, "counts": {"MUG-01": {"good": 1}}}))
    assert list(found) == ["counts.MUG-01"]
    assert stock(merchant) == before
    assert InboundBox.objects.get(pk=first.pk).counted_at is None


def test_the_dock_refuses_what_the_shipment_state_does_not_allow(api, dock, confirmed):
    _, shipment = confirmed
    box_id = shipment["boxes"][0]["box_id"]
    # Not shipped yet: its boxes cannot be received.
    assert "cannot be received" in attrs(post(dock, f"{DOCK}US-ONT9/check-in/", {"box_id": box_id}), 409)["box_id"]
    assert errors_of(post(dock, f"{DESK}{shipment['id']}/in-transit/"), 409)[0]["attr"] == "status"
    assert errors_of(post(dock, f"{DESK}{shipment['id']}/close/"), 409)[0]["attr"] == "status"

    post(api, f"{SHIPMENTS}{shipment['id']}/transport/", transport_payload())
    post(api, f"{SHIPMENTS}{shipment['id']}/mark-shipped/")
    post(dock, f"{DESK}{shipment['id']}/in-transit/")
    # Customs has not released it: the dock cannot take it in.
    [error] = errors_of(post(dock, f"{DOCK}US-ONT9/check-in/", {"box_id": box_id}), 409)
    assert error["attr"] == "customs" and "not cleared import customs" in error["detail"]
    assert InboundBox.objects.get(box_id=box_id).checked_in_at is None
    post(dock, f"{DESK}{shipment['id']}/customs-release/")
    assert list(attrs(post(dock, f"{DESK}{shipment['id']}/customs-release/"), 409)) == ["customs"]


# --- tenancy and roles ---------------------------------------------------------------------


@pytest.fixture
def theirs(other_merchant, network):
    """Merchant B's plan (packed, options offered) and shipments (ready to ship; shipped)."""
    user = MembershipFactory(merchant=other_merchant).user
    ProductFactory(merchant=other_merchant, sku="B-TEE")

    def plan(until: str):
        created = inbound_plan_create(
            merchant=other_merchant,
            mode="global_warehouse",
            destination_country="US",
            items=[{"sku": "B-TEE", "quantity": 10}],
            user=user,
        )
        created = inbound_plan_set_boxes(plan=created, boxes=[box({"B-TEE": 10})])
        options = placement_options_generate(plan=created)
        if until == "offered":
            return created, options[0]
        [shipment] = placement_option_confirm(plan=created, option_id=options[0].option_id, user=user)
        inbound_shipment_set_transport(shipment=shipment, carrier="DHL", shipping_mode="small_parcel", **window())
        if until == "shipped":
            inbound_shipment_mark_shipped(shipment=shipment, actor=user)
        return created, shipment

    packed, option = plan("offered")
    _, ready = plan("ready")
    _, shipped = plan("shipped")
    return {"plan": packed, "option": option, "ready": ready, "shipped": shipped}


def snapshot_of(theirs) -> dict:
    plan = InboundPlan.objects.get(pk=theirs["plan"].pk)
    return {
        "plan": (plan.status, plan.step, plan.name),
        "items": list(plan.items.values_list("product__sku", "quantity")),
        "boxes": list(plan.boxes.values_list("pk", "weight_kg")),
        "options": list(plan.placement_options.values_list("option_id", "status")),
        "shipments": list(
            InboundShipment.objects.filter(merchant=theirs["plan"].merchant)
            .order_by("pk")
            .values_list("pk", "status", "carrier", "customs_status")
        ),
        "stock": stock(theirs["plan"].merchant),
    }


def merchant_endpoints(theirs) -> list[tuple[str, str, dict]]:
    plan, option = theirs["plan"].pk, theirs["option"].option_id
    ready, shipped = theirs["ready"].pk, theirs["shipped"].pk
    items = {"items": [{"sku": "B-TEE", "quantity": 10}]}
    return [
        ("get", f"{PLANS}{plan}/", {}),
        ("put", f"{PLANS}{plan}/items/", items),
        ("post", f"{PLANS}{plan}/items/", items),
        ("put", f"{PLANS}{plan}/boxes/", {"boxes": [box({"B-TEE": 10})]}),
        ("post", f"{PLANS}{plan}/boxes/", {"boxes": [box({"B-TEE": 10})]}),
        ("get", f"{PLANS}{plan}/placement-options/", {}),
        ("post", f"{PLANS}{plan}/placement-options/", {}),
        ("post", f"{PLANS}{plan}/placement-options/{option}/confirm/", {}),
        ("post", f"{PLANS}{plan}/void/", {}),
        ("get", f"{SHIPMENTS}{ready}/", {}),
        ("put", f"{SHIPMENTS}{ready}/transport/", transport_payload()),
        ("post", f"{SHIPMENTS}{ready}/transport/", transport_payload()),
        ("get", f"{SHIPMENTS}{ready}/labels/", {}),
        ("post", f"{SHIPMENTS}{ready}/mark-shipped/", {}),
        ("delete", f"{SHIPMENTS}{ready}/", {}),
        ("post", f"{SHIPMENTS}{shipped}/cancel/", {}),
    ]


def call(client, method: str, url: str, data: dict):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data, content_type=JSON)


def test_another_merchants_ids_are_not_found_and_nothing_changes(api, theirs, tees):
    before = snapshot_of(theirs)
    unknown = 10**9
    for method, url, data in merchant_endpoints(theirs):
        response = call(api, method, url, data)
        [error] = errors_of(response, 404)
        assert error == {"code": "not_found", "detail": "Not found.", "attr": None}, (method, url)
        # An id that exists nowhere answers exactly the same.
        missing = call(api, method, url.replace(f"/{url.split('/')[4]}/", f"/{unknown}/", 1), data)
        assert missing.status_code == 404 and missing.json() == response.json(), (method, url)
    assert snapshot_of(theirs) == before
    assert api.get(PLANS).json()["results"] == [] and api.get(SHIPMENTS).json()["results"] == []
    # Whatever the client accepts, and whatever the id looks like, a 404 is the API's JSON error.
    labels = api.get(f"{SHIPMENTS}{theirs['ready'].pk}/labels/", HTTP_ACCEPT="application/pdf")
    assert errors_of(labels, 404) and labels["Content-Type"] == "application/json"
    assert errors_of(api.get(f"{PLANS}not-an-id/"), 404) == errors_of(api.get(f"{SHIPMENTS}x/"), 404)


def plans_and_shipments() -> tuple[list, list, list]:
    return (
        list(InboundPlan.objects.order_by("pk").values_list("pk", "status", "step")),
        list(InboundShipment.objects.order_by("pk").values_list("pk", "status", "carrier")),
        list(InboundBox.objects.order_by("pk").values_list("pk", "box_id")),
    )


def test_viewers_read_but_cannot_write(client, viewer, confirmed):
    plan_id, shipment = confirmed
    client.force_login(viewer)
    assert client.get(PLANS).status_code == 200
    assert client.get(f"{PLANS}{plan_id}/").status_code == 200
    assert client.get(f"{SHIPMENTS}{shipment['id']}/").status_code == 200
    assert client.get(f"{SHIPMENTS}{shipment['id']}/labels/").status_code == 200
    before = plans_and_shipments()
    writes = [
        ("post", PLANS, {"mode": "global_warehouse", "items": [{"sku": "TEE-BLK-M", "quantity": 1}]}),
        ("put", f"{PLANS}{plan_id}/items/", {"items": [{"sku": "TEE-BLK-M", "quantity": 1}]}),
        ("put", f"{PLANS}{plan_id}/boxes/", BOXES),
        ("post", f"{PLANS}{plan_id}/placement-options/", {}),
        ("post", f"{PLANS}{plan_id}/placement-options/PO1234567890/confirm/", {}),
        ("post", f"{PLANS}{plan_id}/void/", {}),
        ("put", f"{SHIPMENTS}{shipment['id']}/transport/", transport_payload()),
        ("post", f"{SHIPMENTS}{shipment['id']}/mark-shipped/", {}),
        ("post", f"{SHIPMENTS}{shipment['id']}/cancel/", {}),
        ("delete", f"{SHIPMENTS}{shipment['id']}/", {}),
    ]
    for method, url, data in writes:
        [error] = errors_of(call(client, method, url, data), 403)
        assert "read-only" in error["detail"], (method, url)
    assert plans_and_shipments() == before


def test_receiving_is_for_operators_only(client, api, owner, at_dock, merchant):
    box_id = at_dock.boxes.first().box_id
    endpoints = [
        ("post", f"{DOCK}US-ONT9/check-in/", {"box_id": box_id}),
        ("post", f"{DOCK}US-ONT9/count/", {"box_id": box_id, "counts": {}}),
        ("get", f"{DOCK}US-ONT9/queue/", {}),
        ("post", f"{DESK}{at_dock.pk}/close/", {}),
        ("post", f"{DESK}{at_dock.pk}/customs-release/", {}),
        ("post", f"{DESK}{at_dock.pk}/in-transit/", {}),
    ]
    before = stock(merchant)
    staff_member = MembershipFactory(merchant=merchant, role="staff").user
    for user in (owner, staff_member, UserFactory()):
        api.force_login(user)
        for method, url, data in endpoints:
            errors_of(call(api, method, url, data), 403)
    api.logout()
    for method, url, data in endpoints:
        assert call(api, method, url, data).status_code in (401, 403)
    assert stock(merchant) == before
    assert InboundShipment.objects.get(pk=at_dock.pk).status == "IN_TRANSIT"
