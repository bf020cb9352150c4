"""The tenancy sweep: signed in at merchant A, nothing of merchant B can be seen or changed.

Every URL of the swept namespaces (``portal``, ``warehouses``, ``shipping``, ``orders``) and every
``/api/v1/`` route must be listed in ``SWEEP`` with how to reach B's object through it; a new view
that is not listed fails ``test_every_url_is_in_the_sweep`` until it joins the sweep.
"""

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote_plus, urlencode

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max, Model, Q
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.html import escape

from merchants.models import Membership, Merchant, Product
from orders.models import Allocation, Order, OrderEvent, OrderImport, OrderLine
from orders.services.imports import ALL_COLUMNS, order_import_create, order_import_process
from orders.services.intake import order_create
from orders.services.status import order_transition
from shipping.models import (
    InboundBox,
    InboundBoxContent,
    InboundPlan,
    InboundPlanItem,
    InboundShipment,
    InboundShipmentEvent,
    InboundShipmentLine,
    PlacementOption,
    Shipment,
    ShipmentLine,
    TrackingEvent,
)
from shipping.routes import outbound_route_plan
from shipping.services.inbound_plans import inbound_plan_create, inbound_plan_set_boxes
from shipping.services.placement import placement_option_confirm, placement_options_generate
from shipping.services.shipments import shipments_create
from tests.factories import (
    MembershipFactory,
    MerchantFactory,
    PartnerFactory,
    ProductFactory,
    UserFactory,
    WarehouseFactory,
)
from tests.orders.conftest import us_order
from tests.shipping.conftest import box
from warehouses.api_keys import api_key_create, api_keys_revoke
from warehouses.models import ApiKey, InventoryBalance, InventoryLedgerEntry, Warehouse
from warehouses.modes import Mode, WarehouseRole
from warehouses.network import Network
from warehouses.rate_facts import rate_cards_load_demo
from warehouses.services.inventory import inventory_adjust
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_disable,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_send_test,
)

pytestmark = pytest.mark.django_db

# ``shipping`` is the merchant portal's inbound section: swept like the rest of the portal.
# ``orders`` is the portal's orders section: swept too, so each URL it gains must join SWEEP.
SWEPT_NAMESPACES = ("portal", "warehouses", "shipping", "orders", "integrations", "webhooks", "dashboards")
# Namespaces that are not merchant-facing; any other namespace fails the sweep until classified.
UNSWEPT_NAMESPACES = {
    "admin": "the Django admin, staff only",
    "console": "the operator console: platform staff only, unscoped on purpose",
    "partner": "the partner portal: scoped by Partner.users, not by merchant; isolation in test_partner.py",
    "partner-api": "the partner API: scoped to the API key's partner; isolation in tests/shipping/test_partner.py",
    "operations": "the console's overview: platform staff only, unscoped on purpose",
}
# ``/api/v1/receiving/`` is the operators' dock in the API: staff only and unscoped on purpose, so it
# is swept as OPERATOR (a merchant user is refused outright) rather than as a merchant's object.
API_PREFIX = "api/v1/"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
B_UNITS = 4321  # B's stock per balance: a number that appears nowhere of A's
B_UNITS_SHOWN = re.compile(r"\b4,?321\b")  # as a number, with or without intcomma


# --- the world: two merchants, each with an owner, products, stock, inbound plans and orders --


@dataclass
class Side:
    merchant: Merchant
    owner: User
    products: list[Product]
    balances: list[InventoryBalance] = field(default_factory=list)
    # Sending inventory: a plan whose placement is confirmed, with its WORKING shipment ...
    plan: InboundPlan | None = None
    shipment: InboundShipment | None = None
    option_ids: list[str] = field(default_factory=list)  # the confirmed plan's options
    # ... and a plan packed and offered placement, not confirmed: its options are still live.
    open_plan: InboundPlan | None = None
    open_option_ids: list[str] = field(default_factory=list)
    # Orders: one live (planning, its stock reserved) and one the warehouse is processing
    # (cancelling it is refused) ...
    order: Order | None = None
    held_order: Order | None = None
    # ... and a processed CSV import (one order created, one rejected), with the file it came from.
    order_import: OrderImport | None = None
    import_file: bytes = b""
    # ... and the outbound shipment of the processing order, on its way to the buyer.
    outbound: Shipment | None = None
    # Webhooks: an active endpoint mid-rotation, a disabled one, and a delivery to the disabled one.
    webhook_endpoint: WebhookEndpoint | None = None
    disabled_endpoint: WebhookEndpoint | None = None
    webhook_delivery: WebhookDelivery | None = None
    # ... and a parcel from China, with its customs declaration (pending).
    declared: Shipment | None = None
    # API keys: A's revoked (revoking it again changes nothing), B's live.
    api_key: ApiKey | None = None


@dataclass
class World:
    a: Side
    b: Side
    shared_warehouse: Warehouse
    b_only_warehouses: list[Warehouse]

    @property
    def b_strings(self) -> list[str]:
        """Strings that would betray B's data on any of A's pages."""
        merchant = self.b.merchant
        inbound = [
            *InboundPlan.objects.filter(merchant=merchant).values_list("name", flat=True),
            *InboundShipment.objects.filter(merchant=merchant).values_list("confirmation_id", flat=True),
            *InboundBox.objects.filter(plan__merchant=merchant).values_list("box_id", flat=True),
            *PlacementOption.objects.filter(plan__merchant=merchant).values_list("option_id", flat=True),
        ]
        imports = OrderImport.objects.filter(merchant=merchant)
        orders = [
            *Order.objects.filter(merchant=merchant).values_list("merchant_order_id", flat=True),
            *imports.values_list("filename", flat=True),
            # The ids of the file's rows, the rejected ones too (they are in the import's report only).
            *(entry["merchant_order_id"] for report in imports.values_list("report", flat=True) for entry in report),
            *Shipment.objects.filter(merchant=merchant).values_list("tracking_number", flat=True),
        ]
        api_keys = [s for key in ApiKey.objects.filter(merchant=merchant) for s in (key.name, key.prefix)]
        orders += api_keys
        orders += webhook_strings(merchant)
        return [s for p in self.b.products for s in (p.sku, p.fnsku, p.title)] + [s for s in inbound + orders if s]


def packed_plan(side: Side, name: str, units: int) -> tuple[InboundPlan, list[PlacementOption]]:
    """Through the services, as the wizard does: every product of the side, one box each, placement offered."""
    plan = inbound_plan_create(
        merchant=side.merchant,
        mode=Mode.GLOBAL_WAREHOUSE,
        destination_country="US",  # the one global warehouse in the US: the shared US-SHR1
        name=name,
        user=side.owner,
        items=[{"sku": p.sku, "quantity": units} for p in side.products],
    )
    plan = inbound_plan_set_boxes(plan=plan, boxes=[box({p.sku: units}) for p in side.products])
    return plan, placement_options_generate(plan=plan)


def send_inventory(side: Side, plan_names: tuple[str, str]) -> None:
    confirmed, options = packed_plan(side, plan_names[0], units=6)
    [shipment] = placement_option_confirm(plan=confirmed, option_id=options[0].option_id, user=side.owner)
    assert shipment.status == InboundShipment.Status.WORKING and shipment.boxes.exclude(box_id="").exists()
    side.plan, side.shipment = InboundPlan.objects.get(pk=confirmed.pk), shipment
    side.option_ids = [o.option_id for o in options]
    side.open_plan, open_options = packed_plan(side, plan_names[1], units=5)
    side.open_option_ids = [o.option_id for o in open_options]
    assert side.open_option_ids and not side.open_plan.shipments.exists()


