"""The "Send inventory" wizard over HTTP: every step, bad input, roles, tenancy, resuming, query counts."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from shipping.models import InboundBox, InboundPlan, InboundPlanItem, InboundShipment, PlacementOption
from shipping.services.inbound_plans import inbound_plan_create, inbound_plan_set_boxes
from shipping.services.placement import placement_option_confirm, placement_options_generate
from tests.factories import ProductFactory, WarehouseFactory
from tests.shipping.conftest import box
from warehouses.modes import WarehouseRole

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate

# --- building the POSTs a browser would send ------------------------------------------------


def plan_data(*, mode="global_warehouse", destination="US", items=(("TEE-BLK-M", 30), ("MUG-01", 12)), rows=5, **extra):
    data = {
        "name": "Spring restock",
        "mode": mode,
        "destination_country": destination,
        "contact_name": "Li Wei",
        "phone": "",
        "address_line1": "88 Keyuan Road",
        "address_line2": "",
        "city": "Shenzhen",
        "region": "",
        "postal_code": "518057",
        "country": "CN",
        "items-TOTAL_FORMS": str(rows),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "200",
    }
    rows_given = list(items) + [None] * (rows - len(items))
    for index, row in enumerate(rows_given):
        sku, quantity = row if row else ("", "")
        data |= {
            f"items-{index}-sku": sku,
            f"items-{index}-quantity": str(quantity),
            f"items-{index}-label_owner": "merchant",
            f"items-{index}-prep_owner": "merchant",
        }
    return data | extra


def packing_data(boxes, *, shipping_mode="small_parcel", rows=None) -> dict:
    """``boxes``: ``(weight, (l, w, h), "contents lines")`` per box; ``None`` for a blank row."""
    rows = rows or len(boxes)
    data = {
        "shipping_mode": shipping_mode,
        "boxes-TOTAL_FORMS": str(rows),
        "boxes-INITIAL_FORMS": "0",
        "boxes-MIN_NUM_FORMS": "0",
        "boxes-MAX_NUM_FORMS": "200",
    }
    for index, row in enumerate(list(boxes) + [None] * (rows - len(boxes))):
        weight, (length, width, height), contents = row or ("", ("", "", ""), "")
        data |= {
            f"boxes-{index}-weight_kg": weight,
            f"boxes-{index}-length_cm": length,
            f"boxes-{index}-width_cm": width,
            f"boxes-{index}-height_cm": height,
            f"boxes-{index}-contents": contents,
        }
    return data


TWO_BOXES = [("8", ("40", "30", "30"), "TEE-BLK-M 30"), ("8", ("40", "30", "30"), "MUG-01 12")]


def transport_data(shipment, *, carrier="UPS", mode="small_parcel", start=None, end=None, tracking="") -> dict:
    start = start or TODAY()
    end = end or start + timedelta(days=3)
    prefix = f"s{shipment.pk}"
    return {
        "shipment": str(shipment.pk),
        f"{prefix}-carrier": carrier,
        f"{prefix}-shipping_mode": mode,
        f"{prefix}-ready_to_ship_from": start.isoformat(),
        f"{prefix}-ready_to_ship_to": end.isoformat(),
        f"{prefix}-tracking_numbers": tracking,
    }


def url(name: str, obj=None) -> str:
    return reverse(f"shipping:{name}", args=[obj.pk] if obj is not None else None)


# --- reading the pages --------------------------------------------------------------------


def field_error(field_id: str, message: str) -> str:
    return f'<p class="error" id="id_{field_id}_error" role="alert">{escape(message)}</p>'


def current_step(html: str) -> str:
    found = re.findall(r'<li aria-current="step">\s*<strong>([^<]+)</strong>', html)
    assert len(found) == 1, found
    return found[0]


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labels: set[str] = set()
        self.controls: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "label" and attributes.get("for"):
            self.labels.add(attributes["for"])
        if tag in ("input", "select", "textarea") and attributes.get("type") not in ("hidden", "submit", "button"):
            self.controls.append(attributes)


def assert_every_input_labelled(html: str) -> None:
    parser = _Controls()
    parser.feed(html)
    unlabelled = [c.get("name") for c in parser.controls if c.get("id") not in parser.labels]
    assert not unlabelled, f"inputs without a label: {unlabelled}"


def page(client, address: str, *, step: str | None = None) -> str:
    response = client.get(address)
    assert response.status_code == 200, address
    html = response.content.decode()
    assert_every_input_labelled(html)
    if step:
        assert current_step(html) == step, address
    return html


def continue_link(client, plan) -> str:
    html = client.get(url("plan-list")).content.decode()
    links = re.findall(rf'<a class="button small" href="([^"]+)" aria-label="Continue {re.escape(plan.name)} ', html)
    assert len(links) == 1, html
    return links[0]


def follow_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def created(merchant, owner, network, tees, mugs):
    return inbound_plan_create(
        merchant=merchant,
        mode="global_warehouse",
        destination_country="US",
        user=owner,
        items=[{"sku": "TEE-BLK-M", "quantity": 30}, {"sku": "MUG-01", "quantity": 12}],
    )


@pytest.fixture
def packed(created):
    return inbound_plan_set_boxes(plan=created, boxes=[box({"TEE-BLK-M": 30}), box({"MUG-01": 12})])


@pytest.fixture
def confirmed(send, network, tees, mugs):
    return send(
        mode="global_warehouse",
        destination="US",
        items={"TEE-BLK-M": 30, "MUG-01": 12},
        boxes=[box({"TEE-BLK-M": 30}), box({"MUG-01": 12})],
        until="confirmed",
    )


@pytest.fixture
def theirs(other_merchant, network):
    """Another merchant's plan, confirmed, with one shipment."""
    ProductFactory(merchant=other_merchant, sku="THEIRS-1")
    plan = inbound_plan_create(
        merchant=other_merchant,
        name="Bravo secret plan",
        mode="global_warehouse",
        destination_country="US",
        items=[{"sku": "THEIRS-1", "quantity": 5}],
    )
    inbound_plan_set_boxes(plan=plan, boxes=[box({"THEIRS-1": 5})])
    (option,) = placement_options_generate(plan=plan)
    (shipment,) = placement_option_confirm(plan=plan, option_id=option.option_id)
    return plan, shipment


