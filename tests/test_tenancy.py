"""The tenancy sweep: signed in at merchant A, nothing of merchant B can be seen or changed.

Every URL of the ``portal`` and ``warehouses`` namespaces and every ``/api/v1/`` route must be
listed in ``SWEEP`` with how to reach B's object through it; a new view that is not listed
fails ``test_every_url_is_in_the_sweep`` until it joins the sweep.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote_plus, urlencode

import pytest
from django.contrib.auth.models import User
from django.db.models import Max, Model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape

from merchants.models import Membership, Merchant, Product
from tests.factories import MembershipFactory, MerchantFactory, PartnerFactory, ProductFactory, WarehouseFactory
from warehouses.models import InventoryBalance, Warehouse
from warehouses.modes import Mode, WarehouseRole
from warehouses.services.inventory import inventory_adjust

pytestmark = pytest.mark.django_db

# ``shipping`` is the merchant portal's inbound section: swept like the rest of the portal.
SWEPT_NAMESPACES = ("portal", "warehouses", "shipping")
# Namespaces that are not merchant-facing; any other namespace fails the sweep until classified.
UNSWEPT_NAMESPACES = {
    "admin": "the Django admin, staff only",
    "console": "the operator console: platform staff only, unscoped on purpose",
}
API_PREFIX = "api/v1/"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
B_UNITS = 4321  # B's stock per balance: a number that appears nowhere of A's
B_UNITS_SHOWN = re.compile(r"\b4,?321\b")  # as a number, with or without intcomma


# --- the world: two merchants, each with an owner, products and stock ----------------------


@dataclass
class Side:
    merchant: Merchant
    owner: User
    products: list[Product]
    balances: list[InventoryBalance] = field(default_factory=list)


@dataclass
class World:
    a: Side
    b: Side
    shared_warehouse: Warehouse
    b_only_warehouses: list[Warehouse]

    @property
    def b_strings(self) -> list[str]:
        """Strings that would betray B's data on any of A's pages."""
        return [s for p in self.b.products for s in (p.sku, p.fnsku, p.title)]


@pytest.fixture
def world(db) -> World:
    partner = PartnerFactory()
    shared = WarehouseFactory(code="US-SHR1", role=WarehouseRole.GLOBAL_WAREHOUSE)
    b_only = [
        WarehouseFactory(code="CN-BRV1", role=WarehouseRole.ASIA_WAREHOUSE),
        WarehouseFactory(code="CN-BRV2", role=WarehouseRole.ORIGIN_FC),
        WarehouseFactory(code="GB-BRV3", role=WarehouseRole.DESTINATION_DC, country="GB"),
        WarehouseFactory(
            code="DE-BRV4", role=WarehouseRole.PARTNER_3PL, operator="partner", partner=partner, country="DE"
        ),
    ]
    sides = {}
    for key, name, sku_prefix, title in (
        ("a", "Alpha Goods", "ALPHA", "Alpha lamp"),
        ("b", "Bravo Trading", "BRAVOSECRET", "Bravo confidential widget"),
    ):
        merchant = MerchantFactory(name=name)
        owner = MembershipFactory(merchant=merchant, role=Membership.Role.OWNER).user
        products = [
            ProductFactory(merchant=merchant, sku=f"{sku_prefix}-{n}", title=f"{title} {n}") for n in range(1, 3)
        ]
        sides[key] = Side(merchant=merchant, owner=owner, products=products)

    for product in sides["a"].products:
        inventory_adjust(product=product, warehouse=shared, bucket="fulfillable", quantity=12, reason="adjustment")
    for product in sides["b"].products:
        for warehouse in [shared, *b_only]:
            inventory_adjust(
                product=product, warehouse=warehouse, bucket="fulfillable", quantity=B_UNITS, reason="adjustment"
            )
    for side in sides.values():
        side.balances = list(InventoryBalance.objects.filter(merchant=side.merchant).order_by("pk"))
    return World(a=sides["a"], b=sides["b"], shared_warehouse=shared, b_only_warehouses=b_only)


@pytest.fixture
def a_client(client, world):
    client.force_login(world.a.owner)
    return client


# --- the sweep: every URL name and how to reach B's object through it ----------------------

OWNED = "owned"  # the kwargs name a merchant's object: B's must be 404, exactly like a missing one
PAGE = "page"  # no id: a page or list that must show only A's data
SHARED = "shared"  # the kwargs name a network object every merchant may see (a mode, a warehouse)
POST_ONLY = "post_only"  # no id in the URL, only a POST; covered by its own test below


@dataclass(frozen=True)
class Target:
    kind: str
    objects: Callable[[World, str], Model] | None = None  # OWNED: the side's object ("a" or "b")
    shared_kwargs: Callable[[World], list[dict]] | None = None  # SHARED: kwargs that reach B's data
    covered_by: str = ""  # POST_ONLY: the test that covers it


def product_of(world: World, side: str) -> Product:
    return getattr(world, side).products[0]


def balance_of(world: World, side: str) -> InventoryBalance:
    return getattr(world, side).balances[-1]


SWEEP: dict[str, Target] = {
    "portal:switch-merchant": Target(POST_ONLY, covered_by="test_switch_merchant_refuses_merchant_b"),
    "portal:product-list": Target(PAGE),
    "portal:product-create": Target(PAGE),
    "portal:product-detail": Target(OWNED, objects=product_of),
    "portal:product-edit": Target(OWNED, objects=product_of),
    "warehouses:inventory": Target(PAGE),
    "warehouses:mode": Target(SHARED, shared_kwargs=lambda w: [{"code": code} for code in Mode.values]),
    "api:api-root": Target(PAGE),
    "api:product-list": Target(PAGE),
    "api:product-detail": Target(OWNED, objects=product_of),
    "api:warehouse-list": Target(PAGE),
    "api:warehouse-detail": Target(
        SHARED, shared_kwargs=lambda w: [{"pk": wh.pk} for wh in [w.shared_warehouse, *w.b_only_warehouses]]
    ),
    "api:inventory-list": Target(PAGE),
    "api:inventory-detail": Target(OWNED, objects=balance_of),
}


@dataclass(frozen=True)
class Route:
    key: str
    url_name: str  # what reverse() takes
    kwargs: frozenset[str]
    methods: frozenset[str]  # the HTTP methods the view implements (GET and writes)

    @property
    def is_api(self) -> bool:
        return self.key.startswith("api:")

    def url(self, **kwargs) -> str:
        return reverse(self.url_name, kwargs=kwargs or None)


def _implemented_methods(pattern: URLPattern) -> frozenset[str]:
    callback = pattern.callback
    if getattr(callback, "actions", None):  # a DRF viewset route
        return frozenset(method.upper() for method in callback.actions)
    view_class = getattr(callback, "view_class", None) or callback.cls
    return frozenset(
        method.upper()
        for method in view_class.http_method_names
        if method not in ("head", "options") and hasattr(view_class, method)
    )


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part) or None
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            yield prefix + str(pattern.pattern), namespace, pattern


def discovered_routes() -> dict[str, Route]:
    routes = {}
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        kwargs = frozenset(pattern.pattern.regex.groupindex) - {"format"}
        if namespace in SWEPT_NAMESPACES:
            key, url_name = f"{namespace}:{pattern.name}", f"{namespace}:{pattern.name}"
        elif route.startswith(API_PREFIX) and namespace is None:
            key, url_name = f"api:{pattern.name}", pattern.name
        else:
            continue
        if "format" in pattern.pattern.regex.groupindex:
            # DRF's format-suffix twin of a route: same view, same lookup.
            assert key in routes or any(r.url_name == url_name for r in routes.values()), route
            continue
        assert pattern.name, f"{route} has no name, so it cannot be swept"
        assert key not in routes, f"{key} is defined twice"
        routes[key] = Route(key, url_name, kwargs, _implemented_methods(pattern))
    return routes


ROUTES = discovered_routes()
OWNED_KEYS = sorted(k for k, t in SWEEP.items() if t.kind == OWNED)
PAGE_KEYS = sorted(k for k, t in SWEEP.items() if t.kind == PAGE)
SHARED_KEYS = sorted(k for k, t in SWEEP.items() if t.kind == SHARED)

HIJACK_FORM = {
    "sku": "HIJACKED",
    "title": "Hijacked",
    "hs_code": "610910",
    "origin_country": "CN",
    "declared_value": "1.00",
    "declared_currency": "USD",
    "weight_kg": "0.100",
    "length_cm": "10.0",
    "width_cm": "10.0",
    "height_cm": "1.0",
    "is_active": "on",
}
HIJACK_JSON = {**HIJACK_FORM, "is_active": True, "fulfillable": 0, "merchant": None}


def send(client, method: str, url: str, *, api: bool):
    if method == "GET":
        return client.get(url)
    if api:
        return client.generic(method, url, json.dumps(HIJACK_JSON), content_type="application/json")
    return client.generic(method, url, urlencode(HIJACK_FORM), content_type="application/x-www-form-urlencoded")


def state(obj: Model) -> dict:
    """Every column of the row, as the database holds it (``updated_at`` included)."""
    return type(obj).objects.filter(pk=obj.pk).values().get()


def missing_pk(model: type[Model]) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1000


def assert_nothing_of_b(response, world: World, where: str, echoed: dict | None = None) -> None:
    """No B string in the body, apart from the request's own parameters echoed back.

    Search pages echo ``q`` in their search box and in their paging links; those copies are
    the user's own input, not B's data, so they are cut out before looking.
    """
    body = response.content.decode()
    for value in (echoed or {}).values():
        body = body.replace(f'value="{escape(value)}"', "").replace(f"={quote_plus(value)}", "")
    for secret in world.b_strings:
        assert secret not in body, f"{where} shows B's {secret!r}"
    assert not B_UNITS_SHOWN.search(body), f"{where} shows B's stock count"


# --- the tests ----------------------------------------------------------------------------


def test_every_url_is_in_the_sweep():
    unknown = sorted(set(ROUTES) - set(SWEEP))
    stale = sorted(set(SWEEP) - set(ROUTES))
    assert not unknown, f"URL names missing from the tenancy sweep (add them to SWEEP): {unknown}"
    assert not stale, f"SWEEP lists URL names that no longer exist: {stale}"


def test_every_namespace_is_classified():
    def namespaces(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield pattern.namespace
                yield from namespaces(pattern.url_patterns)

    unclassified = set(namespaces(get_resolver().url_patterns)) - {None, *SWEPT_NAMESPACES, *UNSWEPT_NAMESPACES}
    assert not unclassified, f"new URL namespaces: sweep them or say why not in UNSWEPT_NAMESPACES: {unclassified}"


def test_sweep_kinds_match_the_url_shapes():
    for key, target in SWEEP.items():
        route = ROUTES[key]
        if target.kind in (PAGE, POST_ONLY):
            assert not route.kwargs, f"{key} takes {set(route.kwargs)}: say how to reach B's object through it"
        else:
            assert route.kwargs, f"{key} takes no id, so it is a {PAGE}"
        if target.kind == OWNED:
            # The owned-object tests build ``pk=<B's object>``; another lookup needs the sweep extended.
            assert route.kwargs == {"pk"}, f"{key} looks up by {set(route.kwargs)}"
        if target.kind == POST_ONLY:
            assert route.methods == {"POST"}, key
            assert target.covered_by in globals(), f"{key}: {target.covered_by} does not exist"


@pytest.mark.parametrize("key", OWNED_KEYS)
def test_own_objects_are_reachable(a_client, world, key):
    """The positive control: the same URLs work for A's own objects, so a 404 below means scoping."""
    obj = SWEEP[key].objects(world, "a")
    response = a_client.get(ROUTES[key].url(pk=obj.pk))
    assert response.status_code == 200, key


