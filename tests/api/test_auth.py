"""``Authorization: Bearer`` for merchants and partners: who a key acts for, and what its scopes allow."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import URLPattern, URLResolver, get_resolver

from merchants.tenancy import MerchantScopedViewSet
from orders.models import Order
from tests.api.conftest import bearer, error, us_order
from tests.factories import MembershipFactory, PartnerFactory, ProductFactory
from warehouses.api_keys import MERCHANT_SCOPES, api_key_verify, api_keys_revoke
from warehouses.models import ApiKey

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"
PRODUCT = {
    "sku": "KEY-1",
    "title": "Made with a key",
    "hs_code": "610910",
    "origin_country": "CN",
    "declared_value": "5.00",
    "declared_currency": "USD",
    "weight_kg": "0.200",
    "length_cm": "20.0",
    "width_cm": "15.0",
    "height_cm": "2.0",
}


def test_a_merchant_key_reads_and_writes_its_own_merchant_only(client, merchant, other_merchant, new_key):
    own = ProductFactory(merchant=merchant)
    theirs = ProductFactory(merchant=other_merchant)
    key = new_key(merchant=merchant, scopes=["products:read", "products:write"])

    listed = client.get(PRODUCTS, **bearer(key))
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["results"]] == [own.pk]
    assert client.get(f"{PRODUCTS}{theirs.pk}/", **bearer(key)).status_code == 404

    created = client.post(
        PRODUCTS, {**PRODUCT, "merchant": other_merchant.pk}, content_type="application/json", **bearer(key)
    )
    assert created.status_code == 201, created.content
    assert own.merchant.products.filter(sku="KEY-1").exists()
    assert not other_merchant.products.filter(sku="KEY-1").exists()


def test_the_key_acts_for_its_merchant_whoever_is_signed_in(client, merchant, other_merchant, new_key):
    """A browser session of another merchant's user does not change what a key sees."""
    ProductFactory(merchant=merchant, sku="MINE-1")
    ProductFactory(merchant=other_merchant, sku="THEIRS-1")
    client.force_login(MembershipFactory(merchant=other_merchant).user)
    key = new_key(merchant=merchant, scopes=["products:read"])
    assert [p["sku"] for p in client.get(PRODUCTS, **bearer(key)).json()["results"]] == ["MINE-1"]
    assert [p["sku"] for p in client.get(PRODUCTS).json()["results"]] == ["THEIRS-1"]


@pytest.mark.parametrize(
    ("method", "url", "needed"),
    [
        ("get", PRODUCTS, "products:read"),
        ("post", PRODUCTS, "products:write"),
        ("get", "/api/v1/inventory/", "inventory:read"),
        ("get", "/api/v1/orders/", "orders:read"),
        ("post", "/api/v1/orders/", "orders:write"),
        ("post", "/api/v1/orders/bulk/", "orders:write"),
        ("post", "/api/v1/orders/preview/", "orders:read"),
        ("get", "/api/v1/inbound-plans/", "inbound:read"),
        ("post", "/api/v1/inbound-plans/", "inbound:write"),
        ("get", "/api/v1/inbound-shipments/", "inbound:read"),
        ("get", "/api/v1/shipments/", "shipments:read"),
        ("get", "/api/v1/customs-declarations/", "customs:read"),
        ("get", "/api/v1/quotes/compare/", "quotes:read"),
        ("post", "/api/v1/quotes/compare/", "quotes:read"),
    ],
)
def test_each_request_needs_its_scope(client, merchant, new_key, method, url, needed):
    others = [scope for scope in MERCHANT_SCOPES if scope != needed]
    without = new_key(merchant=merchant, scopes=others)
    response = getattr(client, method)(url, {}, content_type="application/json", **bearer(without))
    assert response.status_code == 403
    assert error(response) == {
        "code": "insufficient_scope",
        "detail": f"This API key lacks the {needed} scope.",
        "attr": None,
    }
    # The positive control: with that scope alone the request gets past the permission.
    only = new_key(merchant=merchant, scopes=[needed])
    response = getattr(client, method)(url, {}, content_type="application/json", **bearer(only))
    assert response.status_code not in (401, 403), response.content


def test_a_read_scope_is_not_a_write_scope(client, merchant, new_key):
    key = new_key(merchant=merchant, scopes=["products:read"])
    product = ProductFactory(merchant=merchant)
    response = client.patch(f"{PRODUCTS}{product.pk}/", {"title": "X"}, content_type="application/json", **bearer(key))
    assert response.status_code == 403 and error(response)["code"] == "insufficient_scope"


