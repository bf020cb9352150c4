"""Schemathesis against the OpenAPI schema: generated requests to every operation of ``/api/v1/``.

The schema is the one ``/api/v1/schema/`` serves; requests go through the WSGI application to the
test database, seeded with the two merchants' world of the tenancy sweep (products, stock, inbound
plans and shipments, orders, outbound shipments, customs declarations, webhooks), with a merchant
API key holding every scope. Each answer must:

- never be a server error (``not_a_server_error``);
- have a status code the operation documents, the content type it documents, and a body (and the
  documented headers) that validate against its schema.

Bounded for CI, where it runs twice (SQLite, then PostgreSQL): a few examples per operation, no
deadline, derandomized (the same cases on every run), and no example database.
"""

import datetime
import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from tests import test_tenancy
from tests.api.conftest import us_order
from warehouses.api_keys import MERCHANT_SCOPES, api_key_create

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 15
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]

world = test_tenancy.world  # the two merchants' world, a fixture


def _schema():
    # Built from the views (nothing is read from the database), as /api/v1/schema/ serves it.
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(generated, default=str)))
    loaded.app = WSGIHandler()
    return loaded


schema = _schema()

# The object of A's each resource's ``{id}`` names instead of a generated id, for every even one:
# so about half the cases reach a real object (its answers, its writes), the others a missing one.
REAL_OBJECTS = {
    "/api/v1/products/": lambda w: w.a.products[0],
    "/api/v1/inventory/": lambda w: w.a.balances[-1],
    "/api/v1/warehouses/": lambda w: w.shared_warehouse,
    "/api/v1/inbound-plans/": lambda w: w.a.open_plan,  # packed, placement offered, not confirmed
    "/api/v1/inbound-shipments/": lambda w: w.a.shipment,
    "/api/v1/orders/": lambda w: w.a.order,
    "/api/v1/shipments/": lambda w: w.a.outbound,
    "/api/v1/customs-declarations/": lambda w: w.a.declared,
    "/api/v1/webhook-endpoints/": lambda w: w.a.webhook_endpoint,
    "/api/v1/webhook-deliveries/": lambda w: w.a.webhook_delivery,
}


def aim_at_a_real_object(case, world) -> None:
    parameters = case.path_parameters or {}
    generated = parameters.get("id")
    if not isinstance(generated, int) or generated % 2:
        return
    for prefix, real in REAL_OBJECTS.items():
        if case.path.startswith(prefix):
            parameters["id"] = real(world).pk
            if "option_id" in parameters:
                parameters["option_id"] = world.a.open_option_ids[0]
            return


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: a request's end must not close the connection that holds the
    test's transaction (the real WSGI handler would, and PostgreSQL then loses the data)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    # The generated requests far outrun the per-key rate: throttling would answer most of them 429.
    settings.CROSSDOCK_API_THROTTLE_RATES = {"api_key": None, "user": None, "anon": None}


@pytest.fixture
def full_key(world) -> str:
    return api_key_create(name="Schemathesis", scopes=list(MERCHANT_SCOPES), merchant=world.a.merchant)[1]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case, world, full_key):
    aim_at_a_real_object(case, world)
    case.call_and_validate(headers={"Authorization": f"Bearer {full_key}"}, checks=CHECKS)


# --- what Schemathesis found, pinned: each was a 500 or an undocumented answer ------------------


@pytest.fixture
def merchant_key(merchant, new_key) -> str:
    return new_key(merchant=merchant, scopes=list(MERCHANT_SCOPES))


def test_a_url_no_route_matches_is_a_404_in_the_error_format(client, merchant_key):
    for url in ("/api/v1/orders/0.5/", "/api/v1/inbound-plans/0.5/void/", "/api/v1/no-such-thing/"):
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {merchant_key}")
        assert response.status_code == 404, url
        assert response.json() == {"errors": [{"code": "not_found", "detail": "Not found.", "attr": None}]}
    assert "text/html" in client.get("/no-such-page/")["Content-Type"]  # the portal keeps its page


def test_an_invalid_cursor_is_a_documented_404(client, merchant_key):
    response = client.get("/api/v1/orders/", {"cursor": "garbage"}, HTTP_AUTHORIZATION=f"Bearer {merchant_key}")
    assert response.status_code == 404
    generated = SchemaGenerator().get_schema(request=None, public=True)
    assert "404" in generated["paths"]["/api/v1/orders/"]["get"]["responses"]


def test_times_take_any_utc_offset_iso_8601_allows(client, merchant, merchant_key, product):
    """PostgreSQL takes offsets up to ±15:59 only: the filter queries in UTC."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {merchant_key}"}
    created = product.created_at.astimezone(datetime.UTC)
    just_before = (created - datetime.timedelta(seconds=1)).astimezone(datetime.timezone(datetime.timedelta(hours=18)))
    listed = client.get("/api/v1/products/", {"created_after": just_before.isoformat()}, **auth)
    assert listed.status_code == 200, listed.content
    assert [p["id"] for p in listed.json()["results"]] == [product.pk]
    after = (created + datetime.timedelta(seconds=1)).astimezone(datetime.timezone(datetime.timedelta(hours=-19)))
    assert client.get("/api/v1/products/", {"created_after": after.isoformat()}, **auth).json()["results"] == []
    # A time UTC cannot hold: bad input, naming the parameter.
    response = client.get("/api/v1/orders/", {"created_after": "0001-01-01T00:00:00+05:00"}, **auth)
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["created_after"]


def test_null_characters_in_an_order_are_bad_input(client, merchant, merchant_key, product):
    """No text column takes a NUL character (PostgreSQL refuses it even in a query): 400, naming the field."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {merchant_key}"}
    order = us_order("NUL-1", lines=[(product.sku, 1)])
    with_nul_name = {**order, "destination": {**order["destination"], "contact_name": "Ada\x00"}}
    with_nul_sku = {**order, "lines": [{"sku": f"{product.sku}\x00", "quantity": 1}]}
    for body, attr in ((with_nul_name, "destination.contact_name"), (with_nul_sku, "lines.0.sku")):
        response = client.post("/api/v1/orders/", body, content_type="application/json", **auth)
        assert response.status_code == 400, response.content
        assert attr in [e["attr"] for e in response.json()["errors"]]
        bulk = client.post("/api/v1/orders/bulk/", {"orders": [body]}, content_type="application/json", **auth)
        assert bulk.status_code == 200 and bulk.json()["results"][0]["outcome"] == "rejected"
    preview = {"destination": order["destination"], "lines": with_nul_sku["lines"]}
    response = client.post("/api/v1/orders/preview/", preview, content_type="application/json", **auth)
    assert response.status_code == 400 and [e["attr"] for e in response.json()["errors"]] == ["lines.0.sku"]
    assert not merchant.orders.exists()