def snapshot() -> dict:
    """What the wizard can write, to show a refused request changed nothing."""
    return {
        "plans": list(InboundPlan.objects.order_by("pk").values("pk", "status", "step", "shipping_mode", "name")),
        "items": list(InboundPlanItem.objects.order_by("pk").values("plan_id", "product_id", "quantity")),
        "boxes": list(InboundBox.objects.order_by("pk").values("plan_id", "number", "weight_kg", "box_id")),
        "options": list(PlacementOption.objects.order_by("pk").values("option_id", "status")),
        "shipments": list(InboundShipment.objects.order_by("pk").values("pk", "status", "carrier", "tracking_numbers")),
    }


# --- the whole wizard ---------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "destination"), [("global_warehouse", "US"), ("fba_cross_border", "")])
def test_the_whole_wizard_through_http(owner_client, network, tees, mugs, mode, destination):
    client = owner_client
    html = page(client, url("plan-create"), step="Plan")
    assert 'value="global_warehouse"' in html and 'value="fba_cross_border"' in html
    assert 'value="direct"' not in html
    assert 'value="88 Keyuan Road"' in html  # ship-from prefilled from the merchant

    response = client.post(url("plan-create"), plan_data(mode=mode, destination=destination))
    plan = InboundPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("plan-packing", plan)
    assert (plan.mode_id, plan.name, plan.city, plan.country.code) == (mode, "Spring restock", "Shenzhen", "CN")
    assert sorted(plan.items.values_list("product__sku", "quantity")) == [("MUG-01", 12), ("TEE-BLK-M", 30)]

    html = page(client, url("plan-packing", plan), step="Packing")
    assert "TEE-BLK-M" in html and "MUG-01" in html
    response = client.post(url("plan-packing", plan), packing_data(TWO_BOXES))
    assert response.status_code == 302
    assert response["Location"] == url("plan-placement", plan)
    assert follow_messages(response) == ["2 boxes packed. Now ask where to send them."]
    assert plan.boxes.count() == 2

    html = page(client, url("plan-placement", plan), step="Placement")
    assert "Get placement options" in html
    response = client.post(url("plan-placement", plan), {"action": "generate"})
    assert response.status_code == 302
    assert response["Location"] == url("plan-placement", plan)
    option = PlacementOption.objects.get(plan=plan)
    html = page(client, url("plan-placement", plan), step="Placement")
    assert option.option_id in html and network[mode].code in html and str(option.fee_total) in html

    response = client.post(url("plan-placement", plan), {"action": "confirm", "option_id": option.option_id})
    assert response.status_code == 302
    assert response["Location"] == url("plan-transport", plan)
    shipment = InboundShipment.objects.get(plan=plan)
    assert shipment.warehouse == network[mode]

    html = page(client, url("plan-transport", plan), step="Transport")
    assert shipment.confirmation_id in html
    response = client.post(url("plan-transport", plan), transport_data(shipment, tracking="1Z001\n1Z002"))
    assert response.status_code == 302
    assert response["Location"] == url("plan-labels", plan)
    shipment.refresh_from_db()
    assert (shipment.status, shipment.carrier, shipment.tracking_numbers) == (
        "READY_TO_SHIP",
        "UPS",
        ["1Z001", "1Z002"],
    )

    html = page(client, url("plan-labels", plan), step="Labels")
    assert url("shipment-labels", shipment) in html
    pdf = client.get(url("shipment-labels", shipment))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'inline; filename="{shipment.confirmation_id}-labels.pdf"'
    assert pdf.content.startswith(b"%PDF")

    response = client.post(url("shipment-ship", shipment))
    assert response.status_code == 302
    assert response["Location"] == url("plan-labels", plan)
    shipment.refresh_from_db()
    plan.refresh_from_db()
    assert shipment.status == InboundShipment.Status.SHIPPED
    assert (plan.status, plan.step) == (InboundPlan.Status.SHIPPED, InboundPlan.Step.SHIPPED)

    page(client, url("plan-detail", plan), step="Shipped")
    html = page(client, url("shipment-detail", shipment))
    for sku, expected in (("TEE-BLK-M", 30), ("MUG-01", 12)):
        assert re.search(rf"<code>{sku}</code>.*?</td>\s*<td class=\"num\">{expected}</td>", html, re.S), sku
    assert "Shipped" in html and "1Z001, 1Z002" in html


