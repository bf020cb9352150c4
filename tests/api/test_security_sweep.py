"""The API security sweep: every ``/api/v1/`` route, reached with bearer keys.

Two merchants (A and B, the world of ``tests/test_tenancy.py``) and two partners. Every route of
the API must be listed in ``API_SWEEP`` with what it is (a merchant's object, a merchant's list or
query, the network, the partner API, the operators' desk, the public schema) and the scope family
it needs, so a new endpoint fails ``test_every_api_route_is_in_the_sweep`` until it joins. Then:

- A's full-scope key: every method on B's objects is 404 (like a missing id) and changes nothing;
  lists, whatever the filters name of B's, hold A's rows only;
- A's read-only key (every ``:read`` scope): every write is 403 and changes nothing;
- a key without a family's scopes: 403 on every route of that family;
- a body naming B's objects (SKUs, option ids) is refused naming the field, and nothing is written;
  ``test_every_reference_in_a_request_body_is_swept`` keeps that list complete;
- a partner's key sees only its warehouses' shipments and no merchant endpoint; a merchant's key
  reaches no partner endpoint; operator endpoints refuse both; a revoked key is 401 everywhere.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db.models import Model, QuerySet
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator

from integrations.models import IdempotencyKey
from merchants.models import Product
from orders.models import Order
from shipping.models import InboundPlan, InboundShipment, Shipment, TrackingEvent
from shipping.services.shipments import shipments_create
from tests import test_tenancy
from tests.api.conftest import bearer, error
from tests.factories import PartnerFactory, WarehouseFactory
from tests.orders.conftest import us_order
from tests.shipping.test_partner import DESTINATION, ROUTE
from tests.test_tenancy import (
    API_PREFIX,
    HIJACK_JSON,
    OWNED,
    SWEEP,
    WRITE_METHODS,
    Route,
    World,
    _implemented_methods,
    _walk,
    assert_nothing_of_b,
    missing_pk,
    rows_of,
    state,
)
from warehouses.api_keys import MERCHANT_SCOPES, PARTNER_SCOPES, api_key_create, api_keys_revoke
from warehouses.models import ApiKey, InventoryBalance, Partner, Warehouse
from warehouses.modes import WarehouseRole
from warehouses.services.inventory import inventory_adjust
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

JSON = "application/json"
# The two merchants' world of the tenancy sweep, a fixture.
world = test_tenancy.world
FAMILIES = sorted({scope.split(":")[0] for scope in MERCHANT_SCOPES})
READ_SCOPES = [scope for scope in MERCHANT_SCOPES if scope.endswith(":read")]

# --- the sweep table: every API route, what it is and the scope family it needs ---------------

MERCHANT_OBJECT = "merchant_object"  # the URL names a merchant's object: B's must be 404
MERCHANT_COLLECTION = "merchant_collection"  # no id: a merchant's list, create or query
NETWORK = "network"  # the warehouses: the same for every merchant key, refused to partner keys
PARTNER = "partner"  # /api/v1/partner/: partner keys only, scoped to the key's partner
OPERATOR = "operator"  # platform staff (session) only: every key is refused
PUBLIC = "public"  # the schema, its pages and the API root: nobody's data


@dataclass(frozen=True)
class Entry:
    kind: str
    family: str | None = None  # the scope family a merchant route needs
    # MERCHANT_COLLECTION lists: A's rows, which the list must hold, and nothing else.
    a_rows: Callable[[World], QuerySet] | None = None


def _a(model: type[Model], lookup: str = "merchant") -> Callable[[World], QuerySet]:
    return lambda world: model.objects.filter(**{lookup: world.a.merchant})


API_SWEEP: dict[str, Entry] = {
    "api:api-root": Entry(PUBLIC),
    "api:schema": Entry(PUBLIC),
    "api:swagger-ui": Entry(PUBLIC),
    "api:redoc": Entry(PUBLIC),
    "api:product-list": Entry(MERCHANT_COLLECTION, "products", _a(Product)),
    "api:product-detail": Entry(MERCHANT_OBJECT, "products"),
    "api:inventory-list": Entry(MERCHANT_COLLECTION, "inventory", _a(InventoryBalance)),
    "api:inventory-detail": Entry(MERCHANT_OBJECT, "inventory"),
    "api:warehouse-list": Entry(NETWORK),
    "api:warehouse-detail": Entry(NETWORK),
    "api:inbound-plan-list": Entry(MERCHANT_COLLECTION, "inbound", _a(InboundPlan)),
    "api:inbound-plan-detail": Entry(MERCHANT_OBJECT, "inbound"),
    "api:inbound-plan-items": Entry(MERCHANT_OBJECT, "inbound"),
    "api:inbound-plan-boxes": Entry(MERCHANT_OBJECT, "inbound"),
    "api:inbound-plan-placement-options": Entry(MERCHANT_OBJECT, "inbound"),
    "api:inbound-plan-confirm-placement-option": Entry(MERCHANT_OBJECT, "inbound"),
    "api:inbound-plan-void": Entry(MERCHANT_OBJECT, "inbound"),
    "api:inbound-shipment-list": Entry(MERCHANT_COLLECTION, "inbound", _a(InboundShipment)),
    "api:inbound-shipment-detail": Entry(MERCHANT_OBJECT, "inbound"),
    "api:inbound-shipment-transport": Entry(MERCHANT_OBJECT, "inbound"),
    "api:inbound-shipment-labels": Entry(MERCHANT_OBJECT, "inbound"),
    "api:inbound-shipment-mark-shipped": Entry(MERCHANT_OBJECT, "inbound"),
    "api:inbound-shipment-cancel": Entry(MERCHANT_OBJECT, "inbound"),
    "api:order-list": Entry(MERCHANT_COLLECTION, "orders", _a(Order)),
    "api:order-bulk": Entry(MERCHANT_COLLECTION, "orders"),
    "api:order-preview": Entry(MERCHANT_COLLECTION, "orders"),
    "api:order-detail": Entry(MERCHANT_OBJECT, "orders"),
    "api:order-cancel": Entry(MERCHANT_OBJECT, "orders"),
    "api:quote-compare": Entry(MERCHANT_COLLECTION, "quotes"),
    "api:shipment-list": Entry(MERCHANT_COLLECTION, "shipments", _a(Shipment)),
    "api:shipment-detail": Entry(MERCHANT_OBJECT, "shipments"),
    "api:shipment-events": Entry(MERCHANT_OBJECT, "shipments"),
    "api:customs-declaration-list": Entry(
        MERCHANT_COLLECTION, "customs", lambda w: Shipment.objects.filter(merchant=w.a.merchant, crosses_border=True)
    ),
    "api:customs-declaration-detail": Entry(MERCHANT_OBJECT, "customs"),
    "api:customs-declaration-reassess": Entry(MERCHANT_OBJECT, "customs"),
    "api:webhook-endpoint-list": Entry(MERCHANT_COLLECTION, "webhooks", _a(WebhookEndpoint)),
    "api:webhook-endpoint-detail": Entry(MERCHANT_OBJECT, "webhooks"),
    "api:webhook-endpoint-rotate-secret": Entry(MERCHANT_OBJECT, "webhooks"),
    "api:webhook-endpoint-enable": Entry(MERCHANT_OBJECT, "webhooks"),
    "api:webhook-endpoint-disable": Entry(MERCHANT_OBJECT, "webhooks"),
    "api:webhook-endpoint-test": Entry(MERCHANT_OBJECT, "webhooks"),
    "api:webhook-delivery-list": Entry(MERCHANT_COLLECTION, "webhooks", _a(WebhookDelivery, "endpoint__merchant")),
    "api:webhook-delivery-detail": Entry(MERCHANT_OBJECT, "webhooks"),
    "api:webhook-delivery-redeliver": Entry(MERCHANT_OBJECT, "webhooks"),
    "api:receiving-warehouse-check-in": Entry(OPERATOR),
    "api:receiving-warehouse-count": Entry(OPERATOR),
    "api:receiving-warehouse-queue": Entry(OPERATOR),
    "api:receiving-shipment-in-transit": Entry(OPERATOR),
    "api:receiving-shipment-customs-release": Entry(OPERATOR),
    "api:receiving-shipment-close": Entry(OPERATOR),
    "api:customs-hold-list": Entry(OPERATOR),
    "api:customs-hold-release": Entry(OPERATOR),
    "api:customs-hold-reject": Entry(OPERATOR),
    "partner-api:shipment-list": Entry(PARTNER),
    "partner-api:shipment-detail": Entry(PARTNER),
    "partner-api:shipment-events": Entry(PARTNER),
}


API_URL_PATTERNS = get_resolver().url_patterns


def api_routes() -> dict[str, Route]:
    """Every route under ``/api/v1/``, by ``api:<name>`` (or ``<namespace>:<name>``)."""
    routes = {}
    for route, namespace, pattern in _walk(API_URL_PATTERNS):
        if not route.startswith(API_PREFIX) or "format" in pattern.pattern.regex.groupindex:
            continue  # outside the API, or DRF's format-suffix twin of a route (same view)
        assert pattern.name, f"{route} has no name, so it cannot be swept"
        key = f"{namespace or 'api'}:{pattern.name}"
        url_name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        assert key not in routes, f"{key} is defined twice"
        kwargs = frozenset(pattern.pattern.regex.groupindex)
        routes[key] = Route(key, url_name, kwargs, _implemented_methods(pattern))
    return routes


API_ROUTES = api_routes()


def keys_of(kind: str, family: str | None = None) -> list[str]:
    return sorted(k for k, e in API_SWEEP.items() if e.kind == kind and (family is None or e.family == family))


# --- the world's extras: keys, and shipments at two partners' warehouses -----------------------


@dataclass
class Keys:
    full: str  # A: every merchant scope
    read_only: str  # A: every :read scope
    b_full: str  # B: every merchant scope
    partner: str  # the partner of DE-BRV4 (B ships from there)
    other_partner: str  # another partner, with its own warehouse (A ships from there)
    revoked: str  # A: every merchant scope, revoked
    revoked_partner: str


@dataclass
class Partners:
    mine: Partner
    other: Partner
    mine_shipment: Shipment  # B's parcel from DE-BRV4
    other_shipment: Shipment  # A's parcel from the other partner's US-OTH1


def partner_shipment(merchant, warehouse: Warehouse, product, order_id: str) -> Shipment:
    """A virtual-warehouse parcel sent from ``warehouse``, as the order flow creates it."""
    inventory_adjust(product=product, warehouse=warehouse, bucket="reserved", quantity=1, reason="adjustment")
    spec = {
        "merchant_id": merchant.pk,
        "mode_id": "virtual_warehouse",
        "merchant_order_id": order_id,
        "source_warehouse_id": warehouse.pk,
        "origin_country": warehouse.country.code,
        "route": ROUTE,
        "lines": [(product.pk, 1, Decimal("9.00"), "USD")],
        **DESTINATION,
    }
    [shipment] = shipments_create(specs=[spec])
    return Shipment.objects.get(pk=shipment.pk)


@pytest.fixture
def partners(world) -> Partners:
    mine = Warehouse.objects.get(code="DE-BRV4").partner
    other = PartnerFactory(name="Other 3PL")
    other_warehouse = WarehouseFactory(
        code="US-OTH1", role=WarehouseRole.PARTNER_3PL, operator="partner", partner=other
    )
    return Partners(
        mine=mine,
        other=other,
        mine_shipment=partner_shipment(
            world.b.merchant, Warehouse.objects.get(code="DE-BRV4"), world.b.products[0], "BRAVO-VW-1"
        ),
        other_shipment=partner_shipment(world.a.merchant, other_warehouse, world.a.products[0], "ALPHA-VW-1"),
    )


@pytest.fixture
def keys(world, partners) -> Keys:
    def new(scopes, **owner) -> str:
        return api_key_create(name="Sweep", scopes=list(scopes), **owner)[1]

    revoked, revoked_partner = (
        new(MERCHANT_SCOPES, merchant=world.a.merchant),
        new(PARTNER_SCOPES, partner=partners.mine),
    )
    api_keys_revoke(api_keys=ApiKey.objects.filter(name="Sweep"))
    return Keys(
        full=new(MERCHANT_SCOPES, merchant=world.a.merchant),
        read_only=new(READ_SCOPES, merchant=world.a.merchant),
        b_full=new(MERCHANT_SCOPES, merchant=world.b.merchant),
        partner=new(PARTNER_SCOPES, partner=partners.mine),
        other_partner=new(PARTNER_SCOPES, partner=partners.other),
        revoked=revoked,
        revoked_partner=revoked_partner,
    )


# --- requests ------------------------------------------------------------------------------


def send(client, method: str, url: str, key: str | None, body=None, query: dict | None = None):
    headers = bearer(key) if key else {}
    if method == "GET":
        return client.get(url, query or {}, **headers)
    data = json.dumps(HIJACK_JSON if body is None else body)
    return client.generic(method, url, data, content_type=JSON, **headers)


def url_of(world: World, partners: Partners, key: str, side: str = "a") -> str:
    """The route's URL, naming the side's object (merchant objects), or one of the others."""
    entry, route = API_SWEEP[key], API_ROUTES[key]
    if entry.kind == MERCHANT_OBJECT:
        return route.url(**SWEEP[key].kwargs(world, side))
    if entry.kind == PARTNER and route.kwargs:
        return route.url(tracking_number=partners.mine_shipment.tracking_number)
    if entry.kind == NETWORK and route.kwargs:
        return route.url(pk=world.shared_warehouse.pk)
    if entry.kind == OPERATOR:
        return route.url(**SWEEP[key].shared_kwargs(world)[0])
    return route.url()


def valid_bodies(world: World) -> dict[tuple[str, str], dict]:
    """Requests to the collections that succeed with A's full key: were a refused key let through,
    each would write (or, for the read-only POSTs, answer)."""
    sku = world.a.products[0].sku
    preview = {"destination": us_order()["destination"], "lines": [{"sku": sku, "quantity": 1}]}
    return {
        ("api:product-list", "POST"): {**HIJACK_JSON, "sku": "SWEEP-NEW-1"},
        ("api:order-list", "POST"): us_order("SWEEP-ORD-1", lines=[(sku, 1)]),
        ("api:order-bulk", "POST"): {"orders": [us_order("SWEEP-BULK-1", lines=[(sku, 1)])]},
        ("api:order-preview", "POST"): preview,
        ("api:quote-compare", "POST"): {"product": sku, "destination_country": "US", "monthly_volume": 10},
        ("api:inbound-plan-list", "POST"): {
            "mode": "global_warehouse",
            "destination_country": "US",
            "items": [{"sku": sku, "quantity": 3}],
        },
        ("api:webhook-endpoint-list", "POST"): {"url": "https://hooks.alpha-goods.example/sweep"},
    }


def everything(world: World) -> dict:
    """What any write could change: both merchants' rows, the keys and the stored idempotent answers."""
    return {
        "a": rows_of(world.a.merchant),
        "b": rows_of(world.b.merchant),
        "warehouses": list(Warehouse.objects.order_by("pk").values()),
        "api_keys": list(ApiKey.objects.order_by("pk").values("pk", "revoked_at", "scopes")),
        "idempotency": IdempotencyKey.objects.count(),
    }