def orders_csv(order_ids: tuple[str, str], skus: list[str]) -> bytes:
    """Two orders to US buyers: the first lands (a line per SKU), the second is rejected (its postal code)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ALL_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    address = {"contact_name": "Ada Buyer", "address_line1": "1 Main St", "city": "Springfield", "region": "IL"}
    for order_id, postal_code, lines in ((order_ids[0], "62701", skus), (order_ids[1], "XXXXX", skus[:1])):
        for sku in lines:
            row = {"merchant_order_id": order_id, "mode": Mode.GLOBAL_WAREHOUSE, "currency": "USD", **address}
            writer.writerow(row | {"postal_code": postal_code, "country": "US", "sku": sku, "quantity": 1})
    return buffer.getvalue().encode()


def place_orders(side: Side, order_ids: tuple[str, ...], filename: str, capture_on_commit) -> None:
    """Through the services: orders to US buyers, served from US-SHR1 (domestic: no lane needed)."""
    live_id, held_id, *csv_ids = order_ids
    skus = [p.sku for p in side.products]
    side.order = order_create(
        merchant=side.merchant, payload=us_order(live_id, lines=[(sku, 2) for sku in skus]), user=side.owner
    )
    assert side.order.status == Order.Status.PLANNING and side.order.lines.filter(quantity_allocated=2).count() == 2
    held = order_create(merchant=side.merchant, payload=us_order(held_id, lines=[(skus[0], 1)]), user=side.owner)
    assert order_transition(order=held, to=Order.Status.PROCESSING, reason="Picking started")
    side.held_order = Order.objects.get(pk=held.pk)
    route = Network.load().route(origin="US", destination="US", speed="standard")
    [side.outbound] = shipments_create(
        specs=[
            {
                "kind": Shipment.Kind.OUTBOUND,
                "merchant_id": side.merchant.pk,
                "mode_id": Mode.GLOBAL_WAREHOUSE,
                "order_id": held.pk,
                "merchant_order_id": held.merchant_order_id,
                "source_warehouse_id": held.lines.get().allocations.get().warehouse_id,
                "origin_country": "US",
                "route": outbound_route_plan(mode=Mode.GLOBAL_WAREHOUSE, handling_hours=24, route=route),
                "contact_name": held.contact_name,
                "address_line1": held.address_line1,
                "city": held.city,
                "postal_code": held.postal_code,
                "country": "US",
                "lines": [(held.lines.get().product_id, 1, held.lines.get().unit_value, "USD")],
            }
        ]
    )
    side.import_file = orders_csv(tuple(csv_ids), skus)
    with capture_on_commit(execute=False) as callbacks:  # no task queued: processed right here
        order_import, created = order_import_create(
            merchant=side.merchant, filename=filename, data=side.import_file, user=side.owner
        )
    assert created and len(callbacks) == 1
    side.order_import = order_import_process(import_id=order_import.pk)
    assert side.order_import.status == OrderImport.Status.DONE
    assert (side.order_import.created_orders, side.order_import.failed_rows) == (1, 1)


@pytest.fixture
def world(db, django_capture_on_commit_callbacks) -> World:
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
    plan_names = {
        "a": ("Alpha spring restock", "Alpha summer launch"),
        "b": ("Bravo confidential restock", "Bravo confidential launch"),
    }
    # (live, held, CSV created, CSV rejected) order ids, and the CSV's file name.
    order_ids = {
        "a": ("ALPHA-ORD-1", "ALPHA-ORD-2", "ALPHA-CSV-1", "ALPHA-CSV-2"),
        "b": ("BRAVO-ORD-7001", "BRAVO-ORD-7002", "BRAVO-CSV-7101", "BRAVO-CSV-7102"),
    }
    import_names = {"a": "alpha-orders.csv", "b": "bravo-confidential-orders.csv"}
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
    rate_cards_load_demo()  # orders need a last-mile rate for their mode, speed and country
    for key, side in sides.items():
        send_inventory(side, plan_names[key])
        place_orders(side, order_ids[key], import_names[key], django_capture_on_commit_callbacks)
    # B's orders reserved some of its stock at US-SHR1: top it up, so B_UNITS still betrays every B shelf.
    for balance in InventoryBalance.objects.filter(merchant=sides["b"].merchant, fulfillable__lt=B_UNITS):
        inventory_adjust(
            product=balance.product,
            warehouse=balance.warehouse,
            bucket="fulfillable",
            quantity=B_UNITS - balance.fulfillable,
            reason="adjustment",
        )
    assert set(InventoryBalance.objects.filter(merchant=sides["b"].merchant).values_list("fulfillable", flat=True)) == {
        B_UNITS
    }
    for side in sides.values():
        side.balances = list(InventoryBalance.objects.filter(merchant=side.merchant).order_by("pk"))
        side.declared = declared_shipment(side)
    sides["a"].api_key, _ = api_key_create(name="Alpha shop", scopes=["orders:read"], merchant=sides["a"].merchant)
    api_keys_revoke(api_keys=ApiKey.objects.filter(pk=sides["a"].api_key.pk))
    sides["b"].api_key, _ = api_key_create(name="Bravo ERP", scopes=["orders:write"], merchant=sides["b"].merchant)
    for key, side in sides.items():
        add_webhooks(side, key)
    return World(a=sides["a"], b=sides["b"], shared_warehouse=shared, b_only_warehouses=b_only)


def declared_shipment(side: Side) -> Shipment:
    """A parcel from China to a US buyer: it crosses a customs border, so it has a declaration."""
    product = side.products[0]
    route = [{"stage": "line_haul", "hours": 24.0}, {"stage": "import_customs", "hours": 24.0}]
    route += [{"stage": "last_mile", "hours": 24.0}, {"stage": "delivered", "hours": 0.0}]
    [shipment] = shipments_create(
        specs=[
            {
                "kind": Shipment.Kind.OUTBOUND,
                "merchant_id": side.merchant.pk,
                "mode_id": Mode.DIRECT,
                "origin_country": "CN",
                "crosses_border": True,
                "route": route,
                "contact_name": "Ada Buyer",
                "address_line1": "1 Main St",
                "city": "Springfield",
                "postal_code": "62701",
                "country": "US",
                "lines": [(product.pk, 1, product.declared_value, product.declared_currency)],
            }
        ]
    )
    return shipment


@pytest.fixture
def a_client(client, world):
    client.force_login(world.a.owner)
    return client


@pytest.fixture
def staff_client(client, world):
    """A platform operator: staff, no membership at any merchant."""
    client.force_login(UserFactory(is_staff=True))
    return client


# --- the sweep: every URL name and how to reach B's object through it ----------------------

OWNED = "owned"  # the kwargs name a merchant's object: B's must be 404, exactly like a missing one
PAGE = "page"  # no id: a page or list that must show only A's data
SHARED = "shared"  # the kwargs name a network object every merchant may see (a mode, a warehouse)
POST_ONLY = "post_only"  # no id in the URL, only a POST; covered by its own test below
QUERY = "query"  # no id in the URL, but a GET (or POST) that needs its input; covered by its own test below
OPERATOR = "operator"  # platform staff only, unscoped on purpose: a merchant user is refused outright (403)


@dataclass(frozen=True)
class Target:
    kind: str
    objects: Callable[[World, str], Model] | None = None  # OWNED: the side's object ("a" or "b")
    shared_kwargs: Callable[[World], list[dict]] | None = None  # SHARED, OPERATOR: kwargs that reach B's data
    covered_by: str = ""  # POST_ONLY, QUERY: the test that covers it; PAGE: the test of its writes, if any
    # OWNED: kwargs besides ``pk``, each naming something of the same side as the object.
    more_kwargs: tuple[tuple[str, Callable[[World, str], object]], ...] = ()
    # OWNED: the positive control, how A's own object answers. GET must answer 200; an action
    # route without GET is sent its method with an empty body, and A's object answers the
    # refusal its state or the missing input calls for (never 404), changing nothing.
    control: tuple[str, int] = ("GET", 200)

    def kwargs(self, world: World, side: str, pk: int | None = None) -> dict:
        """The URL kwargs that reach the side's object (``pk`` overrides the object's id)."""
        obj = self.objects(world, side)
        return {"pk": obj.pk if pk is None else pk, **{name: get(world, side) for name, get in self.more_kwargs}}


def product_of(world: World, side: str) -> Product:
    return getattr(world, side).products[0]


def balance_of(world: World, side: str) -> InventoryBalance:
    return getattr(world, side).balances[-1]


def plan_of(world: World, side: str) -> InboundPlan:
    return getattr(world, side).plan  # placement confirmed: items, boxes and void answer 409


def option_of(world: World, side: str) -> str:
    return getattr(world, side).option_ids[0]  # the confirmed plan's accepted option


def shipment_of(world: World, side: str) -> InboundShipment:
    return getattr(world, side).shipment  # WORKING: not shippable (no transport), not cancellable


def order_of(world: World, side: str) -> Order:
    return getattr(world, side).order  # PLANNING, its stock reserved: cancellable


def order_to_cancel(world: World, side: str) -> Order:
    """A's order already PROCESSING refuses a cancel (409, nothing changes); B's live order is the one
    an unscoped cancel would hurt (its reservation released)."""
    return world.a.held_order if side == "a" else world.b.order


def outbound_of(world: World, side: str) -> Shipment:
    return getattr(world, side).outbound  # on its way to the buyer (picking)


def import_of(world: World, side: str) -> OrderImport:
    return getattr(world, side).order_import  # DONE: one order created, one rejected


def dock_codes(world: World) -> list[dict]:
    return [{"code": wh.code} for wh in [world.shared_warehouse, *world.b_only_warehouses]]


def b_shipment_pk(world: World) -> list[dict]:
    return [{"pk": world.b.shipment.pk}]


def declaration_of(world: World, side: str) -> Shipment:
    return getattr(world, side).declared  # pending, not held: reassessing it is refused (409)


def api_key_of(world: World, side: str) -> ApiKey:
    return getattr(world, side).api_key


def b_parcels(world: World) -> list[dict]:
    """B's parcels at the customs desk's door: neither is held, so no decision applies."""
    return [{"pk": world.b.outbound.pk}, {"pk": world.b.declared.pk}]


WEBHOOK_HOSTS = {"a": "hooks.alpha-goods.example", "b": "hooks.bravo-secret.example"}


def add_webhooks(side: Side, key: str) -> None:
    """Through the services: an active endpoint (rotated: a second rotation is refused while the
    overlap runs), and a disabled one whose test event failed unsent."""
    host, name = WEBHOOK_HOSTS[key], side.merchant.name
    active, _ = webhook_endpoint_create(merchant=side.merchant, url=f"https://{host}/live", description=f"{name} ERP")
    side.webhook_endpoint, _ = webhook_endpoint_rotate_secret(endpoint=active)
    webhook_endpoint_send_test(endpoint=active)
    disabled, _ = webhook_endpoint_create(merchant=side.merchant, url=f"https://{host}/old", description=f"{name} old")
    event = webhook_endpoint_send_test(endpoint=disabled)
    webhook_endpoint_disable(endpoint=disabled)
    side.disabled_endpoint = disabled
    side.webhook_delivery = WebhookDelivery.objects.get(event=event)


def webhook_strings(merchant: Merchant) -> list[str]:
    endpoints = WebhookEndpoint.objects.filter(merchant=merchant)
    return [
        *(s for e in endpoints for s in (e.url, e.description, e.secret, e.previous_secret) if s),
        *WebhookEvent.objects.filter(merchant=merchant).values_list("id", flat=True),
    ]


def webhook_endpoint_of(world: World, side: str) -> WebhookEndpoint:
    return getattr(world, side).webhook_endpoint  # active, mid-rotation: another rotation is refused (409)


def disabled_endpoint_of(world: World, side: str) -> WebhookEndpoint:
    return getattr(world, side).disabled_endpoint  # disabling it again changes nothing; a test event is refused


def webhook_delivery_of(world: World, side: str) -> WebhookDelivery:
    return getattr(world, side).webhook_delivery  # at the disabled endpoint: a redelivery is refused (409)


def a_webhook_urls(world: World) -> list[str]:
    return [world.a.webhook_endpoint.url, world.a.disabled_endpoint.url]


SWEEP: dict[str, Target] = {
    # Webhooks, the API. The actions' controls change nothing of A's: A's endpoint is mid-rotation
    # (409), enabling the active one or disabling the disabled one leaves them as they are, a test
    # event or a redelivery to the disabled endpoint is refused (409).
    "api:webhook-endpoint-list": Target(PAGE),
    "api:webhook-endpoint-detail": Target(OWNED, objects=webhook_endpoint_of),
    "api:webhook-endpoint-rotate-secret": Target(OWNED, objects=webhook_endpoint_of, control=("POST", 409)),
    "api:webhook-endpoint-enable": Target(OWNED, objects=webhook_endpoint_of, control=("POST", 200)),
    "api:webhook-endpoint-disable": Target(OWNED, objects=disabled_endpoint_of, control=("POST", 200)),
    "api:webhook-endpoint-test": Target(OWNED, objects=disabled_endpoint_of, control=("POST", 409)),
    "api:webhook-delivery-list": Target(PAGE),
    "api:webhook-delivery-detail": Target(OWNED, objects=webhook_delivery_of),
    "api:webhook-delivery-redeliver": Target(OWNED, objects=webhook_delivery_of, control=("POST", 409)),
    # Webhooks, the portal: the same controls, answered with a redirect to the endpoint's page.
    "webhooks:endpoint-list": Target(PAGE),
    "webhooks:endpoint-create": Target(PAGE),
    "webhooks:endpoint-detail": Target(OWNED, objects=webhook_endpoint_of),
    "webhooks:endpoint-edit": Target(OWNED, objects=webhook_endpoint_of),
    "webhooks:endpoint-delete": Target(OWNED, objects=webhook_endpoint_of),
    "webhooks:endpoint-rotate": Target(OWNED, objects=webhook_endpoint_of),
    "webhooks:endpoint-enable": Target(OWNED, objects=webhook_endpoint_of, control=("POST", 302)),
    "webhooks:endpoint-disable": Target(OWNED, objects=disabled_endpoint_of, control=("POST", 302)),
    "webhooks:endpoint-test": Target(OWNED, objects=disabled_endpoint_of, control=("POST", 302)),
    "webhooks:delivery-redeliver": Target(OWNED, objects=webhook_delivery_of, control=("POST", 302)),
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
    # Sending inventory, the portal's wizard.
    "shipping:plan-list": Target(PAGE),
    "shipping:plan-create": Target(PAGE),
    "shipping:plan-detail": Target(OWNED, objects=plan_of),
    "shipping:plan-items": Target(OWNED, objects=plan_of),
    "shipping:plan-void": Target(OWNED, objects=plan_of),
    "shipping:plan-packing": Target(OWNED, objects=plan_of),
    "shipping:plan-placement": Target(OWNED, objects=plan_of),
    "shipping:plan-transport": Target(OWNED, objects=plan_of),
    "shipping:plan-labels": Target(OWNED, objects=plan_of),
    "shipping:shipment-list": Target(PAGE),
    "shipping:shipment-detail": Target(OWNED, objects=shipment_of),
    "shipping:shipment-labels": Target(OWNED, objects=shipment_of),
    "shipping:shipment-ship": Target(OWNED, objects=shipment_of),
    "shipping:shipment-delete": Target(OWNED, objects=shipment_of),
    "shipping:shipment-cancel": Target(OWNED, objects=shipment_of),
    # Sending inventory, the API. The controls of the actions: 400 for the missing input, 409
    # for a plan whose placement is confirmed or a shipment still WORKING.
    "api:inbound-plan-list": Target(PAGE),
    "api:inbound-plan-detail": Target(OWNED, objects=plan_of),
    "api:inbound-plan-items": Target(OWNED, objects=plan_of, control=("POST", 400)),
    "api:inbound-plan-boxes": Target(OWNED, objects=plan_of, control=("POST", 400)),
    "api:inbound-plan-placement-options": Target(OWNED, objects=plan_of),
    "api:inbound-plan-void": Target(OWNED, objects=plan_of, control=("POST", 409)),
    "api:inbound-plan-confirm-placement-option": Target(
        OWNED, objects=plan_of, more_kwargs=(("option_id", option_of),), control=("POST", 409)
    ),
    "api:inbound-shipment-list": Target(PAGE),
    "api:inbound-shipment-detail": Target(OWNED, objects=shipment_of),
    "api:inbound-shipment-transport": Target(OWNED, objects=shipment_of, control=("POST", 400)),
    "api:inbound-shipment-labels": Target(OWNED, objects=shipment_of),
    "api:inbound-shipment-mark-shipped": Target(OWNED, objects=shipment_of, control=("POST", 409)),
    "api:inbound-shipment-cancel": Target(OWNED, objects=shipment_of, control=("POST", 409)),
    # Orders, the portal. B's order is the live one: a cancel that reached it would release its stock.
    "orders:order-list": Target(PAGE),
    "orders:order-create": Target(PAGE, covered_by="test_posting_an_order_via_the_portal_never_creates_it_for_b"),
    "orders:order-detail": Target(OWNED, objects=order_of),
    "shipping:outbound-list": Target(PAGE),
    "shipping:transfer-create": Target(PAGE),
    "shipping:outbound-detail": Target(OWNED, objects=outbound_of),
    "shipping:outbound-customs": Target(OWNED, objects=outbound_of),
    "api:shipment-list": Target(PAGE),
    "api:shipment-detail": Target(OWNED, objects=outbound_of),
    "orders:order-cancel": Target(OWNED, objects=order_of),
    "orders:import-create": Target(PAGE, covered_by="test_uploading_orders_never_creates_them_for_b"),
    "orders:import-template": Target(PAGE),
    "orders:import-detail": Target(OWNED, objects=import_of),
    "orders:import-list": Target(PAGE),
    "orders:preview": Target(PAGE, covered_by="test_the_preview_page_reads_b_skus_as_unknown"),
    "orders:compare": Target(PAGE, covered_by="test_the_compare_page_refuses_a_product_of_b"),
    # Orders, the API. The cancel's control: A's order the warehouse is processing answers 409.
    "api:order-list": Target(PAGE, covered_by="test_posting_an_order_via_the_api_never_creates_it_for_b"),
    "api:order-detail": Target(OWNED, objects=order_of),
    "api:order-cancel": Target(OWNED, objects=order_to_cancel, control=("POST", 409)),
    "api:order-bulk": Target(POST_ONLY, covered_by="test_bulk_orders_never_create_for_b_and_b_skus_are_unknown"),
    "api:order-preview": Target(POST_ONLY, covered_by="test_the_preview_api_reads_b_skus_as_unknown"),
    "api:quote-compare": Target(QUERY, covered_by="test_the_compare_api_reads_b_skus_as_unknown"),
    # The operators' dock: B's shipment heads for US-SHR1, B has stock in every warehouse.
    "api:receiving-warehouse-check-in": Target(OPERATOR, shared_kwargs=dock_codes),
    "api:receiving-warehouse-count": Target(OPERATOR, shared_kwargs=dock_codes),
    "api:receiving-warehouse-queue": Target(OPERATOR, shared_kwargs=dock_codes),
    "api:receiving-shipment-close": Target(OPERATOR, shared_kwargs=b_shipment_pk),
    "api:receiving-shipment-customs-release": Target(OPERATOR, shared_kwargs=b_shipment_pk),
    "api:receiving-shipment-in-transit": Target(OPERATOR, shared_kwargs=b_shipment_pk),
    # Dashboards: period figures from the rollups (computed in their covering test), live counts.
    "dashboards:index": Target(PAGE, covered_by="test_dashboards_count_a_and_never_b"),
    "dashboards:mode": Target(SHARED, shared_kwargs=lambda w: [{"code": code} for code in Mode.values]),
    # Tracking and customs, the API. Reassessing A's declaration (not held) is refused: 409.
    "api:shipment-events": Target(OWNED, objects=outbound_of),
    "api:customs-declaration-list": Target(PAGE),
    "api:customs-declaration-detail": Target(OWNED, objects=declaration_of),
    "api:customs-declaration-reassess": Target(OWNED, objects=declaration_of, control=("POST", 409)),
    # The customs desk in the API: staff only, every merchant's held parcels.
    "api:customs-hold-list": Target(OPERATOR, shared_kwargs=lambda w: [{}]),
    "api:customs-hold-release": Target(OPERATOR, shared_kwargs=b_parcels),
    "api:customs-hold-reject": Target(OPERATOR, shared_kwargs=b_parcels),
    # The API's schema and its documentation pages: the same for everyone.
    "api:schema": Target(PAGE),
    "api:swagger-ui": Target(PAGE),
    "api:redoc": Target(PAGE),
    # The portal's API keys (owners only). A's key is already revoked: revoking it changes nothing.
    "integrations:api-key-list": Target(PAGE, covered_by="test_creating_an_api_key_never_creates_it_for_b"),
    "integrations:api-key-revoke": Target(OWNED, objects=api_key_of, control=("POST", 302)),
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
OPERATOR_KEYS = sorted(k for k, t in SWEEP.items() if t.kind == OPERATOR)
QUERY_KEYS = sorted(k for k, t in SWEEP.items() if t.kind == QUERY)

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
HIJACK_JSON = {
    **HIJACK_FORM,
    "is_active": True,
    "fulfillable": 0,
    "merchant": None,
    # What a write to B's shipment needs to succeed, were it reached (a product ignores these).
    "carrier": "HIJACKED",
    "shipping_mode": "small_parcel",
    "ready_to_ship_from": "2099-01-01",
    "ready_to_ship_to": "2099-01-04",
    "note": "hijacked",
}


def send(client, method: str, url: str, *, api: bool, body: dict | None = None):
    """``method`` to ``url`` with the hijack payload (or ``body``), as JSON or as a form post."""
    if method == "GET":
        return client.get(url)
    if api:
        data = HIJACK_JSON if body is None else body
        return client.generic(method, url, json.dumps(data), content_type="application/json")
    data = HIJACK_FORM if body is None else body
    return client.generic(method, url, urlencode(data), content_type="application/x-www-form-urlencoded")


def state(obj: Model) -> dict:
    """Every column of the row, as the database holds it (``updated_at`` included)."""
    return type(obj).objects.filter(pk=obj.pk).values().get()


def rows_of(merchant: Merchant) -> dict[str, list[dict]]:
    """Every row of the merchant a write could change or add: products, stock, all of sending
    inventory and of orders, including rows of anyone's that point at the merchant's products."""
    own_products = Q(product__merchant=merchant)
    own_lines = Q(line__order__merchant=merchant) | Q(line__product__merchant=merchant)
    querysets = {
        "products": Product.objects.filter(merchant=merchant),
        "balances": InventoryBalance.objects.filter(merchant=merchant),
        "ledger": InventoryLedgerEntry.objects.filter(Q(merchant=merchant) | own_products),
        "plans": InboundPlan.objects.filter(merchant=merchant),
        "items": InboundPlanItem.objects.filter(Q(plan__merchant=merchant) | own_products),
        "boxes": InboundBox.objects.filter(plan__merchant=merchant),
        "contents": InboundBoxContent.objects.filter(Q(box__plan__merchant=merchant) | own_products),
        "options": PlacementOption.objects.filter(plan__merchant=merchant),
        "shipments": InboundShipment.objects.filter(merchant=merchant),
        "lines": InboundShipmentLine.objects.filter(Q(shipment__merchant=merchant) | own_products),
        "events": InboundShipmentEvent.objects.filter(shipment__merchant=merchant),
        "orders": Order.objects.filter(merchant=merchant),
        "order_lines": OrderLine.objects.filter(Q(order__merchant=merchant) | own_products),
        "allocations": Allocation.objects.filter(own_lines),
        "order_events": OrderEvent.objects.filter(order__merchant=merchant),
        "order_imports": OrderImport.objects.filter(merchant=merchant),
        "outbound": Shipment.objects.filter(merchant=merchant),
        "outbound_lines": ShipmentLine.objects.filter(Q(shipment__merchant=merchant) | own_products),
        "tracking": TrackingEvent.objects.filter(shipment__merchant=merchant),
        "webhook_endpoints": WebhookEndpoint.objects.filter(merchant=merchant),
        "webhook_events": WebhookEvent.objects.filter(merchant=merchant),
        "webhook_deliveries": WebhookDelivery.objects.filter(endpoint__merchant=merchant),
    }
    return {name: list(qs.order_by("pk").values()) for name, qs in querysets.items()}


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
        if target.kind in (PAGE, POST_ONLY, QUERY):
            assert not route.kwargs, f"{key} takes {set(route.kwargs)}: say how to reach B's object through it"
        elif target.kind != OPERATOR:  # an operator list takes no id either
            assert route.kwargs, f"{key} takes no id, so it is a {PAGE}"
        if target.kind == OWNED:
            # The owned-object tests build ``pk=<B's object>`` and ``more_kwargs`` of the same side;
            # another lookup needs the sweep extended.
            expected = {"pk", *(name for name, _ in target.more_kwargs)}
            assert route.kwargs == expected, f"{key} looks up by {set(route.kwargs)}"
            method, status = target.control
            assert method in route.methods, f"{key}: its control {method} is not implemented"
            # A route that answers GET is controlled by GET: A's own object must answer 200.
            if "GET" in route.methods:
                assert target.control == ("GET", 200), f"{key} answers GET: its positive control is a 200"
            assert status != 404 and status < 500, key
        else:
            assert not target.more_kwargs and target.control == ("GET", 200), f"{key}: only for {OWNED}"
        if target.kind == OPERATOR:
            assert route.is_api, f"{key}: the dock outside the API belongs to the console namespace"
            assert target.shared_kwargs is not None, key
        if target.kind == POST_ONLY:
            assert route.methods == {"POST"}, key
        if target.kind == QUERY:
            assert "GET" in route.methods, f"{key}: a {QUERY} answers GET; without GET it is {POST_ONLY}"
        if target.kind in (POST_ONLY, QUERY):
            assert target.covered_by, f"{key}: name the test that covers it"
        if target.covered_by:
            assert target.kind in (PAGE, POST_ONLY, QUERY), f"{key}: covered_by is for pages and posts"
            assert target.covered_by in globals(), f"{key}: {target.covered_by} does not exist"


@pytest.mark.parametrize("key", OWNED_KEYS)
def test_own_objects_are_reachable(a_client, world, key):
    """The positive control: the same URLs work for A's own objects, so a 404 below means scoping.

    An action route without GET is sent its method with an empty body: the view finds A's
    object and refuses the request for its input or state (``Target.control``); nothing changes.
    """
    target, route = SWEEP[key], ROUTES[key]
    method, status = target.control
    before = rows_of(world.a.merchant)
    response = send(a_client, method, route.url(**target.kwargs(world, "a")), api=route.is_api, body={})
    assert response.status_code == status, f"{method} {key} on A's object: {response.status_code}"
    if route.is_api and status >= 400:
        assert response.json()["errors"][0]["code"] != "not_found", key
    assert rows_of(world.a.merchant) == before, f"{method} {key}: the control changed A's data"


@pytest.mark.parametrize("method", ["GET", *WRITE_METHODS])
@pytest.mark.parametrize("key", OWNED_KEYS)
def test_b_objects_are_404_and_unchanged(a_client, world, key, method):
    route = ROUTES[key]
    theirs = SWEEP[key].objects(world, "b")
    before = state(theirs)
    products_before = state(world.b.products[0]), Product.objects.filter(merchant=world.b.merchant).count()
    b_before = rows_of(world.b.merchant)

    response = send(a_client, method, route.url(**SWEEP[key].kwargs(world, "b")), api=route.is_api)

    expected = 404 if method in route.methods else 405
    assert response.status_code == expected, f"{method} {key} on B's object: {response.status_code}"
    assert state(theirs) == before
    assert (state(world.b.products[0]), Product.objects.filter(merchant=world.b.merchant).count()) == products_before
    assert not Product.objects.filter(sku="HIJACKED").exclude(merchant=world.a.merchant).exists()
    assert rows_of(world.b.merchant) == b_before, f"{method} {key} changed B's data"


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.VIEWER])
@pytest.mark.parametrize("key", OWNED_KEYS)
def test_b_object_is_indistinguishable_from_a_missing_one(client, world, key, role):
    user = (
        world.a.owner if role == Membership.Role.OWNER else MembershipFactory(merchant=world.a.merchant, role=role).user
    )
    client.force_login(user)
    route, target = ROUTES[key], SWEEP[key]
    nowhere = missing_pk(type(target.objects(world, "b")))

    for method in ["GET", "OPTIONS", *WRITE_METHODS]:
        for_b = send(client, method, route.url(**target.kwargs(world, "b")), api=route.is_api)
        for_missing = send(client, method, route.url(**target.kwargs(world, "b", pk=nowhere)), api=route.is_api)
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
    {"plan": "{b_plan}"},
    {"product": "{b_product}"},
    {"order_import": "{b_import}"},
]


def probe_ids(world: World) -> dict:
    """The ids of B's that PROBES name."""
    return {
        "b": world.b.merchant.pk,
        "b_plan": world.b.plan.pk,
        "b_product": world.b.products[0].pk,
        "b_import": world.b.order_import.pk,
    }