def test_every_step_page_resumes_with_the_saved_state(owner_client, packed):
    plan = packed
    html = page(owner_client, url("plan-packing", plan), step="Packing")
    assert "TEE-BLK-M 30</textarea>" in html and "MUG-01 12</textarea>" in html
    assert 'value="8.00"' in html
    html = page(owner_client, url("plan-items", plan), step="Plan")
    assert 'value="TEE-BLK-M"' in html and 'value="30"' in html
    placement_options_generate(plan=plan)
    option = plan.placement_options.get()
    assert option.option_id in page(owner_client, url("plan-placement", plan), step="Placement")


def test_continue_link_follows_the_plan(owner_client, network, tees, mugs):
    owner_client.post(url("plan-create"), plan_data())
    plan = InboundPlan.objects.get()
    assert continue_link(owner_client, plan) == url("plan-packing", plan)

    owner_client.post(url("plan-packing", plan), packing_data(TWO_BOXES))
    assert continue_link(owner_client, plan) == url("plan-placement", plan)

    owner_client.post(url("plan-placement", plan), {"action": "generate"})
    option = plan.placement_options.get()
    owner_client.post(url("plan-placement", plan), {"action": "confirm", "option_id": option.option_id})
    assert continue_link(owner_client, plan) == url("plan-transport", plan)

    shipment = plan.shipments.get()
    owner_client.post(url("plan-transport", plan), transport_data(shipment))
    assert continue_link(owner_client, plan) == url("plan-labels", plan)

    owner_client.post(url("shipment-ship", shipment))
    html = owner_client.get(url("plan-list")).content.decode()
    assert f"Continue {plan.name}" not in html  # shipped: nothing to resume


