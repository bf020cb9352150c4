"""The merchant's outbound shipments over HTTP: the portal's list and shipment page, and the
read-only ``/api/v1/shipments/`` API — scoping, filters, the timeline and route plan, query bounds.

Shipments are made as in production: orders created, released after their hold window, and
advanced by the schedule's tick.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.services.fulfilment import orders_release
from orders.services.intake import order_create
from shipping.models import Shipment
from shipping.routes import transfer_route_plan
from shipping.services.shipments import shipment_transition, shipments_advance_due, shipments_create
from tests.factories import MembershipFactory, ProductFactory, WarehouseFactory
from tests.orders import conftest as order_fixtures
from tests.orders.conftest import us_order
from warehouses.models import Lane
from warehouses.modes import WarehouseRole
from warehouses.network import Network
from warehouses.services.inventory import inventory_adjust

pytestmark = pytest.mark.django_db

# The orders' network (warehouses, lanes, rates), product and stock, shared with tests/orders/.
order_network, widget, stock = order_fixtures.order_network, order_fixtures.widget, order_fixtures.stock

API = "/api/v1/shipments/"
LATER = datetime.timedelta(days=60)


@pytest.fixture(autouse=True)
def _no_random_exceptions(settings):
    settings.CROSSDOCK_DELIVERY_FAILURE_RATE = 0.0


@pytest.fixture
def ship(stock, widget):
    """Orders of ``merchant`` released into shipments: ``ship(merchant, "A", 3, mode=...)``."""
    stocked = set()

    def _ship(merchant, prefix: str, count: int = 1, **order) -> list[Shipment]:
        product = widget if widget.merchant_id == merchant.pk else ProductFactory(merchant=merchant, sku="WIDGET-1")
        if order.get("mode", "global_warehouse") != "direct" and product.pk not in stocked:
            stock(product, "US-ONT1", 1000)
            stocked.add(product.pk)
        ids = []
        for n in range(count):
            ids.append(order_create(merchant=merchant, payload=us_order(f"{prefix}-{n}", **order)).pk)
        orders_release(now=timezone.now() + datetime.timedelta(hours=1))
        return list(Shipment.objects.filter(order_id__in=ids).order_by("pk"))

    return _ship


@pytest.fixture
def run_ticks(django_capture_on_commit_callbacks):
    """Tick until nothing is due by ``until``; events are delivered as after a real commit."""

    def _run(until: datetime.datetime, rounds: int = 40) -> None:
        for _ in range(rounds):
            with django_capture_on_commit_callbacks(execute=True):
                if not shipments_advance_due(now=until):
                    return

    return _run


def list_url(**query) -> str:
    url = reverse("shipping:outbound-list")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def detail_url(shipment_or_pk) -> str:
    return reverse("shipping:outbound-detail", args=[getattr(shipment_or_pk, "pk", shipment_or_pk)])


def listed(response) -> list[str]:
    return [s.tracking_number for s in response.context["shipments"]]


def missing_pk() -> int:
    return (Shipment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_the_merchants_shipments_only(owner_client, merchant, other_merchant, ship):
    ours = ship(merchant, "ALPHA", 2)
    [direct] = ship(merchant, "ALPHA-DIRECT", mode="direct")
    [theirs] = ship(other_merchant, "BRAVO-SECRET")
    response = owner_client.get(list_url())
    assert response.status_code == 200
    assert set(listed(response)) == {s.tracking_number for s in [*ours, direct]}
    body = response.content.decode()
    assert theirs.tracking_number not in body and "BRAVO-SECRET" not in body
    # The columns: order id (a link to the order), from, destination, stage and status in words.
    assert reverse("orders:order-detail", args=[ours[0].order_id]) in body
    assert "ALPHA-0" in body and "US-ONT1" in body and "your address" in body and "Springfield" in body
    assert "Picking" in body and "Awaiting pickup" in body and "In progress" in body
    assert detail_url(direct) in body


def test_the_list_filters_and_searches(owner_client, merchant, ship):
    domestic = ship(merchant, "DOM", 2)
    [direct] = ship(merchant, "DIR", mode="direct")
    Lane.objects.update(inspection_probability=0)
    shipment_transition(shipment=domestic[1], to="packing", source="operator")

    def tracking_numbers(**query) -> set[str]:
        response = owner_client.get(list_url(**query))
        assert response.status_code == 200
        return set(listed(response))

    everything = {s.tracking_number for s in [*domestic, direct]}
    assert tracking_numbers() == everything
    assert tracking_numbers(mode="direct") == {direct.tracking_number}
    assert tracking_numbers(stage="packing") == {domestic[1].tracking_number}
    assert tracking_numbers(status="active") == everything
    assert tracking_numbers(status="delivered") == set()
    assert tracking_numbers(country="us") == everything
    assert tracking_numbers(country="GB") == set()
    assert tracking_numbers(q="DOM-1") == {domestic[1].tracking_number}
    assert tracking_numbers(q=direct.tracking_number[2:10]) == {direct.tracking_number}
    assert tracking_numbers(q=direct.tracking_number.lower()) == {direct.tracking_number}
    assert tracking_numbers(kind="transfer") == set()
    # A bad value drops only its own filter, and says so.
    response = owner_client.get(list_url(stage="teleported", mode="direct"))
    assert set(listed(response)) == {direct.tracking_number}
    assert "stage" in response.context["filter_form"].errors
    # Nothing matches: the page says so, not "no shipments yet".
    assert "No shipment matches these filters" in owner_client.get(list_url(q="NOTHING")).content.decode()


def test_the_list_pages_and_costs_the_same_queries_for_3_or_30(owner_client, merchant, ship):
    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(list_url())
        assert response.status_code == 200
        return len(response.context["shipments"]), len(queries)

    ship(merchant, "FEW", 3)
    few = measure()
    ship(merchant, "MANY", 27)
    many = measure()
    assert (few[0], many[0]) == (3, 25)  # 25 a page
    assert few[1] == many[1], f"{few[1]} queries for 3 shipments, {many[1]} for 30"
    second = owner_client.get(list_url(page=2))
    assert len(second.context["shipments"]) == 5


def test_an_empty_list_explains_where_shipments_come_from(owner_client):
    response = owner_client.get(list_url())
    assert response.status_code == 200
    assert "You have no shipments yet" in response.content.decode()


def test_the_pages_need_a_login(client, merchant, ship):
    [shipment] = ship(merchant, "LOGIN")
    for url in (list_url(), detail_url(shipment)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_viewer_may_read(client, merchant, ship):
    [shipment] = ship(merchant, "VIEW")
    client.force_login(MembershipFactory(merchant=merchant, role="viewer").user)
    assert client.get(list_url()).status_code == 200
    assert client.get(detail_url(shipment)).status_code == 200
    assert client.get(f"{API}{shipment.pk}/").status_code == 200


# --- the shipment page ----------------------------------------------------------------------


def test_the_shipment_page_shows_route_timeline_customs_lines_and_links(owner_client, merchant, ship, run_ticks):
    Lane.objects.update(inspection_probability=0)
    [shipment] = ship(merchant, "PAGE-1", mode="direct", lines=[("WIDGET-1", 3)])
    # To the middle of the journey: past export customs and into the air.
    run_ticks(shipment.stage_due_at + datetime.timedelta(hours=9), rounds=3)
    shipment.refresh_from_db()
    assert shipment.stage == "export_customs"

    response = owner_client.get(detail_url(shipment))
    assert response.status_code == 200
    body = response.content.decode()
    # The route plan with planned hours; the current stage is marked for assistive technology too.
    steps = response.context["route_steps"]
    assert [s.stage for s in steps] == shipment.planned_stages
    assert [s.state for s in steps][:4] == ["done", "done", "current", "upcoming"]
    current = re.findall(r'<li class="step-current" aria-current="step">\s*([^<]+?)\s*<', body)
    assert current == ["Export customs"]
    assert "h planned" in body
    assert response.context["estimated_delivery"] is not None
    # The timeline: every event, oldest first, with its code, source and stage label.
    events = response.context["events"]
    assert [e.stage for e in events] == ["awaiting_pickup", "origin_sorting", "export_customs"]
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
    assert "EVENT_101" in body and "EVENT_102" in body and "EVENT_201" in body and "Schedule" in body
    assert body.index("Awaiting pickup</th>") < body.index("Origin sorting</th>") < body.index("Export customs</th>")
    # Customs, the lines (SKU, units, value) and the links to the order and the public page.
    assert "Customs" in body and shipment.get_customs_status_display() in body
    assert "WIDGET-1" in body and "60.00 USD" in body  # 3 × 20.00
    # What the parcel costs: its fee, stored when it was created.
    assert shipment.fee_amount > 0 and f"<dt>Fee</dt><dd>{shipment.fee_amount} {shipment.fee_currency} " in body
    assert f'href="{reverse("orders:order-detail", args=[shipment.order_id])}"' in body
    tracking = reverse("tracking-detail", args=[shipment.tracking_number])
    assert f"http://testserver{tracking}" in body


def test_a_customs_hold_shows_the_exception_and_keeps_the_customs_stage_current(
    owner_client, merchant, ship, run_ticks
):
    Lane.objects.update(inspection_probability=1)
    [shipment] = ship(merchant, "HOLD-1", mode="direct")
    run_ticks(timezone.now() + datetime.timedelta(days=12), rounds=6)
    shipment.refresh_from_db()
    assert shipment.stage == "customs_hold"
    response = owner_client.get(detail_url(shipment))
    body = response.content.decode()
    assert "Customs hold: inspection" in body
    [current] = [s for s in response.context["route_steps"] if s.current]
    assert current.stage == "import_customs"
    assert '<span class="tag danger">inspection</span>' in body


def test_another_merchants_shipment_is_a_404_like_a_missing_one(owner_client, other_merchant, ship):
    [theirs] = ship(other_merchant, "BRAVO-SECRET")
    page, nowhere = owner_client.get(detail_url(theirs)), owner_client.get(detail_url(missing_pk()))
    assert page.status_code == nowhere.status_code == 404
    assert page.content == nowhere.content
    assert theirs.tracking_number.encode() not in page.content
    api, api_nowhere = owner_client.get(f"{API}{theirs.pk}/"), owner_client.get(f"{API}{missing_pk()}/")
    assert api.status_code == api_nowhere.status_code == 404
    assert (
        api.json()
        == api_nowhere.json()
        == {"errors": [{"code": "not_found", "detail": api.json()["errors"][0]["detail"], "attr": None}]}
    )


# --- the API --------------------------------------------------------------------------------


def test_the_api_lists_only_the_merchants_shipments_and_filters_them(owner_client, merchant, other_merchant, ship):
    domestic = ship(merchant, "API", 2)
    [direct] = ship(merchant, "API-DIRECT", mode="direct")
    [theirs] = ship(other_merchant, "BRAVO-SECRET")

    def ids(**query) -> set[int]:
        response = owner_client.get(API, query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    ours = {s.pk for s in [*domestic, direct]}
    assert ids() == ours and theirs.pk not in ids()
    assert ids(mode="direct") == {direct.pk}
    assert ids(stage="picking") == {s.pk for s in domestic}
    assert ids(status="active") == ours
    assert ids(destination_country="us") == ours
    assert ids(destination_country="GB") == set()
    assert ids(order_id=domestic[0].order_id) == {domestic[0].pk}
    assert ids(order_id=theirs.order_id) == set()  # B's order id finds nothing at A
    assert ids(merchant_order_id="API-1") == {domestic[1].pk}
    assert ids(tracking_number=direct.tracking_number.lower()) == {direct.pk}
    assert ids(tracking_number=theirs.tracking_number) == set()
    row = next(r for r in owner_client.get(API, {"mode": "direct"}).json()["results"])
    assert row["source_warehouse"] is None and row["stage_label"] == "Awaiting pickup"
    assert row["destination"] == {"city": "Springfield", "region": "IL", "postal_code": "62701", "country": "US"}
    assert row["last_event_at"] is not None and row["merchant_order_id"] == "API-DIRECT-0"


def test_the_api_refuses_a_bad_filter_by_name(owner_client):
    response = owner_client.get(API, {"stage": "teleported"})
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["stage"]


def test_the_api_list_costs_the_same_queries_for_3_or_20(owner_client, merchant, ship):
    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(API)
        assert response.status_code == 200
        return len(response.json()["results"]), len(queries)

    ship(merchant, "FEW", 3)
    few = measure()
    ship(merchant, "MANY", 17)
    many = measure()
    assert (few[0], many[0]) == (3, 20)
    assert few[1] == many[1], f"{few[1]} queries for 3 shipments, {many[1]} for 20"


def test_the_api_shipment_has_its_timeline_route_lines_and_customs(owner_client, merchant, ship, run_ticks):
    Lane.objects.update(inspection_probability=0)
    [shipment] = ship(merchant, "API-ONE", mode="direct", lines=[("WIDGET-1", 3)])
    run_ticks(timezone.now() + LATER)
    shipment.refresh_from_db()
    assert shipment.stage == "delivered"

    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(f"{API}{shipment.pk}/")
    assert response.status_code == 200, response.content
    assert len(queries) <= 10
    data = response.json()
    assert data["tracking_number"] == shipment.tracking_number and data["status"] == "delivered"
    stages = [e["stage"] for e in data["events"]]
    assert stages == shipment.planned_stages  # one event per stage, oldest first
    times = [e["occurred_at"] for e in data["events"]]
    assert times == sorted(times)
    assert data["events"][0]["event_code"] == "EVENT_101" and data["events"][-1]["event_code"] == "EVENT_301"
    assert "EVENT_205" in {e["event_code"] for e in data["events"]}  # customs cleared
    assert [s["stage"] for s in data["route"]] == shipment.planned_stages
    assert [s["state"] for s in data["route"]] == ["done"] * (len(shipment.route) - 1) + ["current"]
    assert all("planned_hours" in s for s in data["route"])
    assert data["lines"] == [{"sku": "WIDGET-1", "quantity": 3, "unit_value": "20.00", "currency": "USD"}]
    for name in ("customs_status", "customs_duty", "customs_tax", "customs_currency", "customs_notes", "incoterm"):
        assert name in data
    assert (data["fee_amount"], data["fee_currency"]) == (str(shipment.fee_amount), shipment.fee_currency)
    assert Decimal(data["fee_amount"]) > 0  # a direct parcel: line haul, brokerage, last mile …
    assert data["tracking_url"] == f"http://testserver/track/{shipment.tracking_number}/"
    assert data["estimated_delivery_at"] is None and data["delivered_at"] is not None


def test_the_api_is_read_only(owner_client, merchant, ship):
    [shipment] = ship(merchant, "RO")
    assert owner_client.post(API, {}, content_type="application/json").status_code == 405
    assert owner_client.delete(f"{API}{shipment.pk}/").status_code == 405
    assert Shipment.objects.filter(pk=shipment.pk).exists()


def test_transfers_are_listed_and_shown_without_an_order(owner_client, merchant, widget, order_network, ship):
    [outbound] = ship(merchant, "OUT")
    origin = WarehouseFactory(code="CN-CAN7", role=WarehouseRole.ORIGIN_FC, country="CN", region="", postal_code="1")
    inventory_adjust(product=widget, warehouse=origin, bucket="fulfillable", quantity=50, reason="adjustment")
    destination = order_network["US-LAX2"]
    route = Network.load().route(origin="CN", destination="US", speed="standard")
    [transfer] = shipments_create(
        specs=[
            {
                "kind": Shipment.Kind.TRANSFER,
                "merchant_id": merchant.pk,
                "mode_id": "fba_cross_border",
                "source_warehouse_id": origin.pk,
                "destination_warehouse_id": destination.pk,
                "origin_country": "CN",
                "crosses_border": True,
                "route": transfer_route_plan(route=route),
                "lane_id": route.lane_id,
                "address_line1": destination.address_line1,
                "city": destination.city,
                "country": "US",
                "lines": [(widget.pk, 30, widget.declared_value, "USD")],
            }
        ]
    )
    response = owner_client.get(list_url())
    assert set(listed(response)) == {outbound.tracking_number, transfer.tracking_number}
    assert "Transfer between warehouses" in response.content.decode() and "US-LAX2" in response.content.decode()
    assert listed(owner_client.get(list_url(kind="transfer"))) == [transfer.tracking_number]
    page = owner_client.get(detail_url(transfer))
    assert page.status_code == 200 and page.context["order_url"] is None
    assert "none (a transfer of your stock)" in page.content.decode()
    assert [s.stage for s in page.context["route_steps"]][-2:] == ["dc_receiving", "delivered"]
    assert owner_client.get(API, {"kind": "transfer"}).json()["results"][0]["destination_warehouse"] == "US-LAX2"
