"""The console's overview: queues, receiving backlog, utilisation and worker health, staff only."""

import datetime
import os
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from config.tasks import HEARTBEAT_CACHE_KEY
from dashboards.operations import broker_queue_depth, queue_counts, warehouse_rows, worker_health
from shipping.models import InboundShipment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("operations:overview")


def test_merchants_are_refused(client, history):
    client.force_login(history["a_owner"])
    assert client.get(URL).status_code == 403


def test_queues_count_what_the_desks_see(history):
    counts = queue_counts()
    assert counts["customs_hold"] == 1  # the direct parcel held for inspection
    assert counts["delivery_attempted"] == 1
    assert counts["exceptions_total"] == 1 + counts["customs_overdue"]


def test_utilisation_and_backlog_per_warehouse(history, merchant):
    from shipping.models import InboundPlan

    ont = history["ont"]
    plan = InboundPlan.objects.create(
        merchant=history["a"],
        name="Restock",
        mode_id="global_warehouse",
        address_line1="1 Road",
        city="Shenzhen",
        country="CN",
    )
    for status in (InboundShipment.Status.DELIVERED, InboundShipment.Status.RECEIVING, InboundShipment.Status.SHIPPED):
        InboundShipment.objects.create(
            plan=plan, merchant=history["a"], warehouse=ont, status=status, source_country="CN"
        )
    row = next(r for r in warehouse_rows() if r.warehouse.pk == ont.pk)
    assert (row.at_dock, row.expected) == (2, 1)
    # A: 50 widgets, 6 shipped. B: 4,321 gadgets, 3 shipped (one parcel left; the other is picking).
    held = 44 + 4321 - 3
    assert row.units == held
    assert row.unit_share == pytest.approx(held / 100_000)
    assert row.volume_m3 == pytest.approx(held * 30 * 25 * 1.5 / 1_000_000)


def test_worker_health_reads_the_heartbeat_and_the_broker(history):
    now = timezone.now()
    cache.set(HEARTBEAT_CACHE_KEY, (now - datetime.timedelta(seconds=5)).isoformat())
    health = worker_health(now=now)
    assert not health.heartbeat_stale
    assert health.last_tick_move_at is not None  # the fixture's moves were made by the tick source
    cache.delete(HEARTBEAT_CACHE_KEY)
    assert worker_health(now=now).heartbeat_stale


def test_queue_depth_of_the_broker():
    transport = celery_app.conf.broker_url.split("://", 1)[0]
    if transport == "filesystem":
        folder = celery_app.conf.broker_transport_options["data_folder_in"]
        before = broker_queue_depth().messages
        names = [os.path.join(folder, f"{uuid.uuid4().hex}.msg") for _ in range(3)]
        for name in names:
            with open(name, "w") as handle:
                handle.write("{}")
        try:
            assert broker_queue_depth().messages == before + 3
        finally:
            for name in names:
                os.remove(name)
    else:
        import redis

        queue = f"dashboards-test-{uuid.uuid4().hex}"
        client = redis.Redis.from_url(celery_app.conf.broker_url)
        try:
            client.rpush(queue, "a", "b")
            depth = broker_queue_depth(queue=queue)
            assert (depth.transport, depth.messages) == (transport, 2)
        finally:
            client.delete(queue)
            client.close()


def test_the_overview_page_and_its_live_partial(client, history, django_assert_max_num_queries):
    client.force_login(UserFactory(is_staff=True))
    with django_assert_max_num_queries(20):
        response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("console:customs-queue", "console:exception-queue", "console:receiving-warehouses"):
        assert reverse(name) in body
    assert "Worker health" in body and "last worker heartbeat" in body
    assert 'href="' + URL + '"' in body  # in the console's navigation
    with django_assert_max_num_queries(20):
        partial = client.get(URL, {"sort": "-units"}, HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<section id="ops-live"')
