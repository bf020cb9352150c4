"""One journey through Crossdock in a browser, step by step (each step needs the ones before).

A merchant creates a product, sends 40 units to the Shenzhen Asia warehouse through the inbound
wizard, an operator receives them at the dock, the merchant sees them fulfillable and orders in
two modes (Asia warehouse, from that stock, and direct shipping, from the merchant's premises);
the accelerated clock delivers both, a buyer follows one on the public tracking page, and
everyone looks at the dashboards and compares the modes.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import PASSWORD, TIMEOUT_MS, Actor

expect.set_options(timeout=TIMEOUT_MS)

SKU = "XD-E2E-TRAY"
TITLE = "Silicone desk organiser tray"
UNITS = 40
WAREHOUSE = "CN-SZX1"  # Shenzhen Asia Warehouse: the merchant's own country, so no import customs
# Each mode's dashboard and the section only it has.
MODES = {
    "direct": "Handover and declarations",
    "global_warehouse": "Stock and days of cover",
    "asia_warehouse": "By Asian destination",
    "fba_cross_border": "Stock pipeline",
    "virtual_warehouse": "Partner SLA scoreboard",
}
DELIVERY_TIMEOUT = 180  # seconds for both orders to be delivered (about 30 on an idle machine)


@dataclass
class Journey:
    """What the steps learn and hand on."""

    fnsku: str = ""
    confirmation_id: str = ""
    box_id: str = ""
    inbound_url: str = ""
    orders: dict[str, str] = field(default_factory=dict)  # mode → order page path
    tracking_numbers: dict[str, str] = field(default_factory=dict)  # mode → tracking number


@pytest.fixture(scope="module")
def journey() -> Journey:
    return Journey()


def log_in(actor: Actor, username: str) -> Page:
    page = actor.page
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".account .user")).to_contain_text(username)
    return page


def nav(page: Page, name: str) -> None:
    """Follow a link of the top navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def flash(page: Page):
    return page.locator("ul.messages").first


def number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text) or "0")


# --- the merchant's catalog ---------------------------------------------------------------------


def test_merchant_creates_a_product(actors, shot, journey):
    page = log_in(actors["merchant"], "shenzhen.owner")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shenzhen Brightwave Electronics Co., Ltd.")
    shot(page, "merchant home")

    nav(page, "Catalog")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Catalog")
    page.get_by_role("link", name="Add a product").click()
    page.locator("#id_sku").fill(SKU)
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_hs_code").fill("3926.90")
    page.locator("#id_origin_country").select_option("CN")
    page.locator("#id_declared_value").fill("4.80")
    page.locator("#id_declared_currency").select_option("USD")
    page.locator("#id_weight_kg").fill("0.25")
    page.locator("#id_length_cm").fill("20")
    page.locator("#id_width_cm").fill("12")
    page.locator("#id_height_cm").fill("4")
    shot(page, "product form")
    page.get_by_role("button", name="Create product").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(SKU)
    expect(flash(page)).to_contain_text(f"Product {SKU} created")
    journey.fnsku = page.locator("dl.facts code").first.inner_text().strip()
    assert re.fullmatch(r"X0[0-9A-Z]{8}", journey.fnsku), journey.fnsku
    expect(page.locator("dl.facts")).to_contain_text("392690")
    expect(page.get_by_text("No units of this product in any warehouse yet.")).to_be_visible()
    shot(page, "product created")

    page.goto(f"/products/?q={SKU}")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody tr")).to_contain_text(TITLE)
    shot(page, "catalog search")


# --- sending inventory: the six-step wizard -------------------------------------------------------