def the_writes(world: World, partners: Partners, keys_: list[str]):
    """(route, method, url, body) for every write method of the routes, on A's objects."""
    bodies = valid_bodies(world)
    for key in keys_:
        route = API_ROUTES[key]
        for method in sorted(route.methods & set(WRITE_METHODS)):
            yield key, method, url_of(world, partners, key), bodies.get((key, method))


def reads_only(key: str, method: str) -> bool:
    """A POST that changes nothing (a preview), allowed with the family's read scope."""
    callback = _callback(API_ROUTES[key])
    action = callback.actions.get(method.lower()) if getattr(callback, "actions", None) else None
    return method != "GET" and action in getattr(callback.cls, "read_actions", ())


def _callback(route: Route):
    for _, namespace, pattern in _walk(API_URL_PATTERNS):
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        if name == route.url_name:
            return pattern.callback
    raise LookupError(route.key)


# --- the table is complete and true ----------------------------------------------------------------


def test_every_api_route_is_in_the_sweep():
    unknown = sorted(set(API_ROUTES) - set(API_SWEEP))
    stale = sorted(set(API_SWEEP) - set(API_ROUTES))
    assert not unknown, f"API routes missing from the security sweep (add them to API_SWEEP): {unknown}"
    assert not stale, f"API_SWEEP lists routes that no longer exist: {stale}"