def page_url(key: str) -> str:
    return reverse("home") if key == "home" else ROUTES[key].url()


def a_skus(world: World) -> list[str]:
    return [p.sku for p in world.a.products]


def a_plan_names(world: World) -> list[str]:
    return [world.a.plan.name, world.a.open_plan.name]


def a_confirmation_ids(world: World) -> list[str]:
    return [world.a.shipment.confirmation_id]


def a_order_ids(world: World) -> list[str]:
    return list(Order.objects.filter(merchant=world.a.merchant).values_list("merchant_order_id", flat=True))


def a_import_names(world: World) -> list[str]:
    return [world.a.order_import.filename]


# The merchant home is outside the swept namespaces but shows stock totals, so it is probed too.
PAGES = [*PAGE_KEYS, "home"]
# The lists, and what of A's each must show.
LISTS_OF_A: dict[str, Callable[[World], list[str]]] = {
    "webhooks:endpoint-list": a_webhook_urls,
    "api:webhook-endpoint-list": a_webhook_urls,
    "api:webhook-delivery-list": lambda world: [world.a.webhook_delivery.event_id],
    "portal:product-list": a_skus,
    "warehouses:inventory": a_skus,
    "api:product-list": a_skus,
    "api:inventory-list": a_skus,
    "shipping:plan-list": a_plan_names,
    "shipping:shipment-list": a_confirmation_ids,
    "api:inbound-plan-list": a_plan_names,
    "api:inbound-shipment-list": a_confirmation_ids,
    "orders:order-list": a_order_ids,
    "orders:import-list": a_import_names,
    "orders:import-create": a_import_names,  # its recent imports
    "api:order-list": a_order_ids,
    "integrations:api-key-list": lambda world: [world.a.api_key.prefix, world.a.api_key.name],
}


