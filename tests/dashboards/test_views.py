"""The dashboard pages: what they show, to whom, how fast (queries), and the htmx partial."""

import re

import pytest
from django.urls import reverse

from dashboards.services import rollups_refresh
from tests.dashboards.conftest import hours
from tests.factories import MembershipFactory, UserFactory
from warehouses.modes import Mode

pytestmark = pytest.mark.django_db
MAX_QUERIES = 20
PAGES = [reverse("dashboards:index")] + [reverse("dashboards:mode", args=[code]) for code in Mode.values]


@pytest.fixture
def a_client(client, history):
    rollups_refresh()
    client.force_login(history["a_owner"])
    return client


@pytest.fixture
def staff_client(client, history):
    rollups_refresh()
    client.force_login(UserFactory(is_staff=True))
    return client


def text(response) -> str:
    """The page's visible text, tags and runs of spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_mode_dashboard_shows_the_merchants_numbers(a_client, history):
    response = a_client.get(reverse("dashboards:mode", args=[Mode.GLOBAL_WAREHOUSE]))
    assert response.status_code == 200
    page = text(response)
    assert "3 orders · 6 units" in page
    assert "50.0 % delivered on time (1 of 2)" in page
    assert "2.0 d order to delivery, median · p90 3.2 d" in page  # 3.25 d, one decimal
    assert "1 open exceptions" in page and "1 shipments in flight" in page
    assert "as of" in page  # the rollups' freshness is stated
    assert response.context["totals"].orders_placed == 3
    # Charts are SVG drawn here, with a text alternative.
    body = response.content.decode()
    assert body.count("<svg") >= 4 and 'role="img"' in body
    assert "Delivery attempted: 1" in body  # the funnel's description
    assert "vendor/htmx.min.js" in body and "cdn" not in body.lower()


def test_direct_dashboard_handover_and_declarations(a_client, history):
    page = text(a_client.get(reverse("dashboards:mode", args=[Mode.DIRECT])))
    assert "30.0 h handover delay, mean (plan 24.0 h) · 100.0 % late" in page
    assert "50.0 % declarations complete (1 of 2 crossing a border)" in page
    assert "50.0 % customs hold rate (1 of 2)" in page
    assert "EUR 23.00 duties and taxes · per unit EUR 23.00" in page
    assert history["held"].tracking_number in page  # the open exception, in its table


def test_merchant_b_numbers_never_show_for_a(a_client, history):
    """B has 7 orders of 21 units and 4,321 gadgets at the same warehouse; none of it at A's."""
    b_strings = [history["gadget"].sku, "BRAVO-", "Bravo", *(s.tracking_number for s in history["b_ships"])]
    for url in PAGES:
        for params in ({}, {"merchant": history["b"].pk}, {"warehouse": "US-ONT1"}, {"country": "US"}):
            response = a_client.get(url, params)
            assert response.status_code == 200, url
            body = response.content.decode()
            for secret in b_strings:
                assert secret not in body, f"{url} {params} shows {secret}"
            assert not re.search(r"\b4,?321\b", body), f"{url} {params} shows B's stock"
            if "totals" in response.context:
                assert response.context["totals"].orders_placed in (0, 3), url
            assert "merchant" not in response.context["form"].fields


def test_global_warehouse_stock_is_the_merchants_own(a_client, history):
    response = a_client.get(reverse("dashboards:mode", args=[Mode.GLOBAL_WAREHOUSE]))
    [row] = response.context["cover"]
    # 50 widgets in, 6 reserved by the orders and shipped by their shipments: 44 fulfillable.
    assert (row["warehouse__code"], row["units_fulfillable"], row["units_reserved"]) == ("US-ONT1", 44, 0)
    assert row["shipped_per_day"] == pytest.approx(6 / 28)
    assert row["days_of_cover"] == pytest.approx(44 / (6 / 28))


def test_operators_see_every_merchant_and_can_narrow_to_one(staff_client, history):
    url = reverse("dashboards:mode", args=[Mode.GLOBAL_WAREHOUSE])
    everyone = staff_client.get(url)
    assert everyone.status_code == 200
    assert everyone.context["totals"].orders_placed == 10
    assert "merchant" in everyone.context["form"].fields
    only_b = staff_client.get(url, {"merchant": history["b"].pk})
    assert (only_b.context["totals"].orders_placed, only_b.context["totals"].units_ordered) == (7, 21)
    assert "7 orders · 21 units" in text(only_b)


