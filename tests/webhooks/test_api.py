"""``/api/v1/webhook-endpoints/`` and ``/api/v1/webhook-deliveries/``, and merchant isolation."""

import pytest

from tests.factories import MembershipFactory, MerchantFactory
from tests.webhooks.conftest import Reply
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.delivery import webhook_delivery_attempt
from webhooks.services.endpoints import webhook_endpoint_create

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhook-endpoints/"
DELIVERIES = "/api/v1/webhook-deliveries/"


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def codes(response) -> list[tuple[str, str | None]]:
    return [(e["code"], e["attr"]) for e in response.json()["errors"]]


def test_create_shows_the_secret_once(owner_client, merchant, receiver):
    response = post(
        owner_client, ENDPOINTS, {"url": receiver.url, "description": "ERP", "event_types": ["order.created"]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["event_types"] == ["order.created"]
    assert WebhookEndpoint.objects.get(pk=body["id"]).merchant == merchant
    assert "secret" not in owner_client.get(f"{ENDPOINTS}{body['id']}/").json()
    listed = owner_client.get(ENDPOINTS).json()["results"]
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    assert body["secret"] not in owner_client.get(ENDPOINTS).content.decode()


def test_bad_input_names_the_field(owner_client, settings):
    settings.CROSSDOCK_WEBHOOK_ALLOW_LOCAL_TARGETS = False
    assert codes(post(owner_client, ENDPOINTS, {"url": "http://hooks.example.com/"})) == [("invalid", "url")]
    assert codes(post(owner_client, ENDPOINTS, {"url": "https://10.0.0.8/in"})) == [("invalid", "url")]
    response = post(owner_client, ENDPOINTS, {"url": "https://hooks.example.com/", "event_types": ["order.eaten"]})
    assert response.status_code == 400 and codes(response)[0][1] == "event_types.0"
    assert not WebhookEndpoint.objects.exists()


def test_update_and_delete(owner_client, endpoint, receiver):
    response = owner_client.patch(
        f"{ENDPOINTS}{endpoint.pk}/", {"description": "Warehouse sync"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["description"] == "Warehouse sync"
    assert response.json()["url"] == receiver.url
    assert owner_client.delete(f"{ENDPOINTS}{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_rotate_secret_shows_the_new_secret_and_refuses_a_second_rotation(owner_client, endpoint_and_secret):
    endpoint, old = endpoint_and_secret
    response = post(owner_client, f"{ENDPOINTS}{endpoint.pk}/rotate-secret/")
    assert response.status_code == 200
    new = response.json()["secret"]
    assert new != old and response.json()["rotation_ends_at"]
    again = post(owner_client, f"{ENDPOINTS}{endpoint.pk}/rotate-secret/")
    assert again.status_code == 409 and codes(again) == [("conflict", "secret")]
    now = post(owner_client, f"{ENDPOINTS}{endpoint.pk}/rotate-secret/", {"overlap_hours": 0})
    assert now.status_code == 200 and now.json()["rotation_ends_at"] is None
    bad = post(owner_client, f"{ENDPOINTS}{endpoint.pk}/rotate-secret/", {"overlap_hours": 48})
    assert bad.status_code == 400 and codes(bad)[0][1] == "overlap_hours"


def test_disable_enable_and_test(owner_client, endpoint, receiver):
    assert post(owner_client, f"{ENDPOINTS}{endpoint.pk}/disable/").json()["is_active"] is False
    refused = post(owner_client, f"{ENDPOINTS}{endpoint.pk}/test/")
    assert refused.status_code == 409 and codes(refused) == [("conflict", "endpoint")]
    assert post(owner_client, f"{ENDPOINTS}{endpoint.pk}/enable/").json()["is_active"] is True
    response = post(owner_client, f"{ENDPOINTS}{endpoint.pk}/test/")
    assert response.status_code == 202
    delivery = response.json()
    assert (delivery["event_type"], delivery["status"], delivery["endpoint"]) == (
        "webhook.test",
        "pending",
        endpoint.pk,
    )
    webhook_delivery_attempt(delivery_id=delivery["id"])
    assert receiver.received[0].json["type"] == "webhook.test"


def test_deliveries_list_filters_and_redeliver(owner_client, endpoint, receiver, make_delivery):
    receiver.reply(Reply(404))
    failed = make_delivery(endpoint, "order.created")
    webhook_delivery_attempt(delivery_id=failed.pk)
    pending = make_delivery(endpoint, "inventory.low_stock")

    rows = owner_client.get(DELIVERIES).json()["results"]
    assert [r["id"] for r in rows] == [pending.pk, failed.pk]
    assert rows[1]["response_status_code"] == 404 and rows[1]["status"] == "failed"
    assert [r["id"] for r in owner_client.get(DELIVERIES, {"status": "failed"}).json()["results"]] == [failed.pk]
    by_type = owner_client.get(DELIVERIES, {"event_type": "inventory.low_stock"}).json()["results"]
    assert [r["id"] for r in by_type] == [pending.pk]
    assert len(owner_client.get(DELIVERIES, {"endpoint": endpoint.pk}).json()["results"]) == 2
    assert owner_client.get(DELIVERIES, {"endpoint": endpoint.pk + 999}).json()["results"] == []
    detail = owner_client.get(f"{DELIVERIES}{failed.pk}/").json()
    assert detail["payload"]["type"] == "order.created"

    response = post(owner_client, f"{DELIVERIES}{failed.pk}/redeliver/")
    assert response.status_code == 202
    assert (response.json()["attempt"], response.json()["manual"]) == (2, True)
    assert post(owner_client, f"{DELIVERIES}{pending.pk}/redeliver/").status_code == 409


def test_a_viewer_reads_but_cannot_write(client, merchant, endpoint, make_delivery):
    client.force_login(MembershipFactory(merchant=merchant, role="viewer").user)
    delivery = make_delivery(endpoint)
    assert client.get(ENDPOINTS).status_code == 200 and client.get(DELIVERIES).status_code == 200
    for url in (ENDPOINTS, f"{ENDPOINTS}{endpoint.pk}/rotate-secret/", f"{DELIVERIES}{delivery.pk}/redeliver/"):
        assert post(client, url, {"url": "https://hooks.example.com/"}).status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.previous_secret == ""


def test_another_merchants_endpoints_and_deliveries_are_404(owner_client, merchant, receiver, make_delivery):
    theirs = MerchantFactory()
    their_endpoint, secret = webhook_endpoint_create(merchant=theirs, url=receiver.url + "/theirs")
    their_delivery = make_delivery(their_endpoint)
    webhook_delivery_attempt(delivery_id=their_delivery.pk)

    assert owner_client.get(ENDPOINTS).json()["results"] == []
    assert owner_client.get(DELIVERIES).json()["results"] == []
    assert owner_client.get(DELIVERIES, {"endpoint": their_endpoint.pk}).json()["results"] == []
    for method, url in [
        ("get", f"{ENDPOINTS}{their_endpoint.pk}/"),
        ("patch", f"{ENDPOINTS}{their_endpoint.pk}/"),
        ("delete", f"{ENDPOINTS}{their_endpoint.pk}/"),
        ("post", f"{ENDPOINTS}{their_endpoint.pk}/rotate-secret/"),
        ("post", f"{ENDPOINTS}{their_endpoint.pk}/enable/"),
        ("post", f"{ENDPOINTS}{their_endpoint.pk}/disable/"),
        ("post", f"{ENDPOINTS}{their_endpoint.pk}/test/"),
        ("get", f"{DELIVERIES}{their_delivery.pk}/"),
        ("post", f"{DELIVERIES}{their_delivery.pk}/redeliver/"),
    ]:
        response = getattr(owner_client, method)(
            url, {"url": "https://hooks.example.com/"}, content_type="application/json"
        )
        assert response.status_code == 404, (method, url)
    their_endpoint.refresh_from_db()
    assert their_endpoint.is_active and their_endpoint.secret == secret and their_endpoint.description == ""
    assert WebhookDelivery.objects.filter(endpoint=their_endpoint).count() == 1