@pytest.mark.parametrize("method", ["GET", *WRITE_METHODS])
@pytest.mark.parametrize("key", OWNED_KEYS)
def test_b_objects_are_404_and_unchanged(a_client, world, key, method):
    route = ROUTES[key]
    theirs = SWEEP[key].objects(world, "b")
    before = state(theirs)
    products_before = state(world.b.products[0]), Product.objects.filter(merchant=world.b.merchant).count()

    response = send(a_client, method, route.url(pk=theirs.pk), api=route.is_api)

    expected = 404 if method in route.methods else 405
    assert response.status_code == expected, f"{method} {key} on B's object: {response.status_code}"
    assert state(theirs) == before
    assert (state(world.b.products[0]), Product.objects.filter(merchant=world.b.merchant).count()) == products_before
    assert not Product.objects.filter(sku="HIJACKED").exclude(merchant=world.a.merchant).exists()


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.VIEWER])
@pytest.mark.parametrize("key", OWNED_KEYS)
def test_b_object_is_indistinguishable_from_a_missing_one(client, world, key, role):
    user = (
        world.a.owner if role == Membership.Role.OWNER else MembershipFactory(merchant=world.a.merchant, role=role).user
    )
    client.force_login(user)
    route = ROUTES[key]
    theirs = SWEEP[key].objects(world, "b")
    nowhere = missing_pk(type(theirs))

    for method in ["GET", "OPTIONS", *WRITE_METHODS]:
        for_b = send(client, method, route.url(pk=theirs.pk), api=route.is_api)
        for_missing = send(client, method, route.url(pk=nowhere), api=route.is_api)
        assert for_b.status_code == for_missing.status_code, f"{role} {method} {key}"
        assert for_b.content == for_missing.content, f"{role} {method} {key}"
        if route.is_api and for_b.status_code >= 400:
            assert list(for_b.json()) == ["errors"]


