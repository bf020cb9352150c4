"""Sending to a real receiver on this machine: what succeeds, what is retried (and when), what is
not, disabling an endpoint that keeps failing, redelivery, and the periodic scan."""

import datetime
import email.utils
import socket

import pytest
from django.utils import timezone

from tests.factories import MerchantFactory
from tests.webhooks.conftest import Reply
from webhooks import targets
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.delivery import MAX_ATTEMPTS, RETRY_DELAYS, webhook_deliveries_dispatch, webhook_delivery_attempt
from webhooks.services.endpoints import (
    WebhookConflict,
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
)
from webhooks.tasks import deliver_webhook, dispatch_due_deliveries

pytestmark = pytest.mark.django_db

P = WebhookDelivery.Status


def attempts(delivery: WebhookDelivery) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(event_id=delivery.event_id).order_by("attempt", "pk"))


def close_to(moment, expected, seconds: float = 2.0) -> bool:
    return abs((moment - expected).total_seconds()) <= seconds


def test_a_2xx_succeeds_and_records_the_response(endpoint, receiver, make_delivery):
    receiver.reply(Reply(204, body=b""), Reply(201, body=b'{"received": true}'))
    first, second = make_delivery(endpoint), make_delivery(endpoint)
    webhook_delivery_attempt(delivery_id=first.pk)
    deliver_webhook(second.pk)  # the task: the same, by id

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.response_status_code, first.error) == (P.SUCCEEDED, 204, "")
    assert (second.status, second.response_status_code, second.response_body) == (
        P.SUCCEEDED,
        201,
        '{"received": true}',
    )
    assert first.sent_at and first.duration_ms is not None and first.locked_until is None
    assert len(receiver.received) == 2 and receiver.received[0].path == "/hooks"
    assert WebhookDelivery.objects.count() == 2  # nothing to retry


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_5xx_and_429_are_retried_as_a_new_row_after_the_backoff(endpoint, receiver, make_delivery, status):
    receiver.reply(Reply(status, body=b"busy"))
    delivery = make_delivery(endpoint)
    webhook_delivery_attempt(delivery_id=delivery.pk)

    failed, retry = attempts(delivery)
    assert (failed.status, failed.response_status_code, failed.error, failed.response_body) == (
        P.FAILED,
        status,
        f"HTTP {status}",
        "busy",
    )
    assert (retry.status, retry.attempt, retry.manual, retry.sent_at) == (P.PENDING, 2, False, None)
    wait = (retry.scheduled_at - failed.sent_at).total_seconds()
    assert RETRY_DELAYS[0].total_seconds() * 0.8 - 1 <= wait <= RETRY_DELAYS[0].total_seconds() * 1.2 + 1


def test_the_backoff_grows_with_each_attempt_and_has_jitter(endpoint, receiver, make_delivery):
    delivery = make_delivery(endpoint)
    waits = []
    for _ in range(3):
        receiver.reply(Reply(500))
        WebhookDelivery.objects.filter(pk=delivery.pk).update(scheduled_at=timezone.now())
        webhook_delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        retry = attempts(delivery)[-1]
        waits.append((retry.scheduled_at - delivery.sent_at).total_seconds())
        delivery = retry
    assert waits[0] < waits[1] < waits[2]
    for wait, base in zip(waits, RETRY_DELAYS, strict=False):
        assert base.total_seconds() * 0.8 - 1 <= wait <= base.total_seconds() * 1.2 + 1


def test_retry_after_in_seconds_is_honoured(endpoint, receiver, make_delivery):
    receiver.reply(Reply(429, headers={"Retry-After": "120"}))
    delivery = make_delivery(endpoint)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    failed, retry = attempts(delivery)
    assert close_to(retry.scheduled_at, failed.sent_at + datetime.timedelta(seconds=120), seconds=3)


def test_retry_after_as_an_http_date_is_honoured(endpoint, receiver, make_delivery):
    when = timezone.now() + datetime.timedelta(minutes=10)
    receiver.reply(Reply(503, headers={"Retry-After": email.utils.format_datetime(when, usegmt=True)}))
    delivery = make_delivery(endpoint)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    _, retry = attempts(delivery)
    assert close_to(retry.scheduled_at, when, seconds=3)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 301, 302])
def test_other_4xx_and_redirects_fail_for_good(endpoint, receiver, make_delivery, status):
    receiver.reply(Reply(status, headers={"Location": "http://127.0.0.1:9/elsewhere"}))
    delivery = make_delivery(endpoint)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    [failed] = attempts(delivery)
    assert (failed.status, failed.response_status_code) == (P.FAILED, status)
    assert len(receiver.received) == 1  # the redirect was not followed
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is not None and endpoint.consecutive_failures == 1


