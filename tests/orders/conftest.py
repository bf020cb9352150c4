"""An order network: warehouses of every order-serving role, the reference lanes and demo rates."""

from decimal import Decimal

import pytest

from shipping.models import Shipment
from shipping.routes import outbound_route_plan
from tests.factories import PartnerFactory, ProductFactory, WarehouseFactory
from warehouses.lanes import lane_row, lanes_load_reference, lanes_upsert
from warehouses.modes import WarehouseRole
from warehouses.network import Network
from warehouses.rate_facts import rate_cards_load_demo
from warehouses.services.inventory import inventory_adjust


@pytest.fixture
def order_network(db):
    lanes_load_reference()
    lanes_upsert(
        rows=[
            lane_row(
                origin="CN",
                destination="GB",
                transport="air_freight",
                transit_days_min=5,
                transit_days_max=9,
                customs_clearance_hours_min=4,
                customs_clearance_hours_max=48,
            ),
            lane_row(
                origin="US",
                destination="CA",
                transport="truck",
                transit_days_min=2,
                transit_days_max=5,
                customs_clearance_hours_min=2,
                customs_clearance_hours_max=24,
            ),
        ]
    )
    rate_cards_load_demo()
    partner = PartnerFactory()
    tz = {"time_zone": "UTC"}
    return {
        "US-ONT1": WarehouseFactory(code="US-ONT1", role=WarehouseRole.GLOBAL_WAREHOUSE, country="US"),
        "US-NJ01": WarehouseFactory(
            code="US-NJ01", role=WarehouseRole.GLOBAL_WAREHOUSE, country="US", handling_time_hours=48
        ),
        "DE-FRA1": WarehouseFactory(
            code="DE-FRA1", role=WarehouseRole.GLOBAL_WAREHOUSE, country="DE", postal_code="60549", region="", **tz
        ),
        "CN-SZX1": WarehouseFactory(
            code="CN-SZX1", role=WarehouseRole.ASIA_WAREHOUSE, country="CN", postal_code="518000", region="", **tz
        ),
        "US-LAX2": WarehouseFactory(code="US-LAX2", role=WarehouseRole.DESTINATION_DC, country="US"),
        "US-RNO1": WarehouseFactory(
            code="US-RNO1", role=WarehouseRole.PARTNER_3PL, country="US", operator="partner", partner=partner
        ),
    }


@pytest.fixture
def widget(merchant):
    return ProductFactory(merchant=merchant, sku="WIDGET-1", declared_value=Decimal("20.00"))


@pytest.fixture
def gadget(merchant):
    return ProductFactory(merchant=merchant, sku="GADGET-1", declared_value=Decimal("35.00"))


@pytest.fixture
def stock(order_network):
    def _stock(product, code: str, quantity: int):
        inventory_adjust(
            product=product, warehouse=order_network[code], bucket="fulfillable", quantity=quantity, reason="adjustment"
        )

    return _stock


def us_order(
    order_id="ORD-1",
    *,
    lines=(("WIDGET-1", 2),),
    mode="global_warehouse",
    speed="standard",
    policy="fill_or_kill",
    **overrides,
) -> dict:
    payload = {
        "merchant_order_id": order_id,
        "mode": mode,
        "speed": speed,
        "fulfillment_policy": policy,
        "destination": {
            "contact_name": "Ada Buyer",
            "address_line1": "1 Main St",
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62701",
            "country": "US",
        },
        "lines": [line if isinstance(line, dict) else {"sku": line[0], "quantity": line[1]} for line in lines],
    }
    payload.update(overrides)
    return payload


BUYERS = {
    "US": {"address_line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"},
    "DE": {
        "contact_name": "Eva",
        "address_line1": "Hauptstr. 1",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
    },
}


def direct_parcel(merchant, product, *, origin: str, destination: str, **fields) -> dict:
    """A ``shipments_create`` spec: one unit of ``product`` sent by the merchant itself (direct
    mode) from ``origin`` to a buyer in ``destination`` (``BUYERS``); ``fields`` override."""
    route = Network.load().route(origin=origin, destination=destination, speed="standard")
    return {
        "kind": Shipment.Kind.OUTBOUND,
        "merchant_id": merchant.pk,
        "mode_id": "direct",
        "origin_country": origin,
        "lane_id": route.lane_id,
        "route": outbound_route_plan(mode="direct", handling_hours=24, route=route),
        **BUYERS[destination],
        "lines": [(product.pk, 1, product.declared_value, "USD")],
        **fields,
    }
