"""Domain events land in the outbox in the transaction of the change they report (committed with
it, rolled back with it), for subscribed active endpoints only, in a constant number of queries per
batch."""

import pytest
from django.db import transaction
from django.utils import timezone

from merchants.models import Membership
from orders.services.intake import order_create
from shipping.models import InboundShipment
from shipping.services.inbound_shipments import inbound_shipment_transition
from tests.factories import MembershipFactory, MerchantFactory, ProductFactory, WarehouseFactory
from tests.orders.conftest import us_order
from warehouses.models import InventoryBalance, InventoryLedgerEntry
from warehouses.modes import Stage, WarehouseRole
from warehouses.rate_facts import rate_cards_load_demo
from warehouses.services.inventory import inventory_adjust
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services.endpoints import webhook_endpoint_create
from webhooks.services.outbox import webhook_events_from_domain

pytestmark = pytest.mark.django_db


def types_of(merchant) -> list[str]:
    return sorted(WebhookEvent.objects.filter(merchant=merchant).values_list("type", flat=True))


def stage_change(merchant_id: int, shipment_id: int, to: str, reason: str = "") -> dict:
    return {
        "shipment_id": shipment_id,
        "order_id": 42,
        "kind": "outbound",
        "merchant_id": merchant_id,
        "source_warehouse_id": None,
        "from": Stage.IMPORT_CUSTOMS,
        "to": to,
        "status": "active",
        "at": timezone.now().isoformat(),
        "reason": reason,
    }


@pytest.mark.django_db(transaction=True)
class TestWithTheChange:
    """Real transactions: the outbox commits with the change, and rolls back with it."""

    def test_a_committed_change_lands_in_the_outbox(self, merchant, receiver):
        webhook_endpoint_create(merchant=merchant, url=receiver.url)
        product, warehouse = ProductFactory(merchant=merchant), WarehouseFactory()
        with transaction.atomic():
            inventory_adjust(
                product=product, warehouse=warehouse, bucket="fulfillable", quantity=20, reason="adjustment"
            )
            inventory_adjust(
                product=product, warehouse=warehouse, bucket="fulfillable", quantity=-15, reason="adjustment"
            )
            assert WebhookEvent.objects.count() == 1  # written with the change, inside its transaction
            assert not WebhookDelivery.objects.filter(status="sent").exists()  # none sent before the commit
        [event] = WebhookEvent.objects.all()
        assert event.type == "inventory.low_stock" and event.merchant_id == merchant.pk
        assert event.payload["data"] == {
            "product_id": product.pk,
            "sku": product.sku,
            "warehouse_id": warehouse.pk,
            "warehouse_code": warehouse.code,
            "fulfillable": 5,
            "threshold": 10,
        }
        assert WebhookDelivery.objects.filter(event=event, attempt=1, status="pending").count() == 1

    def test_a_rolled_back_change_leaves_nothing(self, merchant, receiver):
        webhook_endpoint_create(merchant=merchant, url=receiver.url)
        product, warehouse = ProductFactory(merchant=merchant), WarehouseFactory()
        inventory_adjust(product=product, warehouse=warehouse, bucket="fulfillable", quantity=20, reason="adjustment")
        with pytest.raises(RuntimeError), transaction.atomic():
            inventory_adjust(
                product=product, warehouse=warehouse, bucket="fulfillable", quantity=-15, reason="adjustment"
            )
            raise RuntimeError("rolled back")
        assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()


def test_low_stock_fires_when_stock_falls_below_the_threshold_not_while_it_stays_low(
    merchant, receiver, django_capture_on_commit_callbacks, settings
):
    settings.CROSSDOCK_LOW_STOCK_THRESHOLD = 5
    webhook_endpoint_create(merchant=merchant, url=receiver.url, event_types=["inventory.low_stock"])
    product, warehouse = ProductFactory(merchant=merchant), WarehouseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for quantity in (10, -3, -3, -2, +10, -9):  # 10, 7, 4 (low), 2, 12, 3 (low again)
            inventory_adjust(
                product=product, warehouse=warehouse, bucket="fulfillable", quantity=quantity, reason="adjustment"
            )
    assert [e.payload["data"]["fulfillable"] for e in WebhookEvent.objects.order_by("created_at", "id")] == [4, 3]


def test_orders_publish_created_and_status_changes(merchant, receiver, django_capture_on_commit_callbacks):
    webhook_endpoint_create(merchant=merchant, url=receiver.url)
    shelf = WarehouseFactory(code="US-SHR1", role=WarehouseRole.GLOBAL_WAREHOUSE)
    product = ProductFactory(merchant=merchant, sku="LAMP-1")
    inventory_adjust(product=product, warehouse=shelf, bucket="fulfillable", quantity=50, reason="adjustment")
    rate_cards_load_demo()
    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(merchant=merchant, payload=us_order("ORD-1", lines=[("LAMP-1", 2)]))
    created = WebhookEvent.objects.get(type="order.created")
    assert created.payload["data"]["order_id"] == order.pk
    assert created.payload["data"]["merchant_order_id"] == "ORD-1"
    assert created.payload["data"]["lines"] == [{"sku": "LAMP-1", "quantity": 2}]
    assert created.payload["data"]["destination_country"] == "US"
    body = str(created.payload)
    assert order.buyer_email not in body if order.buyer_email else True
    assert order.address_line1 not in body and order.contact_name not in body  # no buyer's details
    changed = WebhookEvent.objects.get(type="order.status_changed")
    assert changed.payload["data"] | {"reason": ""} == {
        "order_id": order.pk,
        "merchant_order_id": "ORD-1",
        "from_status": "received",
        "to_status": "planning",
        "reason": "",
    }


