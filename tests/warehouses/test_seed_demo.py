from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from merchants.geography import crosses_customs_border
from merchants.models import Membership, Merchant, Product
from merchants.validators import validate_eori, validate_hs_code, validate_ioss, validate_vat_number
from warehouses.demo_data import DEMO_PASSWORD
from warehouses.lanes import DEFAULT_TRANSIT_TIMES, lane_rows_from_transit_times
from warehouses.models import InventoryBalance, InventoryLedgerEntry, Lane, LaneStage, Partner, Warehouse
from warehouses.modes import WarehouseRole

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _row_counts() -> dict[str, int]:
    """Rows of every model of the apps the seed writes to, plus users."""
    models = [m for m in apps.get_models() if m._meta.app_label in {"merchants", "warehouses", "auth"}]
    return {m._meta.label: m.objects.count() for m in models}


@pytest.fixture
def seeded():
    return _seed()


def test_network_covers_every_country_and_role(seeded):
    warehouses = Warehouse.objects.all()

    assert warehouses.count() >= 12
    assert set(warehouses.values_list("country", flat=True)) == {"CN", "IN", "US", "DE", "GB", "JP", "AU"}
    assert set(warehouses.values_list("role", flat=True)) == set(WarehouseRole.values)
    for warehouse in warehouses:
        warehouse.full_clean()


def test_three_partners_each_with_a_user_and_a_3pl_warehouse(seeded):
    partners = Partner.objects.prefetch_related("users", "warehouses")

    assert partners.count() == 3
    for partner in partners:
        assert partner.users.count() == 1
        assert [w.role for w in partner.warehouses.all()] == [WarehouseRole.PARTNER_3PL]
        assert partner.sla_acknowledge_hours >= 1
        assert partner.sla_ship_days >= 1
    assert set(Warehouse.objects.filter(role="partner_3pl").values_list("country", flat=True)) == {"US", "DE", "AU"}


def test_merchants_have_valid_identifiers_and_their_users(seeded):
    merchants = Merchant.objects.all()

    assert merchants.count() == 4
    for merchant in merchants:
        merchant.full_clean()
        assert merchant.memberships.filter(role=Membership.Role.OWNER).count() == 1
    shenzhen = Merchant.objects.get(slug="shenzhen-brightwave")
    validate_ioss(shenzhen.ioss_number)
    validate_vat_number(shenzhen.vat_number)
    validate_eori(shenzhen.eori_number)
    assert set(shenzhen.memberships.values_list("role", flat=True)) == {"owner", "staff", "viewer"}
    assert Merchant.objects.get(slug="albion-rhein").vat_number.startswith("GB")


def test_every_demo_user_logs_in_with_the_demo_password(seeded):
    users = get_user_model().objects.all()

    assert users.count() == 12
    assert all(user.check_password(DEMO_PASSWORD) for user in users)
    operator = users.get(username="operator")
    assert operator.is_staff and operator.is_superuser
    assert Membership.objects.get(user__username="shenzhen.owner").role == "owner"


def test_catalogue_has_sixty_products_with_valid_hs_codes(seeded):
    products = Product.objects.all()

    assert products.count() >= 60
    for merchant in Merchant.objects.all():
        assert merchant.products.count() >= 12
    for product in products:
        validate_hs_code(product.hs_code)
        product.full_clean()
    assert products.filter(hs_code="850760", has_batteries=True).exists()
    assert products.filter(hs_code__startswith="3304", has_liquids=True).exists()


def test_reference_lanes_are_loaded_with_their_stages_and_sources(seeded):
    for row in lane_rows_from_transit_times(DEFAULT_TRANSIT_TIMES):
        lane = Lane.objects.get(
            origin=row["origin"], destination=row["destination"], transport=row["transport"], service=row["service"]
        )
        assert lane.source == row["source"]
        assert lane.confidence == row["confidence"]
        assert {s.stage for s in lane.stages.all()} == set(row["stages"])


def test_demo_lanes_are_marked_and_cross_border_lanes_have_a_customs_hold(seeded):
    demo = Lane.objects.filter(confidence="demo")

    assert demo.exists()
    assert set(demo.values_list("source", flat=True)) == {"Crossdock demo estimate"}
    for origin, destination in [("CN", "GB"), ("CN", "AU"), ("IN", "US"), ("IN", "EU"), ("CN", "SG"), ("US", "CA")]:
        assert demo.filter(origin=origin, destination=destination).exists()
    for country in ("GB", "AU", "CN", "IN"):
        assert Lane.objects.filter(origin=country, destination=country, service="last mile").exists()
    for lane in Lane.objects.prefetch_related("stages"):
        stages = {s.stage for s in lane.stages.all()}
        if crosses_customs_border(lane.origin, lane.destination):
            assert {"line_haul", "import_customs", "customs_hold"} <= stages, lane
        else:
            assert stages == {"last_mile"}, lane


def test_opening_stock_fills_several_warehouses_per_merchant(seeded):
    for merchant in Merchant.objects.all():
        balances = InventoryBalance.objects.filter(merchant=merchant, fulfillable__gt=0)
        assert balances.values("warehouse").distinct().count() >= 3
    assert InventoryBalance.objects.filter(unfulfillable__gt=0).exists()
    assert set(InventoryLedgerEntry.objects.values_list("reason", flat=True)) == {"opening_balance"}


def test_inventory_verifies_after_seeding(seeded):
    out = StringIO()

    call_command("verify_inventory", stdout=out)

    assert out.getvalue().startswith("OK")


def test_a_second_run_adds_nothing(seeded):
    first = _row_counts()

    output = _seed()

    assert _row_counts() == first
    assert first["warehouses.InventoryLedgerEntry"] > 0
    assert "Nothing added" in output


def test_output_lists_the_demo_logins_and_counts(seeded):
    assert "shenzhen.owner" in seeded
    assert DEMO_PASSWORD in seeded
    assert "operator (superuser)" in seeded
    assert "69 products" in seeded


def test_a_reseed_restores_missing_rows_but_books_stock_only_once(seeded):
    ledger_entries = InventoryLedgerEntry.objects.count()
    LaneStage.objects.filter(stage="customs_hold").delete()
    Warehouse.objects.filter(code="JP-NRT1").update(name="Renamed during the demo")

    _seed()

    assert InventoryLedgerEntry.objects.count() == ledger_entries
    assert not Lane.objects.filter(stages__isnull=True).exists()
    assert LaneStage.objects.filter(stage="customs_hold").count() == sum(
        crosses_customs_border(lane.origin, lane.destination) for lane in Lane.objects.all()
    )
    assert Warehouse.objects.get(code="JP-NRT1").name == "Renamed during the demo"
