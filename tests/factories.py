"""factory_boy factories for the domain models, valid by default."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from merchants.models import Membership, Merchant, Product
from warehouses.models import Lane, LaneStage, Partner, Warehouse
from warehouses.modes import Transport, WarehouseRole


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Merchant {n}")
    slug = factory.Sequence(lambda n: f"merchant-{n}")
    home_country = "CN"
    currency = "USD"
    contact_name = "Li Wei"
    address_line1 = "88 Keyuan Road"
    city = "Shenzhen"
    postal_code = "518057"
    country = "CN"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    merchant = factory.SubFactory(MerchantFactory)
    role = Membership.Role.OWNER


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    merchant = factory.SubFactory(MerchantFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    title = factory.Sequence(lambda n: f"Cotton T-shirt {n}")
    hs_code = "610910"
    origin_country = "CN"
    declared_value = Decimal("8.50")
    declared_currency = "USD"
    weight_kg = Decimal("0.200")
    length_cm = Decimal("30.0")
    width_cm = Decimal("25.0")
    height_cm = Decimal("1.5")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner Logistics {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")
    contact_email = factory.LazyAttribute(lambda p: f"ops@{p.slug}.example.com")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"US-T{n:03d}")
    name = factory.Sequence(lambda n: f"Test warehouse {n}")
    role = WarehouseRole.GLOBAL_WAREHOUSE
    country = "US"
    address_line1 = "1 Logistics Way"
    city = "Ontario"
    region = "CA"
    postal_code = "91761"
    time_zone = "America/Los_Angeles"
    capacity_units = 100_000
    capacity_m3 = Decimal("5000")


class LaneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lane

    origin = "CN"
    destination = "US"
    transport = Transport.AIR_FREIGHT
    service = factory.Sequence(lambda n: f"test {n}")
    cost_per_kg = Decimal("4.50")


class LaneStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LaneStage

    lane = factory.SubFactory(LaneFactory)
    stage = "line_haul"
    min_hours = Decimal("120")
    typical_hours = Decimal("180")
    max_hours = Decimal("240")