def test_merchant_sends_inventory_through_the_wizard(actors, shot, journey):
    page = actors["merchant"].page
    nav(page, "Send inventory")
    expect(page.get_by_role("heading", level=1)).to_have_text("Send inventory")
    page.get_by_role("link", name="New plan").click()
    page.locator("#id_name").fill("E2E first stock")
    page.locator("#id_mode").select_option("asia_warehouse")
    expect(page.locator("#id_city")).to_have_value("Shenzhen")  # ship from the merchant's address
    page.locator("#id_items-0-sku").fill(SKU)
    page.locator("#id_items-0-quantity").fill(str(UNITS))
    shot(page, "inbound plan")
    page.get_by_role("button", name="Create plan and continue to packing").click()

    # Packing: one small-parcel box holding every unit.
    expect(page.get_by_role("heading", level=1)).to_have_text("Pack E2E first stock")
    expect(page.locator("table").first).to_contain_text(SKU)
    page.locator("#id_shipping_mode").select_option("small_parcel")
    page.locator("#id_boxes-0-weight_kg").fill("11")
    page.locator("#id_boxes-0-length_cm").fill("50")
    page.locator("#id_boxes-0-width_cm").fill("40")
    page.locator("#id_boxes-0-height_cm").fill("30")
    page.locator("#id_boxes-0-contents").fill(f"{SKU} {UNITS}")
    shot(page, "inbound packing")
    page.get_by_role("button", name="Save boxes and continue to placement").click()

    # Placement: the option that sends everything to the Shenzhen warehouse.
    expect(page.get_by_role("heading", level=1)).to_have_text("Where E2E first stock goes")
    page.get_by_role("button", name="Get placement options").click()
    expect(flash(page)).to_contain_text("placement option")
    expect(page.locator("table").first).to_contain_text(f"{WAREHOUSE}")
    shot(page, "inbound placement options")
    page.get_by_role("button", name=f"Confirm All boxes to {WAREHOUSE}").click()

    # Confirming creates the shipment and moves on to its transport.
    expect(flash(page)).to_contain_text("Placement confirmed: 1 shipment")
    journey.confirmation_id = re.search(r"\((FBA[0-9A-Z]+)\)", flash(page).inner_text()).group(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("How E2E first stock travels")
    expect(page.get_by_role("heading", level=2, name=journey.confirmation_id)).to_contain_text(WAREHOUSE)
    page.get_by_label("Carrier").fill("SF Express")
    page.get_by_label("Shipping mode").select_option("small_parcel")
    page.get_by_label("Tracking numbers").fill("SF1400000000001")
    shot(page, "inbound transport")
    page.get_by_role("button", name=f"Save transport of {journey.confirmation_id}").click()

    # Labels: a PDF per shipment, then "Mark shipped".
    expect(flash(page)).to_contain_text(f"Transport of {journey.confirmation_id} saved")
    expect(page.get_by_role("heading", level=1)).to_have_text("Label and ship E2E first stock")
    labels = page.get_by_role("link", name=f"{journey.confirmation_id}-labels.pdf")
    response = page.request.get(labels.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    shot(page, "inbound labels")
    page.get_by_role("button", name=f"Mark {journey.confirmation_id} shipped").click()
    expect(flash(page)).to_contain_text(f"{journey.confirmation_id} marked shipped")
    expect(page.locator("main")).to_contain_text("Every shipment of this plan has left")
    shot(page, "inbound marked shipped")

    # The shipment page: shipped, one box with its barcode id.
    page.goto("/inbound/shipments/")
    page.get_by_role("link", name=journey.confirmation_id).click()
    journey.inbound_url = page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text(journey.confirmation_id)
    expect(page.locator("main")).to_contain_text("Shipped")
    box = page.locator("table code").filter(has_text=re.compile(rf"^{journey.confirmation_id}U\d+$")).first
    journey.box_id = box.inner_text().strip()
    shot(page, "inbound shipment shipped")


# --- the dock ---------------------------------------------------------------------------------------


def test_operator_receives_the_shipment(actors, shot, journey):
    page = log_in(actors["operator"], "operator")
    expect(page.get_by_role("heading", level=1)).to_have_text("Operations overview")  # where operators land
    page.get_by_role("link", name="Receiving", exact=True).click()
    page.get_by_role("link", name=WAREHOUSE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Dock {WAREHOUSE}")
    row = page.locator("table tbody tr").filter(has_text=journey.confirmation_id)
    expect(row).to_contain_text("Shipped")
    expect(row).to_contain_text("0 / 1")  # boxes checked in
    expect(row).to_contain_text(str(UNITS))
    shot(page, "dock queue")

    # The carrier brought it: check the box in by its barcode.
    page.get_by_label("Scan or type a box barcode").fill(journey.box_id)
    page.get_by_role("button", name="Check in").click()
    expect(flash(page)).to_contain_text(f"Box {journey.box_id} of shipment {journey.confirmation_id}")
    expect(flash(page)).to_contain_text("box 1 of 1 checked in")
    expect(row).to_contain_text("1 / 1")
    shot(page, "box checked in")

    # Count it: every unit good.
    row.get_by_role("link", name="Count").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(journey.confirmation_id)
    page.get_by_label(f"Good units of {SKU}").fill(str(UNITS))
    page.get_by_label(f"Damaged units of {SKU}").fill("0")
    shot(page, "box count")
    page.get_by_role("button", name=f"Save count of {journey.box_id}").click()
    expect(flash(page)).to_contain_text(f"Box {journey.box_id} counted: {UNITS} good, 0 damaged of {UNITS} expected")

    # Close: nothing missing, the line reconciles as received.
    page.get_by_role("button", name="Close receiving").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closed")
    line = page.locator("h2:has-text('Lines') + .table-wrap tbody tr")
    expect(line).to_contain_text(SKU)
    expect(line.locator("td").nth(2)).to_have_text(str(UNITS))  # good
    expect(line).to_contain_text("Received")
    shot(page, "receiving closed")


def test_merchant_sees_the_stock_fulfillable(actors, shot, journey):
    page = actors["merchant"].page
    page.goto(journey.inbound_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closed")
    totals = page.locator("tfoot tr").first
    expect(totals.locator("td").nth(0)).to_have_text(str(UNITS))  # expected
    expect(totals.locator("td").nth(1)).to_have_text(str(UNITS))  # received
    shot(page, "inbound shipment closed")

    nav(page, "Catalog")
    page.get_by_role("search").get_by_label("Search").fill(SKU)
    page.get_by_role("search").get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=SKU, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    stock = page.locator("table tbody tr").filter(has_text=WAREHOUSE)
    # Simulated buyers may already have bought a few: fulfillable and reserved together are what arrived.
    fulfillable = number(stock.locator("td").nth(2).inner_text())
    reserved = number(stock.locator("td").nth(3).inner_text())
    assert fulfillable > 0 and fulfillable + reserved <= UNITS, (fulfillable, reserved)
    shot(page, "product stock")

    nav(page, "Inventory")
    page.get_by_role("link", name=WAREHOUSE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Inventory at {WAREHOUSE}")
    page.get_by_label("Search SKU or title").fill(SKU)
    page.get_by_role("button", name="Filter").click()
    table = page.locator("table").filter(has=page.get_by_role("columnheader", name="SKU"))
    row = table.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(SKU)
    headers = [text.strip().lower() for text in table.locator("thead th").all_inner_texts()]
    assert 0 < number(row.locator("td").nth(headers.index("fulfillable")).inner_text()) <= UNITS
    shot(page, "inventory")


# --- orders in two modes ------------------------------------------------------------------------------

BUYERS = {
    # mode → (order id, buyer, street, city, region, postal code, country)
    "asia_warehouse": ("E2E-ASIA-1", "Tan Wei Ling", "8 Marina View", "Singapore", "", "018960", "SG"),
    "direct": ("E2E-DIRECT-1", "Ava Johnson", "350 Fifth Avenue", "New York", "NY", "10118", "US"),
}


@pytest.mark.parametrize("mode", list(BUYERS))
def test_merchant_places_an_order(actors, shot, journey, mode):
    order_id, buyer, street, city, region, postal_code, country = BUYERS[mode]
    page = actors["merchant"].page
    nav(page, "Orders")
    page.get_by_role("link", name="New order").click()
    page.locator("#id_merchant_order_id").fill(order_id)
    page.locator("#id_mode").select_option(mode)
    page.locator("#id_speed").select_option("standard")
    page.locator("#id_currency").select_option("USD")
    page.locator("#id_buyer_email").fill("buyer@example.com")
    page.locator("#id_contact_name").fill(buyer)
    page.locator("#id_address_line1").fill(street)
    page.locator("#id_city").fill(city)
    page.locator("#id_region").fill(region)
    page.locator("#id_postal_code").fill(postal_code)
    page.locator("#id_country").select_option(country)
    page.locator("#id_lines-0-sku").fill(SKU)
    page.locator("#id_lines-0-quantity").fill("2")
    shot(page, f"order form {mode}")
    page.get_by_role("button", name="Create order").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {order_id}")
    expect(page.locator("h1 .tag")).not_to_have_text(re.compile("Invalid|Unfulfillable|Cancelled"))
    lines = page.locator("table[aria-labelledby='lines-heading'] tbody tr")
    expect(lines).to_contain_text(SKU)
    if mode == "direct":
        expect(page.locator("main")).to_contain_text("Direct shipping reserves no platform stock")
    else:
        allocation = page.locator("table[aria-labelledby='allocations-heading'] tbody tr")
        expect(allocation).to_contain_text(WAREHOUSE)
    journey.orders[mode] = page.url
    shot(page, f"order placed {mode}")


def test_orders_are_delivered(actors, shot, journey):
    """The release and the tick run every second on an accelerated clock: poll until delivered."""
    page = actors["merchant"].page
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    pending = dict(journey.orders)
    while pending:
        for mode, url in list(pending.items()):
            page.goto(url)
            status = page.locator("h1 .tag").inner_text().strip()
            assert status not in {"Invalid", "Unfulfillable", "Cancelled"}, f"{mode} order: {status}"
            if status == "Complete":
                shot(page, f"order complete {mode}")
                del pending[mode]
        if pending:
            assert time.monotonic() < deadline, f"not delivered after {DELIVERY_TIMEOUT} s: {pending}"
            page.wait_for_timeout(2000)  # polling interval

    for mode in journey.orders:
        order_id = BUYERS[mode][0]
        page.goto(f"/shipments/?q={order_id}")
        row = page.locator("table.shipment-table tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Delivered")
        link = row.locator("th a")
        journey.tracking_numbers[mode] = link.inner_text().strip()
        link.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(journey.tracking_numbers[mode])
        expect(page.locator("dl.facts").first).to_contain_text("Delivered")
        timeline = page.locator("table.tracking-timeline tbody tr")
        expect(timeline.last).to_contain_text("Delivered")
        assert timeline.count() >= 3
        shot(page, f"shipment delivered {mode}")


def test_buyer_follows_the_public_tracking_page(actors, shot, journey):
    page = actors["buyer"].page  # no login
    number_ = journey.tracking_numbers["direct"]
    page.goto(f"/track/{number_}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(number_)
    expect(page.locator(".tracking-now")).to_contain_text("Delivered")
    stages = page.locator("ol[aria-labelledby='stages-heading'] > li")
    assert stages.count() >= 3
    *passed, last = stages.all()
    for stage in passed:
        expect(stage).to_contain_text("(done)")  # each stage's state, said to screen readers
    expect(last).to_contain_text("Delivered (current stage)")
    events = page.locator("ol[aria-labelledby='events-heading'] > li")
    assert events.count() >= 3
    expect(events.last).to_contain_text("Delivered")
    expect(page.locator("main")).not_to_contain_text("Ava Johnson")  # no personal data
    expect(page.locator("main")).not_to_contain_text(SKU)
    shot(page, "public tracking")


# --- dashboards and the comparison -------------------------------------------------------------------


def test_dashboards_show_the_orders(stack, actors, shot, journey):
    # Beat recomputes the rollups every five minutes; the journey is faster than that.
    stack.manage("rebuild_dashboard_rollups")
    page = actors["merchant"].page
    nav(page, "Dashboards")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboards")
    expect(page.locator(".page-head .freshness")).to_contain_text("period figures as of")
    cards = page.locator("a.mode-card")
    expect(cards).to_have_count(len(MODES))
    for mode in journey.orders:
        card = page.locator(f"a.mode-card.mode-{mode}")
        assert number(card.locator("dt:has-text('Orders') + dd").inner_text()) >= 1
    shot(page, "dashboards")

    for mode, section_heading in MODES.items():
        page.goto(f"/dashboards/{mode}/")
        expect(page.get_by_role("heading", level=2, name=section_heading)).to_be_visible()
        expect(page.locator("#live .kpi-value").first).to_have_text(re.compile(r"^\d[\d,]*$"))
        section = page.locator("section[aria-labelledby='period-heading']")
        if mode in journey.orders:
            kpis = section.locator(".kpi-value")
            expect(kpis.first).to_have_text(re.compile(r"^[1-9][\d,]*$"))  # orders in the period
            for value in kpis.all():
                assert value.inner_text().strip(), "an empty figure"
            expect(section.locator("svg").first).to_be_visible()  # a chart
        else:
            expect(section).to_be_visible()
        if mode == "asia_warehouse":
            by_destination = page.locator("section[aria-labelledby='asia-heading'] table tbody")
            expect(by_destination).to_contain_text(BUYERS[mode][-1])  # SG
        shot(page, f"dashboard {mode}")

    page = actors["operator"].page
    page.goto("/console/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Operations overview")
    expect(page.locator(".page-head .freshness")).to_contain_text("Dashboard rollups as of")
    expect(page.locator("main")).to_contain_text("last worker heartbeat")
    heartbeat = page.locator(".kpi:has-text('last worker heartbeat') .kpi-value")
    expect(heartbeat).not_to_have_text("never")
    rows = page.locator("section[aria-labelledby='backlog-heading'] table tbody tr")
    assert rows.count() >= 1
    expect(page.locator("section[aria-labelledby='backlog-heading']")).to_contain_text(WAREHOUSE)
    shot(page, "operator overview")


def test_merchant_compares_the_modes(actors, shot, journey):
    page = actors["merchant"].page
    nav(page, "Compare modes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare modes")
    page.locator("#id_product").select_option(label=f"{SKU} — {TITLE}")
    page.locator("#id_destination_country").select_option("US")
    page.locator("#id_monthly_volume").fill("500")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#comparison-heading")).to_contain_text(f"{SKU} to buyers in United States")
    rows = page.locator("table.compare-table > tbody > tr")
    expect(rows).to_have_count(len(MODES))
    expect(page.locator(".compare-verdict")).to_contain_text("Cheapest:")
    expect(page.locator("table.compare-table")).to_contain_text("Direct shipping")
    assert page.locator("table.compare-table .landed").count() >= 1
    shot(page, "compare modes")