@pytest.mark.parametrize("key", PAGES)
def test_pages_and_lists_never_show_b(a_client, world, key):
    url = page_url(key)
    # The API is probed as JSON and as the browsable HTML API.
    accepts = ["application/json", "text/html"] if key.startswith("api:") else ["text/html"]
    probes = [
        *PROBES,
        *({"q": p.fnsku} for p in world.b.products),
        {"q": world.b.shipment.confirmation_id},
        {"search": world.b.plan.name},
        {"q": world.b.order.merchant_order_id},
        {"merchant_order_id": world.b.order.merchant_order_id},
    ]
    for accept in accepts:
        for probe in probes:
            params = {k: v.format(**probe_ids(world)) for k, v in probe.items()}
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
        assert all(escape(s) in body or s in body for s in LISTS_OF_A[key](world)), key


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


@pytest.mark.parametrize("key", QUERY_KEYS)
def test_queries_without_their_input_show_nothing_of_b(a_client, world, key):
    """A query asks for its input (400), whatever the sweep's probes add, and shows nothing of B;
    its covering test sends it real input naming B's things."""
    url = ROUTES[key].url()
    for accept in ["application/json", "text/html"]:
        for probe in PROBES:
            params = {k: v.format(**probe_ids(world)) for k, v in probe.items()}
            response = a_client.get(url, params, HTTP_ACCEPT=accept)
            assert response.status_code == 400, f"{key} {params} {accept}"
            assert_nothing_of_b(response, world, f"{key} {params} {accept}", echoed=params)


