"""The portal's webhooks pages: what a merchant sees and the buttons they press."""

import re

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory
from tests.webhooks.conftest import Reply
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.delivery import webhook_delivery_attempt
from webhooks.services.endpoints import webhook_endpoint_disable

pytestmark = pytest.mark.django_db


def test_creating_an_endpoint_shows_its_secret_once(owner_client, merchant, receiver):
    response = owner_client.post(
        reverse("webhooks:endpoint-create"),
        {"url": receiver.url, "description": "ERP", "event_types": ["order.created", "customs.hold"]},
    )
    assert response.status_code == 200
    secret = re.search(r'value="(whsec_[^"]+)"', response.content.decode()).group(1)
    endpoint = WebhookEndpoint.objects.get(merchant=merchant)
    assert endpoint.secret == secret and endpoint.event_types == ["customs.hold", "order.created"]
    page = owner_client.get(reverse("webhooks:endpoint-detail", args=[endpoint.pk])).content.decode()
    assert secret not in page and "ERP" in page
    assert receiver.url in owner_client.get(reverse("webhooks:endpoint-list")).content.decode()


def test_a_bad_url_is_shown_next_to_the_field(owner_client, settings):
    settings.CROSSDOCK_WEBHOOK_ALLOW_LOCAL_TARGETS = False
    response = owner_client.post(reverse("webhooks:endpoint-create"), {"url": "http://192.168.1.4/in"})
    assert response.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert response.context["form"].errors["url"] == ["Use an https:// URL."]


def test_the_endpoint_page_lists_deliveries_with_status_codes_and_redelivers(
    owner_client, endpoint, receiver, make_delivery
):
    receiver.reply(Reply(503), Reply(200))
    delivery = make_delivery(endpoint, "order.created")
    webhook_delivery_attempt(delivery_id=delivery.pk)
    page = owner_client.get(reverse("webhooks:endpoint-detail", args=[endpoint.pk]))
    body = page.content.decode()
    assert delivery.event_id in body and "503" in body and "HTTP 503" in body
    assert [d.attempt for d in page.context["deliveries"]] == [2, 1]  # the retry is pending
    failed_only = owner_client.get(reverse("webhooks:endpoint-detail", args=[endpoint.pk]), {"status": "failed"})
    assert [d.pk for d in failed_only.context["deliveries"]] == [delivery.pk]

    # The retry is pending: a redelivery waits; once the retry went through, it is taken.
    response = owner_client.post(reverse("webhooks:delivery-redeliver", args=[delivery.pk]), follow=True)
    assert "still being delivered" in response.content.decode()
    WebhookDelivery.objects.filter(status="pending").update(scheduled_at=delivery.created_at)
    webhook_delivery_attempt(delivery_id=WebhookDelivery.objects.get(status="pending").pk)
    response = owner_client.post(reverse("webhooks:delivery-redeliver", args=[delivery.pk]), follow=True)
    assert "is being sent again (attempt 3)" in response.content.decode()
    assert WebhookDelivery.objects.filter(manual=True, attempt=3, status="pending").exists()


def test_rotating_the_secret_shows_the_new_one(owner_client, endpoint_and_secret):
    endpoint, old = endpoint_and_secret
    url = reverse("webhooks:endpoint-rotate", args=[endpoint.pk])
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(url, {"overlap_hours": "24"})
    new = re.search(r'value="(whsec_[^"]+)"', response.content.decode()).group(1)
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.previous_secret) == (new, old)
    again = owner_client.post(url, {"overlap_hours": "24"})
    assert "still signs until" in again.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret == new


def test_a_disabled_endpoint_shows_a_notice_and_can_be_enabled_again(owner_client, endpoint):
    webhook_endpoint_disable(
        endpoint=endpoint, reason="Disabled on 2026-01-01 00:00 UTC: the endpoint answered 410 Gone."
    )
    listing = owner_client.get(reverse("webhooks:endpoint-list")).content.decode()
    assert "is disabled and receives nothing" in listing and "410 Gone" in listing
    owner_client.post(reverse("webhooks:endpoint-enable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == ""
    assert "is disabled" not in owner_client.get(reverse("webhooks:endpoint-list")).content.decode()


def test_test_event_disable_and_delete(owner_client, endpoint):
    response = owner_client.post(reverse("webhooks:endpoint-test", args=[endpoint.pk]), follow=True)
    assert "Test event msg_" in response.content.decode()
    assert WebhookDelivery.objects.get().event.type == "webhook.test"
    owner_client.post(reverse("webhooks:endpoint-disable", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert owner_client.get(reverse("webhooks:endpoint-delete", args=[endpoint.pk])).status_code == 200
    owner_client.post(reverse("webhooks:endpoint-delete", args=[endpoint.pk]))
    assert not WebhookEndpoint.objects.exists()


def test_edit(owner_client, endpoint, receiver):
    url = reverse("webhooks:endpoint-edit", args=[endpoint.pk])
    assert owner_client.get(url).status_code == 200
    owner_client.post(url, {"url": receiver.url + "/v2", "description": "v2", "event_types": ["inventory.low_stock"]})
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types) == (receiver.url + "/v2", ["inventory.low_stock"])


def test_a_viewer_reads_but_cannot_press_anything(client, merchant, endpoint, make_delivery):
    client.force_login(MembershipFactory(merchant=merchant, role="viewer").user)
    delivery = make_delivery(endpoint)
    page = client.get(reverse("webhooks:endpoint-detail", args=[endpoint.pk]))
    assert page.status_code == 200 and "Rotate secret" not in page.content.decode()
    assert client.get(reverse("webhooks:endpoint-list")).status_code == 200
    for name, pk in [
        ("endpoint-rotate", endpoint.pk),
        ("endpoint-disable", endpoint.pk),
        ("endpoint-test", endpoint.pk),
        ("endpoint-delete", endpoint.pk),
        ("delivery-redeliver", delivery.pk),
    ]:
        assert client.post(reverse(f"webhooks:{name}", args=[pk])).status_code == 403, name
    assert client.get(reverse("webhooks:endpoint-create")).status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.is_active and WebhookDelivery.objects.count() == 1