PROBES = [
    {},
    {"q": "BRAVOSECRET"},
    {"sku": "BRAVOSECRET-1"},
    {"search": "BRAVOSECRET"},
    {"warehouse": "CN-BRV1"},
    {"warehouse": "US-SHR1"},
    {"merchant": "{b}"},
    {"merchant_id": "{b}"},
]


def page_url(key: str) -> str:
    return reverse("home") if key == "home" else ROUTES[key].url()


# The merchant home is outside the swept namespaces but shows stock totals, so it is probed too.
PAGES = [*PAGE_KEYS, "home"]
LISTS_OF_A = {"portal:product-list", "warehouses:inventory", "api:product-list", "api:inventory-list"}


@pytest.mark.parametrize("key", PAGES)
def test_pages_and_lists_never_show_b(a_client, world, key):
    url = page_url(key)
    # The API is probed as JSON and as the browsable HTML API.
    accepts = ["application/json", "text/html"] if key.startswith("api:") else ["text/html"]
    probes = [*PROBES, *({"q": p.fnsku} for p in world.b.products)]
    for accept in accepts:
        for probe in probes:
            params = {k: v.format(b=world.b.merchant.pk) for k, v in probe.items()}
            response = a_client.get(url, params, HTTP_ACCEPT=accept)
            assert response.status_code == 200, f"{key} {params} {accept}"
            assert_nothing_of_b(response, world, f"{key} {params} {accept}", echoed=params)