def test_the_sweep_table_matches_the_views():
    for key, entry in API_SWEEP.items():
        route, callback = API_ROUTES[key], _callback(API_ROUTES[key])
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        family = getattr(view_class, "scope_family", None)
        assert entry.family == family, f"{key}: the view takes {family!r} scopes, the table says {entry.family!r}"
        if entry.kind == MERCHANT_OBJECT:
            assert SWEEP[key].kind == OWNED, f"{key}: the tenancy sweep must say how to reach B's object"
            assert route.kwargs, key
        if entry.kind in (MERCHANT_COLLECTION, PUBLIC):
            assert not route.kwargs - {"format"}, f"{key} takes {set(route.kwargs)}: it names an object"
        if entry.kind == MERCHANT_COLLECTION and "GET" in route.methods and key != "api:quote-compare":
            assert entry.a_rows is not None, f"{key}: say which rows of A's the list holds"
        if entry.kind == PARTNER:
            assert key.startswith("partner-api:"), key
        if entry.kind in (NETWORK, PUBLIC, OPERATOR, PARTNER):
            assert family is None, key


# --- merchant keys: B's objects and rows -----------------------------------------------------


def test_b_objects_are_404_to_a_full_key_and_unchanged(client, world, partners, keys):
    before = everything(world)
    for key in keys_of(MERCHANT_OBJECT):
        route, target = API_ROUTES[key], SWEEP[key]
        theirs = target.objects(world, "b")
        theirs_before = state(theirs)
        nowhere = route.url(**target.kwargs(world, "b", pk=missing_pk(type(theirs))))
        for method in ["GET", *WRITE_METHODS]:
            response = send(client, method, url_of(world, partners, key, side="b"), keys.full)
            if method in route.methods:
                expected = {404}
            else:  # a method the route lacks: 405, or 403 first where no key can hold the family's write scope
                expected = {405} if f"{API_SWEEP[key].family}:write" in MERCHANT_SCOPES else {403, 405}
            assert response.status_code in expected, f"{method} {key} on B's object: {response.status_code}"
            missing = send(client, method, nowhere, keys.full)
            assert (response.status_code, response.content) == (missing.status_code, missing.content), (method, key)
            assert state(theirs) == theirs_before, f"{method} {key} changed B's object"
    assert everything(world) == before


