"""The public tracking page: no login, no personal data, unknown numbers, the rate limit per IP."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from shipping.services.shipments import clock_hours, shipment_transition
from shipping.views.tracking import TRACKING_RATE
from tests.shipping import test_outbound_pages as pages
from warehouses.models import Lane

pytestmark = pytest.mark.django_db

# Shipments made as the pages' tests make them: orders released and ticked along.
order_network, widget, stock = pages.order_network, pages.widget, pages.stock
ship, run_ticks, _no_random_exceptions = pages.ship, pages.run_ticks, pages._no_random_exceptions

LATER = datetime.timedelta(days=60)


@pytest.fixture(autouse=True)
def fresh_cache(settings, monkeypatch):
    """A cache of the tests' own, empty, and a clock frozen mid-minute (so no window ends mid-test)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "track"}}
    cache.clear()
    clock = {"now": 1_800_000_010.0}  # 10 s into a minute
    monkeypatch.setattr(TRACKING_RATE, "clock", lambda: clock["now"])
    yield clock
    cache.clear()


@pytest.fixture
def buyer_visible(merchant):
    """A merchant whose every personal detail is distinctive, so a leak would show."""
    merchant.name = "Zebra Confidential Traders"
    merchant.contact_name = "Li Wei"
    merchant.address_line1 = "88 Keyuan Road"
    merchant.postal_code = "518057"
    merchant.phone = "+86 755 0000 1111"
    merchant.save()
    return merchant


def track(client, number: str, ip: str = "203.0.113.7"):
    return client.get(reverse("tracking-detail", args=[number]), REMOTE_ADDR=ip)


def without(body: str, *parts: str) -> str:
    for part in parts:
        body = body.replace(part, "")
    return body


PERSONAL = (
    "Ada Buyer",  # the buyer's name
    "1 Main St",  # street
    "62701",  # postal code
    "Zebra Confidential",  # the merchant
    "Li Wei",
    "Keyuan",
    "518057",
    "0000 1111",
    "WIDGET-1",  # SKU
    "20.00",  # declared value
    "ORD-",  # the merchant's order id
)


def assert_no_personal_data(body: str, tracking_number: str) -> None:
    # The tracking number is random digits: cut it out so that it cannot match a postal code by chance.
    body = without(body, tracking_number)
    for secret in PERSONAL:
        assert secret not in body, f"the public page shows {secret!r}"


def test_the_page_shows_stages_and_events_and_nothing_personal(client, buyer_visible, ship, run_ticks):
    Lane.objects.update(inspection_probability=0)
    [shipment] = ship(buyer_visible, "ORD-PUBLIC", mode="direct", phone="+1 555 0100", buyer_email="ada@example.com")
    run_ticks(shipment.stage_due_at + datetime.timedelta(hours=9), rounds=3)
    shipment.refresh_from_db()
    assert shipment.stage == "export_customs"

    response = track(client, shipment.tracking_number)
    assert response.status_code == 200
    body = response.content.decode()
    tracking = response.context["tracking"]
    # Stages done and to come, the current one marked.
    assert [s.state for s in tracking.steps][:4] == ["done", "done", "current", "upcoming"]
    assert '<li class="step-current" aria-current="step">Export customs' in body
    assert "Last mile" in body and "Delivered" in body
    # Events oldest first, each with a country (the merchant ships from its address: country only).
    assert [e.description for e in tracking.events] == [
        "Carrier notified to pick up package",
        "Shipment picked up from seller's facility",
        "Arrival scan",
    ]
    assert body.index("Carrier notified") < body.index("Shipment picked up") < body.index("Arrival scan")
    assert {e.location for e in tracking.events} == {"China"}
    assert "Springfield, United States" in body  # the destination city and country are fine
    assert "Now: <strong>Export customs</strong>" in body
    # Estimated delivery: the current stage's due time plus the remaining planned hours.
    rest = sum(
        (clock_hours(step["hours"]) for step in shipment.route[shipment.stage_index + 1 :]), datetime.timedelta()
    )
    assert tracking.estimated_delivery == shipment.stage_due_at + rest
    assert "Estimated delivery" in body
    assert_no_personal_data(body, shipment.tracking_number)
    for secret in ("555 0100", "ada@example.com", "Shenzhen"):
        assert secret not in without(body, shipment.tracking_number)


def test_free_text_locations_stay_off_the_public_page(client, owner_client, merchant, ship):
    """Operators and partners may type anything as a location; the public page shows city and country only."""
    [shipment] = ship(merchant, "ORD-LOC")
    shipment_transition(shipment=shipment, to="packing", source="partner", location="Dock 4, 12 Hidden Lane")
    public = track(client, shipment.tracking_number).content.decode()
    assert "Hidden Lane" not in public
    assert "Packing" in public and "US-ONT1" not in public  # the warehouse's city and country, not its code
    merchant_page = owner_client.get(reverse("shipping:outbound-detail", args=[shipment.pk])).content.decode()
    assert "Dock 4, 12 Hidden Lane" in merchant_page  # the merchant sees what was reported


