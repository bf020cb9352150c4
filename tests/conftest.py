"""Shared fixtures. Tests run on the real database named by DATABASE_URL (SQLite by default).

Tests marked ``postgres`` or ``redis`` skip, with the reason, when that server is not
configured; with ``CROSSDOCK_REQUIRE_SERVICES=1`` (as in CI) they fail instead of skipping.
"""

import os

import pytest
from django.db import connection

from tests.factories import MembershipFactory, MerchantFactory, ProductFactory, UserFactory, WarehouseFactory

REQUIRE_SERVICES = os.environ.get("CROSSDOCK_REQUIRE_SERVICES") == "1"


def _missing_service(item) -> str | None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)"
    if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        return "needs Redis: set REDIS_URL=redis://… (CI does)"
    return None


def pytest_runtest_setup(item):
    reason = _missing_service(item)
    if reason:
        if REQUIRE_SERVICES:
            pytest.fail(f"CROSSDOCK_REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fulfillment_modes(request):
    """The five mode rows come from a data migration; reload them if a flush removed them."""
    if "django_db_setup" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    from warehouses.mode_facts import ensure_modes
    from warehouses.models import FulfillmentMode

    if FulfillmentMode.objects.count() < 5:
        ensure_modes()


@pytest.fixture
def merchant(db):
    return MerchantFactory()


@pytest.fixture
def other_merchant(db):
    return MerchantFactory()


@pytest.fixture
def owner(merchant):
    return MembershipFactory(merchant=merchant, role="owner").user


@pytest.fixture
def viewer(merchant):
    return MembershipFactory(merchant=merchant, role="viewer").user


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def operator(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def product(merchant):
    return ProductFactory(merchant=merchant)


@pytest.fixture
def warehouse(db):
    return WarehouseFactory()


@pytest.fixture
def celery_broker(monkeypatch):
    """Point this process's Celery app at another broker for one test: ``celery_broker(url, options)``.

    The app keeps its connection and producer pools once used, so a pool an earlier test opened
    on the suite's broker would still carry the messages; both are dropped (and restored after).
    """
    from config.celery import app  # noqa: PLC0415 - only the tests that send to a worker need it

    def point(url: str, options: dict) -> None:
        monkeypatch.setitem(app.conf, "broker_url", url)
        monkeypatch.setitem(app.conf, "broker_transport_options", options)
        monkeypatch.setattr(app, "_pool", None)
        monkeypatch.setattr(app.amqp, "_producer_pool", None)

    return point