def test_a_split_placement_asks_transport_for_each_shipment(owner_client, merchant, network, tees, created):
    WarehouseFactory(code="US-ONT8", role=WarehouseRole.GLOBAL_WAREHOUSE, country="US")
    inbound_plan_set_boxes(plan=created, boxes=[box({"TEE-BLK-M": 15}), box({"TEE-BLK-M": 15}), box({"MUG-01": 12})])
    owner_client.post(url("plan-placement", created), {"action": "generate"})
    split = next(o for o in created.placement_options.all() if len(o.shipments) == 2)
    owner_client.post(url("plan-placement", created), {"action": "confirm", "option_id": split.option_id})
    first, second = created.shipments.order_by("pk")

    response = owner_client.post(url("plan-transport", created), transport_data(first))
    assert response["Location"] == url("plan-transport", created)
    html = page(owner_client, url("plan-labels", created))
    assert "Set transport first" in html
    response = owner_client.post(url("plan-transport", created), transport_data(second))
    assert response["Location"] == url("plan-labels", created)


# --- bad input shows next to the field and writes nothing ----------------------------------


class TestPlanStepErrors:
    def post(self, client, **kwargs):
        response = client.post(url("plan-create"), plan_data(**kwargs))
        assert response.status_code == 200
        assert InboundPlan.objects.count() == 0
        assert InboundPlanItem.objects.count() == 0
        return response.content.decode()

    def test_quantity_zero(self, owner_client, network, tees, mugs):
        html = self.post(owner_client, items=[("TEE-BLK-M", 0), ("MUG-01", 12)])
        assert field_error("items-0-quantity", "Quantity must be at least 1.") in html
        assert_every_input_labelled(html)

    @pytest.mark.parametrize("whose", ["nobody", "another merchant"])
    def test_unknown_and_foreign_skus_read_the_same(self, owner_client, other_merchant, network, tees, whose):
        if whose == "another merchant":
            ProductFactory(merchant=other_merchant, sku="ELSEWHERE-1")
        html = self.post(owner_client, items=[("TEE-BLK-M", 3), ("ELSEWHERE-1", 4)])
        message = "Unknown SKU ELSEWHERE-1: it is not an active product of your catalog."
        assert field_error("items-1-sku", message) in html

    def test_errors_land_on_the_row_they_belong_to_when_blank_rows_are_skipped(self, owner_client, network, tees):
        items = [("TEE-BLK-M", 3), None, None, ("NOPE-9", 2)]
        html = self.post(owner_client, items=items, rows=6)
        assert field_error("items-3-sku", "Unknown SKU NOPE-9: it is not an active product of your catalog.") in html
        assert 'id="id_items-1-sku_error"' not in html

    def test_a_plan_needs_an_item(self, owner_client, network):
        html = self.post(owner_client, items=[])
        assert "Add at least one item." in html

    def test_direct_shipping_is_not_a_choice(self, owner_client, network, tees):
        html = self.post(owner_client, mode="direct")
        assert 'id="id_mode_error"' in html

    def test_a_sku_twice(self, owner_client, network, tees):
        html = self.post(owner_client, items=[("TEE-BLK-M", 3), ("tee-blk-m", 2)])
        message = "SKU tee-blk-m is listed twice; give it one line with the total quantity."
        assert field_error("items-1-sku", message) in html

    def test_the_ship_from_address_is_checked(self, owner_client, network, tees):
        html = self.post(owner_client, city="", address_line1="")
        assert 'id="id_city_error"' in html and 'id="id_address_line1_error"' in html