def dock_hijack(world: World) -> dict:
    """What a request to the dock would carry to act on B's boxes and shipment."""
    box_id = world.b.shipment.boxes.order_by("number").first().box_id
    counts = {p.sku: {"good": 1, "damaged": 0} for p in world.b.products}
    return {"box_id": box_id, "counts": counts, "note": "hijacked", "resolutions": {}}


@pytest.mark.parametrize("key", OPERATOR_KEYS)
def test_operator_routes_refuse_merchant_users(a_client, world, key):
    """The dock sees every merchant's shipments on purpose, so a merchant user may not use it at all.

    DRF checks permissions before it looks for the method's handler, so a method the route
    does not implement is refused with the same 403 (never reaching a 405 that would tell
    the route's methods to someone who may not use it).
    """
    route = ROUTES[key]
    before = rows_of(world.b.merchant)
    for kwargs in SWEEP[key].shared_kwargs(world):
        url = route.url(**kwargs)
        for method in ["GET", *WRITE_METHODS]:
            response = send(a_client, method, url, api=True, body=dock_hijack(world))
            assert response.status_code == 403, f"{method} {key} {kwargs}: {response.status_code}"
            assert list(response.json()) == ["errors"], f"{method} {key} {kwargs}"
            assert_nothing_of_b(response, world, f"{method} {key} {kwargs}")
    assert rows_of(world.b.merchant) == before


