"""Customs in the API: the merchant's declarations and reassessment, the desk's release and reject."""

import pytest

from shipping.models import Shipment, TrackingEvent
from tests.api.conftest import bearer, error
from tests.factories import MembershipFactory, MerchantFactory

pytestmark = pytest.mark.django_db

DECLARATIONS = "/api/v1/customs-declarations/"
HOLDS = "/api/v1/customs/holds/"


@pytest.fixture
def customs_key(merchant, new_key):
    return bearer(new_key(merchant=merchant, scopes=["customs:read", "customs:write"]))


def test_declarations_are_the_merchants_border_crossings(client, merchant, customs_key, shipped_order, held_parcel):
    domestic = shipped_order("DOMESTIC-1")
    held = held_parcel()
    listed = client.get(DECLARATIONS, **customs_key).json()["results"]
    assert [d["id"] for d in listed] == [held.pk]
    assert client.get(f"{DECLARATIONS}{domestic.pk}/", **customs_key).status_code == 404
    [declaration] = listed
    assert declaration["status"] == "held" and declaration["held"] is True
    assert (declaration["hold_reason"], declaration["can_reassess"]) == ("documentation", True)
    assert (declaration["origin_country"], declaration["destination_country"]) == ("CN", "US")
    assert declaration["import_charges_paid_by"] == "buyer"
    [line] = declaration["lines"]
    assert (line["sku"], line["hs_code"], line["quantity"]) == ("WIDGET-1", "610910", 2)
    assert client.get(DECLARATIONS, {"held": "false"}, **customs_key).json()["results"] == []
    assert client.get(DECLARATIONS, {"destination_country": "de"}, **customs_key).json()["results"] == []


def test_another_merchants_declaration_is_404(client, customs_key, held_parcel):
    held = held_parcel()
    Shipment.objects.filter(pk=held.pk).update(merchant=MerchantFactory())
    assert client.get(f"{DECLARATIONS}{held.pk}/", **customs_key).status_code == 404
    assert client.post(f"{DECLARATIONS}{held.pk}/reassess/", **customs_key).status_code == 404


def test_reassessing_a_corrected_declaration_clears_it(client, customs_key, held_parcel):
    held = held_parcel()
    response = client.post(f"{DECLARATIONS}{held.pk}/reassess/", **customs_key)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["cleared"] is True and body["declaration"]["status"] == "cleared"
    held.refresh_from_db()
    assert held.stage == "destination_sorting"
    assert TrackingEvent.objects.filter(shipment=held, from_stage="customs_hold", source="api").exists()
    again = client.post(f"{DECLARATIONS}{held.pk}/reassess/", **customs_key)
    assert again.status_code == 409 and error(again)["attr"] == "customs"


def test_an_inspection_is_the_desks_to_release(client, customs_key, held_parcel):
    held = held_parcel(reason="inspection")
    response = client.post(f"{DECLARATIONS}{held.pk}/reassess/", **customs_key)
    assert response.status_code == 409
    assert "customs desk" in error(response)["detail"]
    assert Shipment.objects.get(pk=held.pk).stage == "customs_hold"


def test_reassessing_needs_the_write_scope_and_a_writer(client, merchant, new_key, held_parcel):
    held = held_parcel()
    reader = bearer(new_key(merchant=merchant, scopes=["customs:read"]))
    assert client.post(f"{DECLARATIONS}{held.pk}/reassess/", **reader).status_code == 403
    client.force_login(MembershipFactory(merchant=merchant, role="viewer").user)
    assert client.get(f"{DECLARATIONS}{held.pk}/").status_code == 200
    assert client.post(f"{DECLARATIONS}{held.pk}/reassess/").status_code == 403
    assert Shipment.objects.get(pk=held.pk).stage == "customs_hold"


class TestTheDesk:
    def test_holds_are_listed_longest_held_first(self, client, operator, held_parcel, shipped_order):
        first, second = held_parcel("H-1"), held_parcel("H-2")
        shipped_order("NOT-HELD")
        client.force_login(operator)
        listed = client.get(HOLDS).json()["results"]
        assert [h["id"] for h in listed] == [first.pk, second.pk]
        assert listed[0]["release_to"] == "destination_sorting" and listed[0]["merchant"] == first.merchant.slug

    def test_release_moves_the_parcel_on(self, client, operator, held_parcel):
        held = held_parcel()
        client.force_login(operator)
        response = client.post(
            f"{HOLDS}{held.pk}/release/", {"note": "Invoice received", "version": held.version}, "application/json"
        )
        assert response.status_code == 200, response.content
        held.refresh_from_db()
        assert (held.stage, held.customs_status) == ("destination_sorting", "cleared")
        assert "Released: Invoice received" in held.customs_notes
        # A late second click (the version it saw is gone) changes nothing.
        late = client.post(f"{HOLDS}{held.pk}/release/", {}, "application/json")
        assert late.status_code == 409 and error(late)["attr"] == "stage"

    def test_reject_returns_the_parcel_with_the_reason(self, client, operator, held_parcel):
        held = held_parcel()
        client.force_login(operator)
        missing = client.post(f"{HOLDS}{held.pk}/reject/", {}, "application/json")
        assert missing.status_code == 400 and error(missing)["attr"] == "reason"
        response = client.post(f"{HOLDS}{held.pk}/reject/", {"reason": "prohibited"}, "application/json")
        assert response.status_code == 200, response.content
        held.refresh_from_db()
        assert (held.stage, held.customs_status, held.exception_reason) == ("returning", "rejected", "prohibited")

    def test_a_stale_version_changes_nothing(self, client, operator, held_parcel):
        held = held_parcel()
        client.force_login(operator)
        response = client.post(f"{HOLDS}{held.pk}/release/", {"version": held.version - 1}, "application/json")
        assert response.status_code == 409 and error(response)["attr"] == "version"
        assert Shipment.objects.get(pk=held.pk).stage == "customs_hold"

    def test_merchants_may_not_use_the_desk(self, client, owner, held_parcel, new_key, merchant):
        held = held_parcel()
        client.force_login(owner)
        assert client.get(HOLDS).status_code == 403
        assert client.post(f"{HOLDS}{held.pk}/release/", {}, "application/json").status_code == 403
        key = bearer(new_key(merchant=merchant, scopes=["customs:read", "customs:write"]))
        assert client.post(f"{HOLDS}{held.pk}/release/", {}, "application/json", **key).status_code == 403
        assert Shipment.objects.get(pk=held.pk).stage == "customs_hold"
