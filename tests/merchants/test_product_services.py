"""The catalog services: product_create and product_update."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from merchants.models import Product
from merchants.services import product_create, product_update
from merchants.sizing import SizeTier
from tests.factories import MerchantFactory, ProductFactory

pytestmark = pytest.mark.django_db

FNSKU = re.compile(r"^X00[A-Z0-9]{7}$")


def product_data(**overrides) -> dict:
    data = {
        "sku": "TEE-BLK-M",
        "title": "Black cotton T-shirt, M",
        "hs_code": "6109.10",
        "origin_country": "CN",
        "declared_value": Decimal("8.50"),
        "declared_currency": "USD",
        "weight_kg": Decimal("0.200"),
        "length_cm": Decimal("30.0"),
        "width_cm": Decimal("25.0"),
        "height_cm": Decimal("1.5"),
    }
    data.update(overrides)
    return data


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def snapshot(product: Product) -> dict:
    fresh = Product.objects.get(pk=product.pk)
    return {**model_to_dict(fresh), "fnsku": fresh.fnsku, "size_tier": fresh.size_tier}


class TestProductCreate:
    def test_creates_with_derived_size_tier_normalised_hs_code_and_fnsku(self, merchant):
        product = product_create(merchant=merchant, **product_data())

        stored = Product.objects.get(pk=product.pk)
        assert stored.merchant == merchant
        assert stored.sku == "TEE-BLK-M"
        assert stored.hs_code == "610910"
        assert stored.size_tier == SizeTier.SMALL_STANDARD
        assert FNSKU.match(stored.fnsku)

    def test_size_tier_follows_the_measurements(self, merchant):
        heavy = product_create(merchant=merchant, **product_data(sku="KETTLEBELL", weight_kg=Decimal("12")))
        assert heavy.size_tier == SizeTier.LARGE_BULKY
        huge = product_create(merchant=merchant, **product_data(sku="SOFA", length_cm=Decimal("200")))
        assert huge.size_tier == SizeTier.EXTRA_LARGE

    def test_every_product_gets_its_own_fnsku(self, merchant, other_merchant):
        products = [product_create(merchant=merchant, **product_data(sku=f"SKU-{n}")) for n in range(40)]
        products.append(product_create(merchant=other_merchant, **product_data(sku="SKU-0")))
        fnskus = [p.fnsku for p in products]
        assert all(FNSKU.match(f) for f in fnskus)
        assert len(set(fnskus)) == len(fnskus)

    @pytest.mark.parametrize("clash", ["TEE-BLK-M", "tee-blk-m", "Tee-Blk-M"])
    def test_duplicate_sku_for_the_same_merchant_is_rejected_case_insensitively(self, merchant, clash):
        product_create(merchant=merchant, **product_data())
        before = Product.objects.count()

        with pytest.raises(ValidationError) as excinfo:
            product_create(merchant=merchant, **product_data(sku=clash, title="Another"))

        assert list(errors_of(excinfo)) == ["sku"]
        assert clash in errors_of(excinfo)["sku"][0]
        assert Product.objects.count() == before

    def test_same_sku_is_allowed_for_another_merchant(self, merchant, other_merchant):
        mine = product_create(merchant=merchant, **product_data())
        theirs = product_create(merchant=other_merchant, **product_data())
        assert mine.sku == theirs.sku
        assert mine.fnsku != theirs.fnsku
        assert Product.objects.filter(sku="TEE-BLK-M").count() == 2

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"hs_code": "999999"}, "hs_code", "999999 is not an HS 2022 subheading."),
            ({"hs_code": "12345"}, "hs_code", "6, 8 or 10 digits"),
            ({"declared_value": Decimal("-1.00")}, "declared_value", "greater than or equal to 0.01"),
            ({"declared_value": Decimal("0")}, "declared_value", "greater than or equal to 0.01"),
            ({"weight_kg": Decimal("0")}, "weight_kg", "greater than or equal to 0.001"),
            ({"length_cm": Decimal("0")}, "length_cm", "greater than or equal to 0.1"),
            ({"sku": "bad sku!"}, "sku", "Use letters, digits"),
            ({"sku": ""}, "sku", "cannot be blank"),
            ({"origin_country": "ZZ"}, "origin_country", "not a valid choice"),
            ({"declared_currency": "XXX"}, "declared_currency", "not a valid choice"),
        ],
    )
    def test_bad_input_is_keyed_by_field_and_writes_nothing(self, merchant, overrides, field, message):
        with pytest.raises(ValidationError) as excinfo:
            product_create(merchant=merchant, **product_data(**overrides))

        errors = errors_of(excinfo)
        assert field in errors
        assert any(message in text for text in errors[field])
        assert not Product.objects.exists()

    @pytest.mark.parametrize("field", ["fnsku", "size_tier", "id", "created_at"])
    def test_fields_the_service_owns_cannot_be_passed_in(self, merchant, field):
        value = {"fnsku": "X00AAAAAAA", "size_tier": "extra_large"}.get(field, 1)

        with pytest.raises(ValidationError) as excinfo:
            product_create(merchant=merchant, **product_data(), **{field: value})

        assert list(errors_of(excinfo)) == [field]
        assert not Product.objects.exists()


class TestProductUpdate:
    def test_changing_measurements_re_derives_the_size_tier(self, merchant):
        product = ProductFactory(merchant=merchant)
        assert product.size_tier == SizeTier.SMALL_STANDARD

        product_update(product=product, height_cm=Decimal("10.0"), weight_kg=Decimal("1.200"))

        stored = Product.objects.get(pk=product.pk)
        assert stored.size_tier == SizeTier.LARGE_STANDARD
        assert stored.height_cm == Decimal("10.0")

    def test_normalises_hs_code_and_keeps_fnsku(self, merchant):
        product = ProductFactory(merchant=merchant)
        fnsku = product.fnsku

        product_update(product=product, hs_code="6110.20.20", title="Cotton jumper")

        stored = Product.objects.get(pk=product.pk)
        assert (stored.hs_code, stored.title, stored.fnsku) == ("61102020", "Cotton jumper", fnsku)

    def test_changing_only_the_case_of_its_own_sku_is_allowed(self, merchant):
        product = ProductFactory(merchant=merchant, sku="tee-1")
        product_update(product=product, sku="TEE-1")
        assert Product.objects.get(pk=product.pk).sku == "TEE-1"

    def test_renaming_onto_another_products_sku_is_rejected(self, merchant):
        ProductFactory(merchant=merchant, sku="TEE-1")
        product = ProductFactory(merchant=merchant, sku="TEE-2")
        before = snapshot(product)

        with pytest.raises(ValidationError) as excinfo:
            product_update(product=product, sku="tee-1")

        assert list(errors_of(excinfo)) == ["sku"]
        assert snapshot(product) == before

    def test_renaming_onto_another_merchants_sku_is_allowed(self, merchant):
        ProductFactory(merchant=MerchantFactory(), sku="TEE-1")
        product = ProductFactory(merchant=merchant, sku="TEE-2")
        product_update(product=product, sku="TEE-1")
        assert Product.objects.get(pk=product.pk).sku == "TEE-1"

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"hs_code": "999999"}, "hs_code"),
            ({"declared_value": Decimal("-5")}, "declared_value"),
            ({"weight_kg": Decimal("0")}, "weight_kg"),
        ],
    )
    def test_bad_input_is_keyed_by_field_and_changes_nothing(self, merchant, changes, field):
        product = ProductFactory(merchant=merchant)
        before = snapshot(product)

        with pytest.raises(ValidationError) as excinfo:
            product_update(product=product, title="Changed", **changes)

        assert field in errors_of(excinfo)
        assert snapshot(product) == before

    def test_cannot_move_a_product_to_another_merchant(self, merchant, other_merchant):
        product = ProductFactory(merchant=merchant)
        before = snapshot(product)

        with pytest.raises(ValidationError) as excinfo:
            product_update(product=product, merchant=other_merchant)

        assert list(errors_of(excinfo)) == ["merchant"]
        assert snapshot(product) == before
        assert not Product.objects.filter(merchant=other_merchant).exists()

    def test_cannot_set_the_fnsku(self, merchant):
        product = ProductFactory(merchant=merchant)
        before = snapshot(product)

        with pytest.raises(ValidationError) as excinfo:
            product_update(product=product, fnsku="X00HACKED1", title="Changed")

        assert list(errors_of(excinfo)) == ["fnsku"]
        assert snapshot(product) == before
