"""The portal's API keys page: owners create (the key shown once), list and revoke their keys."""

import pytest
from django.urls import reverse

from tests.api.conftest import bearer
from tests.factories import MembershipFactory
from warehouses.api_keys import api_key_create
from warehouses.models import ApiKey

pytestmark = pytest.mark.django_db

PAGE = reverse("integrations:api-key-list")


def test_an_owner_creates_a_key_that_is_shown_once_and_works(client, owner, merchant):
    client.force_login(owner)
    response = client.post(PAGE, {"name": "Shopify", "scopes": ["orders:read", "orders:write"]})
    assert response.status_code == 200
    raw = response.context["new_key"]
    api_key = ApiKey.objects.get()
    assert (api_key.merchant, api_key.name, api_key.scopes) == (merchant, "Shopify", ["orders:read", "orders:write"])
    assert raw in response.content.decode() and raw.startswith(f"cd_live_{api_key.prefix}_")
    assert client.get("/api/v1/orders/", **bearer(raw)).status_code == 200
    # The list shows the prefix, the scopes and when it was used, never the key again.
    listing = client.get(PAGE).content.decode()
    assert api_key.prefix in listing and "orders:write" in listing and raw not in listing
    assert "never" not in listing  # just used


def test_a_key_needs_a_name_and_scopes(client, owner):
    client.force_login(owner)
    response = client.post(PAGE, {"name": "", "scopes": ["partner:read"]})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "scopes"}
    assert not ApiKey.objects.exists()


def test_revoking_stops_the_key(client, owner, merchant):
    api_key, raw = api_key_create(name="ERP", scopes=["orders:read"], merchant=merchant)
    client.force_login(owner)
    response = client.post(reverse("integrations:api-key-revoke", args=[api_key.pk]))
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.is_revoked
    assert client.get("/api/v1/orders/", **bearer(raw)).status_code == 401
    again = client.post(reverse("integrations:api-key-revoke", args=[api_key.pk]), follow=True)
    assert "already revoked" in again.content.decode()


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_only_owners_manage_keys(client, merchant, role):
    api_key, _ = api_key_create(name="ERP", scopes=["orders:read"], merchant=merchant)
    client.force_login(MembershipFactory(merchant=merchant, role=role).user)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"name": "Mine", "scopes": ["orders:read"]}).status_code == 403
    assert client.post(reverse("integrations:api-key-revoke", args=[api_key.pk])).status_code == 403
    assert ApiKey.objects.get().revoked_at is None and ApiKey.objects.count() == 1


def test_the_navigation_shows_the_page_to_owners_only(client, owner, merchant):
    client.force_login(owner)
    assert PAGE in client.get(reverse("portal:product-list")).content.decode()
    client.force_login(MembershipFactory(merchant=merchant, role="staff").user)
    assert PAGE not in client.get(reverse("portal:product-list")).content.decode()