@pytest.mark.parametrize("key", PAGES)
def test_pages_work_and_lists_show_a(a_client, world, key):
    """The positive control for the probe above: the pages render, and the lists hold A's rows."""
    response = a_client.get(page_url(key))
    assert response.status_code == 200, key
    if key in LISTS_OF_A:
        body = response.content.decode()
        assert all(p.sku in body for p in world.a.products), key


@pytest.mark.parametrize("key", SHARED_KEYS)
def test_shared_objects_show_nothing_of_b_and_cannot_be_written(a_client, world, key):
    route = ROUTES[key]
    for kwargs in SWEEP[key].shared_kwargs(world):
        url = route.url(**kwargs)
        response = a_client.get(url)
        assert response.status_code == 200, f"{key} {kwargs}"
        assert_nothing_of_b(response, world, f"{key} {kwargs}")
        for method in WRITE_METHODS:
            assert method not in route.methods, f"{key} accepts {method}: sweep it as a write"
            before = [state(w) for w in Warehouse.objects.all()]
            assert send(a_client, method, url, api=route.is_api).status_code == 405, f"{method} {key}"
            assert [state(w) for w in Warehouse.objects.all()] == before


def test_mode_pages_show_a_stock_where_b_also_has_some(a_client, world):
    response = a_client.get(reverse("warehouses:mode", args=[Mode.GLOBAL_WAREHOUSE]))
    assert {b.product.merchant_id for b in response.context["stock"]} == {world.a.merchant.pk}
    assert all(p.sku in response.content.decode() for p in world.a.products)


