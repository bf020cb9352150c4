"""Rate limits per API key (by prefix), per user and per client IP: a 429 in the error format."""

import pytest
from django.core.cache import cache

from tests.api.conftest import bearer, error
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"


@pytest.fixture(autouse=True)
def rates(settings):
    cache.clear()
    settings.CROSSDOCK_API_THROTTLE_RATES = {"api_key": "3/min", "user": "2/min", "anon": "1/min"}
    yield
    cache.clear()


def test_each_key_has_its_own_allowance(client, merchant, new_key):
    first, second = (new_key(merchant=merchant, scopes=["products:read"]) for _ in range(2))
    assert [client.get(PRODUCTS, **bearer(first)).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(PRODUCTS, **bearer(first))
    assert refused.status_code == 429
    assert error(refused)["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert client.get(PRODUCTS, **bearer(second)).status_code == 200


def test_signed_in_users_are_counted_by_user(client, merchant):
    client.force_login(MembershipFactory(merchant=merchant).user)
    assert [client.get(PRODUCTS).status_code for _ in range(3)] == [200, 200, 429]


def test_anonymous_requests_are_counted_by_ip(client):
    """Only the schema is open without credentials (elsewhere the 401 comes first)."""
    assert [client.get("/api/v1/schema/").status_code for _ in range(2)] == [200, 429]


def test_no_rate_means_no_limit(client, merchant, new_key, settings):
    settings.CROSSDOCK_API_THROTTLE_RATES = {"api_key": None, "user": None, "anon": None}
    key = new_key(merchant=merchant, scopes=["products:read"])
    assert {client.get(PRODUCTS, **bearer(key)).status_code for _ in range(5)} == {200}
