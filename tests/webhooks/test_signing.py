"""The requests match the Standard Webhooks spec, checked by an independent verifier and by hand."""

import base64
import datetime
import hashlib
import hmac
import re

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from webhooks.services.delivery import webhook_delivery_attempt
from webhooks.services.endpoints import WebhookConflict, webhook_endpoint_rotate_secret
from webhooks.signing import serialize_body

pytestmark = pytest.mark.django_db


def verify_by_hand(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a merchant's receiver does, with nothing but the standard library."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(expected, signature)
        for version, _, signature in (item.partition(",") for item in headers["webhook-signature"].split(" "))
    )


def test_secret_is_whsec_and_base64_of_at_least_24_bytes(endpoint_and_secret):
    _, secret = endpoint_and_secret
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]+=*", secret)
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24


def test_a_delivery_carries_the_spec_headers_and_a_signature_that_verifies(
    endpoint_and_secret, receiver, make_delivery
):
    endpoint, secret = endpoint_and_secret
    delivery = make_delivery(endpoint, "order.status_changed", {"order_id": 7, "to_status": "planning"})

    before = int(timezone.now().timestamp())
    webhook_delivery_attempt(delivery_id=delivery.pk)

    [request] = receiver.received
    headers = request.headers
    assert headers["webhook-id"] == delivery.event_id and headers["webhook-id"].startswith("msg_")
    assert "." not in headers["webhook-id"]
    assert before <= int(headers["webhook-timestamp"]) <= int(timezone.now().timestamp())
    assert re.fullmatch(r"v1,[A-Za-z0-9+/]+=*", headers["webhook-signature"])
    assert headers["content-type"] == "application/json"
    # The independent implementation accepts it and returns the payload ...
    payload = Webhook(secret).verify(request.body, headers)
    assert payload == {
        "type": "order.status_changed",
        "timestamp": payload["timestamp"],
        "data": {"order_id": 7, "to_status": "planning"},
    }
    assert payload["timestamp"].endswith("Z")
    # ... and so does the snippet of docs/webhooks.md.
    assert verify_by_hand(secret, headers, request.body)
    # The body is exactly the serialized payload (what was signed is what was sent).
    assert request.body == serialize_body(delivery.event.payload)


def test_a_tampered_body_or_another_secret_does_not_verify(endpoint_and_secret, receiver, make_delivery):
    endpoint, secret = endpoint_and_secret
    webhook_delivery_attempt(delivery_id=make_delivery(endpoint).pk)
    [request] = receiver.received
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body.replace(b"planning", b"complete"), request.headers)
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(request.body, request.headers)
    assert not verify_by_hand(other, request.headers, request.body)


def test_during_a_rotation_both_secrets_sign_and_afterwards_only_the_new_one(
    endpoint_and_secret, receiver, make_delivery
):
    endpoint, old = endpoint_and_secret
    endpoint, new = webhook_endpoint_rotate_secret(endpoint=endpoint)
    assert new != old and endpoint.previous_secret == old
    assert endpoint.previous_secret_expires_at == pytest.approx(
        timezone.now() + datetime.timedelta(hours=24), abs=datetime.timedelta(seconds=5)
    )

    webhook_delivery_attempt(delivery_id=make_delivery(endpoint).pk)
    request = receiver.received[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(request.body, request.headers)
        assert verify_by_hand(secret, request.headers, request.body)

    # The overlap ends: only the new secret signs.
    endpoint.previous_secret_expires_at = timezone.now() - datetime.timedelta(seconds=1)
    endpoint.save(update_fields=["previous_secret_expires_at"])
    webhook_delivery_attempt(delivery_id=make_delivery(endpoint).pk)
    request = receiver.received[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request.body, request.headers)


def test_a_second_rotation_waits_for_the_overlap_unless_it_ends_every_old_secret(endpoint_and_secret):
    endpoint, first = endpoint_and_secret
    endpoint, second = webhook_endpoint_rotate_secret(endpoint=endpoint)
    with pytest.raises(WebhookConflict):
        webhook_endpoint_rotate_secret(endpoint=endpoint)
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.previous_secret) == (second, first)

    endpoint, third = webhook_endpoint_rotate_secret(endpoint=endpoint, overlap_hours=0)
    assert endpoint.signing_secrets() == [third]
    assert endpoint.previous_secret == "" and endpoint.previous_secret_expires_at is None