class TestPackingStepErrors:
    def post(self, client, plan, boxes, **kwargs):
        before = snapshot()
        response = client.post(url("plan-packing", plan), packing_data(boxes, **kwargs))
        assert response.status_code == 200
        assert snapshot() == before
        return response.content.decode()

    def test_boxes_that_do_not_add_up_name_the_sku_and_numbers(self, owner_client, created):
        html = self.post(owner_client, created, [("8", ("40", "30", "30"), "TEE-BLK-M 25\nMUG-01 12")])
        assert "SKU TEE-BLK-M: the plan has 30 units but the boxes hold 25." in html
        assert created.boxes.count() == 0
        assert re.search(r"<code>TEE-BLK-M</code>.*?<td class=\"num\">25</td>\s*<td class=\"num\">5</td>", html, re.S)

    def test_an_unparseable_line(self, owner_client, created):
        html = self.post(owner_client, created, [("8", ("40", "30", "30"), "TEE-BLK-M 30\nthirty mugs\nMUG-01 12")])
        message = "Line 2 “thirty mugs” is not “SKU quantity” (e.g. TEE-BLK-M 30)."
        assert field_error("boxes-0-contents", message) in html

    def test_a_service_error_names_the_line(self, owner_client, created):
        html = self.post(
            owner_client,
            created,
            [("8", ("40", "30", "30"), "TEE-BLK-M 30"), ("8", ("40", "30", "30"), "\nMUG-01 12\nNOPE 1\nMUG-01 0")],
        )
        assert field_error("boxes-1-contents", "Line 3 (NOPE): SKU NOPE is not in this plan.") in html

    def test_quantity_zero_in_a_box(self, owner_client, created):
        html = self.post(owner_client, created, [("8", ("40", "30", "30"), "TEE-BLK-M 0\nMUG-01 12")])
        assert field_error("boxes-0-contents", "Line 1 (TEE-BLK-M): Quantity must be at least 1.") in html

    def test_a_box_over_the_small_parcel_limit(self, owner_client, created):
        boxes = [("30", ("40", "30", "30"), "TEE-BLK-M 30"), ("8", ("40", "30", "30"), "MUG-01 12")]
        html = self.post(owner_client, created, boxes)
        assert (
            '<div class="form-errors" role="alert" id="box-1-errors"><p>Box 1 weighs 30 kg; small parcel boxes may '
            "weigh at most 23 kg.</p></div>"
        ) in html
        # The same box is fine by LTL.
        response = owner_client.post(url("plan-packing", created), packing_data(boxes, shipping_mode="ltl"))
        assert response.status_code == 302
        assert created.boxes.count() == 2

    def test_a_box_without_its_weight(self, owner_client, created):
        html = self.post(owner_client, created, [("", ("40", "30", "30"), "TEE-BLK-M 30"), TWO_BOXES[1]])
        assert field_error("boxes-0-weight_kg", "Enter a number.") in html

    def test_a_failed_repack_keeps_the_saved_boxes(self, owner_client, packed):
        html = self.post(owner_client, packed, [("8", ("40", "30", "30"), "TEE-BLK-M 31\nMUG-01 12")])
        assert "SKU TEE-BLK-M: the plan has 30 units but the boxes hold 31." in html
        assert packed.boxes.count() == 2

    def test_blank_box_rows_are_ignored(self, owner_client, created):
        boxes = [TWO_BOXES[0], None, TWO_BOXES[1]]
        response = owner_client.post(url("plan-packing", created), packing_data(boxes, rows=5))
        assert response.status_code == 302
        assert list(created.boxes.values_list("number", flat=True)) == [1, 2]


class TestLaterStepErrors:
    def test_placement_refused_for_lack_of_room(self, owner_client, network, packed):
        network["global_warehouse"].capacity_units = 10
        network["global_warehouse"].save()
        response = owner_client.post(url("plan-placement", packed), {"action": "generate"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "No warehouse has room for 42 units" in html and "US-ONT9 has room for 10 units" in html
        assert current_step(html) == "Placement"
        assert not PlacementOption.objects.exists()

    def test_placement_of_a_plan_without_boxes(self, owner_client, created):
        html = page(owner_client, url("plan-placement", created))
        assert "Pack the plan into boxes first" in html
        response = owner_client.post(url("plan-placement", created), {"action": "generate"})
        assert "Pack the plan into boxes before asking for placement." in response.content.decode()

    def test_confirming_an_unknown_option(self, owner_client, packed):
        response = owner_client.post(url("plan-placement", packed), {"action": "confirm", "option_id": "PO123"})
        assert response.status_code == 200
        assert "Placement option PO123 does not belong to this plan." in response.content.decode()
        assert not InboundShipment.objects.exists()

    def test_transport_window_and_tracking_errors(self, owner_client, confirmed):
        plan, (shipment,) = confirmed
        before = snapshot()
        start = TODAY() + timedelta(days=5)
        data = transport_data(shipment, start=start, end=start - timedelta(days=1), tracking="A1\nA2\nA3")
        response = owner_client.post(url("plan-transport", plan), data)
        assert response.status_code == 200
        html = response.content.decode()
        prefix = f"s{shipment.pk}"
        assert field_error(f"{prefix}-ready_to_ship_to", "The window must end on or after its start.") in html
        message = "Small-parcel shipments have one tracking number per box (2 boxes)."
        assert field_error(f"{prefix}-tracking_numbers", message) in html
        assert snapshot() == before

    def test_transport_of_a_shipped_shipment_is_refused(self, owner_client, send, network, tees):
        plan, (shipment,) = send(
            mode="global_warehouse", destination="US", items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})]
        )
        before = snapshot()
        response = owner_client.post(url("plan-transport", plan), transport_data(shipment, carrier="DHL"))
        assert response.status_code == 200
        message = f"Shipment {shipment.confirmation_id} has shipped; its transport can no longer change."
        assert message in response.content.decode()
        assert snapshot() == before

    def test_transport_for_a_shipment_of_another_plan_is_404(self, owner_client, confirmed, created):
        _, (shipment,) = confirmed
        response = owner_client.post(url("plan-transport", created), transport_data(shipment))
        assert response.status_code == 404
        assert owner_client.post(url("plan-transport", created), {"shipment": "x"}).status_code == 404


