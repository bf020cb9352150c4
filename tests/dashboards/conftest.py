"""A small history for the dashboards: two merchants' orders and shipments on known days.

Merchant A (global warehouse, US buyers), relative to ``T0`` (five days ago, 01:00 UTC):

- three orders of 2 widgets, placed at T0 − 2 h, served from US-ONT1;
- their shipments follow a plan of picking 10 h → packing 10 h → origin sorting 10 h → last mile
  20 h → delivered: promised within 50 h of creation (T0);
  - ``fast``: 10 h per stage, delivered at T0 + 40 h (on time; 42 h after the order);
  - ``slow``: last mile 40 h, delivered at T0 + 70 h (late; 72 h after the order);
  - ``failed``: delivery attempted at T0 + 50 h (not home): an open exception, still in flight;
- two direct parcels to Germany (merchant A), handed over 30 h after creation (plan: 24 h),
  through import customs: one cleared (EUR 4.00 duty and 19.00 tax), one held for inspection — a
  customs hold rate of 1 in 2; the held one is DDP without an IOSS number (declaration incomplete).

Merchant B has seven orders of 3 gadgets in the same mode and two shipments, one delivered late.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order
from orders.services.intake import order_create
from shipping.models import Shipment, TrackingEvent
from shipping.services.shipments import shipment_transition, shipments_create
from tests.factories import MembershipFactory, MerchantFactory, ProductFactory
from tests.orders.conftest import order_network, us_order  # noqa: F401 - fixtures used here
from warehouses.modes import Mode

PLAN = [
    {"stage": "picking", "hours": 10.0},
    {"stage": "packing", "hours": 10.0},
    {"stage": "origin_sorting", "hours": 10.0},
    {"stage": "last_mile", "hours": 20.0},
    {"stage": "delivered", "hours": 0.0},
]
DIRECT_PLAN = [
    {"stage": "awaiting_pickup", "hours": 24.0},
    {"stage": "origin_sorting", "hours": 6.0},
    {"stage": "export_customs", "hours": 6.0},
    {"stage": "line_haul", "hours": 48.0},
    {"stage": "import_customs", "hours": 12.0},
    {"stage": "destination_sorting", "hours": 6.0},
    {"stage": "last_mile", "hours": 48.0},
    {"stage": "delivered", "hours": 0.0},
]
TICK = TrackingEvent.Source.TICK


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


def outbound(order: Order | None, *, merchant, mode, warehouse, product, quantity, at, route=PLAN, country="US"):
    spec = {
        "kind": Shipment.Kind.OUTBOUND,
        "merchant_id": merchant.pk,
        "mode_id": mode,
        "order_id": order.pk if order else None,
        "merchant_order_id": order.merchant_order_id if order else "",
        "source_warehouse_id": warehouse.pk if warehouse else None,
        "origin_country": "US" if warehouse else "CN",
        "route": route,
        "crosses_border": country != "US",
        "contact_name": "Ada Buyer",
        "address_line1": "1 Main St",
        "city": "Springfield",
        "postal_code": "62701",
        "country": country,
        "lines": [(product.pk, quantity, product.declared_value, "USD")],
    }
    [shipment] = shipments_create(specs=[spec], at=at)
    return shipment


def walk(shipment: Shipment, steps: list[tuple[str, datetime.datetime, str]]) -> Shipment:
    for to, at, reason in steps:
        assert shipment_transition(shipment=shipment, to=to, source=TICK, reason=reason, at=at), (shipment, to)
    return shipment


def place(merchant, owner, order_id: str, sku: str, quantity: int, placed_at) -> Order:
    order = order_create(merchant=merchant, payload=us_order(order_id, lines=[(sku, quantity)]), user=owner)
    Order.objects.filter(pk=order.pk).update(created_at=placed_at)
    order.created_at = placed_at
    return order


@pytest.fixture
def t0() -> datetime.datetime:
    today = timezone.now().astimezone(datetime.UTC).date()
    return datetime.datetime.combine(today - datetime.timedelta(days=5), datetime.time(1), tzinfo=datetime.UTC)


@pytest.fixture
def history(order_network, t0):  # noqa: F811 - the fixture imported above
    from warehouses.services.inventory import inventory_adjust

    ont = order_network["US-ONT1"]
    a = MerchantFactory(name="Alpha Goods")
    a_owner = MembershipFactory(merchant=a).user
    widget = ProductFactory(merchant=a, sku="WIDGET-1", declared_value=Decimal("20.00"))
    inventory_adjust(product=widget, warehouse=ont, bucket="fulfillable", quantity=50, reason="adjustment")
    orders = [place(a, a_owner, f"ALPHA-{n}", "WIDGET-1", 2, t0 - hours(2)) for n in range(1, 4)]
    gw = Mode.GLOBAL_WAREHOUSE
    ships = [outbound(o, merchant=a, mode=gw, warehouse=ont, product=widget, quantity=2, at=t0) for o in orders]
    walk_plan = [("packing", 10), ("origin_sorting", 20), ("last_mile", 30)]
    fast, slow, failed = (walk(s, [(to, t0 + hours(h), "") for to, h in walk_plan]) for s in ships)
    walk(fast, [("delivered", t0 + hours(40), "")])
    walk(slow, [("delivered", t0 + hours(70), "")])
    walk(failed, [("delivery_attempted", t0 + hours(50), "not_home")])

    # Direct shipping to Germany: one parcel cleared (duty and tax assessed), one held for inspection.
    cleared, held = (
        outbound(
            None,
            merchant=a,
            mode=Mode.DIRECT,
            warehouse=None,
            product=widget,
            quantity=1,
            at=t0,
            route=DIRECT_PLAN,
            country="DE",
        )
        for _ in range(2)
    )
    to_customs = [("origin_sorting", 30), ("export_customs", 36), ("line_haul", 42), ("import_customs", 44)]
    for shipment in (cleared, held):
        walk(shipment, [(to, t0 + hours(h), "") for to, h in to_customs])
    walk(cleared, [("destination_sorting", t0 + hours(46), "")])
    walk(held, [("customs_hold", t0 + hours(46), "inspection")])
    Shipment.objects.filter(pk=cleared.pk).update(
        customs_duty=Decimal("4.00"), customs_tax=Decimal("19.00"), customs_currency="EUR"
    )
    # The held parcel is DDP to the EU and A has no IOSS number: its declaration is incomplete.
    Shipment.objects.filter(pk=held.pk).update(incoterm="DDP")

    b = MerchantFactory(name="Bravo Trading")
    b_owner = MembershipFactory(merchant=b).user
    gadget = ProductFactory(merchant=b, sku="BRAVOSECRET-1", declared_value=Decimal("9.00"))
    inventory_adjust(product=gadget, warehouse=ont, bucket="fulfillable", quantity=4321, reason="adjustment")
    b_orders = [place(b, b_owner, f"BRAVO-{n}", "BRAVOSECRET-1", 3, t0 - hours(1)) for n in range(1, 8)]
    b_ships = [outbound(o, merchant=b, mode=gw, warehouse=ont, product=gadget, quantity=3, at=t0) for o in b_orders[:2]]
    walk(b_ships[0], [(to, t0 + hours(h), "") for to, h in [*walk_plan, ("delivered", 90)]])
    return {
        "a": a,
        "a_owner": a_owner,
        "b": b,
        "b_owner": b_owner,
        "widget": widget,
        "gadget": gadget,
        "orders": orders,
        "fast": fast,
        "slow": slow,
        "failed": failed,
        "cleared": cleared,
        "held": held,
        "b_ships": b_ships,
        "ont": ont,
        "network": order_network,
    }