def test_own_objects_answer_a_full_key(client, world, partners, keys):
    """The positive control: the same routes reach A's objects (a 404 above is scoping, not a typo)."""
    for key in keys_of(MERCHANT_OBJECT):
        method, status = SWEEP[key].control
        response = send(client, method, url_of(world, partners, key), keys.full, body={})
        assert response.status_code == status, f"{method} {key} on A's object: {response.status_code}"


def b_probes(world: World) -> list[dict]:
    """Filters naming B's things: the list must stay A's, never widen to B's."""
    b = world.b
    return [
        {},
        {"sku": b.products[0].sku},
        {"q": b.products[0].sku},
        {"warehouse": "CN-BRV1"},
        {"plan": str(b.plan.pk)},
        {"order_id": str(b.outbound.order_id)},
        {"merchant_order_id": b.order.merchant_order_id},
        {"tracking_number": b.outbound.tracking_number},
        {"endpoint": str(b.webhook_endpoint.pk)},
        {"event_id": b.webhook_delivery.event_id},
        {"merchant": str(b.merchant.pk)},
    ]


def test_lists_hold_a_rows_only(client, world, partners, keys):
    for key in keys_of(MERCHANT_COLLECTION):
        entry = API_SWEEP[key]
        if entry.a_rows is None:
            continue  # a POST or a query, swept by the body tests below
        a_ids = set(entry.a_rows(world).values_list("pk", flat=True))
        assert a_ids, f"{key}: A has rows, so the control below can fail"
        url = url_of(world, partners, key)
        listed = send(client, "GET", url, keys.full, query={"page_size": 200})
        assert listed.status_code == 200, key
        assert {row["id"] for row in listed.json()["results"]} == a_ids, f"{key} lists other rows than A's"
        for probe in b_probes(world):
            response = send(client, "GET", url, keys.full, query={**probe, "page_size": 200})
            assert response.status_code in (200, 400), f"{key} {probe}"
            if response.status_code == 200:
                ids = {row["id"] for row in response.json()["results"]}
                assert ids <= a_ids, f"{key} {probe} lists B's rows: {ids - a_ids}"
            assert_nothing_of_b(response, world, f"{key} {probe}", echoed=probe)


