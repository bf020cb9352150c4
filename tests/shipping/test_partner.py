"""The partner side of the virtual warehouse: API keys, the partner API, the portal and the SLA."""

import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from orders.services.fulfilment import orders_release
from orders.services.intake import order_create
from shipping.models import Shipment, TrackingEvent
from shipping.partner.selectors import partner_shipments
from shipping.partner.sla import SlaState, partner_sla_scoreboard
from shipping.services.shipments import shipment_transition, shipments_create
from tests.factories import MembershipFactory, PartnerFactory, ProductFactory, UserFactory, WarehouseFactory
from tests.orders.conftest import order_network, us_order  # noqa: F401  (order_network is a fixture)
from warehouses.api_keys import api_key_create, api_keys_revoke, key_hash
from warehouses.models import ApiKey, InventoryBalance
from warehouses.modes import WarehouseRole
from warehouses.services.inventory import inventory_adjust

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
ROUTE = [
    {"stage": "acknowledged", "hours": 2.0},
    {"stage": "picking", "hours": 12.0},
    {"stage": "packing", "hours": 6.0},
    {"stage": "handed_to_carrier", "hours": 4.0},
    {"stage": "last_mile", "hours": 24.0},
    {"stage": "delivered", "hours": 0.0},
]
DESTINATION = {
    "contact_name": "Ada Buyer",
    "address_line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


def shows_declared_value(text: str) -> bool:
    """Whether ``text`` shows the products' declared value, 987.65, in any rendering.

    Only the value itself counts: the digits 987 also turn up inside tracking numbers, tokens
    and the microseconds of timestamps (after another digit or a letter), and could be a row's
    id in a path or a JSON field (after a slash or a colon).
    """
    return re.search(r"(?<![\w./:])987(?:[.,]\d+)?(?![\d/])", text) is not None


def json_leaves(value):
    """Every scalar in a parsed JSON document."""
    if isinstance(value, dict):
        for item in value.values():
            yield from json_leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_leaves(item)
    else:
        yield value


def is_number(value) -> bool:
    """Whether a JSON scalar is a number, or a string holding one (as DRF writes decimals)."""
    if isinstance(value, bool) or value is None:
        return False
    try:
        Decimal(str(value))
    except ArithmeticError:
        return False
    return True


# --- the world: two partners, each with a warehouse and a shipment there ----------------------


@pytest.fixture
def partner_a(db):
    return PartnerFactory(name="Reno Fulfilment", slug="reno", sla_acknowledge_hours=4, sla_ship_days=2)


@pytest.fixture
def partner_b(db):
    return PartnerFactory(name="Portland 3PL", slug="portland")


def _partner_warehouse(partner, code):
    return WarehouseFactory(
        code=code, role=WarehouseRole.PARTNER_3PL, country="US", operator="partner", partner=partner
    )


@pytest.fixture
def warehouse_a(partner_a):
    return _partner_warehouse(partner_a, "US-RNO7")


@pytest.fixture
def warehouse_b(partner_b):
    return _partner_warehouse(partner_b, "US-PDX7")


@pytest.fixture
def make_shipment(merchant):
    """A virtual-warehouse shipment at ``warehouse``, created ``at``, its unit reserved there."""
    product = ProductFactory(merchant=merchant, sku="LAMP-1", title="Desk lamp", declared_value=Decimal("987.65"))

    def _make(warehouse, *, at=None, order_id="ORD-1") -> Shipment:
        inventory_adjust(product=product, warehouse=warehouse, bucket="reserved", quantity=1, reason="adjustment")
        spec = {
            "merchant_id": merchant.pk,
            "mode_id": "virtual_warehouse",
            "merchant_order_id": order_id,
            "source_warehouse_id": warehouse.pk,
            "origin_country": "US",
            "route": ROUTE,
            "lines": [(product.pk, 1, Decimal("987.65"), "USD")],
            **DESTINATION,
        }
        [shipment] = shipments_create(specs=[spec], at=at)
        return Shipment.objects.get(pk=shipment.pk)

    return _make


@pytest.fixture
def shipment_a(make_shipment, warehouse_a):
    return make_shipment(warehouse_a, order_id="ORD-A")


@pytest.fixture
def shipment_b(make_shipment, warehouse_b):
    return make_shipment(warehouse_b, order_id="ORD-B")


def new_key(*, scopes=("partner:read", "partner:write"), **owner) -> str:
    return api_key_create(name="Test integration", scopes=list(scopes), **owner)[1]


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def shipments_url() -> str:
    return reverse("partner-api:shipment-list")


def shipment_url(shipment) -> str:
    return reverse("partner-api:shipment-detail", args=[shipment.tracking_number])


def events_url(shipment) -> str:
    return reverse("partner-api:shipment-events", args=[shipment.tracking_number])


def post_event(client, key, shipment, **body):
    return client.post(events_url(shipment), body, content_type="application/json", **bearer(key))


def error(response, attr=None) -> dict:
    [err] = [e for e in response.json()["errors"] if e["attr"] == attr]
    return err


# --- API keys -------------------------------------------------------------------------------


class TestApiKeys:
    def test_the_key_is_returned_once_and_only_its_hash_is_stored(self, partner_a):
        api_key, raw = api_key_create(name="WMS", scopes=["partner:read"], partner=partner_a)
        assert raw.startswith(f"cd_live_{api_key.prefix}_") and len(raw) == len("cd_live_") + 8 + 1 + 32
        stored = ApiKey.objects.filter(pk=api_key.pk).values().get()
        assert stored["secret_hash"] == key_hash(raw)
        assert not any(raw in str(value) or raw.split("_")[-1] in str(value) for value in stored.values())
        assert api_key.owner == partner_a and api_key.scopes == ["partner:read"]

    def test_scopes_must_fit_the_owner(self, partner_a, merchant):
        with pytest.raises(ValidationError) as excinfo:
            api_key_create(name="x", scopes=["orders:read"], partner=partner_a)
        assert "scopes" in excinfo.value.message_dict
        with pytest.raises(ValidationError):
            api_key_create(name="x", scopes=["partner:write"], merchant=merchant)
        with pytest.raises(ValidationError):
            api_key_create(name="x", scopes=[], partner=partner_a)
        assert api_key_create(name="ERP", scopes=["orders:read"], merchant=merchant)[0].merchant == merchant

    def test_a_key_belongs_to_exactly_one_owner(self, partner_a, merchant):
        with pytest.raises(ValidationError):
            api_key_create(name="x", scopes=["partner:read"], partner=partner_a, merchant=merchant)
        key, _ = api_key_create(name="x", scopes=["partner:read"], partner=partner_a)
        with pytest.raises(IntegrityError), transaction.atomic():
            ApiKey.objects.filter(pk=key.pk).update(merchant=merchant)
        with pytest.raises(IntegrityError), transaction.atomic():
            ApiKey.objects.filter(pk=key.pk).update(partner=None)

    def test_bearer_authentication_and_last_used(self, client, partner_a, shipment_a):
        key = new_key(partner=partner_a)
        response = client.get(shipments_url(), **bearer(key))
        assert response.status_code == 200
        api_key = ApiKey.objects.get()
        first_use = api_key.last_used_at
        assert first_use is not None
        client.get(shipments_url(), **bearer(key))
        assert ApiKey.objects.get().last_used_at == first_use  # at most one write a minute
        ApiKey.objects.update(last_used_at=first_use - datetime.timedelta(minutes=2))
        client.get(shipments_url(), **bearer(key))
        assert ApiKey.objects.get().last_used_at > first_use

    @pytest.mark.parametrize(
        "header",
        [
            "Bearer cd_live_abcdefgh_" + "x" * 32,  # well-formed, unknown
            "Bearer not-a-key",
            "Bearer",
            "Token something",
        ],
    )
    def test_a_wrong_key_is_401_in_the_error_format(self, client, partner_a, header):
        new_key(partner=partner_a)
        response = client.get(shipments_url(), HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        [err] = response.json()["errors"]
        assert err["attr"] is None and err["code"] in ("authentication_failed", "not_authenticated")

    def test_a_key_with_the_right_prefix_but_a_wrong_secret_is_refused(self, client, partner_a):
        key = new_key(partner=partner_a)
        forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
        response = client.get(shipments_url(), **bearer(forged))
        assert response.status_code == 401 and error(response)["detail"] == "Invalid API key."

    def test_a_revoked_key_is_401(self, client, partner_a):
        key = new_key(partner=partner_a)
        assert api_keys_revoke(api_keys=ApiKey.objects.all()) == 1
        assert api_keys_revoke(api_keys=ApiKey.objects.all()) == 0
        response = client.get(shipments_url(), **bearer(key))
        assert response.status_code == 401
        assert error(response) == {
            "code": "authentication_failed",
            "detail": "This API key has been revoked.",
            "attr": None,
        }

    def test_a_deactivated_partners_key_is_401(self, client, partner_a):
        key = new_key(partner=partner_a)
        partner_a.is_active = False
        partner_a.save()
        assert client.get(shipments_url(), **bearer(key)).status_code == 401

    def test_no_key_is_401_and_a_session_does_not_count(self, client, partner_a):
        user = UserFactory()
        partner_a.users.add(user)
        client.force_login(user)
        response = client.get(shipments_url())
        assert response.status_code == 401 and error(response)["code"] == "not_authenticated"

    def test_a_read_only_key_cannot_post(self, client, partner_a, shipment_a):
        key = new_key(partner=partner_a, scopes=["partner:read"])
        assert client.get(shipment_url(shipment_a), **bearer(key)).status_code == 200
        response = post_event(client, key, shipment_a, event_id="e1", stage="picking")
        assert response.status_code == 403
        assert error(response) == {
            "code": "insufficient_scope",
            "detail": "This API key lacks the partner:write scope.",
            "attr": None,
        }
        assert not TrackingEvent.objects.filter(external_id="e1").exists()

    def test_a_write_only_key_cannot_read(self, client, partner_a, shipment_a):
        key = new_key(partner=partner_a, scopes=["partner:write"])
        assert client.get(shipments_url(), **bearer(key)).status_code == 403

    def test_the_command_prints_a_new_key_once(self, partner_a, merchant, client, shipment_a):
        out, err = StringIO(), StringIO()
        call_command("create_api_key", "--partner", partner_a.slug, stdout=out, stderr=err)
        raw = out.getvalue().strip()
        api_key = ApiKey.objects.get()
        assert raw.startswith(f"cd_live_{api_key.prefix}_") and api_key.scopes == ["partner:read", "partner:write"]
        assert "not shown again" in err.getvalue() and raw not in err.getvalue()
        assert client.get(shipment_url(shipment_a), **bearer(raw)).status_code == 200

        call_command(
            "create_api_key", "--merchant", merchant.slug, "--scopes", "orders:read", stdout=StringIO(), stderr=err
        )
        assert ApiKey.objects.filter(merchant=merchant, scopes=["orders:read"]).exists()
        with pytest.raises(CommandError, match="No partner"):
            call_command("create_api_key", "--partner", "nobody", stdout=StringIO(), stderr=StringIO())
        with pytest.raises(CommandError, match="Not a partner scope"):
            call_command("create_api_key", "--partner", partner_a.slug, "--scopes", "orders:read", stdout=StringIO())
        with pytest.raises(CommandError, match="--scopes"):
            call_command("create_api_key", "--merchant", merchant.slug, stdout=StringIO(), stderr=StringIO())

    def test_the_admin_lists_and_revokes_without_showing_the_secret(self, client, operator, partner_a):
        api_key, raw = api_key_create(name="WMS", scopes=["partner:read"], partner=partner_a)
        client.force_login(operator)
        listing = client.get(reverse("admin:warehouses_apikey_changelist"))
        page = listing.content.decode()
        assert listing.status_code == 200 and api_key.prefix in page and "Partner: Reno Fulfilment" in page
        assert raw not in page and api_key.secret_hash not in page
        change = client.get(reverse("admin:warehouses_apikey_change", args=[api_key.pk])).content.decode()
        assert api_key.secret_hash not in change and raw.split("_")[-1] not in change
        assert client.get(reverse("admin:warehouses_apikey_add")).status_code == 403
        client.post(
            reverse("admin:warehouses_apikey_changelist"),
            {"action": "revoke", "_selected_action": [api_key.pk]},
        )
        assert ApiKey.objects.get().revoked_at is not None


# --- the partner API --------------------------------------------------------------------------


def released_virtual_order(merchant, stock_at) -> Shipment:
    """A merchant's virtual-warehouse order, released to the partner warehouse US-RNO1."""
    widget = ProductFactory(merchant=merchant, sku="WIDGET-1", declared_value=Decimal("20.00"))
    inventory_adjust(product=widget, warehouse=stock_at, bucket="fulfillable", quantity=10, reason="adjustment")
    order = order_create(merchant=merchant, payload=us_order(mode="virtual_warehouse"))
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - HOUR)  # past the hold window
    assert orders_release(now=timezone.now()) == 1
    return Shipment.objects.get(order_id=order.pk)


class TestPartnerApi:
    def test_happy_path_from_a_released_order_with_idempotent_events(self, client, merchant, order_network):  # noqa: F811
        warehouse = order_network["US-RNO1"]
        shipment = released_virtual_order(merchant, warehouse)
        assert shipment.planned_stages[:4] == ["acknowledged", "picking", "packing", "handed_to_carrier"]
        key = new_key(partner=warehouse.partner)

        listed = client.get(shipments_url(), **bearer(key)).json()
        [row] = listed["results"]
        assert row["tracking_number"] == shipment.tracking_number and row["awaiting_acknowledgement"] is True
        assert row["next_stages"][0] == "picking" and "cancelled" not in row["next_stages"]
        assert row["sla"]["acknowledge"]["state"] == "open" and row["sla"]["breached"] is False

        # Acknowledging is moving the shipment out of its first stage.
        first = post_event(client, key, shipment, event_id="wms-1", stage="picking", location="Reno dock 4")
        assert first.status_code == 201, first.json()
        body = first.json()
        assert body["duplicate"] is False and body["event"]["event_id"] == "wms-1"
        assert body["shipment"]["stage"] == "picking" and body["shipment"]["awaiting_acknowledgement"] is False
        assert body["shipment"]["sla"]["acknowledge"]["state"] == "on_time"

        again = post_event(client, key, shipment, event_id="wms-1", stage="picking", location="Reno dock 4")
        assert again.status_code == 200 and again.json()["duplicate"] is True
        assert TrackingEvent.objects.filter(shipment=shipment, external_id="wms-1").count() == 1

        assert post_event(client, key, shipment, event_id="wms-2", stage="packing").status_code == 201
        handed = post_event(client, key, shipment, event_id="wms-3", stage="handed_to_carrier")
        assert handed.status_code == 201
        assert handed.json()["shipment"]["sla"]["ship"]["state"] == "on_time"
        assert post_event(client, key, shipment, event_id="wms-3", stage="handed_to_carrier").json()["duplicate"]

        shipment.refresh_from_db()
        assert shipment.stage == "handed_to_carrier" and shipment.inventory_consumed
        partner_events = shipment.events.filter(source="partner").order_by("occurred_at", "pk")
        assert list(partner_events.values_list("external_id", "stage")) == [
            ("wms-1", "picking"),
            ("wms-2", "packing"),
            ("wms-3", "handed_to_carrier"),
        ]
        balance = InventoryBalance.objects.get(warehouse=warehouse)
        assert (balance.fulfillable, balance.reserved) == (8, 0)  # the parcel left with its 2 units

        detail = client.get(shipment_url(shipment), **bearer(key)).json()
        assert [e["stage"] for e in detail["events"]] == ["acknowledged", "picking", "packing", "handed_to_carrier"]
        assert detail["lines"] == [
            {
                "sku": "WIDGET-1",
                "fnsku": detail["lines"][0]["fnsku"],
                "title": detail["lines"][0]["title"],
                "quantity": 2,
            }
        ]

    def test_the_response_holds_the_address_but_no_declared_values(self, client, partner_a, shipment_a):
        key = new_key(partner=partner_a)
        response = client.get(shipment_url(shipment_a), **bearer(key))
        body = response.json()
        assert body["destination"]["city"] == "Springfield" and body["order_reference"] == "ORD-A"
        assert body["lines"][0]["sku"] == "LAMP-1"
        assert [p["contents"] for p in body["packages"]] == [
            [{"product_id": shipment_a.lines.get().product_id, "sku": "LAMP-1", "quantity": 1}]
        ]
        text = response.content.decode()
        assert not shows_declared_value(text)
        assert Decimal("987.65") not in {Decimal(str(v)) for v in json_leaves(body) if is_number(v)}
        assert not {"customs_duty", "customs_tax", "unit_value", "declared_value"} & set(text.split('"'))

    def test_an_illegal_stage_is_409_and_changes_nothing(self, client, partner_a, shipment_a):
        key = new_key(partner=partner_a)
        response = post_event(client, key, shipment_a, event_id="e1", stage="delivered")
        assert response.status_code == 409
        err = error(response, "stage")
        assert err["code"] == "stage_not_allowed" and "Allowed now: picking" in err["detail"]
        posted_ack = post_event(client, key, shipment_a, event_id="e2", stage="acknowledged")
        assert (
            posted_ack.status_code == 409
            and "acknowledge it by posting picking" in error(posted_ack, "stage")["detail"]
        )
        shipment_a.refresh_from_db()
        assert shipment_a.stage == "acknowledged" and shipment_a.events.count() == 1

    def test_a_partner_cannot_cancel_and_bad_input_names_the_field(self, client, partner_a, shipment_a):
        key = new_key(partner=partner_a)
        cancelled = post_event(client, key, shipment_a, event_id="e1", stage="cancelled")
        assert cancelled.status_code == 400 and error(cancelled, "stage")["code"] == "invalid_choice"
        missing = post_event(client, key, shipment_a, stage="picking")
        assert missing.status_code == 400 and error(missing, "event_id")["code"] == "required"
        future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
        late = post_event(client, key, shipment_a, event_id="e1", stage="picking", occurred_at=future)
        assert late.status_code == 400 and error(late, "occurred_at")
        past = (shipment_a.created_at - HOUR).isoformat()
        early = post_event(client, key, shipment_a, event_id="e1", stage="picking", occurred_at=past)
        assert early.status_code == 400 and "cannot happen before" in error(early, "occurred_at")["detail"]
        bad_reason = post_event(client, key, shipment_a, event_id="e1", stage="picking", reason="Not Home!")
        assert bad_reason.status_code == 400 and error(bad_reason, "reason")
        assert not TrackingEvent.objects.filter(source="partner").exists()

    def test_an_event_id_reused_for_another_stage_is_422(self, client, partner_a, shipment_a):
        key = new_key(partner=partner_a)
        assert post_event(client, key, shipment_a, event_id="e1", stage="picking").status_code == 201
        reused = post_event(client, key, shipment_a, event_id="e1", stage="packing")
        assert reused.status_code == 422 and error(reused, "event_id")["code"] == "event_id_reused"
        shipment_a.refresh_from_db()
        assert shipment_a.stage == "picking"

    def test_occurred_at_is_recorded(self, client, partner_a, warehouse_a, make_shipment):
        shipment = make_shipment(warehouse_a, at=timezone.now() - 2 * HOUR)
        key = new_key(partner=partner_a)
        when = shipment.created_at + datetime.timedelta(minutes=30)
        response = post_event(client, key, shipment, event_id="e1", stage="picking", occurred_at=when.isoformat())
        assert response.status_code == 201
        assert TrackingEvent.objects.get(external_id="e1").occurred_at == when
        assert response.json()["shipment"]["sla"]["acknowledge"]["done_at"] == when.isoformat().replace("+00:00", "Z")

    def test_another_partners_key_finds_nothing_and_a_merchants_key_is_refused(
        self, client, partner_a, partner_b, merchant, shipment_a, shipment_b
    ):
        key_b = new_key(partner=partner_b)
        assert client.get(shipment_url(shipment_a), **bearer(key_b)).status_code == 404
        response = post_event(client, key_b, shipment_a, event_id="x", stage="picking")
        assert response.status_code == 404 and error(response)["code"] == "not_found"
        listed = client.get(shipments_url(), **bearer(key_b)).json()["results"]
        assert [s["tracking_number"] for s in listed] == [shipment_b.tracking_number]
        # A merchant's key is no partner credential, whatever its scopes: 403, the same for every route.
        merchant_key = new_key(merchant=merchant, scopes=["orders:read", "orders:write"])
        for response in (
            client.get(shipments_url(), **bearer(merchant_key)),
            client.get(shipment_url(shipment_a), **bearer(merchant_key)),
            post_event(client, merchant_key, shipment_a, event_id="x", stage="picking"),
        ):
            assert response.status_code == 403 and error(response)["code"] == "wrong_api_key"
        shipment_a.refresh_from_db()
        assert shipment_a.stage == "acknowledged"

    def test_non_partner_shipments_stay_out(self, client, partner_a, warehouse_a, make_shipment, merchant):
        platform = WarehouseFactory(code="US-ONT7")
        other_mode = make_shipment(platform)
        Shipment.objects.filter(pk=other_mode.pk).update(mode_id="global_warehouse")
        mine = make_shipment(warehouse_a, order_id="ORD-2")
        key = new_key(partner=partner_a)
        listed = client.get(shipments_url(), **bearer(key)).json()["results"]
        assert [s["tracking_number"] for s in listed] == [mine.tracking_number]
        assert client.get(shipment_url(other_mode), **bearer(key)).status_code == 404

    def test_filters(self, client, partner_a, warehouse_a, make_shipment):
        first = make_shipment(warehouse_a, order_id="ORD-1")
        second = make_shipment(warehouse_a, order_id="ORD-2")
        shipment_transition(shipment=second, to="picking", source="partner")
        key = new_key(partner=partner_a)

        def tracking(query):
            response = client.get(shipments_url(), query, **bearer(key))
            assert response.status_code == 200, response.json()
            return {s["tracking_number"] for s in response.json()["results"]}

        assert tracking({"stage": "picking"}) == {second.tracking_number}
        assert tracking({"stage": "acknowledged"}) == {first.tracking_number}
        assert tracking({"status": "active", "warehouse": "us-rno7"}) == {first.tracking_number, second.tracking_number}
        assert tracking({"breached": "true"}) == set()
        bad = client.get(shipments_url(), {"stage": "teleported"}, **bearer(key))
        assert bad.status_code == 400 and error(bad, "stage")

    def test_the_list_costs_the_same_queries_at_any_length(
        self, client, partner_a, warehouse_a, make_shipment, django_assert_max_num_queries
    ):
        key = new_key(partner=partner_a)
        make_shipment(warehouse_a)
        with django_assert_max_num_queries(6):
            client.get(shipments_url(), **bearer(key))
        for n in range(5):
            make_shipment(warehouse_a, order_id=f"ORD-{n + 2}")
        with django_assert_max_num_queries(6):
            assert len(client.get(shipments_url(), **bearer(key)).json()["results"]) == 6


# --- the portal -------------------------------------------------------------------------------


@pytest.fixture
def staff_a(partner_a):
    user = UserFactory()
    partner_a.users.add(user)
    return user


@pytest.fixture
def portal_a(client, staff_a):
    client.force_login(staff_a)
    return client


def queue_url(partner, **query) -> str:
    url = reverse("partner:queue", args=[partner.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def detail_url(partner, shipment) -> str:
    return reverse("partner:shipment-detail", args=[partner.slug, shipment.tracking_number])


def move_url(partner, shipment) -> str:
    return reverse("partner:shipment-move", args=[partner.slug, shipment.tracking_number])


class TestPortal:
    def test_home_sends_a_partner_user_to_their_queue(self, portal_a, partner_a):
        response = portal_a.get(reverse("partner:home"))
        assert response.status_code == 302 and response["Location"] == queue_url(partner_a)

    def test_anonymous_users_are_sent_to_log_in(self, client, partner_a):
        response = client.get(queue_url(partner_a))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize("kind", ["merchant_owner", "staff", "plain"])
    def test_users_outside_partners_get_403(self, client, partner_a, shipment_a, merchant, kind):
        if kind == "merchant_owner":
            user = MembershipFactory(merchant=merchant, role="owner").user
        else:
            user = UserFactory(is_staff=kind == "staff")
        client.force_login(user)
        for url in (reverse("partner:home"), queue_url(partner_a), detail_url(partner_a, shipment_a)):
            assert client.get(url).status_code == 403, url
        response = client.post(move_url(partner_a, shipment_a), {"stage": "picking", "version": 0})
        assert response.status_code == 403
        shipment_a.refresh_from_db()
        assert shipment_a.stage == "acknowledged"

    def test_a_superuser_may_open_any_partner(self, client, operator, partner_a, partner_b, shipment_a):
        client.force_login(operator)
        home = client.get(reverse("partner:home"))
        assert home.status_code == 200 and "Reno Fulfilment" in home.content.decode()
        assert client.get(detail_url(partner_a, shipment_a)).status_code == 200

    def test_an_inactive_partner_is_closed(self, portal_a, partner_a):
        partner_a.is_active = False
        partner_a.save()
        assert portal_a.get(queue_url(partner_a)).status_code == 403

    def test_partner_a_never_sees_partner_bs_shipments(self, portal_a, partner_a, partner_b, shipment_a, shipment_b):
        queue = portal_a.get(queue_url(partner_a, status=""))
        page = queue.content.decode()
        assert shipment_a.tracking_number in page and shipment_b.tracking_number not in page
        assert "ORD-B" not in page
        # B's shipment through A's portal: as if it did not exist.
        assert portal_a.get(detail_url(partner_a, shipment_b)).status_code == 404
        assert portal_a.post(move_url(partner_a, shipment_b), {"stage": "picking", "version": 0}).status_code == 404
        # B's portal itself: closed to A's staff.
        assert portal_a.get(queue_url(partner_b)).status_code == 403
        assert portal_a.get(detail_url(partner_b, shipment_b)).status_code == 403
        shipment_b.refresh_from_db()
        assert shipment_b.stage == "acknowledged"

    def test_the_queue_shows_stage_due_and_sla(
        self, portal_a, partner_a, warehouse_a, make_shipment, shipment_a, django_assert_num_queries
    ):
        with CaptureQueriesContext(connection) as one_row:
            response = portal_a.get(queue_url(partner_a))
        page = response.content.decode()
        assert response.status_code == 200
        assert shipment_a.tracking_number in page and "US-RNO7" in page and "Awaiting acknowledgement" in page
        assert "Acknowledge</button>" in page and "Open" in page
        assert not shows_declared_value(page)
        for n in range(5):
            make_shipment(warehouse_a, order_id=f"ORD-{n + 2}")
        with django_assert_num_queries(len(one_row)):  # the same at any length
            assert portal_a.get(queue_url(partner_a)).content.decode().count("Acknowledge</button>") == 6

    def test_acknowledge_then_next_stages_from_the_portal(self, portal_a, partner_a, staff_a, shipment_a):
        response = portal_a.post(
            move_url(partner_a, shipment_a),
            {"stage": "picking", "version": shipment_a.version, "next": queue_url(partner_a)},
        )
        assert response.status_code == 302 and response["Location"] == queue_url(partner_a)
        shipment_a.refresh_from_db()
        assert shipment_a.stage == "picking"
        event = shipment_a.events.get(stage="picking")
        assert (event.source, event.actor) == ("partner", staff_a)

        # The same click again (a stale page): recorded nothing.
        stale = portal_a.post(move_url(partner_a, shipment_a), {"stage": "picking", "version": 0}, follow=True)
        assert "not possible now" in stale.content.decode()
        stale_version = portal_a.post(
            move_url(partner_a, shipment_a), {"stage": "packing", "version": shipment_a.version - 1}, follow=True
        )
        assert "nothing was recorded" in stale_version.content.decode()
        shipment_a.refresh_from_db()
        assert shipment_a.stage == "picking" and shipment_a.events.count() == 2

        for stage in ("packing", "handed_to_carrier"):
            portal_a.post(move_url(partner_a, shipment_a), {"stage": stage, "version": shipment_a.version})
            shipment_a.refresh_from_db()
            assert shipment_a.stage == stage
        page = portal_a.get(detail_url(partner_a, shipment_a)).content.decode()
        assert "Mark last mile" in page and "Handed to carrier" in page
        assert page.count('class="tag ok"') == 2  # both SLA clocks kept

    def test_a_stage_the_plan_forbids_is_refused(self, portal_a, partner_a, shipment_a):
        response = portal_a.post(
            move_url(partner_a, shipment_a), {"stage": "delivered", "version": shipment_a.version}, follow=True
        )
        assert "not possible now" in response.content.decode()
        cancel = portal_a.post(move_url(partner_a, shipment_a), {"stage": "cancelled", "version": shipment_a.version})
        assert cancel.status_code == 302
        shipment_a.refresh_from_db()
        assert shipment_a.stage == "acknowledged"

    def test_the_detail_page_shows_the_timeline_and_what_to_pick(self, portal_a, partner_a, shipment_a):
        page = portal_a.get(detail_url(partner_a, shipment_a)).content.decode()
        assert "LAMP-1" in page and "Desk lamp" in page and "Springfield" in page and "ORD-A" in page
        assert not shows_declared_value(page)
        assert "waits for your acknowledgement" in page and "Acknowledge</button>" in page
        assert 'value="cancelled"' not in page

    def test_the_detail_page_shows_the_packages_to_pack(self, portal_a, partner_a, shipment_a, client):
        [package] = shipment_a.packages.all()
        page = portal_a.get(detail_url(partner_a, shipment_a)).content.decode()
        assert 'id="pack-heading">To pack' in page and package.tracking_number in page
        assert f"{package.weight_kg} kg" in page and "<code>LAMP-1</code> × 1" in page
        assert f"{package.length_cm} × {package.width_cm} × {package.height_cm} cm" in page

    def test_a_next_url_elsewhere_is_ignored(self, portal_a, partner_a, shipment_a):
        response = portal_a.post(
            move_url(partner_a, shipment_a),
            {"stage": "picking", "version": shipment_a.version, "next": "https://evil.example.com/"},
        )
        assert response["Location"] == detail_url(partner_a, shipment_a)


# --- the SLA ------------------------------------------------------------------------------------


class TestSla:
    def sla(self, partner, shipment, now=None):
        return partner_shipments(partner=partner, now=now).get(pk=shipment.pk)

    def test_acknowledge_clock(self, partner_a, warehouse_a, make_shipment):
        created = timezone.now() - datetime.timedelta(hours=10)
        late = make_shipment(warehouse_a, at=created, order_id="LATE")
        on_time = make_shipment(warehouse_a, at=created, order_id="ON-TIME")
        waiting = make_shipment(warehouse_a, at=created, order_id="WAITING")
        fresh = make_shipment(warehouse_a, order_id="FRESH")
        shipment_transition(shipment=on_time, to="picking", source="partner", at=created + 3 * HOUR)
        shipment_transition(shipment=late, to="picking", source="partner", at=created + 5 * HOUR)

        assert self.sla(partner_a, on_time).ack_sla == SlaState.ON_TIME
        assert self.sla(partner_a, late).ack_sla == SlaState.BREACHED
        assert self.sla(partner_a, waiting).ack_sla == SlaState.BREACHED  # 10 h, nothing: past the 4 h
        assert self.sla(partner_a, fresh).ack_sla == SlaState.OPEN
        row = self.sla(partner_a, late)
        assert row.acknowledged_at == created + 5 * HOUR and row.ack_due_at == created + 4 * HOUR
        assert row.sla_breached is True and self.sla(partner_a, on_time).sla_breached is False

    def test_ship_clock(self, partner_a, warehouse_a, make_shipment):
        created = timezone.now() - datetime.timedelta(days=5)
        shipped_late = make_shipment(warehouse_a, at=created, order_id="A")
        shipped_on_time = make_shipment(warehouse_a, at=created, order_id="B")
        for shipment, handed_at in ((shipped_on_time, created + 40 * HOUR), (shipped_late, created + 50 * HOUR)):
            for step, stage in enumerate(("picking", "packing", "handed_to_carrier")):
                at = created + (step + 1) * HOUR if stage != "handed_to_carrier" else handed_at
                assert shipment_transition(shipment=shipment, to=stage, source="partner", at=at)
        # Beyond the handover counts as handed over too.
        shipment_transition(shipment=shipped_on_time, to="last_mile", source="partner", at=created + 60 * HOUR)

        assert self.sla(partner_a, shipped_on_time).ship_sla == SlaState.ON_TIME
        assert self.sla(partner_a, shipped_late).ship_sla == SlaState.BREACHED
        assert self.sla(partner_a, shipped_late).ack_sla == SlaState.ON_TIME

    def test_the_clock_runs_from_creation_as_moved_in_a_test(self, partner_a, warehouse_a, make_shipment):
        shipment = make_shipment(warehouse_a)
        assert self.sla(partner_a, shipment).ship_sla == SlaState.OPEN
        Shipment.objects.filter(pk=shipment.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
        row = self.sla(partner_a, shipment)
        assert (row.ack_sla, row.ship_sla, row.sla_breached) == (SlaState.BREACHED, SlaState.BREACHED, True)
        assert self.sla(partner_a, shipment, now=row.created_at + HOUR).ack_sla == SlaState.OPEN

    def test_cancelling_stops_the_clock_unless_already_late(self, partner_a, warehouse_a, make_shipment):
        created = timezone.now() - datetime.timedelta(days=3)
        early = make_shipment(warehouse_a, at=created, order_id="EARLY")
        late = make_shipment(warehouse_a, at=created, order_id="LATE")
        shipment_transition(shipment=early, to="cancelled", source="operator", at=created + HOUR)
        shipment_transition(shipment=late, to="cancelled", source="operator", at=created + 6 * HOUR)
        assert (self.sla(partner_a, early).ack_sla, self.sla(partner_a, early).ship_sla) == ("void", "void")
        assert self.sla(partner_a, late).ack_sla == SlaState.BREACHED
        assert self.sla(partner_a, late).ship_sla == SlaState.VOID

    def test_scoreboard(self, partner_a, partner_b, warehouse_a, warehouse_b, make_shipment):
        created = timezone.now() - datetime.timedelta(hours=10)
        acked = make_shipment(warehouse_a, at=created, order_id="1")
        shipment_transition(shipment=acked, to="picking", source="partner", at=created + HOUR)
        make_shipment(warehouse_a, at=created, order_id="2")  # never acknowledged: breached
        make_shipment(warehouse_a, order_id="3")  # new: open
        cancelled = make_shipment(warehouse_a, order_id="4")
        shipment_transition(shipment=cancelled, to="cancelled", source="operator")
        make_shipment(warehouse_b, at=created, order_id="B")  # another partner's: not counted

        board = partner_sla_scoreboard(partner_a)
        assert board.shipments == 3 and board.breached == 1
        assert (board.acknowledge.on_time, board.acknowledge.breached, board.acknowledge.open) == (1, 1, 1)
        assert (board.ship.on_time, board.ship.breached, board.ship.open) == (0, 0, 3)
        assert board.acknowledge.on_time_share == 0.5
        assert partner_sla_scoreboard(partner_a, since=timezone.now() - HOUR).shipments == 1

    def test_breach_flags_in_the_api_and_portal(self, client, portal_a, partner_a, warehouse_a, make_shipment):
        late = make_shipment(warehouse_a, at=timezone.now() - datetime.timedelta(hours=6), order_id="LATE")
        fresh = make_shipment(warehouse_a, order_id="FRESH")
        key = new_key(partner=partner_a)
        breached = client.get(shipments_url(), {"breached": "true"}, **bearer(key)).json()["results"]
        assert [s["tracking_number"] for s in breached] == [late.tracking_number]
        assert breached[0]["sla"]["acknowledge"]["state"] == "breached"
        assert breached[0]["sla"]["breached"] is True
        page = portal_a.get(queue_url(partner_a, status="", sla="breached")).content.decode()
        assert late.tracking_number in page and fresh.tracking_number not in page
        assert 'class="sla-breached"' in page and "Breached" in page
