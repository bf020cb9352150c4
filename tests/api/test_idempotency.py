"""``Idempotency-Key`` on POSTs: replayed, refused when reused for another request or still
running, forgotten after an error and after 24 hours; two racing requests never both run."""

import datetime
import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from integrations.models import IdempotencyKey
from integrations.services import ABANDONED_AFTER
from integrations.tasks import purge_idempotency_keys
from merchants import services as merchant_services
from merchants.models import Product
from orders.models import Order
from shipping.services.shipments import shipments_create
from tests.api.conftest import bearer, error, us_order
from tests.factories import MembershipFactory, PartnerFactory, WarehouseFactory
from warehouses.modes import Mode, WarehouseRole

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"
ORDERS = "/api/v1/orders/"


def product(sku="IDEM-1", **extra) -> dict:
    return {
        "sku": sku,
        "title": "Idempotent tee",
        "hs_code": "610910",
        "origin_country": "CN",
        "declared_value": "5.00",
        "declared_currency": "USD",
        "weight_kg": "0.200",
        "length_cm": "20.0",
        "width_cm": "15.0",
        "height_cm": "2.0",
        **extra,
    }


def post(client, url, body, key=None, **headers):
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(url, body, content_type="application/json", **headers)


@pytest.fixture
def api_key(merchant, new_key):
    return new_key(merchant=merchant, scopes=["products:read", "products:write", "orders:read", "orders:write"])


def test_the_same_key_and_body_replays_the_first_answer(client, merchant, api_key):
    first = post(client, PRODUCTS, product(), "k-1", **bearer(api_key))
    assert first.status_code == 201 and not first.has_header("Idempotent-Replayed")
    again = post(client, PRODUCTS, product(), "k-1", **bearer(api_key))
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/json"
    assert Product.objects.filter(merchant=merchant).count() == 1


def test_an_order_posted_twice_with_one_key_is_created_once(client, merchant, widget, stock, api_key):
    stock(widget, "US-ONT1", 10)
    key = str(uuid.uuid4())
    answers = [post(client, ORDERS, us_order("ORD-9"), key, **bearer(api_key)) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [a.has_header("Idempotent-Replayed") for a in answers] == [False, True, True]
    assert Order.objects.filter(merchant=merchant).count() == 1
    # Without the key, the same order is a duplicate (409), which the key spared the client.
    assert post(client, ORDERS, us_order("ORD-9"), **bearer(api_key)).status_code == 409


def test_the_same_key_with_another_request_is_422(client, merchant, api_key):
    assert post(client, PRODUCTS, product(), "k-1", **bearer(api_key)).status_code == 201
    other_body = post(client, PRODUCTS, product(sku="IDEM-2"), "k-1", **bearer(api_key))
    assert other_body.status_code == 422
    assert error(other_body)["code"] == "idempotency_key_reused"
    other_path = post(client, ORDERS, product(), "k-1", **bearer(api_key))
    assert other_path.status_code == 422
    assert list(Product.objects.values_list("sku", flat=True)) == ["IDEM-1"]


def test_a_key_still_running_is_409(client, merchant, api_key, monkeypatch):
    """While the first request runs, a retry is told to wait (and writes nothing)."""
    answers = []

    def create_and_retry(**kwargs):
        answers.append(post(Client(), PRODUCTS, product(), "k-1", **bearer(api_key)))
        return original(**kwargs)

    original = merchant_services.product_create
    monkeypatch.setattr("merchants.api.views.product_create", create_and_retry)
    first = post(client, PRODUCTS, product(), "k-1", **bearer(api_key))
    assert first.status_code == 201
    [retry] = answers
    assert retry.status_code == 409
    assert error(retry)["code"] == "idempotency_key_in_use" and retry["Retry-After"] == "1"
    assert Product.objects.count() == 1


def test_an_error_is_not_kept_so_the_corrected_request_may_reuse_the_key(client, merchant, api_key):
    bad = post(client, PRODUCTS, product(hs_code="not a code"), "k-1", **bearer(api_key))
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    good = post(client, PRODUCTS, product(), "k-1", **bearer(api_key))
    assert good.status_code == 201 and not good.has_header("Idempotent-Replayed")


def test_keys_are_per_owner(client, merchant, other_merchant, api_key, new_key):
    other_key = new_key(merchant=other_merchant, scopes=["products:write"])
    assert post(client, PRODUCTS, product(), "shared", **bearer(api_key)).status_code == 201
    theirs = post(client, PRODUCTS, product(), "shared", **bearer(other_key))
    assert theirs.status_code == 201 and not theirs.has_header("Idempotent-Replayed")
    # A person signed in has keys of their own too.
    client.force_login(MembershipFactory(merchant=merchant).user)
    own = post(client, PRODUCTS, product(sku="IDEM-3"), "shared")
    assert own.status_code == 201 and not own.has_header("Idempotent-Replayed")
    assert post(client, PRODUCTS, product(sku="IDEM-3"), "shared").has_header("Idempotent-Replayed")
    assert IdempotencyKey.objects.filter(key="shared").count() == 3


def test_a_partner_event_is_replayed_too(client, merchant, widget, new_key):
    """The check covers every POST of the API, the partner's included (the partner owns the key)."""
    partner = PartnerFactory()
    dock = WarehouseFactory(code="US-PRT1", role=WarehouseRole.PARTNER_3PL, operator="partner", partner=partner)
    route = [{"stage": "acknowledged", "hours": 2.0}, {"stage": "picking", "hours": 12.0}]
    route += [{"stage": "delivered", "hours": 0.0}]
    [shipment] = shipments_create(
        specs=[
            {
                "merchant_id": merchant.pk,
                "mode_id": Mode.VIRTUAL_WAREHOUSE,
                "source_warehouse_id": dock.pk,
                "origin_country": "US",
                "route": route,
                "lines": [(widget.pk, 1, Decimal("20.00"), "USD")],
                "address_line1": "1 Main St",
                "city": "Springfield",
                "country": "US",
            }
        ]
    )
    key = new_key(partner=partner)
    url = f"/api/v1/partner/shipments/{shipment.tracking_number}/events"
    missing = post(
        client, "/api/v1/partner/shipments/NOPE/events", {"event_id": "e0", "stage": "picking"}, "p-0", **bearer(key)
    )
    assert missing.status_code == 404  # an error: not kept
    first = post(client, url, {"event_id": "e1", "stage": "picking"}, "p-1", **bearer(key))
    again = post(client, url, {"event_id": "e1", "stage": "picking"}, "p-1", **bearer(key))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert list(IdempotencyKey.objects.values_list("partner", "key")) == [(partner.pk, "p-1")]


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "naïve"])
def test_a_malformed_key_is_400(client, api_key, key):
    response = post(client, PRODUCTS, product(), key, **bearer(api_key))
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_idempotency_key"
    assert not Product.objects.exists()