# --- merchant keys: scopes --------------------------------------------------------------------


def test_a_read_only_key_writes_nothing(client, world, partners, keys):
    merchant_routes = keys_of(MERCHANT_OBJECT) + keys_of(MERCHANT_COLLECTION)
    writes = list(the_writes(world, partners, merchant_routes))
    assert len(writes) >= 25
    before = everything(world)
    for key, method, url, body in writes:
        response = send(client, method, url, keys.read_only, body)
        if reads_only(key, method):
            assert response.status_code == 200, f"{method} {key} only reads: {response.content[:300]}"
            continue
        assert response.status_code == 403, f"{method} {key} with a read-only key: {response.status_code}"
        family = API_SWEEP[key].family
        assert error(response) == {
            "code": "insufficient_scope",
            "detail": f"This API key lacks the {family}:write scope.",
            "attr": None,
        }, (method, key)
    assert everything(world) == before
    # Every read answers that key.
    for key in merchant_routes:
        if "GET" in API_ROUTES[key].methods and key != "api:quote-compare":  # compare needs its input
            response = send(client, "GET", url_of(world, partners, key), keys.read_only)
            assert response.status_code == 200, f"GET {key} with a read-only key: {response.status_code}"
    # The positive control: the bodies above are real writes, which the full key makes.
    for (key, method), body in valid_bodies(world).items():
        response = send(client, method, API_ROUTES[key].url(), keys.full, body)
        assert response.status_code in (200, 201), f"{method} {key}: {response.content[:300]}"
    assert everything(world) != before


@pytest.mark.parametrize("family", FAMILIES)
def test_a_key_without_the_family_scopes_is_refused_there(client, world, partners, keys, family):
    others = [scope for scope in MERCHANT_SCOPES if not scope.startswith(f"{family}:")]
    without = api_key_create(name="Without", scopes=others, merchant=world.a.merchant)[1]
    only = api_key_create(
        name="Only", scopes=[s for s in MERCHANT_SCOPES if s.startswith(f"{family}:")], merchant=world.a.merchant
    )[1]
    routes = keys_of(MERCHANT_OBJECT, family) + keys_of(MERCHANT_COLLECTION, family)
    assert routes, family
    bodies = valid_bodies(world)
    before = everything(world)
    for key in routes:
        for method in sorted(API_ROUTES[key].methods):
            url, body = url_of(world, partners, key), bodies.get((key, method))
            response = send(client, method, url, without, body)
            assert response.status_code == 403, f"{method} {key} without {family} scopes: {response.status_code}"
            assert error(response)["code"] == "insufficient_scope", (method, key)
            assert f" {family}:" in error(response)["detail"], (method, key)
    assert everything(world) == before
    # The positive control: the family's own scopes get past the permission.
    for key in routes:
        method = "GET" if "GET" in API_ROUTES[key].methods else sorted(API_ROUTES[key].methods)[0]
        response = send(client, method, url_of(world, partners, key), only, bodies.get((key, method), {}))
        assert response.status_code not in (401, 403), f"{method} {key} with only {family} scopes"


# --- no reference to another merchant's object in a body ----------------------------------------