def test_a_merchant_user_without_membership_is_refused(client, history):
    client.force_login(UserFactory())
    assert client.get(reverse("dashboards:index")).status_code == 403
    client.logout()
    assert client.get(reverse("dashboards:index")).status_code == 302  # to the login page


def test_filter_errors_show_next_to_their_fields(a_client):
    url = reverse("dashboards:mode", args=[Mode.GLOBAL_WAREHOUSE])
    response = a_client.get(
        url, {"period": "custom", "start": "2026-02-10", "end": "2026-02-01", "warehouse": "XX-NOPE"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "The last day must be on or after the first day." in form.errors["end"]
    assert "warehouse" in form.errors
    body = response.content.decode()
    assert 'id="id_end_error"' in body and 'id="id_warehouse_error"' in body
    assert response.context["totals"].orders_placed == 3  # the default period still shows


def test_custom_period(a_client, history, t0):
    url = reverse("dashboards:mode", args=[Mode.GLOBAL_WAREHOUSE])
    day = (t0 - hours(2)).date().isoformat()  # the day the orders were placed
    response = a_client.get(url, {"period": "custom", "start": day, "end": day})
    assert response.context["form"].errors == {}
    assert response.context["totals"].orders_placed == 3
    assert response.context["totals"].delivered == 0


def test_the_live_partial_for_htmx(a_client, history):
    url = reverse("dashboards:mode", args=[Mode.GLOBAL_WAREHOUSE])
    response = a_client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="live"') and "<html" not in body
    assert 'hx-trigger="every 15s"' in body
    assert response.context["live"].total == 1
    assert "HX-Request" in response["Vary"]
    assert "totals" not in response.context  # the period measures are not recomputed


def test_empty_state_says_what_to_do(client, db):
    merchant_owner = MembershipFactory().user
    client.force_login(merchant_owner)
    page = client.get(reverse("dashboards:mode", args=[Mode.FBA_CROSS_BORDER])).content.decode()
    assert "Nothing in this period yet" in page
    assert reverse("orders:order-create") in page and reverse("shipping:plan-create") in page
    index = client.get(reverse("dashboards:index")).content.decode()
    assert "No orders in this period yet" in index and reverse("orders:compare") in index


def test_exceptions_table_sorts_and_pages(a_client, history):
    url = reverse("dashboards:mode", args=[Mode.DIRECT])
    response = a_client.get(url, {"sort": "-tracking_number"})
    table = response.context["table"]
    assert table.sort == "tracking_number" and table.descending
    headers = {h.label: h for h in table.headers}
    assert headers["Tracking number"].aria_sort == "descending"
    assert "sort=tracking_number" in headers["Tracking number"].url
    assert a_client.get(url, {"sort": "nonsense"}).context["table"].sort == "stage_started_at"


@pytest.mark.parametrize("who", ["merchant", "staff"])
def test_every_dashboard_page_runs_at_most_20_queries(client, history, who, django_assert_max_num_queries):
    rollups_refresh()
    client.force_login(history["a_owner"] if who == "merchant" else UserFactory(is_staff=True))
    filters = {"period": "90", "country": "US", "warehouse": "US-ONT1", "sort": "-orders", "page": "1"}
    if who == "staff":
        filters["merchant"] = history["a"].pk
    for url in PAGES:
        for params in ({}, filters):
            with django_assert_max_num_queries(MAX_QUERIES):
                response = client.get(url, params)
            assert response.status_code == 200, url
        with django_assert_max_num_queries(MAX_QUERIES):
            assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200


def test_index_lists_every_mode(a_client, history):
    response = a_client.get(reverse("dashboards:index"))
    modes = {mode.code: row for mode, row in response.context["modes"]}
    assert set(modes) == set(Mode.values)
    assert modes[Mode.GLOBAL_WAREHOUSE]["orders"] == 3
    assert modes[Mode.GLOBAL_WAREHOUSE]["in_flight"] == 1
    assert modes[Mode.DIRECT]["in_flight"] == 2  # one held at customs, one in destination sorting
    for code in Mode.values:
        assert reverse("dashboards:mode", args=[code]) in response.content.decode()


def test_unknown_mode_is_404(a_client):
    assert a_client.get("/dashboards/teleport/").status_code == 404


def test_portal_nav_and_home_link_the_dashboards(a_client):
    home = a_client.get(reverse("home")).content.decode()
    assert home.count(f'href="{reverse("dashboards:index")}"') >= 2  # the nav and the page
