"""Bad input to sending inventory: a clear error naming the problem, and nothing changes."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shipping.models import InboundBox, InboundPlan, InboundShipment, PlacementOption
from shipping.services.inbound_plans import inbound_plan_create, inbound_plan_set_boxes, inbound_plan_set_items
from shipping.services.placement import PlacementRefused, placement_option_confirm, placement_options_generate
from shipping.services.receiving import box_check_in, box_count
from tests.factories import MerchantFactory, ProductFactory, WarehouseFactory
from tests.shipping.conftest import box
from warehouses.models import InventoryBalance, InventoryLedgerEntry
from warehouses.modes import WarehouseRole
from warehouses.services.inventory import inventory_adjust

pytestmark = pytest.mark.django_db


def create(merchant, items, mode="global_warehouse", **kwargs):
    return inbound_plan_create(merchant=merchant, mode=mode, items=items, **kwargs)


def error_of(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.mark.parametrize(
    ("items", "path", "message"),
    [
        ([{"sku": "TEE-BLK-M", "quantity": 0}], "items.0.quantity", "at least 1"),
        ([{"sku": "TEE-BLK-M", "quantity": -3}], "items.0.quantity", "at least 1"),
        ([{"sku": "TEE-BLK-M", "quantity": "2.5"}], "items.0.quantity", "whole number"),
        ([{"sku": "NOPE-1", "quantity": 1}], "items.0.sku", "Unknown SKU NOPE-1"),
        ([{"sku": "TEE-BLK-M", "quantity": 1}, {"sku": "tee-blk-m", "quantity": 1}], "items.1.sku", "listed twice"),
        ([{"sku": "TEE-BLK-M", "quantity": 1, "label_owner": "nobody"}], "items.0.label_owner", "Choose one of"),
        ([], "items", "at least one item"),
    ],
)
def test_bad_items_are_refused_and_nothing_is_written(merchant, tees, items, path, message):
    with pytest.raises(ValidationError) as excinfo:
        create(merchant, items)
    assert message in " ".join(error_of(excinfo)[path])
    assert not InboundPlan.objects.exists()


def test_a_sku_of_another_merchant_reads_as_unknown(merchant, tees):
    stranger = ProductFactory(merchant=MerchantFactory(), sku="THEIRS-1")
    with pytest.raises(ValidationError) as excinfo:
        create(merchant, [{"sku": stranger.sku, "quantity": 1}])
    assert error_of(excinfo)["items.0.sku"] == ["Unknown SKU THEIRS-1: it is not an active product of your catalog."]
    assert not InboundPlan.objects.exists()


def test_direct_mode_holds_no_stock_to_send(merchant, tees):
    with pytest.raises(ValidationError) as excinfo:
        create(merchant, [{"sku": "TEE-BLK-M", "quantity": 1}], mode="direct")
    assert "holds no platform stock" in error_of(excinfo)["mode"][0]


def test_bad_source_address_names_the_field(merchant, tees):
    with pytest.raises(ValidationError) as excinfo:
        create(
            merchant, [{"sku": "TEE-BLK-M", "quantity": 1}], source={"address_line1": "", "city": "X", "country": "ZZ"}
        )
    errors = error_of(excinfo)
    assert "source.address_line1" in errors and "source.country" in errors


@pytest.mark.parametrize(
    ("boxes", "path", "message"),
    [
        ([box({"TEE-BLK-M": 9})], "items.TEE-BLK-M", "the plan has 10 units but the boxes hold 9"),
        ([box({"TEE-BLK-M": 10}), box({"TEE-BLK-M": 1})], "items.TEE-BLK-M", "boxes hold 11"),
        ([box({"OTHER": 10})], "boxes.0.contents.0.sku", "is not in this plan"),
        ([box({"TEE-BLK-M": 10}, weight="30")], "boxes.0", "at most 23 kg"),
        ([box({"TEE-BLK-M": 10}, size=("70", "30", "30"))], "boxes.0", "at most 63.5 cm"),
        ([box({"TEE-BLK-M": 10}, weight="1")], "boxes.0", "its units alone weigh 2.0"),
        ([box({"TEE-BLK-M": 10}, size=("10", "10", "10"))], "boxes.0", "too small for its units"),
        ([box({"TEE-BLK-M": 0})], "boxes.0.contents.0.quantity", "at least 1"),
        (
            [{"weight_kg": "x", "length_cm": 10, "width_cm": 10, "height_cm": 10, "contents": []}],
            "boxes.0.weight_kg",
            "Enter a number",
        ),
        ([], "boxes", "at least one box"),
    ],
)
def test_boxes_that_do_not_add_up_or_fit_are_refused(merchant, tees, boxes, path, message):
    plan = create(merchant, [{"sku": "TEE-BLK-M", "quantity": 10}])
    with pytest.raises(ValidationError) as excinfo:
        inbound_plan_set_boxes(plan=plan, boxes=boxes)
    assert message in " ".join(error_of(excinfo)[path])
    assert not InboundBox.objects.exists()


def test_a_confirmed_plan_cannot_change(send, network, tees):
    plan, _ = send(
        mode="global_warehouse",
        destination="US",
        items={"TEE-BLK-M": 10},
        boxes=[box({"TEE-BLK-M": 10})],
        until="confirmed",
    )
    boxes_before = list(InboundBox.objects.values_list("pk", "box_id"))
    with pytest.raises(ValidationError, match="can no longer change"):
        inbound_plan_set_items(plan=plan, items=[{"sku": "TEE-BLK-M", "quantity": 99}])
    with pytest.raises(ValidationError, match="can no longer change"):
        inbound_plan_set_boxes(plan=plan, boxes=[box({"TEE-BLK-M": 10})])
    with pytest.raises(ValidationError, match="can no longer change"):
        placement_options_generate(plan=plan)
    assert plan.items.get().quantity == 10
    assert list(InboundBox.objects.values_list("pk", "box_id")) == boxes_before


def test_a_full_warehouse_is_refused_clearly_at_placement(merchant, tees):
    full = WarehouseFactory(code="US-FUL1", role=WarehouseRole.GLOBAL_WAREHOUSE, capacity_units=50)
    inventory_adjust(product=tees, warehouse=full, bucket="fulfillable", quantity=45, reason="adjustment")
    plan = create(merchant, [{"sku": "TEE-BLK-M", "quantity": 10}], destination_country="US")
    inbound_plan_set_boxes(plan=plan, boxes=[box({"TEE-BLK-M": 10})])
    with pytest.raises(PlacementRefused) as excinfo:
        placement_options_generate(plan=plan)
    assert "No warehouse has room for 10 units" in str(excinfo.value)
    assert "US-FUL1 has room for 5 units" in str(excinfo.value)
    assert not PlacementOption.objects.exists()


def test_capacity_is_checked_again_at_confirmation(merchant, tees):
    warehouse = WarehouseFactory(code="US-TGT1", role=WarehouseRole.GLOBAL_WAREHOUSE, capacity_units=15)
    plan = create(merchant, [{"sku": "TEE-BLK-M", "quantity": 10}], destination_country="US")
    inbound_plan_set_boxes(plan=plan, boxes=[box({"TEE-BLK-M": 10})])
    [option] = placement_options_generate(plan=plan)
    inventory_adjust(product=tees, warehouse=warehouse, bucket="fulfillable", quantity=10, reason="adjustment")
    with pytest.raises(PlacementRefused, match="no longer has room"):
        placement_option_confirm(plan=plan, option_id=option.option_id)
    assert not InboundShipment.objects.exists()
    assert InventoryBalance.objects.get().inbound_working == 0


def test_no_warehouse_for_the_destination(merchant, tees, network):
    plan = create(merchant, [{"sku": "TEE-BLK-M", "quantity": 10}], destination_country="BR")
    inbound_plan_set_boxes(plan=plan, boxes=[box({"TEE-BLK-M": 10})])
    with pytest.raises(PlacementRefused) as excinfo:
        placement_options_generate(plan=plan)
    assert "No active warehouse of the Global direct sales warehouse mode serves this plan for Brazil" in str(
        excinfo.value
    )
    plan.refresh_from_db()
    assert plan.status == InboundPlan.Status.ERRORED and "Brazil" in plan.error
    assert not PlacementOption.objects.exists()


def test_an_option_of_another_plan_or_expired_is_refused(merchant, tees, network):
    plans = []
    for _ in range(2):
        plan = create(merchant, [{"sku": "TEE-BLK-M", "quantity": 5}], destination_country="US")
        inbound_plan_set_boxes(plan=plan, boxes=[box({"TEE-BLK-M": 5})])
        plans.append((plan, placement_options_generate(plan=plan)))
    (first, _), (_, other_options) = plans
    with pytest.raises(ValidationError, match="does not belong to this plan"):
        placement_option_confirm(plan=first, option_id=other_options[0].option_id)
    assert not InboundShipment.objects.exists()


def test_split_option_spreads_boxes_over_two_warehouses_without_fee(merchant, tees):
    for code in ("US-AAA1", "US-BBB1"):
        WarehouseFactory(code=code, role=WarehouseRole.GLOBAL_WAREHOUSE)
    plan = create(merchant, [{"sku": "TEE-BLK-M", "quantity": 40}], destination_country="US")
    inbound_plan_set_boxes(plan=plan, boxes=[box({"TEE-BLK-M": 10}) for _ in range(4)])
    options = placement_options_generate(plan=plan)
    split = next(o for o in options if len(o.shipments) == 2)
    assert split.fee_total == Decimal("0.00")
    single = next(o for o in options if len(o.shipments) == 1)
    assert single.fee_total == Decimal("0.21") * 40  # small standard tees
    shipments = placement_option_confirm(plan=plan, option_id=split.option_id)
    assert sorted(s.warehouse.code for s in shipments) == ["US-AAA1", "US-BBB1"]
    assert sorted(s.boxes.count() for s in shipments) == [2, 2]
    assert {s.lines.get().quantity_expected for s in shipments} == {20}
    for shipment in shipments:
        ids = sorted(shipment.boxes.values_list("box_id", flat=True))
        assert ids == [f"{shipment.confirmation_id}U000001", f"{shipment.confirmation_id}U000002"]


def test_receiving_a_box_twice_or_at_the_wrong_warehouse_is_refused(send, network, tees, operator):
    warehouse = network["global_warehouse"]
    _, [shipment] = send(
        mode="global_warehouse",
        destination="US",
        items={"TEE-BLK-M": 10},
        boxes=[box({"TEE-BLK-M": 10})],
        clear_customs=True,
    )
    the_box = shipment.boxes.get()
    with pytest.raises(ValidationError) as excinfo:
        box_check_in(box_id=the_box.box_id, warehouse=network["virtual_warehouse"], actor=operator)
    assert f"belongs to {warehouse.code}, not US-RNO9" in error_of(excinfo)["box_id"][0]
    with pytest.raises(ValidationError, match="No box FBANOPE is expected"):
        box_check_in(box_id="fbanope", warehouse=warehouse, actor=operator)
    box_check_in(box_id=the_box.box_id, warehouse=warehouse, actor=operator)
    entries = InventoryLedgerEntry.objects.count()
    with pytest.raises(ValidationError, match="already checked in"):
        box_check_in(box_id=the_box.box_id, warehouse=warehouse, actor=operator)
    assert InventoryLedgerEntry.objects.count() == entries


def test_counting_more_than_a_box_could_hold_is_refused(send, network, tees, operator):
    warehouse = network["global_warehouse"]
    _, [shipment] = send(
        mode="global_warehouse",
        destination="US",
        items={"TEE-BLK-M": 10},
        boxes=[box({"TEE-BLK-M": 10})],
        clear_customs=True,
    )
    the_box = shipment.boxes.get()
    with pytest.raises(ValidationError, match="Check box .* in before counting"):
        box_count(box_id=the_box.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": 10}})
    box_check_in(box_id=the_box.box_id, warehouse=warehouse, actor=operator)
    entries = InventoryLedgerEntry.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        box_count(box_id=the_box.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": 500}}, actor=operator)
    assert "cannot hold 500 units of TEE-BLK-M: at most 32" in error_of(excinfo)["counts.TEE-BLK-M"][0]
    for counts, path in (
        ({"TEE-BLK-M": {"good": -1}}, "counts.TEE-BLK-M.good"),
        ({"MUG-9": {"good": 1}}, "counts.MUG-9"),
    ):
        with pytest.raises(ValidationError) as excinfo:
            box_count(box_id=the_box.box_id, warehouse=warehouse, counts=counts, actor=operator)
        assert path in error_of(excinfo)
    assert InventoryLedgerEntry.objects.count() == entries
    the_box.refresh_from_db()
    assert the_box.counted_at is None