# Every property of a request body that names an object, per operation ("POST /api/v1/orders/"),
# as a path (``lines.sku``): swept by a test below, or exempt with the reason.
BODY_REFERENCES = {
    ("POST", "/api/v1/inbound-plans/"): {"items.sku": "test_inbound_bodies_never_take_b_skus_or_options"},
    ("POST", "/api/v1/inbound-plans/{id}/items/"): {"items.sku": "test_inbound_bodies_never_take_b_skus_or_options"},
    ("PUT", "/api/v1/inbound-plans/{id}/items/"): {"items.sku": "test_inbound_bodies_never_take_b_skus_or_options"},
    ("POST", "/api/v1/inbound-plans/{id}/boxes/"): {
        "boxes.contents.sku": "test_inbound_bodies_never_take_b_skus_or_options"
    },
    ("PUT", "/api/v1/inbound-plans/{id}/boxes/"): {
        "boxes.contents.sku": "test_inbound_bodies_never_take_b_skus_or_options"
    },
    ("POST", "/api/v1/orders/"): {
        "lines.sku": "test_order_bodies_never_take_b_skus",
        "merchant_order_id": "exempt: the merchant's own id of the order, unique per merchant (B's is free at A)",
    },
    ("POST", "/api/v1/orders/bulk/"): {
        "orders.lines.sku": "test_order_bodies_never_take_b_skus",
        "orders.merchant_order_id": "exempt: the merchant's own id of the order",
    },
    ("POST", "/api/v1/orders/preview/"): {"lines.sku": "test_order_bodies_never_take_b_skus"},
    ("POST", "/api/v1/quotes/compare/"): {"product": "test_order_bodies_never_take_b_skus"},
    ("POST", "/api/v1/products/"): {"sku": "exempt: the new product's own SKU, unique per merchant"},
    ("PUT", "/api/v1/products/{id}/"): {"sku": "exempt: the product's own SKU, unique per merchant"},
    ("PATCH", "/api/v1/products/{id}/"): {"sku": "exempt: the product's own SKU, unique per merchant"},
    ("POST", "/api/v1/partner/shipments/{tracking_number}/events/"): {
        "event_id": "exempt: the partner's own id of the event, per shipment"
    },
    ("POST", "/api/v1/receiving/warehouses/{code}/check-in/"): {
        "box_id": "exempt: the operators' dock, every merchant's boxes on purpose (staff only)"
    },
    ("POST", "/api/v1/receiving/warehouses/{code}/count/"): {
        "box_id": "exempt: the operators' dock, every merchant's boxes on purpose (staff only)"
    },
}
REFERENCE_NAMES = {"sku", "product", "plan", "shipment", "warehouse", "endpoint", "order", "delivery", "option"}


def _is_reference(name: str) -> bool:
    return name in REFERENCE_NAMES or name.endswith(("_id", "_ids", "_sku", "_skus"))


def _references(schema: dict, components: dict, prefix: str = "") -> set[str]:
    if "$ref" in schema:
        return _references(components[schema["$ref"].rsplit("/", 1)[1]], components, prefix)
    found = set()
    for variant in schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", []):
        found |= _references(variant, components, prefix)
    if "items" in schema:
        found |= _references(schema["items"], components, prefix)
    for name, inner in (schema.get("properties") or {}).items():
        path = f"{prefix}{name}"
        if _is_reference(name):
            found.add(path)
        found |= _references(inner, components, f"{path}.")
    if isinstance(schema.get("additionalProperties"), dict):
        found |= _references(schema["additionalProperties"], components, prefix)
    return found


def test_every_reference_in_a_request_body_is_swept():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get(JSON)
            refs = _references(body["schema"], components) if body else set()
            if refs:
                found[(method.upper(), path)] = refs
    assert {op: set(refs) for op, refs in BODY_REFERENCES.items()} == found, (
        "A request body names objects the sweep does not cover: add them to BODY_REFERENCES with their test"
    )
    for refs in BODY_REFERENCES.values():
        for covered_by in refs.values():
            assert covered_by.startswith("exempt: ") or covered_by in globals(), covered_by


def assert_refused_naming(response, attr: str, where: str) -> None:
    assert response.status_code in (400, 404), f"{where}: {response.status_code} {response.content[:300]}"
    if response.status_code == 400:
        assert attr in [e["attr"] for e in response.json()["errors"]], f"{where}: {response.json()}"


def test_inbound_bodies_never_take_b_skus_or_options(client, world, partners, keys):
    plan, b_sku = world.a.open_plan, world.b.products[0].sku
    box = {"weight_kg": "2.00", "length_cm": "30.0", "width_cm": "20.0", "height_cm": "20.0"}
    plan_body = {"mode": "global_warehouse", "destination_country": "US"}
    before = everything(world)
    for sku in (b_sku, b_sku.lower()):
        for method, url, body, attr in (
            ("POST", "/api/v1/inbound-plans/", {**plan_body, "items": [{"sku": sku, "quantity": 3}]}, "items.0.sku"),
            (
                "POST",
                f"/api/v1/inbound-plans/{plan.pk}/items/",
                {"items": [{"sku": sku, "quantity": 3}]},
                "items.0.sku",
            ),
            ("PUT", f"/api/v1/inbound-plans/{plan.pk}/items/", {"items": [{"sku": sku, "quantity": 3}]}, "items.0.sku"),
            *(
                (
                    method,
                    f"/api/v1/inbound-plans/{plan.pk}/boxes/",
                    {"boxes": [{**box, "contents": [{"sku": sku, "quantity": 5}]}]},
                    "boxes.0.contents.0.sku",
                )
                for method in ("POST", "PUT")
            ),
        ):
            response = send(client, method, url, keys.full, body)
            assert_refused_naming(response, attr, f"{method} {url} with B's SKU {sku}")
            nowhere = send(client, method, url, keys.full, json.loads(json.dumps(body).replace(sku, "NOWHERE-1")))
            assert response.content.replace(sku.encode(), b"NOWHERE-1") == nowhere.content, (method, url)
    # B's placement option, through A's plan: 404, like an option that does not exist.
    for option_id in (world.b.open_option_ids[0], world.b.option_ids[0]):
        url = f"/api/v1/inbound-plans/{plan.pk}/placement-options/{option_id}/confirm/"
        assert send(client, "POST", url, keys.full, {}).status_code == 404, option_id
    assert everything(world) == before
    # The positive control: A's own SKU, and A's own option, go through.
    own = send(
        client,
        "POST",
        "/api/v1/inbound-plans/",
        keys.full,
        {**plan_body, "items": [{"sku": world.a.products[0].sku, "quantity": 3}]},
    )
    assert own.status_code == 201, own.content
    url = f"/api/v1/inbound-plans/{plan.pk}/placement-options/{world.a.open_option_ids[0]}/confirm/"
    assert send(client, "POST", url, keys.full, {}).status_code == 201
    assert rows_of(world.b.merchant) == before["b"]


