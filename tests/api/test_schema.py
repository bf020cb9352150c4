"""The OpenAPI schema: valid without a warning, served offline, and true: real answers of the main
endpoints (successes and errors) validate against it with openapi-core."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from shipping.models import InboundPlan, Shipment
from tests.api.conftest import bearer, us_order
from tests.factories import PartnerFactory
from warehouses.api_keys import MERCHANT_SCOPES

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    with django_db_blocker.unblock():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return OpenAPI.from_dict(json.loads(json.dumps(schema, default=str)))


def test_the_schema_validates_without_a_warning(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=StringIO())
    text = out.read_text()
    assert "/api/v1/customs-declarations/{id}/reassess/" in text and "Idempotency-Key" in text


def test_the_schema_and_its_pages_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    body = schema.json()
    assert body["openapi"].startswith("3.")
    assert body["components"]["securitySchemes"]["ApiKey"] == {
        **body["components"]["securitySchemes"]["ApiKey"],
        "type": "http",
        "scheme": "bearer",
    }
    for url, asset in (("/api/v1/docs/", "swagger-ui-dist"), ("/api/v1/redoc/", "redoc")):
        page = client.get(url).content.decode()
        assert f"/static/drf_spectacular_sidecar/{asset}" in page, url
        assert "cdn" not in page.lower() and "//unpkg" not in page, url


class Api:
    """A client whose every answer is checked against the schema."""

    def __init__(self, client, openapi, headers):
        self.client, self.openapi, self.headers = client, openapi, headers

    def __call__(self, method: str, url: str, body=None, *, status: int, **headers):
        headers = {**self.headers, **headers}
        if method == "get":
            response = self.client.get(url, body or {}, **headers)
        else:
            data = json.dumps(body if body is not None else {})
            response = self.client.generic(method.upper(), url, data, content_type="application/json", **headers)
        assert response.status_code == status, (method, url, response.content[:2000])
        request = MockRequest(
            "http://testserver",
            method,
            response.wsgi_request.path,
            args=dict(response.wsgi_request.GET.items()),
            headers=dict(response.wsgi_request.headers.items()),
        )
        content_type = response["Content-Type"].split(";")[0]
        if content_type != "application/json":
            return response.content  # a PDF: its bytes are not JSON Schema's to check
        headers = {k: v for k, v in response.items() if k in ("Idempotent-Replayed", "Retry-After")}
        self.openapi.validate_response(request, MockResponse(response.content, status, headers, content_type))
        return response.json()


@pytest.fixture
def api(client, openapi, merchant, new_key):
    return Api(client, openapi, bearer(new_key(merchant=merchant, scopes=list(MERCHANT_SCOPES))))


PRODUCT = {
    "sku": "SCHEMA-1",
    "title": "Schema tee",
    "hs_code": "6109.10",
    "origin_country": "CN",
    "declared_value": "5.00",
    "declared_currency": "USD",
    "weight_kg": "0.200",
    "length_cm": "20.0",
    "width_cm": "15.0",
    "height_cm": "2.0",
}


def test_catalog_inventory_and_network_answers_match_the_schema(api, merchant, widget, stock):
    stock(widget, "US-ONT1", 10)
    created = api("post", "/api/v1/products/", PRODUCT, status=201)
    second = {**PRODUCT, "sku": "SCHEMA-2"}
    api("post", "/api/v1/products/", second, status=201, HTTP_IDEMPOTENCY_KEY="p-1")
    api("post", "/api/v1/products/", second, status=201, HTTP_IDEMPOTENCY_KEY="p-1")  # the replay
    api("post", "/api/v1/products/", PRODUCT, status=422, HTTP_IDEMPOTENCY_KEY="p-1")
    api("get", "/api/v1/products/", {"page_size": 1}, status=200)
    api("get", f"/api/v1/products/{created['id']}/", status=200)
    api("patch", f"/api/v1/products/{created['id']}/", {"title": "Renamed"}, status=200)
    api("post", "/api/v1/products/", {**PRODUCT, "weight_kg": "heavy"}, status=400)
    api("get", "/api/v1/products/999999/", status=404)
    api("get", "/api/v1/products/", {"size_tier": "enormous"}, status=400)
    balances = api("get", "/api/v1/inventory/", status=200)
    api("get", f"/api/v1/inventory/{balances['results'][0]['id']}/", status=200)
    warehouses = api("get", "/api/v1/warehouses/", status=200)
    api("get", f"/api/v1/warehouses/{warehouses['results'][0]['id']}/", status=200)


def test_order_and_shipment_answers_match_the_schema(api, merchant, widget, stock, shipped_order, held_parcel):
    stock(widget, "US-ONT1", 10)
    order = api("post", "/api/v1/orders/", us_order("SCHEMA-ORD-1"), status=201)
    api("post", "/api/v1/orders/", us_order("SCHEMA-ORD-1"), status=409)
    api("post", "/api/v1/orders/", {**us_order("SCHEMA-ORD-2"), "lines": [{"sku": "NOPE", "quantity": 1}]}, status=400)
    api("get", "/api/v1/orders/", {"status": "planning"}, status=200)
    api("get", f"/api/v1/orders/{order['id']}/", status=200)
    api("post", "/api/v1/orders/bulk/", {"orders": [us_order("SCHEMA-ORD-3"), {"mode": "teleport"}]}, status=200)
    api("post", "/api/v1/orders/preview/", {k: us_order()[k] for k in ("destination", "lines")}, status=200)
    api("post", f"/api/v1/orders/{order['id']}/cancel/", {"reason": "Changed my mind"}, status=200)
    query = {"product": "WIDGET-1", "destination_country": "US", "monthly_volume": 100}
    api("get", "/api/v1/quotes/compare/", query, status=200)
    api("post", "/api/v1/quotes/compare/", query, status=200)

    shipment = shipped_order("SCHEMA-ORD-4")
    api("get", "/api/v1/shipments/", status=200)
    api("get", f"/api/v1/shipments/{shipment.pk}/", status=200)
    api("get", f"/api/v1/shipments/{shipment.pk}/events/", status=200)
    api("get", f"/api/v1/shipments/{shipment.pk}/events/", {"occurred_after": "yesterday"}, status=400)

    held = held_parcel()
    api("get", "/api/v1/customs-declarations/", {"held": "true"}, status=200)
    api("get", f"/api/v1/customs-declarations/{held.pk}/", status=200)
    api("post", f"/api/v1/customs-declarations/{held.pk}/reassess/", status=200)
    api("post", f"/api/v1/customs-declarations/{held.pk}/reassess/", status=409)


def test_inbound_answers_match_the_schema(api, merchant, widget, order_network):
    plan = api(
        "post",
        "/api/v1/inbound-plans/",
        {"mode": "global_warehouse", "destination_country": "US", "items": [{"sku": "WIDGET-1", "quantity": 4}]},
        status=201,
    )
    box = {"weight_kg": "2.00", "length_cm": "30.0", "width_cm": "20.0", "height_cm": "20.0"}
    boxes = {"boxes": [{**box, "contents": [{"sku": "WIDGET-1", "quantity": 4}]}]}
    api("put", f"/api/v1/inbound-plans/{plan['id']}/boxes/", boxes, status=200)
    options = api("post", f"/api/v1/inbound-plans/{plan['id']}/placement-options/", status=201)
    api("get", f"/api/v1/inbound-plans/{plan['id']}/placement-options/", status=200)
    url = f"/api/v1/inbound-plans/{plan['id']}/placement-options/{options[0]['option_id']}/confirm/"
    [shipment] = api("post", url, status=201)
    api("post", f"/api/v1/inbound-plans/{plan['id']}/void/", status=409)
    api("get", "/api/v1/inbound-plans/", status=200)
    api("get", f"/api/v1/inbound-plans/{plan['id']}/", status=200)
    api("get", "/api/v1/inbound-shipments/", {"sku": "widget-1"}, status=200)
    api("get", f"/api/v1/inbound-shipments/{shipment['id']}/", status=200)
    api("post", f"/api/v1/inbound-shipments/{shipment['id']}/mark-shipped/", status=409)
    labels = api("get", f"/api/v1/inbound-shipments/{shipment['id']}/labels/", status=200)
    assert labels.startswith(b"%PDF")
    assert InboundPlan.objects.get(pk=plan["id"]).merchant == merchant


def test_refusals_match_the_schema(client, openapi, merchant, new_key, operator, held_parcel):
    anonymous = Api(client, openapi, {})
    anonymous("get", "/api/v1/orders/", status=401)
    narrow = Api(client, openapi, bearer(new_key(merchant=merchant, scopes=["products:read"])))
    narrow("get", "/api/v1/orders/", status=403)
    partner = Api(client, openapi, bearer(new_key(partner=PartnerFactory())))
    partner("get", "/api/v1/partner/shipments/", status=200)
    partner("get", "/api/v1/partner/shipments/NOPE/", status=404)

    held = held_parcel()
    client.force_login(operator)
    desk = Api(client, openapi, {})
    desk("get", "/api/v1/customs/holds/", status=200)
    desk("post", f"/api/v1/customs/holds/{held.pk}/reject/", {"reason": "teleported"}, status=400)
    desk("post", f"/api/v1/customs/holds/{held.pk}/release/", {"version": held.version - 1}, status=409)
    desk("post", f"/api/v1/customs/holds/{held.pk}/release/", {"note": "Papers arrived"}, status=200)
    assert Shipment.objects.get(pk=held.pk).customs_status == Shipment.CustomsStatus.CLEARED