def test_unauthenticated_requests_are_left_to_the_view(client):
    response = post(client, PRODUCTS, product(), "k-1")
    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_gets_and_requests_without_a_key_are_untouched(client, merchant, api_key):
    assert post(client, PRODUCTS, product(), **bearer(api_key)).status_code == 201
    assert client.get(PRODUCTS, HTTP_IDEMPOTENCY_KEY="k-1", **bearer(api_key)).status_code == 200
    assert not IdempotencyKey.objects.exists()


def test_an_abandoned_claim_is_taken_over(client, merchant, api_key):
    """A request that died while holding its key (no answer for minutes) does not block it for 24 hours."""
    post(client, PRODUCTS, product(), "k-1", **bearer(api_key))
    Product.objects.all().delete()
    IdempotencyKey.objects.update(
        status=IdempotencyKey.Status.IN_PROGRESS, locked_at=timezone.now() - ABANDONED_AFTER - datetime.timedelta(1)
    )
    retry = post(client, PRODUCTS, product(), "k-1", **bearer(api_key))
    assert retry.status_code == 201 and not retry.has_header("Idempotent-Replayed")
    assert Product.objects.count() == 1


def test_keys_are_kept_24_hours_then_purged(client, merchant, api_key):
    post(client, PRODUCTS, product(), "old", **bearer(api_key))
    post(client, PRODUCTS, product(sku="IDEM-2"), "new", **bearer(api_key))
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(hours=25))
    # Expired, even before the purge runs: the key is free for a new request.
    reused = post(client, PRODUCTS, product(sku="IDEM-3"), "old", **bearer(api_key))
    assert reused.status_code == 201 and not reused.has_header("Idempotent-Replayed")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert purge_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_the_purge_runs_hourly(settings):
    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == purge_idempotency_keys.name]
    assert entry["schedule"] == 3600.0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_racing_requests_with_one_key_run_once(merchant, new_key, monkeypatch):
    """Both threads start together; the winner's request waits inside the view until the loser has
    answered, so the loser meets the key in progress, never a finished one."""
    raw_key = new_key(merchant=merchant, scopes=["products:write"])
    start = threading.Barrier(2)
    loser_answered = threading.Event()
    original = merchant_services.product_create

    def slow_create(**kwargs):
        loser_answered.wait(timeout=10)
        return original(**kwargs)

    monkeypatch.setattr("merchants.api.views.product_create", slow_create)
    answers = []

    def send():
        try:
            start.wait(timeout=10)
            response = post(Client(), PRODUCTS, product(), "race", **bearer(raw_key))
            answers.append(response)
            if response.status_code == 409:
                loser_answered.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert Product.objects.filter(merchant=merchant).count() == 1
    replay = post(Client(), PRODUCTS, product(), "race", **bearer(raw_key))
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