def test_order_bodies_never_take_b_skus(client, world, partners, keys):
    b_sku, destination = world.b.products[0].sku, us_order()["destination"]
    before = everything(world)
    for sku in (b_sku, b_sku.lower()):
        for method, url, body, attr in (
            ("POST", "/api/v1/orders/", us_order("SWEEP-B-1", lines=[(sku, 1)]), "lines.0.sku"),
            (
                "POST",
                "/api/v1/orders/preview/",
                {"destination": destination, "lines": [{"sku": sku, "quantity": 1}]},
                "lines.0.sku",
            ),
            (
                "POST",
                "/api/v1/quotes/compare/",
                {"product": sku, "destination_country": "US", "monthly_volume": 5},
                "product",
            ),
        ):
            response = send(client, method, url, keys.full, body)
            assert_refused_naming(response, attr, f"{method} {url} with B's SKU {sku}")
            nowhere = send(client, method, url, keys.full, json.loads(json.dumps(body).replace(sku, "NOWHERE-1")))
            assert response.content.replace(sku.encode(), b"NOWHERE-1") == nowhere.content, (method, url)
        query = {"product": sku, "destination_country": "US", "monthly_volume": 5}
        response = send(client, "GET", "/api/v1/quotes/compare/", keys.full, query=query)
        assert_refused_naming(response, "product", f"GET compare with {sku}")
        # In bulk, the order naming B's SKU is rejected (naming the field); nothing is created.
        response = send(
            client, "POST", "/api/v1/orders/bulk/", keys.full, {"orders": [us_order("SWEEP-B-2", lines=[(sku, 1)])]}
        )
        assert response.status_code == 200, response.content
        [result] = response.json()["results"]
        assert result["outcome"] == "rejected" and [e["attr"] for e in result["errors"]] == ["lines.0.sku"]
    assert everything(world) == before
    # The positive control: A's own SKU is taken by each.
    sku = world.a.products[0].sku
    assert (
        send(client, "POST", "/api/v1/orders/", keys.full, us_order("SWEEP-A-1", lines=[(sku, 1)])).status_code == 201
    )
    preview = {"destination": destination, "lines": [{"sku": sku, "quantity": 1}]}
    assert send(client, "POST", "/api/v1/orders/preview/", keys.full, preview).status_code == 200
    query = {"product": sku, "destination_country": "US", "monthly_volume": 5}
    assert send(client, "GET", "/api/v1/quotes/compare/", keys.full, query=query).status_code == 200


def test_a_body_naming_b_as_the_owner_writes_for_a(client, world, partners, keys):
    """``merchant`` in a body is no field of the API: whatever it names, the key's merchant owns the write."""
    hijack = {"merchant": world.b.merchant.pk, "merchant_id": world.b.merchant.pk}
    b_before = rows_of(world.b.merchant)
    for (key, method), body in valid_bodies(world).items():
        response = send(client, method, API_ROUTES[key].url(), keys.full, {**body, **hijack})
        assert response.status_code in (200, 201), f"{method} {key}: {response.content[:300]}"
    assert rows_of(world.b.merchant) == b_before
    assert Product.objects.get(sku="SWEEP-NEW-1").merchant == world.a.merchant
    assert Order.objects.get(merchant_order_id="SWEEP-ORD-1").merchant == world.a.merchant
    assert WebhookEndpoint.objects.get(url__endswith="/sweep").merchant == world.a.merchant


# --- partner keys, operator routes, revoked keys ------------------------------------------------


