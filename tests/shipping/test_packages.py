"""Packages: a shipment travels as one or more parcels, each with its own tracking number —
made in bulk with the shipment, listed on the merchant's shipment page, in the API and on the
partner's page, and scoped like their shipment."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.services.fulfilment import orders_release
from orders.services.intake import order_create
from shipping.models import Package, Shipment
from shipping.services.shipments import shipments_create
from tests.factories import MembershipFactory, ProductFactory
from tests.orders.conftest import us_order
from tests.shipping import test_outbound_pages as pages

pytestmark = pytest.mark.django_db

order_network, widget, stock = pages.order_network, pages.widget, pages.stock
API = "/api/v1/shipments/"
TRACKING_NUMBER = re.compile(r"^CD\d{12}$")
ROUTE = [{"stage": "picking", "hours": 4.0}, {"stage": "last_mile", "hours": 24.0}, {"stage": "delivered", "hours": 0}]


@pytest.fixture
def anvil(merchant, stock):
    """8 kg a unit: more than three do not go in one 30 kg parcel."""
    product = ProductFactory(
        merchant=merchant,
        sku="ANVIL-8",
        title="Anvil",
        weight_kg=Decimal("8"),
        length_cm=Decimal("40"),
        width_cm=Decimal("30"),
        height_cm=Decimal("20"),
    )
    stock(product, "US-ONT1", 100)
    return product


@pytest.fixture
def heavy_shipment(merchant, anvil, widget, stock) -> Shipment:
    """An order of ten anvils and five widgets, released into its one shipment."""
    stock(widget, "US-ONT1", 100)
    order = order_create(merchant=merchant, payload=us_order("HEAVY-1", lines=[("ANVIL-8", 10), ("WIDGET-1", 5)]))
    orders_release(now=timezone.now() + datetime.timedelta(hours=1))
    return Shipment.objects.get(order_id=order.pk)


@pytest.fixture
def other_client(client, other_merchant):
    client.force_login(MembershipFactory(merchant=other_merchant, role="owner").user)
    return client


def detail_url(shipment) -> str:
    return reverse("shipping:outbound-detail", args=[shipment.pk])


def spec(merchant, *lines) -> dict:
    return {
        "merchant_id": merchant.pk,
        "mode_id": "global_warehouse",
        "origin_country": "US",
        "route": ROUTE,
        "address_line1": "1 Main St",
        "city": "Springfield",
        "country": "US",
        "lines": [(product.pk, quantity, Decimal("20.00"), "USD") for product, quantity in lines],
    }


def test_a_heavy_order_ships_as_several_packages(heavy_shipment, anvil, widget):
    packages = list(heavy_shipment.packages.order_by("sequence"))
    # Anvils first (the bulkiest), three to a parcel; the widgets fill the room left in the first.
    assert [p.sequence for p in packages] == [1, 2, 3, 4]
    assert [p.contents for p in packages] == [
        [
            {"product_id": anvil.pk, "sku": "ANVIL-8", "quantity": 3},
            {"product_id": widget.pk, "sku": "WIDGET-1", "quantity": 5},
        ],
        [{"product_id": anvil.pk, "sku": "ANVIL-8", "quantity": 3}],
        [{"product_id": anvil.pk, "sku": "ANVIL-8", "quantity": 3}],
        [{"product_id": anvil.pk, "sku": "ANVIL-8", "quantity": 1}],
    ]
    assert [p.units for p in packages] == [8, 3, 3, 1]
    assert all(Decimal("8") <= p.weight_kg <= 30 and not p.oversize for p in packages)
    assert packages[0].weight_kg > Decimal("25")  # 24 kg of anvils, 1 kg of widgets, the box
    numbers = [p.tracking_number for p in packages]
    assert all(TRACKING_NUMBER.match(n) for n in numbers)
    assert len(set(numbers)) == 4 and heavy_shipment.tracking_number not in numbers  # the master keeps its own
    assert all(p.length_cm and p.width_cm and p.height_cm for p in packages)


def test_creating_shipments_costs_the_same_queries_for_2_or_20(merchant, anvil, widget):
    def create(count: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            made = shipments_create(specs=[spec(merchant, (anvil, 4), (widget, 2)) for _ in range(count)])
        assert Package.objects.filter(shipment__in=made).count() == 2 * count
        return len(queries)

    few, many = create(2), create(20)
    assert few == many, f"{few} queries for 2 shipments, {many} for 20"


def test_shipments_without_lines_and_transfers_have_no_packages(merchant, order_network, widget, stock):
    [empty] = shipments_create(specs=[spec(merchant)])
    assert not empty.packages.exists()
    stock(widget, "US-ONT1", 10)
    transfer_spec = {
        **spec(merchant, (widget, 5)),
        "kind": Shipment.Kind.TRANSFER,
        "source_warehouse_id": order_network["US-ONT1"].pk,
    }
    [transfer] = shipments_create(specs=[transfer_spec])
    assert not transfer.packages.exists()


def test_the_merchant_page_lists_the_packages(owner_client, heavy_shipment):
    response = owner_client.get(detail_url(heavy_shipment))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="packages-heading">Packages' in body
    for package in heavy_shipment.packages.all():
        assert package.tracking_number in body
        assert f"{package.weight_kg} kg" in body
        assert f"{package.length_cm} × {package.width_cm} × {package.height_cm} cm" in body
    assert "2 of 4" in body and "<code>ANVIL-8</code> × 3" in body


def test_a_shipment_from_before_packages_still_shows(owner_client, heavy_shipment):
    heavy_shipment.packages.all().delete()
    body = owner_client.get(detail_url(heavy_shipment)).content.decode()
    assert "No packages recorded" in body
    data = owner_client.get(f"{API}{heavy_shipment.pk}/").json()
    assert data["packages"] == []


def test_the_api_includes_the_packages(owner_client, heavy_shipment):
    data = owner_client.get(f"{API}{heavy_shipment.pk}/").json()
    packages = list(heavy_shipment.packages.order_by("sequence"))
    assert [p["tracking_number"] for p in data["packages"]] == [p.tracking_number for p in packages]
    first = data["packages"][0]
    assert set(first) == {
        "sequence",
        "tracking_number",
        "weight_kg",
        "length_cm",
        "width_cm",
        "height_cm",
        "units",
        "carton",
        "oversize",
        "contents",
    }
    assert first["weight_kg"] == str(packages[0].weight_kg) and first["units"] == 8
    # The list has them too, and finds a shipment by any of its package numbers.
    listed = owner_client.get(API, {"tracking_number": packages[2].tracking_number.lower()}).json()["results"]
    assert [s["id"] for s in listed] == [heavy_shipment.pk]
    assert len(listed[0]["packages"]) == 4


def test_the_portal_list_finds_a_shipment_by_a_package_number(owner_client, heavy_shipment):
    number = heavy_shipment.packages.get(sequence=3).tracking_number
    response = owner_client.get(reverse("shipping:outbound-list"), {"q": number})
    assert [s.pk for s in response.context["shipments"]] == [heavy_shipment.pk]


def test_another_merchant_sees_no_package(other_client, heavy_shipment):
    assert other_client.get(detail_url(heavy_shipment)).status_code == 404
    assert other_client.get(f"{API}{heavy_shipment.pk}/").status_code == 404
    number = heavy_shipment.packages.get(sequence=1).tracking_number
    assert other_client.get(API, {"tracking_number": number}).json()["results"] == []
    response = other_client.get(reverse("shipping:outbound-list"), {"q": number})
    assert list(response.context["shipments"]) == []