@pytest.mark.parametrize("key", OPERATOR_KEYS)
def test_operator_routes_answer_staff(staff_client, world, key):
    """The positive control: platform staff reach the dock (so the 403 above is the permission),
    through exactly the methods the route implements. An empty body changes nothing: B's shipment
    is still WORKING, which no dock action accepts."""
    route = ROUTES[key]
    before = rows_of(world.b.merchant)
    for kwargs in SWEEP[key].shared_kwargs(world):
        url = route.url(**kwargs)
        for method in ["GET", *WRITE_METHODS]:
            response = send(staff_client, method, url, api=True, body={})
            where = f"{method} {key} {kwargs}: {response.status_code}"
            if method in route.methods:
                assert response.status_code not in (401, 403, 404, 405) and response.status_code < 500, where
            else:
                assert response.status_code == 405, where
    assert rows_of(world.b.merchant) == before


def test_dashboards_count_a_and_never_b(a_client, client, world):
    """With the rollups computed, every dashboard counts A's orders only, whatever the probe; an
    operator's count of both merchants is the proof that B's orders are there to leak."""
    from dashboards.services import rollups_rebuild

    rollups_rebuild()
    a_orders = Order.objects.filter(merchant=world.a.merchant).exclude(status=Order.Status.INVALID).count()
    urls = [reverse("dashboards:index"), *(reverse("dashboards:mode", args=[code]) for code in Mode.values)]
    for url in urls:
        for probe in PROBES:
            params = {k: v.format(**probe_ids(world)) for k, v in probe.items()}
            response = a_client.get(url, params)
            assert response.status_code == 200, f"{url} {params}"
            assert_nothing_of_b(response, world, f"{url} {params}", echoed=params)
    page = a_client.get(reverse("dashboards:mode", args=[Mode.GLOBAL_WAREHOUSE]), {"merchant": world.b.merchant.pk})
    assert page.context["totals"].orders_placed == a_orders > 0
    client.force_login(UserFactory(is_staff=True))
    everyone = client.get(reverse("dashboards:mode", args=[Mode.GLOBAL_WAREHOUSE]))
    b_orders = Order.objects.filter(merchant=world.b.merchant).exclude(status=Order.Status.INVALID).count()
    assert everyone.context["totals"].orders_placed == a_orders + b_orders


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


def test_creating_an_api_key_never_creates_it_for_b(a_client, world):
    b_keys = list(ApiKey.objects.filter(merchant=world.b.merchant).values())
    url = reverse("integrations:api-key-list")
    form = {"name": "Alpha ERP", "scopes": ["orders:read"], "merchant": world.b.merchant.pk}
    response = a_client.post(url, {**form, "merchant_id": world.b.merchant.pk})
    assert response.status_code == 200
    created = ApiKey.objects.get(name="Alpha ERP")
    assert created.merchant == world.a.merchant and created.scopes == ["orders:read"]
    assert response.context["new_key"].startswith(f"cd_live_{created.prefix}_")
    assert_nothing_of_b(response, world, "API keys page after creating a key")
    assert list(ApiKey.objects.filter(merchant=world.b.merchant).values()) == b_keys


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
    assert len(api.json()["results"]) == expected


# --- sending inventory: ids of B's inside A's requests ---------------------------------------

JSON = "application/json"


def confirm_url(plan: InboundPlan, option_id: str) -> str:
    return ROUTES["api:inbound-plan-confirm-placement-option"].url(pk=plan.pk, option_id=option_id)


def test_a_plan_cannot_confirm_a_placement_option_of_b(a_client, world):
    """The option is looked up within the plan: B's option on A's plan is 404, like an unknown one."""
    b_before, a_before = rows_of(world.b.merchant), rows_of(world.a.merchant)
    unknown = a_client.post(confirm_url(world.a.open_plan, "PO0000000000"), {}, content_type=JSON)
    assert unknown.status_code == 404
    for plan in (world.a.open_plan, world.a.plan):
        for option_id in (*world.b.open_option_ids, *world.b.option_ids):  # B's live option and its accepted one
            response = a_client.post(confirm_url(plan, option_id), {}, content_type=JSON)
            assert response.status_code == 404, f"{plan.name} with B's {option_id}: {response.status_code}"
            assert response.json() == unknown.json()
    # The wizard's placement step refuses it as an option not of this plan.
    page = a_client.post(
        reverse("shipping:plan-placement", args=[world.a.open_plan.pk]),
        {"action": "confirm", "option_id": world.b.open_option_ids[0]},
    )
    assert page.status_code == 200 and page.context["errors"]
    assert rows_of(world.b.merchant) == b_before
    assert rows_of(world.a.merchant) == a_before  # nothing confirmed at A either
    # The positive control: A's own live option confirms through the same URL.
    own = a_client.post(confirm_url(world.a.open_plan, world.a.open_option_ids[0]), {}, content_type=JSON)
    assert own.status_code == 201, own.content
    assert {s["id"] for s in own.json()} == set(world.a.open_plan.shipments.values_list("pk", flat=True))
    assert rows_of(world.b.merchant) == b_before


def transport_form(shipment_pk: int) -> dict:
    today = timezone.localdate()
    prefix = f"s{shipment_pk}"
    return {
        "shipment": shipment_pk,
        f"{prefix}-carrier": "HIJACKED",
        f"{prefix}-shipping_mode": "small_parcel",
        f"{prefix}-ready_to_ship_from": today.isoformat(),
        f"{prefix}-ready_to_ship_to": (today + timedelta(days=3)).isoformat(),
        f"{prefix}-tracking_numbers": "",
    }


