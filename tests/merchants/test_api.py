"""The /api/v1/ catalog, inventory and warehouse endpoints, and the one error format."""

from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from merchants.models import Product
from tests.factories import MembershipFactory, ProductFactory, UserFactory, WarehouseFactory
from warehouses.services.inventory import inventory_adjust

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"
INVENTORY = "/api/v1/inventory/"
WAREHOUSES = "/api/v1/warehouses/"


def payload(**overrides) -> dict:
    data = {
        "sku": "LAMP-01",
        "title": "Desk lamp",
        "hs_code": "9405.21",
        "origin_country": "CN",
        "declared_value": "19.90",
        "declared_currency": "USD",
        "weight_kg": "1.100",
        "length_cm": "40.0",
        "width_cm": "20.0",
        "height_cm": "15.0",
    }
    data.update(overrides)
    return data


def assert_error_format(response, status: int) -> list[dict]:
    """The body is exactly ``{"errors": [{"code", "detail", "attr"}, ...]}``; returns the errors."""
    assert response.status_code == status, response.content
    body = response.json()
    assert list(body) == ["errors"]
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}, error
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["detail"], str) and error["detail"]
        assert error["attr"] is None or isinstance(error["attr"], str)
    return body["errors"]


def row(product: Product) -> dict:
    fresh = Product.objects.get(pk=product.pk)
    return {**model_to_dict(fresh), "fnsku": fresh.fnsku, "size_tier": fresh.size_tier}


@pytest.fixture
def api(client, owner):
    client.force_login(owner)
    return client