def test_a_partner_key_sees_its_own_warehouses_shipments_only(client, world, partners, keys):
    listed = send(client, "GET", "/api/v1/partner/shipments/", keys.partner)
    assert listed.status_code == 200
    assert [s["tracking_number"] for s in listed.json()["results"]] == [partners.mine_shipment.tracking_number]
    other = send(client, "GET", "/api/v1/partner/shipments/", keys.other_partner)
    assert [s["tracking_number"] for s in other.json()["results"]] == [partners.other_shipment.tracking_number]
    # Neither a filter nor the other partner's tracking number (nor a merchant's parcel that no
    # partner fulfils) reaches another shipment: 404, exactly like a number that does not exist.
    for probe in ({"warehouse": "US-OTH1"}, {"warehouse": "US-SHR1"}, {"status": "active"}):
        response = send(client, "GET", "/api/v1/partner/shipments/", keys.partner, query=probe)
        assert {s["tracking_number"] for s in response.json()["results"]} <= {partners.mine_shipment.tracking_number}
    events_before = TrackingEvent.objects.count(), [state(s) for s in Shipment.objects.order_by("pk")]
    for theirs in (partners.other_shipment, world.a.outbound, world.b.outbound):
        nowhere = "CDNOWHERE0000"
        for method, suffix, body in (("GET", "", None), ("POST", "events", {"event_id": "e-1", "stage": "picking"})):
            response = send(
                client, method, f"/api/v1/partner/shipments/{theirs.tracking_number}/{suffix}", keys.partner, body
            )
            missing = send(client, method, f"/api/v1/partner/shipments/{nowhere}/{suffix}", keys.partner, body)
            assert response.status_code == missing.status_code == 404, (method, theirs.tracking_number)
            assert response.content == missing.content
    assert (TrackingEvent.objects.count(), [state(s) for s in Shipment.objects.order_by("pk")]) == events_before
    # The positive control: its own shipment takes its event.
    url = f"/api/v1/partner/shipments/{partners.mine_shipment.tracking_number}/events"
    response = send(client, "POST", url, keys.partner, {"event_id": "e-1", "stage": "picking"})
    assert response.status_code == 201, response.content


def test_a_partner_key_reaches_no_merchant_or_operator_route(client, world, partners, keys):
    bodies = valid_bodies(world)
    before = everything(world)
    routes = [k for k, e in API_SWEEP.items() if e.kind in (MERCHANT_OBJECT, MERCHANT_COLLECTION, NETWORK, OPERATOR)]
    for key in routes:
        for method in sorted(API_ROUTES[key].methods):
            response = send(client, method, url_of(world, partners, key), keys.partner, bodies.get((key, method)))
            assert response.status_code == 403, f"{method} {key} with a partner key: {response.status_code}"
            if API_SWEEP[key].kind != OPERATOR:
                assert error(response)["code"] == "wrong_api_key", (method, key)
    assert everything(world) == before


def test_a_merchant_key_reaches_no_partner_or_operator_route(client, world, partners, keys):
    before = everything(world), TrackingEvent.objects.count()
    body = {"event_id": "e-1", "stage": "picking", "box_id": "X", "counts": {}, "reason": "documentation"}
    for key in keys_of(PARTNER) + keys_of(OPERATOR):
        for method in sorted(API_ROUTES[key].methods):
            for merchant_key in (keys.full, keys.b_full):
                response = send(client, method, url_of(world, partners, key), merchant_key, body)
                assert response.status_code == 403, f"{method} {key} with a merchant key: {response.status_code}"
                if API_SWEEP[key].kind == PARTNER:
                    assert error(response)["code"] == "wrong_api_key", (method, key)
    assert (everything(world), TrackingEvent.objects.count()) == before


def test_a_revoked_key_is_401_everywhere(client, world, partners, keys):
    bodies = valid_bodies(world)
    before = everything(world)
    for key, entry in API_SWEEP.items():
        revoked = keys.revoked_partner if entry.kind == PARTNER else keys.revoked
        for method in sorted(API_ROUTES[key].methods):
            response = send(client, method, url_of(world, partners, key), revoked, bodies.get((key, method)))
            assert response.status_code == 401, f"{method} {key} with a revoked key: {response.status_code}"
            assert response["WWW-Authenticate"] == 'Bearer realm="api"', key
            # The schema answers in its own media type (YAML), the error all the same; the HTML pages
            # of the documentation say only "401 Unauthorized".
            if "html" not in response["Content-Type"]:
                assert "This API key has been revoked." in response.content.decode(), key
    assert everything(world) == before


def test_a_replayed_answer_needs_the_scope_of_the_request(client, world, partners, keys):
    """An ``Idempotency-Key`` is the merchant's, shared by its keys: a replay must not hand a key
    without the scope what another key's write answered (a webhook endpoint's secret, an order)."""
    body = {"url": "https://hooks.alpha-goods.example/replayed"}
    headers = {"HTTP_IDEMPOTENCY_KEY": "sweep-replay-1"}
    url = "/api/v1/webhook-endpoints/"
    first = client.post(url, body, content_type=JSON, **bearer(keys.full), **headers)
    assert first.status_code == 201 and first.json()["secret"]
    narrow = api_key_create(name="Narrow", scopes=["products:read"], merchant=world.a.merchant)[1]
    for key in (narrow, keys.read_only):
        response = client.post(url, body, content_type=JSON, **bearer(key), **headers)
        assert response.status_code == 403, response.content
        assert error(response)["code"] == "insufficient_scope"
        assert "secret" not in response.content.decode() and "Idempotent-Replayed" not in response
    # The positive control: the key that wrote gets its answer again.
    again = client.post(url, body, content_type=JSON, **bearer(keys.full), **headers)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