def test_a_connection_refused_is_a_network_error_and_is_retried(merchant, make_delivery):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint, _ = webhook_endpoint_create(merchant=merchant, url=f"http://127.0.0.1:{port}/hooks")
    delivery = make_delivery(endpoint)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    failed, retry = attempts(delivery)
    assert failed.status == P.FAILED and failed.response_status_code is None and failed.error
    assert retry.status == P.PENDING and retry.attempt == 2


def test_a_read_timeout_is_retried(endpoint, receiver, make_delivery, monkeypatch):
    monkeypatch.setattr(targets, "READ_TIMEOUT", 0.3)
    receiver.reply(Reply(200, delay=1.0))
    delivery = make_delivery(endpoint)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    failed, retry = attempts(delivery)
    assert failed.status == P.FAILED and "Timeout" in failed.error
    assert retry.status == P.PENDING


def test_the_last_attempt_is_not_retried(endpoint, receiver, make_delivery):
    receiver.reply(Reply(500))
    delivery = make_delivery(endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempt=MAX_ATTEMPTS)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    [failed] = attempts(delivery)
    assert failed.status == P.FAILED
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1  # the event failed for good


def test_a_delivery_is_sent_once_however_often_its_task_runs(endpoint, receiver, make_delivery):
    delivery = make_delivery(endpoint)
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is not None
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
    deliver_webhook(delivery.pk)
    assert len(receiver.received) == 1


def test_a_held_or_future_delivery_is_not_sent(endpoint, receiver, make_delivery):
    held, future = make_delivery(endpoint), make_delivery(endpoint)
    WebhookDelivery.objects.filter(pk=held.pk).update(locked_until=timezone.now() + datetime.timedelta(minutes=1))
    WebhookDelivery.objects.filter(pk=future.pk).update(scheduled_at=timezone.now() + datetime.timedelta(minutes=1))
    assert webhook_delivery_attempt(delivery_id=held.pk) is None
    assert webhook_delivery_attempt(delivery_id=future.pk) is None
    assert receiver.received == []
    # A worker that died holding a row: once its lock runs out, the row is sent.
    WebhookDelivery.objects.filter(pk=held.pk).update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    assert webhook_delivery_attempt(delivery_id=held.pk).status == P.SUCCEEDED


def test_410_gone_disables_the_endpoint(endpoint, receiver, make_delivery):
    receiver.reply(Reply(410))
    delivery, waiting = make_delivery(endpoint), make_delivery(endpoint)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "410" in endpoint.disabled_reason and endpoint.disabled_at
    waiting.refresh_from_db()
    assert waiting.status == P.FAILED and "disabled" in waiting.error
    assert attempts(delivery)[-1].status == P.FAILED  # no retry to a gone endpoint


def test_an_endpoint_is_disabled_after_n_events_in_a_row_fail_for_good(endpoint, receiver, make_delivery, settings):
    settings.CROSSDOCK_WEBHOOK_DISABLE_AFTER_EVENTS = 3
    for n in range(3):
        receiver.reply(Reply(400))
        webhook_delivery_attempt(delivery_id=make_delivery(endpoint).pk)
        endpoint.refresh_from_db()
        assert endpoint.is_active == (n < 2)
    assert "last 3 events" in endpoint.disabled_reason and "HTTP 400" in endpoint.disabled_reason


def test_a_success_resets_the_failure_count(endpoint, receiver, make_delivery, settings):
    settings.CROSSDOCK_WEBHOOK_DISABLE_AFTER_EVENTS = 3
    receiver.reply(Reply(400), Reply(400), Reply(200), Reply(400), Reply(400))
    for _ in range(5):
        webhook_delivery_attempt(delivery_id=make_delivery(endpoint).pk)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 2


