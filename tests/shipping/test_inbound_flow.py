"""Sending inventory end to end through the services, for every stock-holding mode."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shipping.models import InboundPlan, InboundShipment
from shipping.services.inbound_shipments import (
    inbound_shipment_cancel,
    inbound_shipment_customs_release,
    inbound_shipment_delete,
    inbound_shipment_mark_in_transit,
)
from shipping.services.receiving import box_check_in, box_count, inbound_shipment_close
from tests.factories import ProductFactory
from tests.shipping.conftest import box
from warehouses.models import InventoryBalance
from warehouses.selectors import inventory_discrepancies

pytestmark = pytest.mark.django_db


def buckets(product, warehouse) -> dict:
    balance = InventoryBalance.objects.filter(product=product, warehouse=warehouse).first()
    names = ("inbound_working", "inbound_shipped", "inbound_receiving", "fulfillable", "unfulfillable", "researching")
    return {n: getattr(balance, n) for n in names if balance and getattr(balance, n)}


@pytest.mark.parametrize(
    ("mode", "destination"),
    [("global_warehouse", "US"), ("asia_warehouse", ""), ("fba_cross_border", ""), ("virtual_warehouse", "US")],
)
def test_happy_path_for_every_stock_holding_mode(send, network, tees, mugs, operator, mode, destination):
    warehouse = network[mode]
    plan, [shipment] = send(
        mode=mode,
        destination=destination,
        items={"TEE-BLK-M": 30, "MUG-01": 12},
        boxes=[box({"TEE-BLK-M": 30}), box({"MUG-01": 12})],
    )
    assert plan.status == InboundPlan.Status.SHIPPED
    assert shipment.warehouse == warehouse
    assert shipment.confirmation_id.startswith("FBA") and len(shipment.confirmation_id) == 11
    assert buckets(tees, warehouse) == {"inbound_shipped": 30}

    if shipment.customs_status == InboundShipment.CustomsStatus.PENDING:
        inbound_shipment_mark_in_transit(shipment=shipment, actor=operator)
        with pytest.raises(ValidationError, match="not cleared import customs"):
            box_check_in(box_id=shipment.boxes.first().box_id, warehouse=warehouse, actor=operator)
        inbound_shipment_customs_release(shipment=shipment, actor=operator)

    first, second = shipment.boxes.order_by("number")
    box_check_in(box_id=first.box_id, warehouse=warehouse, actor=operator)
    shipment.refresh_from_db()
    assert shipment.status == InboundShipment.Status.CHECKED_IN
    assert buckets(tees, warehouse) == {"inbound_receiving": 30}
    box_check_in(box_id=second.box_id.lower(), warehouse=warehouse, actor=operator)
    box_count(box_id=first.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": 30}}, actor=operator)
    box_count(box_id=second.box_id, warehouse=warehouse, counts={"MUG-01": {"good": 11, "damaged": 1}}, actor=operator)
    inbound_shipment_close(shipment=shipment, actor=operator)

    shipment.refresh_from_db()
    assert shipment.status == InboundShipment.Status.CLOSED
    assert shipment.claim_window_ends_at is not None
    assert (shipment.claim_window_ends_at - shipment.closed_at).days == 60
    assert buckets(tees, warehouse) == {"fulfillable": 30}
    assert buckets(mugs, warehouse) == {"fulfillable": 11, "unfulfillable": 1}
    lines = {line.product.sku: line for line in shipment.lines.select_related("product")}
    assert lines["TEE-BLK-M"].resolution == "received"
    assert (lines["MUG-01"].quantity_received, lines["MUG-01"].quantity_damaged) == (11, 1)
    assert inventory_discrepancies() == []
    statuses = list(shipment.events.values_list("to_status", flat=True))
    assert statuses[:3] == ["WORKING", "READY_TO_SHIP", "SHIPPED"]
    assert statuses[-2:] == ["RECEIVING", "CLOSED"]


def test_shortage_beyond_tolerance_needs_a_resolution_and_is_reimbursed(send, network, tees, operator):
    warehouse = network["global_warehouse"]
    _, [shipment] = send(
        mode="global_warehouse",
        destination="US",
        clear_customs=True,
        items={"TEE-BLK-M": 40},
        boxes=[box({"TEE-BLK-M": 20}), box({"TEE-BLK-M": 20})],
    )
    first, second = shipment.boxes.order_by("number")
    for b in (first, second):
        box_check_in(box_id=b.box_id, warehouse=warehouse, actor=operator)
    box_count(box_id=first.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": 20}}, actor=operator)
    box_count(box_id=second.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": 15}}, actor=operator)
    assert buckets(tees, warehouse) == {"fulfillable": 35, "researching": 5}

    with pytest.raises(ValidationError, match="5 units short"):
        inbound_shipment_close(shipment=shipment, actor=operator)
    assert buckets(tees, warehouse) == {"fulfillable": 35, "researching": 5}

    inbound_shipment_close(shipment=shipment, resolutions={"TEE-BLK-M": {"resolution": "reimbursed"}}, actor=operator)
    line = shipment.lines.get()
    assert line.resolution == "reimbursed" and line.shortage == 5
    assert line.reimbursement_amount == tees.declared_value * 5
    assert buckets(tees, warehouse) == {"fulfillable": 35}
    assert inventory_discrepancies() == []


def test_small_shortage_is_auto_reconciled_and_a_lost_box_is_researched(send, network, tees, operator):
    warehouse = network["global_warehouse"]
    _, [shipment] = send(
        mode="global_warehouse",
        destination="US",
        clear_customs=True,
        items={"TEE-BLK-M": 41},
        boxes=[box({"TEE-BLK-M": 40}, size=("50", "40", "30")), box({"TEE-BLK-M": 1}, weight="1")],
    )
    first = shipment.boxes.get(number=1)
    box_check_in(box_id=first.box_id, warehouse=warehouse, actor=operator)
    box_count(box_id=first.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": 40}}, actor=operator)
    inbound_shipment_close(shipment=shipment, actor=operator)  # the one-unit box never arrived
    line = shipment.lines.get()
    assert (line.shortage, line.resolution) == (1, "auto_reconciled")
    assert buckets(tees, warehouse) == {"fulfillable": 40}
    assert inventory_discrepancies() == []


def test_overage_in_one_box_offsets_a_shortage_in_another(send, network, tees, operator):
    warehouse = network["global_warehouse"]
    _, [shipment] = send(
        mode="global_warehouse",
        destination="US",
        clear_customs=True,
        items={"TEE-BLK-M": 20},
        boxes=[box({"TEE-BLK-M": 10}), box({"TEE-BLK-M": 10})],
    )
    first, second = shipment.boxes.order_by("number")
    for b, good in ((first, 7), (second, 13)):
        box_check_in(box_id=b.box_id, warehouse=warehouse, actor=operator)
        box_count(box_id=b.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": good}}, actor=operator)
    inbound_shipment_close(shipment=shipment, actor=operator)
    assert shipment.lines.get().resolution == "received"
    assert buckets(tees, warehouse) == {"fulfillable": 20}
    assert inventory_discrepancies() == []


def test_recount_moves_only_the_difference(send, network, tees, operator):
    warehouse = network["global_warehouse"]
    _, [shipment] = send(
        mode="global_warehouse",
        destination="US",
        clear_customs=True,
        items={"TEE-BLK-M": 10},
        boxes=[box({"TEE-BLK-M": 10})],
    )
    b = shipment.boxes.get()
    box_check_in(box_id=b.box_id, warehouse=warehouse, actor=operator)
    box_count(box_id=b.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": 6, "damaged": 1}}, actor=operator)
    assert buckets(tees, warehouse) == {"fulfillable": 6, "unfulfillable": 1, "researching": 3}
    box_count(box_id=b.box_id, warehouse=warehouse, counts={"TEE-BLK-M": {"good": 12}}, actor=operator)
    assert buckets(tees, warehouse) == {"fulfillable": 12}
    line = shipment.lines.get()
    assert (line.quantity_received, line.quantity_damaged, line.overage) == (12, 0, 2)
    assert inventory_discrepancies() == []


def test_delete_before_shipping_and_cancel_after_put_the_inventory_back(send, network, tees, owner):
    warehouse = network["global_warehouse"]
    plan, [shipment] = send(
        mode="global_warehouse",
        destination="US",
        clear_customs=True,
        items={"TEE-BLK-M": 10},
        boxes=[box({"TEE-BLK-M": 10})],
        until="confirmed",
    )
    assert buckets(tees, warehouse) == {"inbound_working": 10}
    with pytest.raises(ValidationError, match="has not shipped; delete it"):
        inbound_shipment_cancel(shipment=shipment, actor=owner)
    inbound_shipment_delete(shipment=shipment, actor=owner)
    assert buckets(tees, warehouse) == {}
    plan.refresh_from_db()
    assert plan.status == InboundPlan.Status.VOIDED

    plan, [shipment] = send(
        mode="global_warehouse",
        destination="US",
        clear_customs=True,
        items={"TEE-BLK-M": 10},
        boxes=[box({"TEE-BLK-M": 10})],
    )
    with pytest.raises(ValidationError, match="cancel it instead"):
        inbound_shipment_delete(shipment=shipment, actor=owner)
    inbound_shipment_cancel(shipment=shipment, actor=owner)
    shipment.refresh_from_db()
    assert shipment.status == InboundShipment.Status.CANCELLED
    assert buckets(tees, warehouse) == {}
    assert inventory_discrepancies() == []


def test_marking_shipped_twice_changes_nothing_the_second_time(send, network, tees, owner):
    from shipping.services.inbound_shipments import inbound_shipment_mark_shipped
    from warehouses.models import InventoryLedgerEntry

    _, [shipment] = send(
        mode="global_warehouse", destination="US", items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})]
    )
    entries, events = InventoryLedgerEntry.objects.count(), shipment.events.count()
    inbound_shipment_mark_shipped(shipment=shipment, actor=owner)
    assert (InventoryLedgerEntry.objects.count(), shipment.events.count()) == (entries, events)
    assert buckets(tees, network["global_warehouse"]) == {"inbound_shipped": 10}


def test_an_asia_plan_to_a_country_without_asia_warehouse_is_refused_at_creation(merchant, tees, network):
    from shipping.services.inbound_plans import inbound_plan_create

    with pytest.raises(ValidationError) as excinfo:
        inbound_plan_create(
            merchant=merchant,
            mode="asia_warehouse",
            destination_country="US",
            items=[{"sku": "TEE-BLK-M", "quantity": 1}],
        )
    assert "Asia warehouses are in CN" in excinfo.value.message_dict["destination_country"][0]
    assert not InboundPlan.objects.exists()


def test_a_split_plan_moves_to_labels_only_when_every_shipment_has_transport(merchant, tees, owner):
    from shipping.services.inbound_plans import inbound_plan_create, inbound_plan_set_boxes
    from shipping.services.inbound_shipments import inbound_shipment_set_transport
    from shipping.services.placement import placement_option_confirm, placement_options_generate
    from tests.factories import WarehouseFactory
    from tests.shipping.conftest import window
    from warehouses.modes import WarehouseRole

    for code in ("US-AAA1", "US-BBB1"):
        WarehouseFactory(code=code, role=WarehouseRole.GLOBAL_WAREHOUSE)
    plan = inbound_plan_create(
        merchant=merchant,
        mode="global_warehouse",
        destination_country="US",
        items=[{"sku": "TEE-BLK-M", "quantity": 20}],
    )
    inbound_plan_set_boxes(plan=plan, boxes=[box({"TEE-BLK-M": 10}), box({"TEE-BLK-M": 10})])
    split = next(o for o in placement_options_generate(plan=plan) if len(o.shipments) == 2)
    first, second = placement_option_confirm(plan=plan, option_id=split.option_id, user=owner)
    inbound_shipment_set_transport(shipment=first, carrier="UPS", shipping_mode="small_parcel", **window())
    plan.refresh_from_db()
    assert plan.step == InboundPlan.Step.TRANSPORT
    inbound_shipment_set_transport(shipment=second, carrier="UPS", shipping_mode="small_parcel", **window())
    plan.refresh_from_db()
    assert plan.step == InboundPlan.Step.LABELS


def test_a_cross_border_inbound_is_declared_through_the_customs_engine(send, network, tees, operator):
    _, [shipment] = send(
        mode="global_warehouse", destination="US", items={"TEE-BLK-M": 10}, boxes=[box({"TEE-BLK-M": 10})]
    )
    inbound_shipment_mark_in_transit(shipment=shipment, actor=operator)
    shipment.refresh_from_db()
    # Cotton T-shirts (HS 610910) into the US: 16.5 % duty on USD 85, no de minimis since 2025-08-29.
    assert shipment.customs_status == "pending" and shipment.customs_currency == "USD"
    assert shipment.customs_duty == Decimal("14.03")
    assert "Declared to import customs" in shipment.events.last().note


def test_restricted_goods_are_held_until_the_customs_desk_releases_them(merchant, send, network, operator):
    ProductFactory(
        merchant=merchant,
        sku="BATT-1",
        title="Power bank",
        hs_code="850760",
        is_dangerous_goods=True,
        weight_kg=Decimal("0.3"),
    )
    _, [shipment] = send(mode="global_warehouse", destination="US", items={"BATT-1": 4}, boxes=[box({"BATT-1": 4})])
    inbound_shipment_mark_in_transit(shipment=shipment, actor=operator)
    shipment.refresh_from_db()
    assert shipment.customs_status == "held" and shipment.customs_notes
    with pytest.raises(ValidationError, match="not cleared import customs"):
        box_check_in(box_id=shipment.boxes.get().box_id, warehouse=network["global_warehouse"], actor=operator)
    inbound_shipment_customs_release(shipment=shipment, actor=operator, note="Permit checked")
    shipment.refresh_from_db()
    assert shipment.customs_status == "cleared"
    box_check_in(box_id=shipment.boxes.get().box_id, warehouse=network["global_warehouse"], actor=operator)
