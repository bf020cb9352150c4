"""Load the demo network, merchants, catalogue and opening stock (see ``warehouses.demo_data``).

Every row is found by its natural key (partner slug, warehouse code, lane key, merchant
slug, username, SKU) before it is created, and opening stock is booked once per merchant,
so running the command again adds nothing. Rows that already exist are left as they are,
so edits made in the demo survive a re-seed.
"""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from merchants.models import Membership, Merchant, Product
from merchants.services import membership_add, merchant_create, product_create
from warehouses.demo_data import (
    DEMO_LANE_CONFIDENCE,
    DEMO_LANE_SOURCE,
    DEMO_LANES,
    DEMO_PASSWORD,
    MERCHANTS,
    OPENING_STOCK,
    OPERATOR,
    PARTNERS,
    PRODUCTS,
    WAREHOUSES,
    DemoProduct,
)
from warehouses.lanes import lane_row, lanes_load_reference, lanes_upsert
from warehouses.models import (
    Bucket,
    InventoryBalance,
    InventoryLedgerEntry,
    Lane,
    LaneStage,
    LedgerReason,
    Partner,
    RateCard,
    RateCardEntry,
    Warehouse,
)
from warehouses.rate_facts import rate_cards_load_demo
from warehouses.services.inventory import StockChange, inventory_apply

DEMO_LANE_COLUMNS = (
    "origin",
    "destination",
    "transport",
    "transit_days_min",
    "transit_days_max",
    "customs_clearance_hours_min",
    "customs_clearance_hours_max",
)
OPENING_STOCK_REFERENCE = "seed_demo"


def _counted_models() -> dict[str, type]:
    return {
        "users": get_user_model(),
        "partners": Partner,
        "warehouses": Warehouse,
        "lanes": Lane,
        "lane stages": LaneStage,
        "merchants": Merchant,
        "memberships": Membership,
        "products": Product,
        "inventory balances": InventoryBalance,
        "ledger entries": InventoryLedgerEntry,
        "rate cards": RateCard,
        "rate card entries": RateCardEntry,
    }


def demo_counts() -> dict[str, int]:
    """Row counts of every model the seed writes, keyed by a readable name."""
    return {name: model.objects.count() for name, model in _counted_models().items()}


def _ensure_user(
    *, username: str, email: str, first_name: str, last_name: str, is_staff: bool = False, is_superuser: bool = False
):
    """The user named ``username``; created with the demo password if missing."""
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "is_staff": is_staff,
            "is_superuser": is_superuser,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def seed_partners() -> dict[str, Partner]:
    """The demo partners by slug, each linked to its users; missing ones are created."""
    partners = {}
    for slug, spec in PARTNERS.items():
        fields = {key: value for key, value in spec.items() if key != "users"}
        partner = Partner.objects.filter(slug=slug).first()
        if partner is None:
            partner = Partner(slug=slug, **fields)
            partner.full_clean()
            partner.save()
        for username, email, first_name, last_name in spec["users"]:
            user = _ensure_user(username=username, email=email, first_name=first_name, last_name=last_name)
            partner.users.add(user)  # a no-op when already linked
        partners[slug] = partner
    return partners


def seed_warehouses(*, partners: dict[str, Partner]) -> dict[str, Warehouse]:
    """The demo warehouses by code; missing ones are created (validated) with their operator."""
    existing = Warehouse.objects.in_bulk([w.code for w in WAREHOUSES], field_name="code")
    for spec in WAREHOUSES:
        if spec.code in existing:
            continue
        fields = spec._asdict()
        partner_slug = fields.pop("partner")
        partner = partners[partner_slug] if partner_slug else None
        warehouse = Warehouse(
            **fields,
            operator=Warehouse.Operator.PARTNER if partner else Warehouse.Operator.PLATFORM,
            partner=partner,
        )
        warehouse.full_clean()
        warehouse.save()
        existing[spec.code] = warehouse
    return existing


def seed_lanes() -> int:
    """Demo lanes, then the reference lanes; returns the number of lanes created."""
    rows = [
        lane_row(
            **dict(zip(DEMO_LANE_COLUMNS, lane, strict=True)), confidence=DEMO_LANE_CONFIDENCE, source=DEMO_LANE_SOURCE
        )
        for lane in DEMO_LANES
    ]
    created = lanes_upsert(rows=rows)
    # The reference load comes second because it gives every cross-border lane in the
    # database, the demo ones included, the customs-hold stage from the reference table.
    return created + lanes_load_reference()


def seed_merchant(*, slug: str, spec: dict) -> Merchant:
    """The merchant ``slug``, created through ``merchant_create`` if missing, with its users' memberships."""
    users = []
    for username, email, first_name, last_name, role in spec["users"]:
        user = _ensure_user(username=username, email=email, first_name=first_name, last_name=last_name)
        users.append((user, role))
    merchant = Merchant.objects.filter(slug=slug).first()
    if merchant is None:
        owner = next(user for user, role in users if role == Membership.Role.OWNER)
        merchant = merchant_create(owner=owner, slug=slug, **spec["fields"])
    for user, role in users:
        # Only missing memberships: a role changed during the demo stays changed.
        if not Membership.objects.filter(merchant=merchant, user=user).exists():
            membership_add(merchant=merchant, user=user, role=role)
    return merchant