class TestConfirmedPlansAreLocked:
    MESSAGE = "Placement of plan “{name}” is confirmed: its items and boxes can no longer change."

    def test_items_and_packing_refuse_changes(self, owner_client, confirmed):
        plan, _ = confirmed
        message = self.MESSAGE.format(name=plan.name)
        before = snapshot()
        html = page(owner_client, url("plan-items", plan))
        assert message in html and 'name="items-0-sku"' not in html

        response = owner_client.post(url("plan-items", plan), plan_data(items=[("TEE-BLK-M", 99)]))
        assert response.status_code == 200 and message in response.content.decode()
        response = owner_client.post(url("plan-packing", plan), packing_data(TWO_BOXES))
        assert response.status_code == 200 and message in response.content.decode()
        response = owner_client.post(url("plan-placement", plan), {"action": "generate"})
        assert response.status_code == 200 and message in response.content.decode()
        response = owner_client.post(url("plan-void", plan))
        assert response.status_code == 200 and message in response.content.decode()
        assert snapshot() == before

    def test_changing_items_before_confirmation_clears_the_boxes(self, owner_client, packed):
        data = plan_data(items=[("TEE-BLK-M", 10)])
        data |= {"items-INITIAL_FORMS": "0"}
        response = owner_client.post(url("plan-items", packed), data)
        assert response.status_code == 302
        assert response["Location"] == url("plan-packing", packed)
        assert list(packed.items.values_list("product__sku", "quantity")) == [("TEE-BLK-M", 10)]
        assert packed.boxes.count() == 0
        assert any("boxes were cleared" in m for m in follow_messages(response))


# --- plans and shipments: detail pages and actions -------------------------------------------


def test_void_a_plan_with_a_confirmation_step(owner_client, created):
    html = page(owner_client, url("plan-detail", created), step="Packing")
    assert url("plan-void", created) in html
    html = page(owner_client, url("plan-void", created), step="Packing")
    assert '<button type="submit" class="button">Void plan</button>' in html
    response = owner_client.post(url("plan-void", created))
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.status == InboundPlan.Status.VOIDED
    assert url("plan-void", created) not in page(owner_client, url("plan-detail", created))


def test_delete_before_shipping(owner_client, confirmed):
    plan, (shipment,) = confirmed
    html = page(owner_client, url("shipment-detail", shipment))
    assert url("shipment-delete", shipment) in html and url("shipment-cancel", shipment) not in html
    assert "Delete shipment" in page(owner_client, url("shipment-delete", shipment))

    response = owner_client.post(url("shipment-delete", shipment))
    assert response.status_code == 302
    assert response["Location"] == url("shipment-detail", shipment)
    assert follow_messages(response) == [f"{shipment.confirmation_id} deleted; its units are no longer expected."]
    shipment.refresh_from_db()
    assert shipment.status == InboundShipment.Status.DELETED