def test_the_transport_step_refuses_a_shipment_of_b(a_client, world):
    """The transport step takes the shipment's id from the form: B's reads like a missing one."""
    b_before = rows_of(world.b.merchant)
    for plan in (world.a.plan, world.b.plan):
        url = reverse("shipping:plan-transport", args=[plan.pk])
        theirs = a_client.post(url, transport_form(world.b.shipment.pk))
        missing = a_client.post(url, transport_form(missing_pk(InboundShipment)))
        assert theirs.status_code == missing.status_code == 404, plan.name
        assert theirs.content == missing.content, plan.name
    assert rows_of(world.b.merchant) == b_before
    # The positive control: A's own shipment, through A's plan, takes the same form.
    response = a_client.post(
        reverse("shipping:plan-transport", args=[world.a.plan.pk]), transport_form(world.a.shipment.pk)
    )
    assert response.status_code == 302
    world.a.shipment.refresh_from_db()
    assert world.a.shipment.status == InboundShipment.Status.READY_TO_SHIP
    assert rows_of(world.b.merchant) == b_before


def test_posting_an_inbound_plan_via_the_api_never_creates_it_for_b(a_client, world):
    b_before = rows_of(world.b.merchant)
    payload = {
        "name": "NEW-PLAN",
        "mode": Mode.GLOBAL_WAREHOUSE,
        "destination_country": "US",
        "merchant": world.b.merchant.pk,
        "merchant_id": world.b.merchant.pk,
        "items": [{"sku": world.a.products[0].sku, "quantity": 3}],
    }
    response = a_client.post("/api/v1/inbound-plans/", payload, content_type=JSON)
    assert response.status_code == 201, response.content
    assert InboundPlan.objects.get(pk=response.json()["id"]).merchant == world.a.merchant
    # B's SKU is unknown at A, exactly like a SKU that exists nowhere.
    refusals = [
        a_client.post(
            "/api/v1/inbound-plans/",
            {**payload, "items": [{"sku": sku, "quantity": 3}]},
            content_type=JSON,
        )
        for sku in (world.b.products[0].sku, "NOWHERE-1")
    ]
    assert [r.status_code for r in refusals] == [400, 400]
    assert [[e["attr"] for e in r.json()["errors"]] for r in refusals] == [["items.0.sku"]] * 2
    assert rows_of(world.b.merchant) == b_before


# --- orders: B's SKUs, products, order ids and files inside A's requests ----------------------

CSRF_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')


def as_typed(response, typed: str = "", instead: str = "") -> str:
    """The page, with what A typed (``typed``) written as ``instead`` and the CSRF tokens blanked:
    two answers that differ only in the SKU A typed then read the same."""
    body = response.content.decode()
    if typed:
        body = body.replace(typed, instead)
    return CSRF_TOKEN.sub(r'\1"', body)


def lines_form(sku: str, quantity: int = 1) -> dict:
    """The lines formset as the browser sends it: one line of ``sku``."""
    return {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
        "lines-0-sku": sku,
        "lines-0-quantity": str(quantity),
        "lines-0-unit_value": "",
    }