def test_inbound_shipments_publish_their_status_changes(merchant, receiver, django_capture_on_commit_callbacks):
    from tests.test_tenancy import Side, send_inventory

    webhook_endpoint_create(merchant=merchant, url=receiver.url, event_types=["inbound_shipment.status_changed"])
    WarehouseFactory(code="US-SHR1", role=WarehouseRole.GLOBAL_WAREHOUSE)
    owner = MembershipFactory(merchant=merchant, role=Membership.Role.OWNER).user
    side = Side(merchant=merchant, owner=owner, products=[ProductFactory(merchant=merchant) for _ in range(2)])
    send_inventory(side, ("Spring", "Summer"))
    shipment = InboundShipment.objects.get(pk=side.shipment.pk)
    with django_capture_on_commit_callbacks(execute=True):
        inbound_shipment_transition(shipment=shipment, to=InboundShipment.Status.READY_TO_SHIP)
    [event] = WebhookEvent.objects.all()
    assert event.type == "inbound_shipment.status_changed"
    assert event.payload["data"] | {"plan_id": None, "warehouse_id": None} == {
        "inbound_shipment_id": shipment.pk,
        "confirmation_id": shipment.confirmation_id,
        "plan_id": None,
        "warehouse_id": None,
        "from_status": "WORKING",
        "to_status": "READY_TO_SHIP",
    }


def test_a_stage_change_to_customs_hold_is_also_an_exception_and_a_customs_hold(merchant, receiver):
    webhook_endpoint_create(merchant=merchant, url=receiver.url)
    webhook_events_from_domain(
        name="shipment.stage_changed",
        payloads=[
            stage_change(merchant.pk, 1, Stage.CUSTOMS_HOLD, "documentation"),
            stage_change(merchant.pk, 2, Stage.DESTINATION_SORTING),
            stage_change(merchant.pk, 3, Stage.LOST, "lost_in_transit"),
        ],
    )
    assert types_of(merchant) == [
        "customs.hold",
        "shipment.exception",
        "shipment.exception",
        "shipment.stage_changed",
        "shipment.stage_changed",
        "shipment.stage_changed",
    ]
    hold = WebhookEvent.objects.get(type="customs.hold").payload["data"]
    assert (hold["kind"], hold["shipment_id"], hold["reason"]) == ("shipment", 1, "documentation")


def test_only_subscribed_active_endpoints_get_deliveries(merchant, receiver):
    orders_only, _ = webhook_endpoint_create(merchant=merchant, url=receiver.url + "/a", event_types=["order.created"])
    everything, _ = webhook_endpoint_create(merchant=merchant, url=receiver.url + "/b")
    off, _ = webhook_endpoint_create(merchant=merchant, url=receiver.url + "/c")
    WebhookEndpoint.objects.filter(pk=off.pk).update(is_active=False)
    webhook_events_from_domain(name="shipment.stage_changed", payloads=[stage_change(merchant.pk, 1, Stage.LINE_HAUL)])
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [everything.pk]

    WebhookEndpoint.objects.filter(pk=everything.pk).update(event_types=["inventory.low_stock"])
    WebhookEvent.objects.all().delete()
    webhook_events_from_domain(name="shipment.stage_changed", payloads=[stage_change(merchant.pk, 1, Stage.LINE_HAUL)])
    assert not WebhookEvent.objects.exists()  # no endpoint receives the type: nothing is written
    assert orders_only.pk  # (it receives order.created only)


def test_without_an_endpoint_a_batch_costs_one_query(merchant, django_assert_num_queries):
    payloads = [stage_change(merchant.pk, n, Stage.LINE_HAUL) for n in range(10_000)]
    with django_assert_num_queries(1):
        assert webhook_events_from_domain(name="shipment.stage_changed", payloads=payloads) == []


def test_a_batch_of_10000_transitions_is_written_in_bulk(merchant, receiver, django_assert_max_num_queries):
    other = MerchantFactory()  # no endpoint: none of its events are written
    webhook_endpoint_create(merchant=merchant, url=receiver.url)
    payloads = [
        {
            "order_id": n,
            "merchant_id": merchant.pk if n % 2 else other.pk,
            "merchant_order_id": f"ORD-{n}",
            "from": "planning",
            "to": "processing",
            "reason": "Released",
            "at": timezone.now().isoformat(),
        }
        for n in range(20_000)
    ]
    # Inserts of up to 500 rows (fewer on SQLite, whose statements take at most 999 parameters):
    # some dozens of queries on PostgreSQL, about 200 on SQLite, never one per event.
    with django_assert_max_num_queries(250):
        events = webhook_events_from_domain(name="order.status_changed", payloads=payloads)
    assert len(events) == 10_000
    assert WebhookEvent.objects.filter(merchant=merchant).count() == 10_000
    assert WebhookDelivery.objects.count() == 10_000
    assert not WebhookEvent.objects.filter(merchant=other).exists()


def test_a_failing_outbox_fails_the_domain_change_with_it(merchant, receiver, monkeypatch):
    """Both or neither: a change whose events cannot be written is not committed either."""
    from webhooks.services import outbox

    webhook_endpoint_create(merchant=merchant, url=receiver.url)
    product, warehouse = ProductFactory(merchant=merchant), WarehouseFactory()
    inventory_adjust(product=product, warehouse=warehouse, bucket="fulfillable", quantity=20, reason="adjustment")

    def broken(**kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(outbox, "webhook_events_from_domain", broken)
    with pytest.raises(RuntimeError, match="outbox unavailable"):
        inventory_adjust(product=product, warehouse=warehouse, bucket="fulfillable", quantity=-15, reason="adjustment")
    assert InventoryBalance.objects.get(product=product, warehouse=warehouse).fulfillable == 20
    assert InventoryLedgerEntry.objects.filter(product=product).count() == 1
    assert not WebhookEvent.objects.exists()