def test_cancel_after_shipping_and_delete_is_refused(owner_client, send, network, tees):
    _, (shipment,) = send(
        mode="global_warehouse", destination="US", items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})]
    )
    response = owner_client.post(url("shipment-delete", shipment))
    assert response.status_code == 200
    assert "has shipped; cancel it instead of deleting it." in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == InboundShipment.Status.SHIPPED

    html = page(owner_client, url("shipment-cancel", shipment))
    assert "Cancel shipment" in html
    response = owner_client.post(url("shipment-cancel", shipment), {"note": "Lost at the airport"})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == InboundShipment.Status.CANCELLED
    assert shipment.events.last().note == "Lost at the airport"
    html = page(owner_client, url("shipment-detail", shipment))
    assert "Cancelled" in html and "Lost at the airport" in html


def test_shipment_detail_shows_the_reconciliation(owner_client, send, network, tees, operator):
    from shipping.services.receiving import box_check_in, box_count, inbound_shipment_close

    warehouse = network["global_warehouse"]
    _, (shipment,) = send(
        mode="global_warehouse",
        destination="US",
        clear_customs=True,
        items={"TEE-BLK-M": 40},
        boxes=[box({"TEE-BLK-M": 20}), box({"TEE-BLK-M": 20})],
    )
    first, second = shipment.boxes.order_by("number")
    for b, good in ((first, 20), (second, 14)):
        box_check_in(box_id=b.box_id, warehouse=warehouse, actor=operator)
        box_count(box_id=b.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": good, "damaged": 1}})
    inbound_shipment_close(shipment=shipment, resolutions={"TEE-BLK-M": {"resolution": "reimbursed"}})
    shipment.refresh_from_db()

    html = page(owner_client, url("shipment-detail", shipment))
    assert "Reimbursed" in html and f"{tees.declared_value * 4} USD" in html
    assert shipment.claim_window_ends_at.strftime("%Y-%m-%d") in html
    assert '<span class="tag danger">4</span>' in html  # shortage: 40 - 34 good - 2 damaged
    assert first.box_id in html and second.box_id in html
    assert "not yet" not in html  # both boxes checked in and counted
    listing = page(owner_client, url("shipment-list"))
    assert '<span class="tag danger">Discrepancy</span>' in listing


# --- roles and tenancy ------------------------------------------------------------------------


def write_requests(plan, shipment) -> list[tuple[str, dict]]:
    return [
        (url("plan-create"), plan_data()),
        (url("plan-items", plan), plan_data()),
        (url("plan-packing", plan), packing_data(TWO_BOXES)),
        (url("plan-placement", plan), {"action": "generate"}),
        (url("plan-transport", plan), transport_data(shipment)),
        (url("plan-void", plan), {}),
        (url("shipment-ship", shipment), {}),
        (url("shipment-delete", shipment), {}),
        (url("shipment-cancel", shipment), {"note": "x"}),
    ]


def test_viewer_reads_but_gets_403_on_every_write(client, viewer, confirmed, created):
    plan, (shipment,) = confirmed
    client.force_login(viewer)
    before = snapshot()
    for address, data in write_requests(created, shipment) + write_requests(plan, shipment):
        assert client.post(address, data).status_code == 403, address
    assert client.get(url("plan-create")).status_code == 403
    for name in ("plan-items", "plan-packing", "plan-placement", "plan-transport", "plan-void"):
        assert client.get(url(name, plan)).status_code == 403, name
    assert snapshot() == before

    listing = page(client, url("plan-list"))
    assert plan.name in listing and "Continue" not in listing and url("plan-create") not in listing
    assert url("shipment-delete", shipment) not in page(client, url("shipment-detail", shipment))
    assert "Mark shipped" not in page(client, url("plan-labels", plan))
    assert client.get(url("shipment-labels", shipment)).status_code == 200


PLAN_URLS = [
    "plan-detail",
    "plan-items",
    "plan-void",
    "plan-packing",
    "plan-placement",
    "plan-transport",
    "plan-labels",
]
SHIPMENT_URLS = ["shipment-detail", "shipment-labels", "shipment-ship", "shipment-delete", "shipment-cancel"]
READ_ONLY = {"plan-detail", "plan-labels", "shipment-detail", "shipment-labels"}


def test_another_merchants_plans_and_shipments_are_404(owner_client, confirmed, theirs):
    their_plan, their_shipment = theirs
    _, (our_shipment,) = confirmed
    before = snapshot()
    posts = {
        "plan-items": plan_data(),
        "plan-packing": packing_data(TWO_BOXES),
        "plan-placement": {"action": "generate"},
        "plan-transport": transport_data(our_shipment),
        "shipment-cancel": {"note": "x"},
    }
    targets = [(name, their_plan) for name in PLAN_URLS] + [(name, their_shipment) for name in SHIPMENT_URLS]
    for name, obj in targets:
        assert owner_client.get(url(name, obj)).status_code == 404, name
        expected = 405 if name in READ_ONLY else 404  # no POST handler: refused before any lookup
        assert owner_client.post(url(name, obj), posts.get(name, {})).status_code == expected, name
    # The transport form cannot reach their shipment through our plan either.
    our_plan = our_shipment.plan
    assert owner_client.post(url("plan-transport", our_plan), transport_data(their_shipment)).status_code == 404
    assert snapshot() == before

    for name in ("plan-list", "shipment-list"):
        html = page(owner_client, url(name))
        assert their_plan.name not in html and "THEIRS-1" not in html
        assert their_shipment.confirmation_id not in html


# --- lists ------------------------------------------------------------------------------------


def test_plan_list_filters_and_shows_counts(owner_client, merchant, confirmed, created):
    plan, _ = confirmed
    created.name = "Still packing"
    created.save()
    html = page(owner_client, url("plan-list"))
    assert plan.name in html and "Still packing" in html
    html = page(owner_client, url("plan-list") + "?status=ACTIVE&mode=global_warehouse")
    assert "Still packing" in html
    html = page(owner_client, url("plan-list") + "?status=VOIDED")
    assert "No plan matches these filters." in html
    html = page(owner_client, url("plan-list") + "?status=bogus")  # an unknown filter is ignored
    assert plan.name in html and "Still packing" in html


def test_empty_lists_say_what_to_do(owner_client, network):
    html = page(owner_client, url("plan-list"))
    assert "You have not sent any inventory yet." in html and url("plan-create") in html
    assert "No inbound shipments yet." in page(owner_client, url("shipment-list"))


def test_shipment_list_filters_by_status(owner_client, confirmed, send, tees):
    _, (working,) = confirmed
    _, (shipped,) = send(
        mode="global_warehouse", destination="US", items={"TEE-BLK-M": 5}, boxes=[box({"TEE-BLK-M": 5})]
    )
    html = page(owner_client, url("shipment-list") + "?status=SHIPPED")
    assert shipped.confirmation_id in html and working.confirmation_id not in html


def test_the_plan_list_paginates(owner_client, merchant, network, tees):
    for _ in range(27):
        inbound_plan_create(merchant=merchant, mode="global_warehouse", items=[{"sku": "TEE-BLK-M", "quantity": 1}])
    first = owner_client.get(url("plan-list"))
    assert len(first.context["plans"]) == 25
    second = owner_client.get(url("plan-list") + "?page=2")
    assert len(second.context["plans"]) == 2


def queries_for(client, address: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(address).status_code == 200
    return len(context.captured_queries)


def test_plan_list_runs_a_bounded_number_of_queries(owner_client, merchant, network, tees, send):
    def add_plans(count):
        for _ in range(count):
            send(mode="global_warehouse", destination="US", items={"TEE-BLK-M": 2}, boxes=[box({"TEE-BLK-M": 2})])

    add_plans(3)
    few = queries_for(owner_client, url("plan-list"))
    add_plans(12)
    assert InboundPlan.objects.count() == 15
    assert queries_for(owner_client, url("plan-list")) == few


def test_shipment_list_runs_a_bounded_number_of_queries(owner_client, merchant, network, tees, send):
    def add_shipments(count):
        for _ in range(count):
            send(mode="global_warehouse", destination="US", items={"TEE-BLK-M": 2}, boxes=[box({"TEE-BLK-M": 2})])

    add_shipments(3)
    few = queries_for(owner_client, url("shipment-list"))
    add_shipments(12)
    assert InboundShipment.objects.count() == 15
    assert queries_for(owner_client, url("shipment-list")) == few


def test_nav_links_to_send_inventory(owner_client, network):
    html = owner_client.get(reverse("home")).content.decode()
    assert f'<a href="{url("plan-list")}" >Send inventory</a>' in html
    html = owner_client.get(url("plan-list")).content.decode()
    assert f'<a href="{url("plan-list")}" aria-current="page">Send inventory</a>' in html
