"""The orders and shipments serializers build their answers by hand, for speed: byte for byte what
DRF's field-by-field path makes of their declared fields, which are what the schema says."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from orders.api.serializers import OrderDetailSerializer, OrderSerializer
from orders.models import Order
from orders.services.cancel import order_cancel
from orders.services.intake import order_create
from shipping.api.outbound import RouteStepSerializer, ShipmentListSerializer, ShipmentSerializer
from shipping.models import Shipment
from shipping.selectors import shipment_route
from tests.api.conftest import bearer, us_order
from warehouses.api_keys import MERCHANT_SCOPES
from warehouses.models import Warehouse

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)


def _through_declared_fields(monkeypatch) -> None:
    """Serialize as DRF does by default: field by field, the route through its own serializer."""
    for serializer in (OrderSerializer, OrderDetailSerializer, ShipmentListSerializer, ShipmentSerializer):
        monkeypatch.setattr(serializer, "to_representation", serializers.ModelSerializer.to_representation)

    def route(self, shipment):
        return RouteStepSerializer(shipment_route(shipment=shipment, now=self._now()), many=True).data

    monkeypatch.setattr(ShipmentSerializer, "get_route", route)


def test_orders_and_shipments_read_exactly_as_their_declared_fields(
    client, monkeypatch, merchant, widget, gadget, stock, shipped_order, held_parcel, new_key
):
    stock(gadget, "US-ONT1", 10)  # beside the widgets: one shipment for the order
    shipped = shipped_order("SHIPPED-1", lines=(("WIDGET-1", 2), ("GADGET-1", 1)))
    held = held_parcel()
    Shipment.objects.filter(pk=held.pk).update(
        customs_duty=Decimal("12.30"), customs_tax=Decimal("0.05"), customs_currency="USD"
    )
    Shipment.objects.filter(pk=shipped.pk).update(
        destination_warehouse=Warehouse.objects.get(code="US-LAX2"), delivered_at=timezone.now()
    )
    cancelled = order_create(merchant=merchant, payload=us_order("CANCELLED-1", lines=(("WIDGET-1", 1),)))
    order_cancel(order=cancelled, reason="Changed my mind", actor=None)
    order_create(merchant=merchant, payload=us_order("SHORT-1", lines=(("GADGET-1", 99),)))  # unfulfillable
    urls = [
        "/api/v1/orders/",
        *(f"/api/v1/orders/{pk}/" for pk in Order.objects.values_list("pk", flat=True)),
        "/api/v1/shipments/",
        *(f"/api/v1/shipments/{pk}/" for pk in Shipment.objects.values_list("pk", flat=True)),
    ]
    headers = bearer(new_key(merchant=merchant, scopes=list(MERCHANT_SCOPES)))
    monkeypatch.setattr(ShipmentSerializer, "_now", lambda self: NOW)

    by_hand = {url: client.get(url, **headers) for url in urls}
    _through_declared_fields(monkeypatch)
    for url, response in by_hand.items():
        assert response.status_code == 200, (url, response.content)
        assert response.content == client.get(url, **headers).content, url
    listed = by_hand["/api/v1/shipments/"].json()["results"]
    assert {s["destination_warehouse"] for s in listed} == {"US-LAX2", None}
    assert all(s["packages"] for s in listed)
    assert {o["status"] for o in by_hand["/api/v1/orders/"].json()["results"]} >= {"cancelled", "unfulfillable"}