def test_every_merchant_viewset_names_a_scope_family_keys_can_hold():
    families = {scope.split(":")[0] for scope in MERCHANT_SCOPES}

    def views(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                yield pattern.callback.cls

    scoped = {cls for cls in views(get_resolver().url_patterns) if issubclass(cls, MerchantScopedViewSet)}
    assert len(scoped) >= 8
    for cls in scoped:
        assert cls.scope_family in families, f"{cls.__name__}.scope_family = {cls.scope_family!r}"


def test_a_partner_key_reaches_no_merchant_endpoint(client, merchant, new_key):
    key = new_key(partner=PartnerFactory())
    for url in (PRODUCTS, "/api/v1/orders/", "/api/v1/warehouses/", "/api/v1/shipments/"):
        response = client.get(url, **bearer(key))
        assert response.status_code == 403, url
        assert error(response)["code"] == "wrong_api_key"
    response = client.post(PRODUCTS, PRODUCT, content_type="application/json", **bearer(key))
    assert response.status_code == 403
    assert not merchant.products.exists()


def test_a_merchant_key_reaches_no_operator_endpoint(client, merchant, new_key):
    key = new_key(merchant=merchant, scopes=list(MERCHANT_SCOPES))
    for url in ("/api/v1/customs/holds/", "/api/v1/receiving/warehouses/US-ONT1/queue/"):
        response = client.get(url, **bearer(key))
        assert response.status_code == 403, url


def test_warehouses_are_open_to_any_merchant_key(client, merchant, new_key, order_network):
    key = new_key(merchant=merchant, scopes=["orders:read"])
    response = client.get("/api/v1/warehouses/", {"page_size": 3}, **bearer(key))
    assert response.status_code == 200
    assert [w["code"] for w in response.json()["results"]] == ["CN-SZX1", "DE-FRA1", "US-LAX2"]


@pytest.mark.parametrize(
    "header",
    ["Bearer cd_live_abcdefgh_" + "x" * 32, "Bearer nonsense", "Bearer", "Bearer a b"],
)
def test_bad_keys_are_401_with_the_challenge(client, merchant, header):
    response = client.get(PRODUCTS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert error(response)["code"] == "authentication_failed"


def test_a_revoked_key_stops_at_once(client, merchant, new_key):
    key = new_key(merchant=merchant, scopes=["products:read"])
    assert client.get(PRODUCTS, **bearer(key)).status_code == 200
    api_keys_revoke(api_keys=ApiKey.objects.all())
    response = client.get(PRODUCTS, **bearer(key))
    assert response.status_code == 401 and error(response)["detail"] == "This API key has been revoked."


def test_an_order_posted_with_a_key_has_no_person_as_its_author(client, merchant, widget, stock, new_key):
    stock(widget, "US-ONT1", 5)
    key = new_key(merchant=merchant, scopes=["orders:write"])
    response = client.post("/api/v1/orders/", us_order("KEY-ORD-1"), content_type="application/json", **bearer(key))
    assert response.status_code == 201, response.content
    order = Order.objects.get(pk=response.json()["id"])
    assert (order.merchant, order.source, order.created_by) == (merchant, Order.Source.API, None)


def test_session_users_keep_their_roles(client, merchant):
    client.force_login(MembershipFactory(merchant=merchant, role="viewer").user)
    assert client.get(PRODUCTS).status_code == 200
    response = client.post(PRODUCTS, PRODUCT, content_type="application/json")
    assert response.status_code == 403 and error(response)["detail"] == "Your role at this merchant is read-only."


class TestCreateApiKeyCommand:
    def run(self, *args) -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command("create_api_key", *args, stdout=out, stderr=err)
        return out.getvalue().strip(), err.getvalue()

    def test_a_merchant_key_by_slug(self, merchant):
        raw, note = self.run(merchant.slug, "--scopes", "orders:read,orders:write")
        api_key = api_key_verify(raw_key=raw)
        assert (api_key.merchant, api_key.scopes) == (merchant, ["orders:read", "orders:write"])
        assert api_key.prefix in note and raw not in note

    def test_all_scopes(self, merchant):
        raw, _ = self.run("--merchant", merchant.slug, "--scopes", "all")
        assert api_key_verify(raw_key=raw).scopes == list(MERCHANT_SCOPES)

    def test_refusals(self, merchant):
        with pytest.raises(CommandError, match="Name the scopes"):
            self.run(merchant.slug)
        with pytest.raises(CommandError, match="Not a merchant scope: partner:read"):
            self.run(merchant.slug, "--scopes", "partner:read")
        with pytest.raises(CommandError, match="No merchant has the slug"):
            self.run("nobody", "--scopes", "all")
        with pytest.raises(CommandError, match="Name the owner"):
            self.run("--scopes", "all")
        assert not ApiKey.objects.exists()
