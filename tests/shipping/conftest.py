"""Fixtures for sending inventory: a merchant with products and a warehouse of each stock-holding role."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shipping.services.inbound_plans import inbound_plan_create, inbound_plan_set_boxes
from shipping.services.inbound_shipments import (
    inbound_shipment_customs_release,
    inbound_shipment_mark_in_transit,
    inbound_shipment_mark_shipped,
    inbound_shipment_set_transport,
)
from shipping.services.placement import placement_option_confirm, placement_options_generate
from tests.factories import PartnerFactory, ProductFactory, WarehouseFactory
from warehouses.modes import WarehouseRole


@pytest.fixture
def network(db):
    """One warehouse per stock-holding role, in the countries a CN merchant would use."""
    partner = PartnerFactory()
    return {
        "global_warehouse": WarehouseFactory(code="US-ONT9", role=WarehouseRole.GLOBAL_WAREHOUSE, country="US"),
        "asia_warehouse": WarehouseFactory(
            code="CN-SZX9",
            role=WarehouseRole.ASIA_WAREHOUSE,
            country="CN",
            city="Shenzhen",
            postal_code="518000",
            region="",
            time_zone="Asia/Shanghai",
        ),
        "fba_cross_border": WarehouseFactory(
            code="CN-CAN9",
            role=WarehouseRole.ORIGIN_FC,
            country="CN",
            city="Guangzhou",
            postal_code="510000",
            region="",
            time_zone="Asia/Shanghai",
        ),
        "virtual_warehouse": WarehouseFactory(
            code="US-RNO9",
            role=WarehouseRole.PARTNER_3PL,
            country="US",
            operator="partner",
            partner=partner,
        ),
    }


@pytest.fixture
def tees(merchant):
    return ProductFactory(merchant=merchant, sku="TEE-BLK-M", weight_kg=Decimal("0.2"))


@pytest.fixture
def mugs(merchant):
    return ProductFactory(
        merchant=merchant,
        sku="MUG-01",
        title="Mug",
        hs_code="691200",
        weight_kg=Decimal("0.4"),
        length_cm=Decimal("12"),
        width_cm=Decimal("10"),
        height_cm=Decimal("10"),
    )


def box(contents: dict[str, int], weight="8", size=("40", "30", "30")) -> dict:
    return {
        "weight_kg": weight,
        "length_cm": size[0],
        "width_cm": size[1],
        "height_cm": size[2],
        "contents": [{"sku": sku, "quantity": q} for sku, q in contents.items()],
    }


def window() -> dict:
    today = timezone.localdate()
    return {"ready_to_ship_from": today, "ready_to_ship_to": today + timedelta(days=3)}


@pytest.fixture
def send(merchant, owner):
    """Run the wizard to a given point: returns (plan, shipments)."""

    def _send(
        *, mode: str, items: dict[str, int], boxes: list[dict], destination="", until="shipped", clear_customs=False
    ):
        plan = inbound_plan_create(
            merchant=merchant,
            mode=mode,
            destination_country=destination,
            user=owner,
            items=[{"sku": sku, "quantity": q} for sku, q in items.items()],
        )
        if until == "created":
            return plan, []
        plan = inbound_plan_set_boxes(plan=plan, boxes=boxes)
        if until == "packed":
            return plan, []
        options = placement_options_generate(plan=plan)
        shipments = placement_option_confirm(
            plan=plan,
            option_id=options[-1].option_id
            if len(options) == 1
            else next(o for o in options if len(o.shipments) == 1).option_id,
            user=owner,
        )
        if until == "confirmed":
            return plan, shipments
        for shipment in shipments:
            inbound_shipment_set_transport(shipment=shipment, carrier="UPS", shipping_mode="small_parcel", **window())
            if until == "shipped":
                inbound_shipment_mark_shipped(shipment=shipment, actor=owner)
                if clear_customs and shipment.customs_status == "pending":
                    inbound_shipment_mark_in_transit(shipment=shipment)
                    inbound_shipment_customs_release(shipment=shipment)
        plan.refresh_from_db()
        return plan, shipments

    return _send
