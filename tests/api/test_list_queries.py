"""Every list of the API runs the same number of queries for a page of 2 as for a page of 30."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.services.intake import orders_intake
from shipping.models import InboundShipment, Shipment, TrackingEvent
from shipping.services.inbound_plans import inbound_plan_create
from shipping.services.shipments import shipments_create
from tests.api.conftest import bearer, us_order
from tests.factories import PartnerFactory, ProductFactory, WarehouseFactory
from warehouses.api_keys import MERCHANT_SCOPES
from warehouses.modes import Mode, Stage, WarehouseRole
from warehouses.services.inventory import inventory_adjust

pytestmark = pytest.mark.django_db

N = 32
ROUTE = [
    {"stage": "acknowledged", "hours": 2.0},
    {"stage": "picking", "hours": 12.0},
    {"stage": "last_mile", "hours": 24.0},
    {"stage": "delivered", "hours": 0.0},
]
BUYER = {"contact_name": "Ada Buyer", "address_line1": "1 Main St", "city": "Springfield", "country": "US"}


@pytest.fixture
def world(merchant, widget, stock, order_network, new_key):
    """More than 30 rows of every list, a merchant key with every scope, an operator, a partner key."""
    products = [ProductFactory(merchant=merchant, sku=f"LIST-{n}") for n in range(N)]
    for n in range(N):
        WarehouseFactory(code=f"US-L{n:03d}", role=WarehouseRole.GLOBAL_WAREHOUSE, country="US")
    dock = order_network["US-ONT1"]
    for product in products:
        inventory_adjust(product=product, warehouse=dock, bucket="fulfillable", quantity=5, reason="adjustment")
    plans = [
        inbound_plan_create(
            merchant=merchant,
            mode=Mode.GLOBAL_WAREHOUSE,
            destination_country="US",
            items=[{"sku": p.sku, "quantity": 2}],
        )
        for p in products[:N]
    ]
    for plan in plans:
        InboundShipment.objects.create(
            plan=plan, merchant=merchant, warehouse=dock, source_country="CN", status=InboundShipment.Status.SHIPPED
        )
    stock(widget, "US-ONT1", 100)
    orders_intake(merchant=merchant, payloads=[us_order(f"LIST-ORD-{n}", lines=[("WIDGET-1", 1)]) for n in range(N)])
    partner = PartnerFactory()
    partner_dock = WarehouseFactory(
        code="US-PRT1", role=WarehouseRole.PARTNER_3PL, operator="partner", partner=partner, country="US"
    )
    specs = []
    for n, product in enumerate(products + products):
        cross_border = n < N
        specs.append(
            {
                "merchant_id": merchant.pk,
                "mode_id": Mode.DIRECT if cross_border else Mode.VIRTUAL_WAREHOUSE,
                "merchant_order_id": f"LIST-SHP-{n}",
                "source_warehouse_id": None if cross_border else partner_dock.pk,
                "origin_country": "CN" if cross_border else "US",
                "crosses_border": cross_border,
                "route": ROUTE,
                "lines": [(product.pk, 1, Decimal("5.00"), "USD"), (widget.pk, 1, Decimal("20.00"), "USD")],
                **BUYER,
            }
        )
    shipments = shipments_create(specs=specs)
    Shipment.objects.filter(crosses_border=True).update(
        stage=Stage.CUSTOMS_HOLD, customs_status=Shipment.CustomsStatus.HELD, exception_reason="documentation"
    )
    followed = shipments[0]
    TrackingEvent.objects.bulk_create(
        TrackingEvent(
            shipment=followed,
            stage=Stage.PICKING,
            event_code="X1",
            description="Scan",
            source=TrackingEvent.Source.SIMULATOR,
            occurred_at=timezone.now(),
        )
        for _ in range(N)
    )
    return {
        "merchant": bearer(new_key(merchant=merchant, scopes=list(MERCHANT_SCOPES))),
        "partner": bearer(new_key(partner=partner)),
        "followed": followed,
    }


MERCHANT_LISTS = [
    "/api/v1/products/",
    "/api/v1/warehouses/",
    "/api/v1/inventory/",
    "/api/v1/inbound-plans/",
    "/api/v1/inbound-shipments/",
    "/api/v1/orders/",
    "/api/v1/shipments/",
    "/api/v1/shipments/{followed}/events/",
    "/api/v1/customs-declarations/",
]
OPERATOR_LISTS = ["/api/v1/customs/holds/", "/api/v1/receiving/warehouses/US-ONT1/queue/"]
PARTNER_LISTS = ["/api/v1/partner/shipments/"]


def test_every_list_endpoint_is_in_this_test():
    from tests.test_tenancy import ROUTES

    lists = {key for key in ROUTES if key.endswith("-list") or key.endswith(("-events", "-queue"))}
    lists = {k for k in lists if k.startswith("api:") and not k.startswith("api:webhook")}
    assert len(lists) == len(MERCHANT_LISTS) + len(OPERATOR_LISTS), sorted(lists)


def test_lists_cost_the_same_queries_at_any_page_size(client, world, operator):
    def queries(url: str, size: int, headers: dict) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"page_size": size}, **headers)
        assert response.status_code == 200, (url, response.content[:500])
        body = response.json()
        assert len(body["results"]) == size and body["next"], (url, size)
        return len(captured)

    # A key's first request of the minute records its use (one UPDATE): not part of any list.
    client.get("/api/v1/", **world["merchant"])
    client.get(PARTNER_LISTS[0], **world["partner"])
    checked = []
    for url in MERCHANT_LISTS:
        url = url.format(followed=world["followed"].pk)
        checked.append((url, queries(url, 2, world["merchant"]), queries(url, 30, world["merchant"])))
    for url in PARTNER_LISTS:
        checked.append((url, queries(url, 2, world["partner"]), queries(url, 30, world["partner"])))
    client.force_login(operator)
    for url in OPERATOR_LISTS:
        checked.append((url, queries(url, 2, {}), queries(url, 30, {})))
    assert [(url, few) for url, few, _ in checked] == [(url, many) for url, _, many in checked]
    assert all(few <= 10 for _, few, _ in checked), checked