def test_posting_a_product_via_the_api_never_creates_it_for_b(a_client, world):
    b_count = Product.objects.filter(merchant=world.b.merchant).count()
    clash = world.b.products[0].sku  # B's SKU is free at A
    response = a_client.post(
        "/api/v1/products/",
        {**HIJACK_JSON, "sku": clash, "merchant": world.b.merchant.pk, "merchant_id": world.b.merchant.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = Product.objects.get(pk=response.json()["id"])
    assert created.merchant == world.a.merchant
    assert Product.objects.filter(merchant=world.b.merchant).count() == b_count


def test_posting_a_product_via_the_portal_never_creates_it_for_b(a_client, world):
    b_count = Product.objects.filter(merchant=world.b.merchant).count()
    response = a_client.post(
        reverse("portal:product-create"), {**HIJACK_FORM, "merchant": world.b.merchant.pk, "sku": "NEW-1"}
    )
    assert response.status_code == 302
    assert Product.objects.get(sku="NEW-1").merchant == world.a.merchant
    assert Product.objects.filter(merchant=world.b.merchant).count() == b_count


def test_switch_merchant_refuses_merchant_b(a_client, world):
    response = a_client.post(reverse("portal:switch-merchant"), {"merchant": world.b.merchant.pk})
    assert response.status_code == 302
    listing = a_client.get(reverse("portal:product-list"))
    assert listing.wsgi_request.merchant == world.a.merchant
    assert_nothing_of_b(listing, world, "product list after switching to B")
    assert_nothing_of_b(a_client.get("/api/v1/products/"), world, "products API after switching to B")
    assert a_client.get(reverse("portal:product-detail", args=[world.b.products[0].pk])).status_code == 404


@pytest.mark.parametrize("code", ["US-SHR1", "CN-BRV1", "CN-BRV2", "GB-BRV3", "DE-BRV4"])
def test_inventory_warehouse_filter_never_shows_b_stock(a_client, world, code):
    response = a_client.get(reverse("warehouses:inventory"), {"warehouse": code})
    assert response.status_code == 200
    assert_nothing_of_b(response, world, f"inventory ?warehouse={code}")
    assert {b.merchant_id for b in response.context["balances"]} <= {world.a.merchant.pk}
    assert {row["warehouse__code"] for row in response.context["totals"]} == {"US-SHR1"}
    api = a_client.get("/api/v1/inventory/", {"warehouse": code})
    assert_nothing_of_b(api, world, f"inventory API ?warehouse={code}")
    expected = len(world.a.products) if code == "US-SHR1" else 0
    assert api.json()["count"] == expected