US_BUYER = {
    "address_line1": "1 Main St",
    "address_line2": "",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


def order_form(order_id: str, sku: str, **extra) -> dict:
    """The order form as the browser posts it: one unit of ``sku`` to a US buyer."""
    return {
        "merchant_order_id": order_id,
        "mode": Mode.GLOBAL_WAREHOUSE,
        "speed": "standard",
        "fulfillment_policy": "fill_or_kill",
        "buyer_email": "",
        "currency": "USD",
        "contact_name": "Ada Buyer",
        "phone": "",
        **US_BUYER,
        **lines_form(sku),
        **extra,
    }


def available(world: World, product: Product) -> int:
    """A's units of ``product`` left to order at US-SHR1 (B has B_UNITS of its own there)."""
    return InventoryBalance.objects.get(product=product, warehouse=world.shared_warehouse).fulfillable


def test_posting_an_order_via_the_portal_never_creates_it_for_b(a_client, world):
    b_before = rows_of(world.b.merchant)
    url, sku = reverse("orders:order-create"), world.a.products[0].sku
    # B's SKU is unknown at A, exactly like a SKU that exists nowhere: the same page, bar the SKU typed.
    b_sku = world.b.products[0].sku
    theirs = a_client.post(url, order_form("ALPHA-WEB-2", b_sku))
    nowhere = a_client.post(url, order_form("ALPHA-WEB-2", "NOWHERE-1"))
    assert theirs.status_code == nowhere.status_code == 200
    assert "Unknown SKU" in " ".join(theirs.context["formset"].forms[0].errors["sku"])
    assert as_typed(theirs, b_sku, "NOWHERE-1") == as_typed(nowhere)
    assert not Order.objects.filter(merchant_order_id="ALPHA-WEB-2").exists()
    # Naming B's merchant changes nothing: the order is A's.
    hijack = {"merchant": world.b.merchant.pk, "merchant_id": world.b.merchant.pk}
    response = a_client.post(url, order_form("ALPHA-WEB-1", sku, **hijack))
    assert response.status_code == 302, response.context and response.context["form"].errors
    created = Order.objects.get(merchant_order_id="ALPHA-WEB-1")
    assert created.merchant == world.a.merchant
    assert response.url == reverse("orders:order-detail", args=[created.pk])
    # B's order id is free at A: A's order is created, no "you already have it" points at B's.
    b_id = world.b.order.merchant_order_id
    response = a_client.post(url, order_form(b_id, sku))
    assert response.status_code == 302
    assert Order.objects.get(merchant=world.a.merchant, merchant_order_id=b_id).pk != world.b.order.pk
    assert rows_of(world.b.merchant) == b_before


def test_posting_an_order_via_the_api_never_creates_it_for_b(a_client, world):
    b_before = rows_of(world.b.merchant)
    url, sku = ROUTES["api:order-list"].url(), world.a.products[0].sku
    hijack = {"merchant": world.b.merchant.pk, "merchant_id": world.b.merchant.pk}
    response = a_client.post(url, us_order("ALPHA-API-1", lines=[(sku, 1)], **hijack), content_type=JSON)
    assert response.status_code == 201, response.content
    assert Order.objects.get(pk=response.json()["id"]).merchant == world.a.merchant
    # B's SKU is unknown at A, exactly like a SKU that exists nowhere.
    b_sku = world.b.products[0].sku
    theirs = a_client.post(url, us_order("ALPHA-API-2", lines=[(b_sku, 1)]), content_type=JSON)
    nowhere = a_client.post(url, us_order("ALPHA-API-2", lines=[("NOWHERE-1", 1)]), content_type=JSON)
    assert theirs.status_code == nowhere.status_code == 400
    assert [e["attr"] for e in theirs.json()["errors"]] == ["lines.0.sku"]
    assert theirs.content.replace(b_sku.encode(), b"NOWHERE-1") == nowhere.content
    # B's order id is free at A: 201, not the 409 that would name B's order.
    b_id = world.b.order.merchant_order_id
    own = a_client.post(url, us_order(b_id, lines=[(sku, 1)]), content_type=JSON)
    assert own.status_code == 201, own.content
    assert own.json()["id"] != world.b.order.pk
    assert rows_of(world.b.merchant) == b_before


def test_bulk_orders_never_create_for_b_and_b_skus_are_unknown(a_client, world):
    b_before = rows_of(world.b.merchant)
    sku, b_sku, b_id = world.a.products[0].sku, world.b.products[0].sku, world.b.order.merchant_order_id
    hijack = {"merchant": world.b.merchant.pk, "merchant_id": world.b.merchant.pk}
    orders = [
        us_order("ALPHA-BULK-1", lines=[(sku, 1)], **hijack),
        us_order("ALPHA-BULK-2", lines=[(b_sku, 1)]),
        us_order("ALPHA-BULK-3", lines=[("NOWHERE-1", 1)]),
        us_order(b_id, lines=[(sku, 1)]),  # B's order id is free at A
    ]
    response = a_client.post(ROUTES["api:order-bulk"].url(), {"orders": orders, **hijack}, content_type=JSON)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["created", "rejected", "rejected", "created"]
    assert [e["attr"] for e in results[1]["errors"]] == ["lines.0.sku"]
    assert json.dumps(results[1]["errors"]).replace(b_sku, "NOWHERE-1") == json.dumps(results[2]["errors"])
    created = Order.objects.filter(pk__in=[results[0]["id"], results[3]["id"]])
    assert [o.merchant for o in created] == [world.a.merchant] * 2
    assert "existing_id" not in results[3] and world.b.order.pk not in {r.get("id") for r in results}
    assert rows_of(world.b.merchant) == b_before


def test_the_preview_api_reads_b_skus_as_unknown(a_client, world):
    """B's SKU is unknown; for A's SKU only A's stock counts, though B has 4,321 units at US-SHR1 too."""
    before = rows_of(world.a.merchant), rows_of(world.b.merchant)
    url, product, b_sku = ROUTES["api:order-preview"].url(), world.a.products[0], world.b.products[0].sku

    def preview(sku: str, quantity: int = 1):
        body = {"destination": us_order()["destination"], "lines": [{"sku": sku, "quantity": quantity}]}
        return a_client.post(url, {**body, "merchant": world.b.merchant.pk}, content_type=JSON)

    theirs, nowhere = preview(b_sku), preview("NOWHERE-1")
    assert theirs.status_code == nowhere.status_code == 400
    assert [e["attr"] for e in theirs.json()["errors"]] == ["lines.0.sku"]
    assert theirs.content.replace(b_sku.encode(), b"NOWHERE-1") == nowhere.content
    units = available(world, product)
    for quantity, fulfillable in ((units, True), (units + 1, False)):
        response = preview(product.sku, quantity)
        assert response.status_code == 200, response.content
        [option] = [o for o in response.json() if (o["mode"], o["speed"]) == (Mode.GLOBAL_WAREHOUSE, "standard")]
        assert option["fulfillable"] is fulfillable, f"{quantity} of {units}: {option}"
        assert option["ship_from"] == (["US-SHR1"] if fulfillable else [])
        assert_nothing_of_b(response, world, f"preview API, {quantity} units")
    assert (rows_of(world.a.merchant), rows_of(world.b.merchant)) == before


def test_the_preview_page_reads_b_skus_as_unknown(a_client, world):
    before = rows_of(world.a.merchant), rows_of(world.b.merchant)
    url, product, b_sku = reverse("orders:preview"), world.a.products[0], world.b.products[0].sku
    address = {k: v for k, v in US_BUYER.items() if k != "address_line2"}
    theirs, nowhere = (
        a_client.get(url, address | lines_form(b_sku)),
        a_client.get(url, address | lines_form("NOWHERE-1")),
    )
    assert theirs.status_code == nowhere.status_code == 200
    assert theirs.context["groups"] is None
    assert "Unknown SKU" in " ".join(theirs.context["formset"].forms[0].errors["sku"])
    assert as_typed(theirs, b_sku, "NOWHERE-1") == as_typed(nowhere)
    units = available(world, product)
    for quantity, fulfillable in ((units, True), (units + 1, False)):
        response = a_client.get(url, address | lines_form(product.sku, quantity))
        assert response.status_code == 200
        options = {(o.mode, o.speed): o for g in response.context["groups"] for o in g["options"]}
        assert options[(Mode.GLOBAL_WAREHOUSE, "standard")].fulfillable is fulfillable, f"{quantity} of {units}"
        assert_nothing_of_b(response, world, f"preview page, {quantity} units")
    assert (rows_of(world.a.merchant), rows_of(world.b.merchant)) == before


def test_the_compare_page_refuses_a_product_of_b(a_client, world):
    url, query = reverse("orders:compare"), {"destination_country": "US", "monthly_volume": 10}
    theirs = a_client.get(url, {"product": world.b.products[0].pk, **query})
    nowhere = a_client.get(url, {"product": missing_pk(Product), **query})
    for response in (theirs, nowhere):
        assert response.status_code == 200
        assert response.context["rows"] is None and list(response.context["form"].errors) == ["product"]
        assert_nothing_of_b(response, world, "compare with B's product")
    assert theirs.context["form"].errors == nowhere.context["form"].errors
    # The positive control: A's own product is compared, through the same form.
    own = a_client.get(url, {"product": world.a.products[0].pk, **query})
    assert own.status_code == 200 and len(own.context["rows"]) == len(Mode.values)
    assert world.a.products[0].sku in own.content.decode()
    assert_nothing_of_b(own, world, "compare with A's product")


def test_the_compare_api_reads_b_skus_as_unknown(a_client, world):
    url, query = ROUTES["api:quote-compare"].url(), {"destination_country": "US", "monthly_volume": 10}
    for method in ("GET", "POST"):

        def compare(product: str, method=method):
            if method == "GET":
                return a_client.get(url, {"product": product, **query})
            return a_client.post(url, {"product": product, **query}, content_type=JSON)

        b_sku = world.b.products[0].sku
        for typed in (b_sku, b_sku.lower()):
            theirs, nowhere = compare(typed), compare("NOWHERE-1")
            assert theirs.status_code == nowhere.status_code == 400, f"{method} {typed}"
            assert [e["attr"] for e in theirs.json()["errors"]] == ["product"]
            assert theirs.content.replace(typed.encode(), b"NOWHERE-1") == nowhere.content
        own = compare(world.a.products[0].sku)
        assert own.status_code == 200, own.content
        assert len(own.json()) == len(Mode.values)
        assert_nothing_of_b(own, world, f"{method} compare API with A's SKU")


def test_uploading_orders_never_creates_them_for_b(a_client, world, django_capture_on_commit_callbacks):
    """B's very file, uploaded at A: a new import of A's (the same-file check is per merchant), whose
    rows read B's SKUs as unknown, exactly like SKUs that exist nowhere."""
    b_before = rows_of(world.b.merchant)
    url = reverse("orders:import-create")

    def upload(data: bytes, name: str) -> OrderImport:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            file = SimpleUploadedFile(name, data, content_type="text/csv")
            response = a_client.post(url, {"file": file, "merchant": world.b.merchant.pk})
        assert response.status_code == 302, response.context and response.context["form"].errors
        created = OrderImport.objects.get(merchant=world.a.merchant, filename=name)
        assert response.url == reverse("orders:import-detail", args=[created.pk])
        assert len(callbacks) == 1  # a new import, queued: not B's "already imported" one
        return order_import_process(import_id=created.pk)

    theirs = upload(world.b.import_file, "copy.csv")
    stand_ins = {p.sku: f"NOWHERE-{n}" for n, p in enumerate(world.b.products, start=1)}
    nowhere_file = world.b.import_file.decode()
    for sku, stand_in in stand_ins.items():
        nowhere_file = nowhere_file.replace(sku, stand_in)
    nowhere = upload(nowhere_file.encode(), "nowhere.csv")

    assert theirs.pk != world.b.order_import.pk
    assert (theirs.created_orders, theirs.failed_rows) == (0, theirs.total_rows)
    assert {entry["outcome"] for entry in theirs.report} == {"rejected"}
    assert "Unknown SKU" in theirs.report[0]["errors"][0]
    report = json.dumps(theirs.report)
    for sku, stand_in in stand_ins.items():
        report = report.replace(sku, stand_in)
    assert report == json.dumps(nowhere.report)
    assert not Order.objects.filter(order_import__in=[theirs, nowhere]).exists()
    assert rows_of(world.b.merchant) == b_before