def test_an_endpoint_failing_for_24_hours_is_disabled(endpoint, receiver, make_delivery):
    receiver.reply(Reply(503), Reply(503))
    first = make_delivery(endpoint)
    webhook_delivery_attempt(delivery_id=first.pk)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since
    # A day of failures later, the next failed attempt disables it, and its retry is dropped.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - datetime.timedelta(hours=25))
    retry = attempts(first)[-1]
    WebhookDelivery.objects.filter(pk=retry.pk).update(scheduled_at=timezone.now())
    webhook_delivery_attempt(delivery_id=retry.pk)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "over 24 hours" in endpoint.disabled_reason
    assert not WebhookDelivery.objects.filter(endpoint=endpoint, status=P.PENDING).exists()
    # Enabled again, it starts from a clean slate.
    webhook_endpoint_enable(endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is None and endpoint.disabled_reason == ""


def test_a_redelivery_is_a_new_manual_attempt_sent_now(
    endpoint, receiver, make_delivery, django_capture_on_commit_callbacks
):
    receiver.reply(Reply(400))
    delivery = make_delivery(endpoint)
    webhook_delivery_attempt(delivery_id=delivery.pk)

    with django_capture_on_commit_callbacks() as callbacks:
        redelivery = webhook_delivery_redeliver(delivery=WebhookDelivery.objects.get(pk=delivery.pk))
    assert len(callbacks) == 1  # its task is queued once the redelivery commits
    deliver_webhook(redelivery.pk)  # what the worker then runs

    redelivery.refresh_from_db()
    assert (redelivery.attempt, redelivery.manual, redelivery.status) == (2, True, P.SUCCEEDED)
    assert [r.headers["webhook-id"] for r in receiver.received] == [delivery.event_id] * 2


def test_a_failed_redelivery_is_not_retried_and_does_not_count_against_the_endpoint(endpoint, receiver, make_delivery):
    receiver.reply(Reply(200), Reply(500))
    delivery = make_delivery(endpoint)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    redelivery = webhook_delivery_redeliver(delivery=WebhookDelivery.objects.get(pk=delivery.pk))
    webhook_delivery_attempt(delivery_id=redelivery.pk)
    assert [(d.attempt, d.status) for d in attempts(delivery)] == [(1, P.SUCCEEDED), (2, P.FAILED)]
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.consecutive_failures == 0


def test_a_redelivery_is_refused_while_the_event_is_pending_or_the_endpoint_disabled(endpoint, receiver, make_delivery):
    delivery = make_delivery(endpoint)
    with pytest.raises(WebhookConflict):
        webhook_delivery_redeliver(delivery=delivery)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    webhook_endpoint_disable(endpoint=endpoint)
    with pytest.raises(WebhookConflict):
        webhook_delivery_redeliver(delivery=WebhookDelivery.objects.get(pk=delivery.pk))
    assert len(attempts(delivery)) == 1


def test_the_scan_hands_out_due_deliveries_of_active_endpoints_once(endpoint, receiver, make_delivery, merchant):
    due = make_delivery(endpoint)
    later = make_delivery(endpoint)
    WebhookDelivery.objects.filter(pk=later.pk).update(scheduled_at=timezone.now() + datetime.timedelta(hours=1))
    other, _ = webhook_endpoint_create(merchant=merchant, url=receiver.url + "/off")
    off = make_delivery(other)
    WebhookEndpoint.objects.filter(pk=other.pk).update(is_active=False)

    assert webhook_deliveries_dispatch() == [due.pk]
    assert webhook_deliveries_dispatch() == []  # handed out already: not again while it is in the queue
    # A handed-out row whose message was lost is handed out again a few minutes later.
    assert webhook_deliveries_dispatch(now=timezone.now() + datetime.timedelta(minutes=5)) == [due.pk]
    assert off.pk not in webhook_deliveries_dispatch(now=timezone.now() + datetime.timedelta(hours=2))


def test_the_scan_task_enqueues_the_due_deliveries(endpoint, make_delivery, monkeypatch):
    sent = []
    monkeypatch.setattr(deliver_webhook, "delay", lambda pk: sent.append(pk))
    deliveries = [make_delivery(endpoint) for _ in range(3)]
    dispatch_due_deliveries()
    assert sorted(sent) == sorted(d.pk for d in deliveries)


class TestServerSideRequestForgery:
    """In production (local targets off) only https URLs that reach public addresses are taken."""

    @pytest.fixture(autouse=True)
    def production(self, settings):
        settings.CROSSDOCK_WEBHOOK_ALLOW_LOCAL_TARGETS = False

    @pytest.mark.parametrize(
        "url",
        [
            "http://hooks.example.com/in",
            "https://127.0.0.1/in",
            "https://10.1.2.3/in",
            "https://192.168.0.10/in",
            "https://172.16.5.4/in",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/in",
            "https://[fd00::1]/in",
            "https://localhost/in",
            "https://api.localhost/in",
            "https://printer.local/in",
            "https://intranet/in",
            "https://user:pass@hooks.example.com/in",
            "ftp://hooks.example.com/in",
            "https:///in",
        ],
    )
    def test_private_local_and_insecure_urls_are_refused(self, merchant, url):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as refused:
            webhook_endpoint_create(merchant=merchant, url=url)
        assert list(refused.value.message_dict) == ["url"]
        assert not WebhookEndpoint.objects.exists()

    def test_a_public_https_url_is_taken(self, merchant):
        endpoint, _ = webhook_endpoint_create(merchant=merchant, url="https://hooks.example.com/crossdock")
        assert endpoint.url == "https://hooks.example.com/crossdock"

    def test_at_send_time_a_name_resolving_to_a_private_address_is_refused_and_not_retried(
        self, make_delivery, receiver, monkeypatch
    ):
        merchant = MerchantFactory()
        endpoint = WebhookEndpoint.objects.create(
            merchant=merchant, url="https://hooks.example.com/in", secret="whsec_" + "A" * 44
        )
        monkeypatch.setattr(targets, "_resolve", lambda host, port: ["127.0.0.1"])
        delivery = make_delivery(endpoint)
        webhook_delivery_attempt(delivery_id=delivery.pk)
        [failed] = attempts(delivery)
        assert failed.status == P.FAILED and "private or local address" in failed.error
        assert receiver.received == []