def test_a_delivered_parcel_shows_every_stage_done(client, buyer_visible, ship, run_ticks):
    [shipment] = ship(buyer_visible, "ORD-DONE")
    run_ticks(timezone.now() + LATER)
    shipment.refresh_from_db()
    response = track(client, shipment.tracking_number)
    assert response.status_code == 200
    tracking = response.context["tracking"]
    assert tracking.status == "delivered" and tracking.estimated_delivery is None
    assert [s.state for s in tracking.steps] == ["done"] * (len(shipment.route) - 1) + ["current"]
    assert [e.description for e in tracking.events][-2:] == ["Out for delivery", "Delivered"]
    assert tracking.events[-1].location == "Springfield, United States of America"
    assert_no_personal_data(response.content.decode(), shipment.tracking_number)


def test_the_number_is_read_as_people_type_it(client, merchant, ship):
    [shipment] = ship(merchant, "ORD-TYPED")
    number = shipment.tracking_number
    assert track(client, number.lower()).status_code == 200
    response = client.get(reverse("tracking-search"), {"number": f" {number[:6]} {number[6:].lower()} "})
    assert response.status_code == 302 and response.url == reverse("tracking-detail", args=[number])


def test_the_search_form(client):
    response = client.get(reverse("tracking-search"))
    assert response.status_code == 200 and 'name="number"' in response.content.decode()
    refused = client.get(reverse("tracking-search"), {"number": "<script>"})
    assert refused.status_code == 200
    assert "letters and digits" in refused.content.decode()


def test_an_unknown_number_is_a_404_page_that_says_so(client, merchant, ship):
    ship(merchant, "ORD-KNOWN")
    response = track(client, "CD000000000000")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Unknown tracking number" in body and "CD000000000000" in body and 'name="number"' in body
    assert track(client, "X" * 300).status_code == 404


def test_the_31st_lookup_in_a_minute_from_one_ip_is_refused(client, merchant, ship, fresh_cache):
    [shipment] = ship(merchant, "ORD-RATE")
    for n in range(30):
        # Unknown numbers count too: guessing numbers is what the limit is for.
        number = shipment.tracking_number if n % 2 else f"CD{n:012d}"
        assert track(client, number).status_code in (200, 404), n
    refused = track(client, shipment.tracking_number)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"  # the rest of the minute
    body = refused.content.decode()
    assert "Too many look-ups" in body and "50 seconds" in body
    assert shipment.tracking_number not in body
    # Another address has its own allowance; the next minute starts afresh.
    assert track(client, shipment.tracking_number, ip="198.51.100.2").status_code == 200
    fresh_cache["now"] += 50
    assert track(client, shipment.tracking_number).status_code == 200


def test_the_page_needs_no_login(client, merchant, ship):
    [shipment] = ship(merchant, "ORD-ANON")
    response = track(client, shipment.tracking_number)
    assert response.status_code == 200
    assert response.context["tracking"].tracking_number == shipment.tracking_number
    assert response["X-Robots-Tag"] == "noindex"


# --- packages: one shipment, several parcels, each number tracks it -------------------------


def test_a_package_number_shows_its_shipments_timeline(client, buyer_visible, ship, run_ticks):
    # 200 widgets of 1.1 L fill three parcels (at most 0.12 m³ each, with void fill).
    [shipment] = ship(buyer_visible, "ORD-PARCELS", lines=[("WIDGET-1", 200)])
    run_ticks(shipment.stage_due_at + datetime.timedelta(minutes=1), rounds=1)
    packages = list(shipment.packages.order_by("sequence"))
    assert len(packages) == 3

    master = track(client, shipment.tracking_number)
    second = track(client, packages[1].tracking_number.lower())
    assert (master.status_code, second.status_code) == (200, 200)
    tracking = second.context["tracking"]
    assert tracking.tracking_number == packages[1].tracking_number
    assert (tracking.package_sequence, tracking.package_count) == (2, 3)
    # The same timeline and stages as the master number's.
    assert tracking.events == master.context["tracking"].events and len(tracking.events) == 2
    assert tracking.steps == master.context["tracking"].steps
    body = second.content.decode()
    assert "Package 2 of 3 of this shipment" in body
    # A package's page names only itself, and nothing personal.
    for other in (shipment.tracking_number, packages[0].tracking_number, packages[2].tracking_number):
        assert other not in body
    assert_no_personal_data(body, packages[1].tracking_number)
    # The master number's page lists every package.
    master_body = master.content.decode()
    assert "travels as 3 packages" in master_body
    assert all(p.tracking_number in master_body for p in packages)


def test_an_unknown_package_like_number_is_a_404(client, merchant, ship):
    [shipment] = ship(merchant, "ORD-ONE-PARCEL")
    [package] = shipment.packages.all()
    assert track(client, package.tracking_number).status_code == 200
    unknown = "CD" + str((int(package.tracking_number[2:]) + 1) % 10**12).zfill(12)
    response = track(client, unknown)
    assert response.status_code == 404 and "Unknown tracking number" in response.content.decode()
