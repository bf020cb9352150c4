"""Fixtures of the integration API tests: keys, a bearer header, the order network, held parcels."""

import datetime

import pytest
from django.utils import timezone

from orders.services.fulfilment import orders_release
from orders.services.intake import order_create
from shipping.models import Shipment
from shipping.services.shipments import shipment_transition
from tests.orders import conftest as orders_fixtures
from warehouses.api_keys import api_key_create

order_network, widget, gadget, stock = (
    orders_fixtures.order_network,
    orders_fixtures.widget,
    orders_fixtures.gadget,
    orders_fixtures.stock,
)
us_order = orders_fixtures.us_order
DIRECT_TO_IMPORT = ["origin_sorting", "export_customs", "line_haul", "import_customs"]


def bearer(raw_key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}


def error(response, attr=None) -> dict:
    """The response's only error (or the one about ``attr``), in the API's format."""
    errors = response.json()["errors"]
    assert all(set(e) >= {"code", "detail", "attr"} for e in errors), errors
    if attr is None:
        [found] = errors
        return found
    return next(e for e in errors if e["attr"] == attr)


@pytest.fixture
def new_key():
    def _new_key(*, merchant=None, partner=None, scopes=None) -> str:
        if scopes is None:
            scopes = ["partner:read", "partner:write"] if partner is not None else ["products:read"]
        return api_key_create(name="Test key", scopes=scopes, merchant=merchant, partner=partner)[1]

    return _new_key


@pytest.fixture
def shipped_order(merchant, widget, stock):
    """An order of ``merchant`` released to the warehouse: its outbound shipment exists."""

    def _shipped(order_id="ORD-1", *, mode="global_warehouse", code="US-ONT1", **kwargs) -> Shipment:
        if mode != "direct":
            stock(widget, code, 10)
        order = order_create(merchant=merchant, payload=us_order(order_id, mode=mode, **kwargs))
        orders_release(now=timezone.now() + datetime.timedelta(hours=1))
        return Shipment.objects.get(order_id=order.pk)

    return _shipped


@pytest.fixture
def held_parcel(shipped_order):
    """A direct parcel from China held at US import customs (documentation), as the engine holds it."""

    def _held(order_id="HELD-1", reason="documentation") -> Shipment:
        shipment = shipped_order(order_id, mode="direct")
        for stage in DIRECT_TO_IMPORT:
            assert shipment_transition(shipment=shipment, to=stage, source="simulator")
        assert shipment_transition(shipment=shipment, to="customs_hold", source="simulator", reason=reason)
        Shipment.objects.filter(pk=shipment.pk).update(
            customs_status=Shipment.CustomsStatus.HELD, customs_notes="HS code 9999 is not a valid HS code."
        )
        shipment.refresh_from_db()
        return shipment

    return _held