def seed_products(*, merchant: Merchant, products: tuple[DemoProduct, ...], defaults: dict) -> list[Product]:
    """Create the merchant's missing demo SKUs through ``product_create``; returns its demo products by SKU."""
    existing = {sku.upper() for sku in merchant.products.values_list("sku", flat=True)}
    for spec in products:
        if spec.sku.upper() in existing:
            continue
        length, width, height = (Decimal(d) for d in spec.dimensions_cm)
        product_create(
            merchant=merchant,
            sku=spec.sku,
            title=spec.title,
            hs_code=spec.hs_code,
            origin_country=spec.origin_country or defaults["origin_country"],
            declared_value=Decimal(spec.declared_value),
            declared_currency=defaults["declared_currency"],
            weight_kg=Decimal(spec.weight_kg),
            length_cm=length,
            width_cm=width,
            height_cm=height,
            has_batteries="b" in spec.flags,
            has_liquids="l" in spec.flags,
            is_dangerous_goods="d" in spec.flags,
        )
    return list(merchant.products.filter(sku__in=[p.sku for p in products]).order_by("sku"))


def opening_stock_changes(
    *, products: list[Product], warehouse: Warehouse, position: int, typical_units: int
) -> list[StockChange]:
    """A deterministic, varied opening stock of ``products`` at one warehouse.

    The first warehouse of a merchant's plan (``position`` 0) holds every product; later ones
    skip about one product in four, so that stock differs between buildings. Units spread
    from half to one and a half times ``typical_units``; about one product in seven also has
    a few damaged (unfulfillable) units.
    """
    changes = []
    for index, product in enumerate(products):
        if position and (index + position) % 4 == 3:
            continue
        units = typical_units // 2 + (index * 37 + position * 11) % typical_units
        changes.append(StockChange(product.pk, warehouse.pk, Bucket.FULFILLABLE, units))
        if (index + position) % 7 == 0:
            changes.append(StockChange(product.pk, warehouse.pk, Bucket.UNFULFILLABLE, 1 + index % 4))
    return changes


def seed_opening_stock(
    *,
    merchant: Merchant,
    products: list[Product],
    warehouses: dict[str, Warehouse],
    plan: tuple[tuple[str, int], ...],
    actor,
) -> bool:
    """Book the merchant's opening stock, one movement per warehouse; False if already booked."""
    if InventoryLedgerEntry.objects.filter(merchant=merchant, reason=LedgerReason.OPENING_BALANCE).exists():
        return False
    for position, (code, typical_units) in enumerate(plan):
        warehouse = warehouses[code]
        changes = opening_stock_changes(
            products=products, warehouse=warehouse, position=position, typical_units=typical_units
        )
        inventory_apply(
            merchant_id=merchant.pk,
            changes=changes,
            reason=LedgerReason.OPENING_BALANCE,
            reference_type=OPENING_STOCK_REFERENCE,
            reference_id=warehouse.code,
            actor=actor,
            note=f"Demo opening balance at {warehouse.code}",
        )
    return True


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, merchant or partner) of every demo user, operator first."""
    logins = [(OPERATOR["username"], "operator (superuser)", "—")]
    for spec in MERCHANTS.values():
        logins += [(user[0], f"merchant {user[4]}", spec["fields"]["name"]) for user in spec["users"]]
    for spec in PARTNERS.values():
        logins += [(user[0], "partner", spec["name"]) for user in spec["users"]]
    return logins


class Command(BaseCommand):
    help = (
        "Load demo partners, warehouses, lanes, merchants, users, products and opening stock. "
        "Idempotent: a second run adds nothing."
    )

    def handle(self, *args, **options):
        before = demo_counts()
        with transaction.atomic():
            operator = _ensure_user(**OPERATOR, is_staff=True, is_superuser=True)
            partners = seed_partners()
            warehouses = seed_warehouses(partners=partners)
            seed_lanes()
            rate_cards_load_demo()
            for slug, spec in MERCHANTS.items():
                merchant = seed_merchant(slug=slug, spec=spec)
                products = seed_products(merchant=merchant, products=PRODUCTS[slug], defaults=spec["product_defaults"])
                seed_opening_stock(
                    merchant=merchant,
                    products=products,
                    warehouses=warehouses,
                    plan=OPENING_STOCK[slug],
                    actor=operator,
                )
        after = demo_counts()
        if options["verbosity"] > 0:
            self._write_logins()
            self._write_summary(before=before, after=after)

    def _write_logins(self) -> None:
        rows = [("username", "password", "role", "merchant / partner")]
        rows += [(username, DEMO_PASSWORD, role, org) for username, role, org in demo_logins()]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        for number, row in enumerate(rows):
            line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[3]
            self.stdout.write(line.rstrip())
            if number == 0:
                self.stdout.write("  ".join("-" * width for width in [*widths, len(row[3])]))

    def _write_summary(self, *, before: dict[str, int], after: dict[str, int]) -> None:
        totals = ", ".join(f"{count} {name}" for name, count in after.items())
        added = {name: after[name] - before[name] for name in after if after[name] != before[name]}
        self.stdout.write(f"Demo data: {totals}.")
        if added:
            self.stdout.write(
                self.style.SUCCESS("Added: " + ", ".join(f"{count} {name}" for name, count in added.items()) + ".")
            )
        else:
            self.stdout.write(self.style.SUCCESS("Nothing added: the demo data was already there."))