class TestProductsApi:
    def test_list_is_the_merchants_products_newest_first(self, api, merchant, other_merchant):
        ProductFactory(merchant=merchant, sku="B-2")
        ProductFactory(merchant=merchant, sku="A-1")
        ProductFactory(merchant=other_merchant, sku="A-0")

        response = api.get(PRODUCTS)

        assert response.status_code == 200
        body = response.json()
        assert body["next"] is None and body["previous"] is None
        assert [p["sku"] for p in body["results"]] == ["A-1", "B-2"]

    def test_list_pages_follow_the_cursor(self, api, merchant):
        skus = [ProductFactory(merchant=merchant, sku=f"P-{n}").sku for n in range(5)]
        first = api.get(PRODUCTS, {"page_size": 2}).json()
        assert [p["sku"] for p in first["results"]] == ["P-4", "P-3"] and first["previous"] is None
        ProductFactory(merchant=merchant, sku="P-NEW")  # added while paging: no row skipped or repeated
        second = api.get(first["next"]).json()
        third = api.get(second["next"]).json()
        assert [p["sku"] for p in second["results"] + third["results"]] == ["P-2", "P-1", "P-0"]
        assert third["next"] is None
        assert api.get(PRODUCTS, {"cursor": "garbage"}).status_code == 404
        assert len(api.get(PRODUCTS, {"page_size": 10_000}).json()["results"]) == len(skus) + 1

    def test_list_filters(self, api, merchant):
        tee = ProductFactory(merchant=merchant, sku="TEE-1", title="Red tee")
        bat = ProductFactory(merchant=merchant, sku="BAT-1", title="Power bank", has_batteries=True, hs_code="850760")
        heavy = ProductFactory(merchant=merchant, sku="KB-1", title="Kettlebell", weight_kg=Decimal("12"))

        def skus(**params):
            response = api.get(PRODUCTS, params)
            assert response.status_code == 200
            return {p["sku"] for p in response.json()["results"]}

        assert skus(sku="tee-1") == {tee.sku}
        assert skus(q="power") == {bat.sku}
        assert skus(q=heavy.fnsku.lower()) == {heavy.sku}
        assert skus(has_batteries="true") == {bat.sku}
        assert skus(size_tier="large_bulky") == {heavy.sku}
        assert skus(hs_chapter="85") == {bat.sku}
        assert skus(origin_country="VN") == set()
        vn = ProductFactory(merchant=merchant, sku="VN-1", origin_country="VN")
        assert skus(origin_country="VN") == {vn.sku}

    def test_retrieve(self, api, product):
        response = api.get(f"{PRODUCTS}{product.pk}/")
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == product.pk
        assert body["fnsku"] == product.fnsku
        assert body["hs_code"] == "610910"
        assert body["hs_description"].startswith("T-shirts, singlets")
        assert body["origin_country"] == "CN"
        assert body["size_tier"] == "small_standard"
        assert body["declared_value"] == "8.50"

    def test_retrieve_unknown_is_404_in_the_error_format(self, api):
        errors = assert_error_format(api.get(f"{PRODUCTS}999999/"), 404)
        assert errors[0]["code"] == "not_found"
        assert errors[0]["attr"] is None

    def test_create(self, api, merchant):
        response = api.post(PRODUCTS, payload(), content_type="application/json")

        assert response.status_code == 201, response.content
        body = response.json()
        product = Product.objects.get(pk=body["id"])
        assert product.merchant == merchant
        assert (product.sku, product.hs_code, product.size_tier) == ("LAMP-01", "940521", "large_standard")
        assert body["fnsku"] == product.fnsku
        assert body["hs_code"] == "940521"

    def test_read_only_fields_are_ignored_on_create(self, api, merchant, other_merchant):
        response = api.post(
            PRODUCTS,
            payload(fnsku="X00FORGED1", size_tier="small_standard", merchant=other_merchant.pk, id=424242),
            content_type="application/json",
        )
        assert response.status_code == 201
        product = Product.objects.get(sku="LAMP-01")
        assert product.merchant == merchant
        assert product.fnsku != "X00FORGED1"
        assert product.size_tier == "large_standard"
        assert product.pk != 424242
        assert not Product.objects.filter(merchant=other_merchant).exists()

    @pytest.mark.parametrize(
        ("overrides", "attr", "code"),
        [
            ({"hs_code": "999999"}, "hs_code", "unknown_hs_code"),
            ({"hs_code": "12345"}, "hs_code", "invalid_hs_format"),
            ({"declared_value": "-3.00"}, "declared_value", "min_value"),
            ({"weight_kg": "0"}, "weight_kg", "min_value"),
            ({"origin_country": "ZZ"}, "origin_country", "invalid_choice"),
            ({"sku": "has space"}, "sku", "invalid"),
            ({"sku": ""}, "sku", "blank"),
        ],
    )
    def test_bad_input_names_the_field(self, api, overrides, attr, code):
        response = api.post(PRODUCTS, payload(**overrides), content_type="application/json")

        errors = assert_error_format(response, 400)
        assert (errors[0]["attr"], errors[0]["code"]) == (attr, code)
        assert not Product.objects.exists()

    def test_missing_fields_are_each_named(self, api):
        response = api.post(PRODUCTS, {"sku": "ONLY-SKU"}, content_type="application/json")
        errors = assert_error_format(response, 400)
        assert {e["attr"] for e in errors} == {
            "title",
            "hs_code",
            "origin_country",
            "declared_value",
            "weight_kg",
            "length_cm",
            "width_cm",
            "height_cm",
        }
        assert {e["code"] for e in errors} == {"required"}

    def test_hs_code_written_with_dots_is_stored_as_digits(self, api):
        response = api.post(PRODUCTS, payload(hs_code="6109.10.00"), content_type="application/json")
        assert response.status_code == 201, response.content
        assert response.json()["hs_code"] == "61091000"

    def test_ten_digit_hs_code_written_with_dots_is_accepted(self, api):
        # validate_hs_code and product_create both accept "6109.10.00.00" (it normalises to ten
        # digits); the serializer's max_length=10, taken from the stored column, rejects the raw text.
        response = api.post(PRODUCTS, payload(hs_code="6109.10.00.00"), content_type="application/json")
        assert response.status_code == 201, response.content
        assert Product.objects.get(sku="LAMP-01").hs_code == "6109100000"

    def test_malformed_json_is_400_in_the_error_format(self, api):
        response = api.post(PRODUCTS, "{not json", content_type="application/json")
        errors = assert_error_format(response, 400)
        assert (errors[0]["code"], errors[0]["attr"]) == ("parse_error", None)
        assert not Product.objects.exists()

    def test_non_numeric_id_is_404(self, api):
        errors = assert_error_format(api.get(f"{PRODUCTS}abc/"), 404)
        assert errors[0]["code"] == "not_found"

    def test_invalid_filter_value_is_400_naming_the_filter(self, api, product):
        errors = assert_error_format(api.get(PRODUCTS, {"size_tier": "gigantic"}), 400)
        assert (errors[0]["code"], errors[0]["attr"]) == ("invalid_choice", "size_tier")

    def test_hs_error_message_names_the_code(self, api):
        response = api.post(PRODUCTS, payload(hs_code="0101.10"), content_type="application/json")
        errors = assert_error_format(response, 400)
        assert errors == [
            {"code": "unknown_hs_code", "detail": "010110 is not an HS 2022 subheading.", "attr": "hs_code"}
        ]

    def test_duplicate_sku_is_400_on_sku(self, api, merchant):
        ProductFactory(merchant=merchant, sku="LAMP-01")

        response = api.post(PRODUCTS, payload(sku="lamp-01"), content_type="application/json")

        errors = assert_error_format(response, 400)
        assert errors == [
            {"code": "duplicate_sku", "detail": "You already have a product with SKU lamp-01.", "attr": "sku"}
        ]
        assert Product.objects.filter(merchant=merchant).count() == 1

    def test_sku_of_another_merchant_is_free(self, api, merchant, other_merchant):
        theirs = ProductFactory(merchant=other_merchant, sku="LAMP-01")
        before = row(theirs)
        response = api.post(PRODUCTS, payload(), content_type="application/json")
        assert response.status_code == 201
        assert Product.objects.get(pk=response.json()["id"]).merchant == merchant
        assert row(theirs) == before

    def test_patch(self, api, product):
        response = api.patch(
            f"{PRODUCTS}{product.pk}/",
            {"title": "Renamed", "weight_kg": "5.000", "hs_code": "6110.20"},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        stored = Product.objects.get(pk=product.pk)
        assert (stored.title, stored.hs_code, stored.size_tier) == ("Renamed", "611020", "large_standard")
        assert response.json()["size_tier"] == "large_standard"
        assert stored.sku == product.sku

    def test_put_replaces_the_writable_fields(self, api, product):
        response = api.put(f"{PRODUCTS}{product.pk}/", payload(sku=product.sku), content_type="application/json")
        assert response.status_code == 200, response.content
        stored = Product.objects.get(pk=product.pk)
        assert (stored.title, stored.fnsku) == ("Desk lamp", product.fnsku)

    def test_patch_onto_a_duplicate_sku_changes_nothing(self, api, merchant, product):
        ProductFactory(merchant=merchant, sku="TAKEN")
        before = row(product)
        response = api.patch(
            f"{PRODUCTS}{product.pk}/", {"sku": "taken", "title": "Changed"}, content_type="application/json"
        )
        errors = assert_error_format(response, 400)
        assert [e["attr"] for e in errors] == ["sku"]
        assert row(product) == before

    def test_patch_with_bad_hs_code_changes_nothing(self, api, product):
        before = row(product)
        response = api.patch(f"{PRODUCTS}{product.pk}/", {"hs_code": "999999"}, content_type="application/json")
        errors = assert_error_format(response, 400)
        assert [e["attr"] for e in errors] == ["hs_code"]
        assert row(product) == before

    def test_delete_is_not_offered(self, api, product):
        response = api.delete(f"{PRODUCTS}{product.pk}/")
        errors = assert_error_format(response, 405)
        assert errors[0]["code"] == "method_not_allowed"
        assert Product.objects.filter(pk=product.pk).exists()

    def test_viewer_reads_but_gets_403_on_writes(self, client, viewer, product):
        client.force_login(viewer)
        before = row(product)
        assert client.get(PRODUCTS).status_code == 200

        post = client.post(PRODUCTS, payload(), content_type="application/json")
        patch = client.patch(f"{PRODUCTS}{product.pk}/", {"title": "By viewer"}, content_type="application/json")

        for response in (post, patch):
            errors = assert_error_format(response, 403)
            assert errors[0]["code"] == "permission_denied"
            assert errors[0]["detail"] == "Your role at this merchant is read-only."
        assert row(product) == before
        assert not Product.objects.filter(sku="LAMP-01").exists()

    def test_user_without_membership_gets_403(self, client, product):
        client.force_login(UserFactory())
        errors = assert_error_format(client.get(PRODUCTS), 403)
        assert errors[0]["detail"] == "You are not a member of any active merchant."
        assert_error_format(client.post(PRODUCTS, payload(), content_type="application/json"), 403)
        assert not Product.objects.filter(sku="LAMP-01").exists()

    def test_switching_merchant_switches_the_api_too(self, client, product, other_merchant):
        user = UserFactory()
        MembershipFactory(user=user, merchant=product.merchant)
        MembershipFactory(user=user, merchant=other_merchant)
        theirs = ProductFactory(merchant=other_merchant)
        client.force_login(user)
        client.post(reverse("portal:switch-merchant"), {"merchant": other_merchant.pk})
        assert [p["id"] for p in client.get(PRODUCTS).json()["results"]] == [theirs.pk]


class TestUnauthenticated:
    @pytest.mark.parametrize("url", [PRODUCTS, INVENTORY, WAREHOUSES, "/api/v1/"])
    def test_get_is_401_with_the_bearer_challenge(self, client, url):
        response = client.get(url)
        errors = assert_error_format(response, 401)
        assert errors == [
            {"code": "not_authenticated", "detail": "Authentication credentials were not provided.", "attr": None}
        ]
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'

    def test_post_is_401_and_writes_nothing(self, client, merchant):
        errors = assert_error_format(client.post(PRODUCTS, payload(), content_type="application/json"), 401)
        assert errors[0]["code"] == "not_authenticated"
        assert not Product.objects.exists()


class TestInventoryApi:
    @pytest.fixture
    def balances(self, merchant, other_merchant):
        east = WarehouseFactory(code="US-EAST1")
        west = WarehouseFactory(code="US-WEST1")
        tee = ProductFactory(merchant=merchant, sku="TEE-1")
        mug = ProductFactory(merchant=merchant, sku="MUG-1")
        theirs = ProductFactory(merchant=other_merchant, sku="TEE-1")
        for product, warehouse, qty in [(tee, east, 5), (tee, west, 7), (mug, west, 3), (theirs, east, 100)]:
            inventory_adjust(
                product=product, warehouse=warehouse, bucket="fulfillable", quantity=qty, reason="adjustment"
            )
        return {"tee": tee, "mug": mug, "theirs": theirs, "east": east, "west": west}

    def rows(self, api, **params) -> list[tuple[str, str, int]]:
        response = api.get(INVENTORY, params)
        assert response.status_code == 200
        return [(r["sku"], r["warehouse"], r["fulfillable"]) for r in response.json()["results"]]

    def test_lists_only_own_balances(self, api, balances):
        # Newest balance row first.
        assert self.rows(api) == [("MUG-1", "US-WEST1", 3), ("TEE-1", "US-WEST1", 7), ("TEE-1", "US-EAST1", 5)]

    def test_filter_by_sku_and_warehouse(self, api, balances):
        assert self.rows(api, sku="tee-1") == [("TEE-1", "US-WEST1", 7), ("TEE-1", "US-EAST1", 5)]
        assert self.rows(api, warehouse="us-west1") == [("MUG-1", "US-WEST1", 3), ("TEE-1", "US-WEST1", 7)]
        assert self.rows(api, in_stock="true", warehouse_country="us", role="global_warehouse") == self.rows(api)
        assert self.rows(api, sku="TEE-1", warehouse="US-EAST1") == [("TEE-1", "US-EAST1", 5)]
        assert self.rows(api, sku="NOPE") == []

    def test_row_shape(self, api, balances):
        body = api.get(INVENTORY, {"sku": "MUG-1"}).json()["results"][0]
        assert body["fnsku"] == balances["mug"].fnsku
        assert {
            "inbound_working",
            "inbound_shipped",
            "inbound_receiving",
            "fulfillable",
            "reserved",
            "in_transfer",
            "unfulfillable",
            "researching",
        } <= set(body)

    def test_retrieve_own_balance(self, api, balances):
        own_id = api.get(INVENTORY, {"sku": "MUG-1"}).json()["results"][0]["id"]
        response = api.get(f"{INVENTORY}{own_id}/")
        assert response.status_code == 200
        assert response.json()["sku"] == "MUG-1"

    def test_inventory_is_read_only(self, api, balances):
        assert_error_format(api.post(INVENTORY, {"fulfillable": 1}, content_type="application/json"), 405)


class TestWarehousesApi:
    def test_lists_active_warehouses(self, api):
        WarehouseFactory(code="US-ONT1")
        WarehouseFactory(code="GB-LON1", country="GB")
        WarehouseFactory(code="US-OLD1", is_active=False)

        response = api.get(WAREHOUSES)

        assert response.status_code == 200
        assert [w["code"] for w in response.json()["results"]] == ["GB-LON1", "US-ONT1"]

    def test_filter_and_retrieve(self, api):
        london = WarehouseFactory(code="GB-LON1", country="GB")
        WarehouseFactory(code="US-ONT1")
        assert [w["code"] for w in api.get(WAREHOUSES, {"country": "GB"}).json()["results"]] == ["GB-LON1"]
        detail = api.get(f"{WAREHOUSES}{london.pk}/")
        assert detail.status_code == 200
        assert detail.json()["country"] == "GB"

    def test_read_only(self, api):
        assert_error_format(api.post(WAREHOUSES, {"code": "US-NEW1"}, content_type="application/json"), 405)

    def test_network_is_visible_to_any_signed_in_user(self, client):
        WarehouseFactory(code="US-ONT1")
        client.force_login(UserFactory())
        assert client.get(WAREHOUSES).status_code == 200
