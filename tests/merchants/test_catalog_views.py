"""The merchant portal over HTTP: login, catalog pages, roles, the merchant switcher, stock pages."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from merchants.models import Product
from merchants.sizing import SizeTier
from tests.factories import (
    MembershipFactory,
    MerchantFactory,
    PartnerFactory,
    ProductFactory,
    UserFactory,
    WarehouseFactory,
)
from warehouses.modes import Mode, WarehouseRole
from warehouses.services.inventory import inventory_adjust

pytestmark = pytest.mark.django_db

PRODUCT_LINK = re.compile(r'href="/products/(\d+)/"')


def form_data(**overrides) -> dict:
    data = {
        "sku": "MUG-WHT",
        "title": "White ceramic mug",
        "hs_code": "6912.00",
        "origin_country": "CN",
        "declared_value": "4.20",
        "declared_currency": "USD",
        "weight_kg": "0.350",
        "length_cm": "12.0",
        "width_cm": "9.0",
        "height_cm": "10.0",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def listed_ids(response) -> set[int]:
    return {int(pk) for pk in PRODUCT_LINK.findall(response.content.decode())}


def field_error(field: str, message: str) -> str:
    return f'<p class="error" id="id_{field}_error" role="alert">{message}</p>'


def row(product: Product) -> dict:
    fresh = Product.objects.get(pk=product.pk)
    return {**model_to_dict(fresh), "size_tier": fresh.size_tier, "fnsku": fresh.fnsku}


def portal_urls(product: Product) -> list[str]:
    return [
        reverse("home"),
        reverse("portal:product-list"),
        reverse("portal:product-create"),
        reverse("portal:product-detail", args=[product.pk]),
        reverse("portal:product-edit", args=[product.pk]),
        reverse("warehouses:inventory"),
        *[reverse("warehouses:mode", args=[code]) for code in Mode.values],
    ]


class TestLogin:
    def test_login_page_renders_the_form(self, client):
        response = client.get(reverse("login"))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Log in to Crossdock" in html
        assert 'name="username"' in html
        assert 'name="password"' in html

    def test_logging_in_lands_on_the_merchant_home(self, client, owner, merchant):
        response = client.post(reverse("login"), {"username": owner.username, "password": "correct-horse-battery"})
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        home = client.get(reverse("home"))
        assert home.status_code == 200
        assert merchant.name in home.content.decode()

    def test_wrong_password_stays_on_the_login_page(self, client, owner):
        response = client.post(reverse("login"), {"username": owner.username, "password": "nope"})
        assert response.status_code == 200
        assert not response.wsgi_request.user.is_authenticated

    def test_anonymous_is_sent_to_login_from_every_portal_page(self, client, product):
        for url in portal_urls(product):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"] == f"{reverse('login')}?next={url}", url

    def test_anonymous_cannot_post_to_portal_forms(self, client, product):
        before = row(product)
        for url in (
            reverse("portal:product-create"),
            reverse("portal:product-edit", args=[product.pk]),
            reverse("portal:switch-merchant"),
        ):
            response = client.post(url, form_data(sku="ANON"))
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login")), url
        assert row(product) == before
        assert not Product.objects.filter(sku="ANON").exists()


class TestProductList:
    def test_shows_only_the_current_merchants_products(self, owner_client, merchant, other_merchant):
        mine = [ProductFactory(merchant=merchant, sku=f"MINE-{n}") for n in range(3)]
        theirs = ProductFactory(merchant=other_merchant, sku="THEIRS-1")

        response = owner_client.get(reverse("portal:product-list"))

        assert response.status_code == 200
        assert listed_ids(response) == {p.pk for p in mine}
        html = response.content.decode()
        assert theirs.sku not in html
        assert theirs.fnsku not in html
        assert "3 products" in html

    def test_empty_catalog_invites_the_first_product(self, owner_client):
        response = owner_client.get(reverse("portal:product-list"))
        assert "Your catalog is empty." in response.content.decode()

    def test_search_by_sku_title_and_fnsku(self, owner_client, merchant):
        tee = ProductFactory(merchant=merchant, sku="TEE-RED-L", title="Red T-shirt")
        mug = ProductFactory(merchant=merchant, sku="MUG-1", title="Ceramic mug", hs_code="691200")
        url = reverse("portal:product-list")

        assert listed_ids(owner_client.get(url, {"q": "red-l"})) == {tee.pk}
        assert listed_ids(owner_client.get(url, {"q": "ceramic"})) == {mug.pk}
        assert listed_ids(owner_client.get(url, {"q": mug.fnsku.lower()})) == {mug.pk}
        assert listed_ids(owner_client.get(url, {"q": "6912"})) == {mug.pk}
        empty = owner_client.get(url, {"q": "no-such-thing"})
        assert listed_ids(empty) == set()
        assert "No product matches these filters." in empty.content.decode()

    def test_search_never_reaches_another_merchants_fnsku(self, owner_client, merchant, other_merchant):
        ProductFactory(merchant=merchant)
        theirs = ProductFactory(merchant=other_merchant)
        response = owner_client.get(reverse("portal:product-list"), {"q": theirs.fnsku})
        html = response.content.decode()
        assert listed_ids(response) == set()
        assert "No product matches these filters." in html
        assert f"<code>{theirs.fnsku}</code>" not in html
        assert theirs.sku not in html

    def test_filter_by_size_tier(self, owner_client, merchant):
        small = ProductFactory(merchant=merchant)
        bulky = ProductFactory(merchant=merchant, weight_kg=Decimal("15"))
        url = reverse("portal:product-list")

        assert listed_ids(owner_client.get(url, {"size_tier": SizeTier.SMALL_STANDARD})) == {small.pk}
        assert listed_ids(owner_client.get(url, {"size_tier": SizeTier.LARGE_BULKY})) == {bulky.pk}

    def test_filter_by_origin_country(self, owner_client, merchant):
        cn = ProductFactory(merchant=merchant, origin_country="CN")
        vn = ProductFactory(merchant=merchant, origin_country="VN")
        url = reverse("portal:product-list")

        response = owner_client.get(url, {"origin_country": "VN"})
        assert listed_ids(response) == {vn.pk}
        assert listed_ids(owner_client.get(url, {"origin_country": "CN"})) == {cn.pk}
        # The choices are the merchant's own origins.
        assert '<option value="VN" selected>Vietnam</option>' in response.content.decode()

    def test_filter_by_an_origin_the_merchant_has_no_products_from_shows_none(self, owner_client, merchant):
        ProductFactory(merchant=merchant, origin_country="CN", sku="CN-ONLY")
        response = owner_client.get(reverse("portal:product-list"), {"origin_country": "US"})
        assert listed_ids(response) == set()

    def test_invalid_filter_value_does_not_drop_the_search(self, owner_client, merchant):
        wanted = ProductFactory(merchant=merchant, sku="WANTED-1")
        ProductFactory(merchant=merchant, sku="OTHER-1")
        response = owner_client.get(reverse("portal:product-list"), {"q": "wanted", "size_tier": "gigantic"})
        assert listed_ids(response) == {wanted.pk}

    @pytest.mark.parametrize(
        ("flag", "attrs"),
        [
            ("has_batteries", {"has_batteries": True}),
            ("has_liquids", {"has_liquids": True}),
            ("is_dangerous_goods", {"is_dangerous_goods": True}),
            ("inactive", {"is_active": False}),
        ],
    )
    def test_filter_by_flag(self, owner_client, merchant, flag, attrs):
        flagged = ProductFactory(merchant=merchant, **attrs)
        ProductFactory(merchant=merchant)
        response = owner_client.get(reverse("portal:product-list"), {"flag": flag})
        assert listed_ids(response) == {flagged.pk}

    def test_thirty_products_make_two_pages(self, owner_client, merchant):
        products = [ProductFactory(merchant=merchant, sku=f"P-{n:02d}") for n in range(30)]
        url = reverse("portal:product-list")

        first = owner_client.get(url)
        second = owner_client.get(url, {"page": 2})

        assert len(listed_ids(first)) == 25
        assert len(listed_ids(second)) == 5
        assert listed_ids(first) | listed_ids(second) == {p.pk for p in products}
        assert "Page 1 of 2 · 30 results" in first.content.decode()
        assert "Page 2 of 2 · 30 results" in second.content.decode()
        assert owner_client.get(url, {"page": 3}).status_code == 404

    def test_pagination_keeps_the_filters(self, owner_client, merchant):
        for n in range(27):
            ProductFactory(merchant=merchant, sku=f"BAT-{n:02d}", has_batteries=True)
        ProductFactory(merchant=merchant, sku="PLAIN")
        url = reverse("portal:product-list")

        first = owner_client.get(url, {"flag": "has_batteries"})
        assert 'href="?flag=has_batteries&amp;page=2"' in first.content.decode()
        second = owner_client.get(url, {"flag": "has_batteries", "page": 2})
        assert len(listed_ids(second)) == 2

    def test_query_count_does_not_grow_with_the_number_of_products(
        self, owner_client, merchant, django_assert_max_num_queries
    ):
        url = reverse("portal:product-list")
        for n in range(5):
            ProductFactory(merchant=merchant, sku=f"Q-{n:02d}", origin_country=["CN", "VN", "IN"][n % 3])
        owner_client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as five:
            assert len(listed_ids(owner_client.get(url))) == 5

        for n in range(5, 25):
            ProductFactory(merchant=merchant, sku=f"Q-{n:02d}", origin_country=["CN", "VN", "IN"][n % 3])
        with django_assert_max_num_queries(len(five)), CaptureQueriesContext(connection) as twenty_five:
            assert len(listed_ids(owner_client.get(url))) == 25

        assert len(twenty_five) == len(five)
        assert len(five) <= 10, [q["sql"] for q in five]


class TestProductCreateAndEdit:
    def test_create_via_the_form_redirects_to_the_new_product(self, owner_client, merchant):
        response = owner_client.post(reverse("portal:product-create"), form_data())

        product = Product.objects.get(merchant=merchant, sku="MUG-WHT")
        assert response.status_code == 302
        assert response["Location"] == reverse("portal:product-detail", args=[product.pk])
        assert product.hs_code == "691200"
        assert product.size_tier == SizeTier.LARGE_STANDARD
        detail = owner_client.get(response["Location"])
        html = detail.content.decode()
        assert f"Product MUG-WHT created; its platform barcode is {product.fnsku}." in html
        assert product.fnsku in html
        assert "Ceramic tableware, kitchenware, other household articles" in html

    def test_create_form_renders_for_an_owner(self, owner_client):
        response = owner_client.get(reverse("portal:product-create"))
        assert response.status_code == 200
        assert "New product" in response.content.decode()

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"hs_code": "999999"}, "hs_code", "999999 is not an HS 2022 subheading."),
            ({"hs_code": "12345"}, "hs_code", "Enter an HS code of 6, 8 or 10 digits (e.g. 6109.10 or 610910)."),
            ({"declared_value": "-1"}, "declared_value", "Ensure this value is greater than or equal to 0.01."),
            ({"weight_kg": "0"}, "weight_kg", "Ensure this value is greater than or equal to 0.001."),
            ({"sku": ""}, "sku", "This field is required."),
        ],
    )
    def test_bad_form_shows_the_error_next_to_the_field(self, owner_client, overrides, field, message):
        response = owner_client.post(reverse("portal:product-create"), form_data(**overrides))

        assert response.status_code == 200
        assert field_error(field, message) in response.content.decode()
        assert not Product.objects.exists()

    def test_ten_digit_hs_code_written_with_dots_is_accepted(self, owner_client, merchant):
        # The help text asks for "6 to 10 digits" and the validator accepts dots, but the form
        # field takes max_length=10 from the stored column and rejects the 13 raw characters.
        response = owner_client.post(reverse("portal:product-create"), form_data(hs_code="6912.00.48.00"))
        assert response.status_code == 302, response.context["form"].errors
        assert Product.objects.get(merchant=merchant, sku="MUG-WHT").hs_code == "6912004800"

    def test_duplicate_sku_error_from_the_service_shows_next_to_the_sku(self, owner_client, merchant):
        ProductFactory(merchant=merchant, sku="MUG-WHT")

        response = owner_client.post(reverse("portal:product-create"), form_data(sku="mug-wht"))

        assert response.status_code == 200
        assert field_error("sku", "You already have a product with SKU mug-wht.") in response.content.decode()
        assert Product.objects.filter(merchant=merchant).count() == 1

    def test_edit_form_shows_the_product_and_saves_changes(self, owner_client, merchant):
        product = ProductFactory(merchant=merchant, sku="TEE-1")
        url = reverse("portal:product-edit", args=[product.pk])

        page = owner_client.get(url)
        assert page.status_code == 200
        assert 'value="TEE-1"' in page.content.decode()

        response = owner_client.post(url, form_data(sku="TEE-1", title="Renamed", weight_kg="2.000"))

        assert response.status_code == 302
        assert response["Location"] == reverse("portal:product-detail", args=[product.pk])
        stored = Product.objects.get(pk=product.pk)
        assert (stored.title, stored.weight_kg, stored.fnsku) == ("Renamed", Decimal("2.000"), product.fnsku)
        assert stored.size_tier == SizeTier.LARGE_STANDARD

    def test_failed_edit_changes_nothing(self, owner_client, merchant):
        product = ProductFactory(merchant=merchant)
        before = row(product)

        response = owner_client.post(
            reverse("portal:product-edit", args=[product.pk]), form_data(title="Changed", hs_code="999999")
        )

        assert response.status_code == 200
        assert field_error("hs_code", "999999 is not an HS 2022 subheading.") in response.content.decode()
        assert row(product) == before


class TestRoles:
    def test_viewer_reads_the_catalog_but_sees_no_write_links(self, client, viewer, product):
        client.force_login(viewer)
        listing = client.get(reverse("portal:product-list"))
        detail = client.get(reverse("portal:product-detail", args=[product.pk]))
        assert listing.status_code == detail.status_code == 200
        assert product.sku in listing.content.decode()
        assert reverse("portal:product-create") not in listing.content.decode()
        assert reverse("portal:product-edit", args=[product.pk]) not in detail.content.decode()

    def test_viewer_gets_403_on_create_and_edit_and_nothing_changes(self, client, viewer, product):
        client.force_login(viewer)
        before = row(product)
        create = reverse("portal:product-create")
        edit = reverse("portal:product-edit", args=[product.pk])

        assert client.get(create).status_code == 403
        assert client.post(create, form_data(sku="BY-VIEWER")).status_code == 403
        assert client.get(edit).status_code == 403
        assert client.post(edit, form_data(sku=product.sku, title="By viewer")).status_code == 403

        assert row(product) == before
        assert not Product.objects.filter(sku="BY-VIEWER").exists()

    def test_staff_may_create(self, client, merchant):
        staff = MembershipFactory(merchant=merchant, role="staff").user
        client.force_login(staff)
        assert client.post(reverse("portal:product-create"), form_data()).status_code == 302
        assert Product.objects.filter(merchant=merchant, sku="MUG-WHT").exists()

    def test_user_without_membership_gets_the_no_merchant_page(self, client, product):
        client.force_login(UserFactory())
        for url in portal_urls(product):
            response = client.get(url)
            assert response.status_code == 403, url
            assert "No merchant account" in response.content.decode(), url
        assert client.post(reverse("portal:product-create"), form_data(sku="NOBODY")).status_code == 403
        assert not Product.objects.filter(sku="NOBODY").exists()

    def test_membership_of_an_inactive_merchant_does_not_count(self, client):
        membership = MembershipFactory(merchant=MerchantFactory(is_active=False))
        client.force_login(membership.user)
        response = client.get(reverse("portal:product-list"))
        assert response.status_code == 403
        assert "No merchant account" in response.content.decode()


class TestMerchantSwitcher:
    @pytest.fixture
    def two_hats(self, db):
        user = UserFactory()
        first = MerchantFactory(name="Alpha Goods")
        second = MerchantFactory(name="Bravo Trading")
        MembershipFactory(user=user, merchant=first, role="owner")
        MembershipFactory(user=user, merchant=second, role="viewer")
        ProductFactory(merchant=first, sku="ALPHA-SKU")
        ProductFactory(merchant=second, sku="BRAVO-SKU")
        return user, first, second

    def catalog(self, client) -> str:
        return client.get(reverse("portal:product-list")).content.decode()

    def test_switches_between_the_users_merchants(self, client, two_hats):
        user, first, second = two_hats
        client.force_login(user)
        html = self.catalog(client)
        assert "ALPHA-SKU" in html and "BRAVO-SKU" not in html
        assert 'id="merchant-switch"' in html

        response = client.post(reverse("portal:switch-merchant"), {"merchant": second.pk})
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        html = self.catalog(client)
        assert "BRAVO-SKU" in html and "ALPHA-SKU" not in html
        # The role follows the merchant: a viewer at the second one.
        assert client.get(reverse("portal:product-create")).status_code == 403

        client.post(reverse("portal:switch-merchant"), {"merchant": first.pk})
        assert "ALPHA-SKU" in self.catalog(client)
        assert client.get(reverse("portal:product-create")).status_code == 200

    @pytest.mark.parametrize("wanted", ["stranger", "", "not-a-number", "999999"])
    def test_refuses_a_merchant_the_user_is_not_a_member_of(self, client, two_hats, wanted):
        user, first, _second = two_hats
        stranger = MerchantFactory(name="Charlie Corp")
        ProductFactory(merchant=stranger, sku="CHARLIE-SKU")
        client.force_login(user)

        response = client.post(
            reverse("portal:switch-merchant"), {"merchant": stranger.pk if wanted == "stranger" else wanted}
        )

        assert response.status_code == 302
        assert "current_merchant_id" not in client.session
        html = self.catalog(client)
        assert "ALPHA-SKU" in html
        assert "CHARLIE-SKU" not in html

    def test_refusal_keeps_an_earlier_choice(self, client, two_hats):
        user, _first, second = two_hats
        stranger = MerchantFactory()
        client.force_login(user)
        client.post(reverse("portal:switch-merchant"), {"merchant": second.pk})
        client.post(reverse("portal:switch-merchant"), {"merchant": stranger.pk})
        assert client.session["current_merchant_id"] == second.pk
        assert "BRAVO-SKU" in self.catalog(client)


class TestStockPages:
    @pytest.fixture
    def warehouses_by_role(self, db):
        partner = PartnerFactory()
        return {
            WarehouseRole.GLOBAL_WAREHOUSE: WarehouseFactory(code="US-GW1", role=WarehouseRole.GLOBAL_WAREHOUSE),
            WarehouseRole.ASIA_WAREHOUSE: WarehouseFactory(code="CN-AW1", role=WarehouseRole.ASIA_WAREHOUSE),
            WarehouseRole.ORIGIN_FC: WarehouseFactory(code="CN-FC1", role=WarehouseRole.ORIGIN_FC),
            WarehouseRole.DESTINATION_DC: WarehouseFactory(code="US-DC1", role=WarehouseRole.DESTINATION_DC),
            WarehouseRole.PARTNER_3PL: WarehouseFactory(
                code="DE-3PL1", role=WarehouseRole.PARTNER_3PL, operator="partner", partner=partner
            ),
        }

    @pytest.fixture
    def stock(self, merchant, other_merchant, warehouses_by_role):
        """Each merchant holds one product in every warehouse: 11 units of ours, 9 of theirs."""
        mine = ProductFactory(merchant=merchant, sku="OURS-1")
        theirs = ProductFactory(merchant=other_merchant, sku="THEIRS-1")
        for warehouse in warehouses_by_role.values():
            inventory_adjust(product=mine, warehouse=warehouse, bucket="fulfillable", quantity=11, reason="adjustment")
            inventory_adjust(product=theirs, warehouse=warehouse, bucket="fulfillable", quantity=9, reason="adjustment")
        return mine, theirs

    def test_inventory_page_shows_own_stock_only(self, owner_client, stock, warehouses_by_role):
        mine, theirs = stock
        response = owner_client.get(reverse("warehouses:inventory"))
        assert response.status_code == 200
        html = response.content.decode()
        assert mine.sku in html
        assert theirs.sku not in html
        assert {b.product_id for b in response.context["balances"]} == {mine.pk}
        assert {row["warehouse__code"] for row in response.context["totals"]} == {
            w.code for w in warehouses_by_role.values()
        }
        assert all(row["total_fulfillable"] == 11 for row in response.context["totals"])

    def test_inventory_page_narrows_to_one_warehouse(self, owner_client, stock, warehouses_by_role):
        mine, theirs = stock
        warehouse = warehouses_by_role[WarehouseRole.ASIA_WAREHOUSE]
        response = owner_client.get(reverse("warehouses:inventory"), {"warehouse": warehouse.code})
        assert response.status_code == 200
        assert [(b.product_id, b.warehouse_id) for b in response.context["balances"]] == [(mine.pk, warehouse.pk)]
        assert "Inventory at CN-AW1" in response.content.decode()
        assert theirs.sku not in response.content.decode()

    def test_inventory_page_unknown_warehouse_is_404(self, owner_client, stock):
        assert owner_client.get(reverse("warehouses:inventory"), {"warehouse": "XX-NONE"}).status_code == 404

    def test_inventory_page_search(self, owner_client, merchant, stock, warehouse):
        other = ProductFactory(merchant=merchant, sku="SECOND-1", title="Second thing")
        inventory_adjust(product=other, warehouse=warehouse, bucket="reserved", quantity=2, reason="adjustment")
        response = owner_client.get(reverse("warehouses:inventory"), {"q": "second"})
        assert {b.product_id for b in response.context["balances"]} == {other.pk}

    def test_product_detail_shows_its_stock(self, owner_client, stock, warehouses_by_role):
        mine, _theirs = stock
        response = owner_client.get(reverse("portal:product-detail", args=[mine.pk]))
        assert response.status_code == 200
        assert [b.warehouse.code for b in response.context["balances"]] == sorted(
            w.code for w in warehouses_by_role.values()
        )

    @pytest.mark.parametrize("mode", Mode.values)
    def test_every_mode_page_renders_with_own_stock(self, owner_client, stock, warehouses_by_role, mode):
        from warehouses.models import FulfillmentMode

        mine, theirs = stock
        facts = FulfillmentMode.objects.get(code=mode)

        response = owner_client.get(reverse("warehouses:mode", args=[mode]))

        assert response.status_code == 200
        html = response.content.decode()
        assert facts.name in html
        assert theirs.sku not in html
        expected_codes = sorted(w.code for role, w in warehouses_by_role.items() if role in facts.stock_roles)
        assert [b.warehouse.code for b in response.context["stock"]] == expected_codes
        assert all(b.product_id == mine.pk for b in response.context["stock"])
        if facts.stock_roles:
            assert mine.sku in html
        else:
            assert "This mode needs no platform stock" in html

    def test_unknown_mode_is_404(self, owner_client):
        assert owner_client.get(reverse("warehouses:mode", args=["teleport"])).status_code == 404

    def test_home_counts_own_stock(self, owner_client, stock):
        response = owner_client.get(reverse("home"))
        assert response.status_code == 200
        assert response.context["fulfillable_total"] == 11 * 5
        assert response.context["product_count"] == 1
