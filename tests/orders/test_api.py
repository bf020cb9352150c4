"""The /api/v1/ orders endpoints over HTTP: intake (one and bulk), cancel, list and detail,
the fulfillment preview, the mode comparison, tenancy and roles.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Allocation, Order, OrderEvent, OrderLine
from orders.services.intake import order_create, orders_intake
from tests.factories import MembershipFactory, MerchantFactory, ProductFactory
from tests.orders.conftest import us_order
from warehouses.models import InventoryBalance, InventoryLedgerEntry
from warehouses.selectors import inventory_discrepancies

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"
BULK = "/api/v1/orders/bulk/"
PREVIEW = "/api/v1/orders/preview/"
COMPARE = "/api/v1/quotes/compare/"
JSON = "application/json"
US_ADDRESS = {"address_line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"}
GB_ADDRESS = {"address_line1": "1 High St", "city": "London", "postal_code": "SW1A 1AA", "country": "GB"}


def errors_of(response, status: int, extra: frozenset = frozenset()) -> list[dict]:
    """The body is exactly ``{"errors": [{"code", "detail", "attr"}, ...]}``; returns the errors."""
    assert response.status_code == status, response.content
    body = response.json()
    assert list(body) == ["errors"] and body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr", *extra}, error
    return body["errors"]


def attrs(response, status: int = 400) -> dict[str | None, str]:
    return {e["attr"]: e["detail"] for e in errors_of(response, status)}


def post(client, url, data):
    return client.post(url, data, content_type=JSON)


def cancel_url(order_id: int) -> str:
    return f"{ORDERS}{order_id}/cancel/"


def balance(product, warehouse) -> tuple[int, int]:
    b = InventoryBalance.objects.get(product=product, warehouse=warehouse)
    return b.fulfillable, b.reserved


def written() -> tuple[int, ...]:
    """Counts of everything intake or cancel writes, to show that a refused request wrote nothing."""
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        OrderEvent.objects.count(),
        Allocation.objects.count(),
        InventoryLedgerEntry.objects.count(),
    )


def stock_of(merchant) -> list[dict]:
    return list(InventoryBalance.objects.filter(merchant=merchant).order_by("pk").values())


@pytest.fixture
def api(client, owner):
    client.force_login(owner)
    return client


# --- create --------------------------------------------------------------------------------


def test_create_answers_201_with_the_order_and_reserves_stock(api, owner, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    response = post(api, ORDERS, us_order())
    assert response.status_code == 201, response.content
    body = response.json()

    order = Order.objects.get()
    assert body["id"] == order.pk
    assert (order.source, order.created_by) == (Order.Source.API, owner)
    assert body["merchant_order_id"] == "ORD-1"
    assert (body["status"], body["mode"], body["speed"]) == ("planning", "global_warehouse", "standard")
    assert body["destination"] == {
        "contact_name": "Ada Buyer",
        "phone": "",
        "address_line1": "1 Main St",
        "address_line2": "",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    }
    [line] = body["lines"]
    assert line == {
        "line_number": 1,
        "sku": "WIDGET-1",
        "quantity": 2,
        "quantity_allocated": 2,
        "quantity_cancelled": 0,
        "quantity_shipped": 0,
        "quantity_pending": 0,
        "unit_value": "20.00",  # the product's declared value, as a decimal string
        "currency": "USD",
        "unfulfillable_reason": "",
        "allocations": [
            {
                "warehouse": "US-ONT1",
                "quantity": 2,
                "status": "reserved",
                "created_at": line["allocations"][0]["created_at"],
            }
        ],
    }
    assert [(e["from_status"], e["to_status"]) for e in body["events"]] == [("", "received"), ("received", "planning")]
    assert datetime.datetime.fromisoformat(body["created_at"]) == order.created_at
    assert balance(widget, order_network["US-ONT1"]) == (8, 2)
    assert inventory_discrepancies() == []


def test_the_same_merchant_order_id_again_is_409_with_the_existing_id(api, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    first = post(api, ORDERS, us_order()).json()["id"]

    response = post(api, ORDERS, us_order(lines=(("WIDGET-1", 5),)))

    [error] = errors_of(response, 409, extra=frozenset({"existing_id"}))
    assert error["code"] == "duplicate"
    assert error["attr"] == "merchant_order_id"
    assert error["existing_id"] == first
    assert "ORD-1" in error["detail"]
    assert Order.objects.count() == 1
    assert balance(widget, order_network["US-ONT1"]) == (8, 2)


@pytest.mark.parametrize(
    ("override", "attr", "message"),
    [
        ({"lines": [{"sku": "NOPE-1", "quantity": 1}]}, "lines.0.sku", "Unknown SKU NOPE-1"),
        ({"lines": [{"sku": "WIDGET-1", "quantity": 0}]}, "lines.0.quantity", "between 1 and"),
        ({"lines": [{"sku": "WIDGET-1", "quantity": -3}]}, "lines.0.quantity", "between 1 and"),
        (
            {"lines": [{"sku": "WIDGET-1", "quantity": 1}, {"sku": "WIDGET-1", "quantity": "two"}]},
            "lines.1.quantity",
            "whole number",
        ),
        ({"destination": {**US_ADDRESS, "postal_code": "ABCDE"}}, "destination.postal_code", "not a valid US"),
        ({"mode": "asia_warehouse"}, "destination.country", "Asia-Pacific; US is not"),
        (
            {"destination": {"address_line1": "1 Rua", "city": "Rio", "country": "BR", "postal_code": "20040-002"}},
            "destination.country",
            "reaches BR",
        ),
        ({"mode": "direct", "speed": "priority"}, "speed", "not offered in the Direct shipping mode"),
        ({"speed": "warp"}, "speed", "Choose a speed"),
        ({"merchant_order_id": ""}, "merchant_order_id", "Enter your order id"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(api, widget, stock, order_network, override, attr, message):
    stock(widget, "US-ONT1", 10)
    before = written()

    response = post(api, ORDERS, us_order(**override))

    errors = attrs(response)
    assert attr in errors, errors
    assert message in errors[attr]
    assert written() == before
    assert balance(widget, order_network["US-ONT1"]) == (10, 0)


def test_an_overlong_buyer_email_is_400(api, widget, stock):
    stock(widget, "US-ONT1", 10)
    email = "buyer@" + ".".join(["a" * 60] * 5) + ".com"  # 314 characters: validate_email allows 320
    assert len(email) > 254
    assert list(attrs(post(api, ORDERS, us_order(buyer_email=email)))) == ["buyer_email"]
    assert not Order.objects.exists()


def test_a_body_that_is_not_one_order_is_400(api, widget, stock):
    stock(widget, "US-ONT1", 10)
    response = post(api, ORDERS, [us_order()])
    assert attrs(response) == {None: "Send one order as a JSON object."}
    assert not Order.objects.exists()


def test_another_merchants_sku_reads_exactly_as_an_unknown_one(api, widget, stock, other_merchant):
    theirs = ProductFactory(merchant=other_merchant, sku="THEIRS-9")
    stock(theirs, "US-ONT1", 10)  # B even has stock where A's order would ship from

    for_theirs = post(api, ORDERS, us_order(lines=(("THEIRS-9", 1),)))
    for_nobody = post(api, ORDERS, us_order(lines=(("NOBODY-9", 1),)))

    assert attrs(for_theirs) == {"lines.0.sku": "Unknown SKU THEIRS-9: it is not an active product of your catalog."}
    assert for_theirs.content.replace(b"THEIRS", b"NOBODY") == for_nobody.content
    assert not Order.objects.exists()
    assert InventoryBalance.objects.get(product=theirs).reserved == 0


# --- bulk ----------------------------------------------------------------------------------


def test_bulk_answers_per_order_and_creates_only_the_good_ones(api, merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    existing = order_create(merchant=merchant, payload=us_order("OLD-1"))

    response = post(
        api,
        BULK,
        {"orders": [us_order("NEW-1"), us_order("BAD-1", lines=(("NOPE-1", 1),)), us_order("OLD-1")]},
    )

    assert response.status_code == 200, response.content
    created, rejected, duplicate = response.json()["results"]
    new = Order.objects.get(merchant_order_id="NEW-1")
    assert created == {
        "index": 0,
        "merchant_order_id": "NEW-1",
        "outcome": "created",
        "id": new.pk,
        "status": "planning",
        "errors": [],
    }
    assert rejected == {
        "index": 1,
        "merchant_order_id": "BAD-1",
        "outcome": "rejected",
        "errors": [
            {
                "code": "invalid",
                "detail": "Unknown SKU NOPE-1: it is not an active product of your catalog.",
                "attr": "lines.0.sku",
            }
        ],
    }
    assert duplicate["outcome"] == "duplicate" and duplicate["existing_id"] == existing.pk
    assert [(e["code"], e["attr"]) for e in duplicate["errors"]] == [("duplicate", "merchant_order_id")]
    assert sorted(Order.objects.values_list("merchant_order_id", flat=True)) == ["NEW-1", "OLD-1"]
    assert balance(widget, order_network["US-ONT1"]) == (6, 4)


def test_a_bulk_entry_that_is_not_an_object_is_rejected_on_its_own(api, widget, stock):
    stock(widget, "US-ONT1", 10)
    response = post(api, BULK, {"orders": ["ORD-X", us_order()]})
    assert response.status_code == 200, response.content
    bad, good = response.json()["results"]
    assert bad["outcome"] == "rejected" and [e["attr"] for e in bad["errors"]] == [None]
    assert good["outcome"] == "created"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"orders": [us_order(f"O-{n}") for n in range(1001)]}, "At most 1,000 orders"),
        ({"orders": []}, "at least one order"),
        ({}, "required"),
        ({"orders": "ORD-1"}, "list"),
    ],
)
def test_a_bulk_of_the_wrong_size_or_shape_is_400_and_writes_nothing(api, widget, stock, body, message):
    stock(widget, "US-ONT1", 10_000)
    before = written()
    errors = attrs(post(api, BULK, body))
    assert list(errors) == ["orders"]
    assert message in errors["orders"]
    assert written() == before


def test_a_thousand_orders_are_created_in_one_request_with_a_bounded_number_of_queries(
    api, widget, gadget, stock, order_network
):
    stock(widget, "US-ONT1", 10_000)
    stock(gadget, "US-ONT1", 10_000)
    two_lines = (("WIDGET-1", 2), ("GADGET-1", 1))

    def run(prefix: str, count: int) -> int:
        body = {"orders": [us_order(f"{prefix}-{n}", lines=two_lines) for n in range(count)]}
        with CaptureQueriesContext(connection) as queries:
            response = post(api, BULK, body)
        assert response.status_code == 200, response.content
        results = response.json()["results"]
        assert len(results) == count
        assert {(r["outcome"], r["status"]) for r in results} == {("created", "planning")}
        return len(queries)

    small = run("S", 2)
    large = run("L", 1000)

    assert Order.objects.filter(merchant_order_id__startswith="L-").count() == 1000
    assert OrderLine.objects.filter(order__merchant_order_id__startswith="L-", quantity_allocated__gt=0).count() == 2000
    assert balance(widget, order_network["US-ONT1"]) == (10_000 - 2 * 1002, 2 * 1002)
    assert balance(gadget, order_network["US-ONT1"]) == (10_000 - 1002, 1002)
    if connection.vendor == "postgresql":
        assert large == small, (small, large)
    else:
        # SQLite caps a statement at 999 parameters, so Django splits the writes of a thousand
        # orders (their lines, events, allocations and ledger rows) into batches: about 120 more
        # statements here, a fixed number per batch, still nothing per order.
        assert large <= small + 150, (small, large)
    assert inventory_discrepancies() == []


# --- cancel --------------------------------------------------------------------------------


def test_cancel_answers_200_and_releases_the_stock(api, merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    order = order_create(merchant=merchant, payload=us_order())

    response = post(api, cancel_url(order.pk), {"reason": "Buyer changed their mind"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["events"][-1] == {
        "from_status": "planning",
        "to_status": "cancelled",
        "note": "Buyer changed their mind",
        "created_at": body["events"][-1]["created_at"],
    }
    [line] = body["lines"]
    assert (line["quantity_allocated"], line["quantity_cancelled"], line["quantity_pending"]) == (0, 2, 0)
    assert [a["status"] for a in line["allocations"]] == ["released"]
    assert balance(widget, order_network["US-ONT1"]) == (10, 0)

    again = post(api, cancel_url(order.pk), {})  # repeated: still 200, nothing more happens
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    assert balance(widget, order_network["US-ONT1"]) == (10, 0)
    assert inventory_discrepancies() == []


def test_cancelling_a_processing_order_is_409_and_changes_nothing(api, merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    order = order_create(merchant=merchant, payload=us_order())
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PROCESSING)
    before = written()

    response = post(api, cancel_url(order.pk), {})

    [error] = errors_of(response, 409)
    assert (error["code"], error["attr"]) == ("conflict", "status")
    assert "only received or planning" in error["detail"]
    assert Order.objects.get(pk=order.pk).status == Order.Status.PROCESSING
    assert written() == before
    assert balance(widget, order_network["US-ONT1"]) == (8, 2)


# --- list and detail -----------------------------------------------------------------------


def test_the_list_is_newest_first_and_filters(api, merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    results = orders_intake(
        merchant=merchant,
        payloads=[
            us_order("GW-STD"),
            us_order("GW-PRI", speed="priority"),
            us_order("DIRECT", mode="direct"),
            us_order("TO-GB", mode="direct", destination=GB_ADDRESS),
            us_order("TOO-MANY", lines=(("WIDGET-1", 50),)),
        ],
    )
    assert [r.outcome for r in results] == ["created"] * 5, [r.errors for r in results]
    ids = {r.merchant_order_id: r.order.pk for r in results}
    old = timezone.now() - datetime.timedelta(days=30)
    Order.objects.filter(pk=ids["GW-STD"]).update(created_at=old)

    def listed(**params) -> list[str]:
        response = api.get(ORDERS, params)
        assert response.status_code == 200, response.content
        return [o["merchant_order_id"] for o in response.json()["results"]]

    assert listed() == ["TOO-MANY", "TO-GB", "DIRECT", "GW-PRI", "GW-STD"]
    assert listed(status="unfulfillable") == ["TOO-MANY"]
    assert listed(mode="direct") == ["TO-GB", "DIRECT"]
    assert listed(speed="priority") == ["GW-PRI"]
    assert listed(destination_country="gb") == ["TO-GB"]
    assert listed(merchant_order_id="DIRECT") == ["DIRECT"]
    assert listed(created_before=(old + datetime.timedelta(days=1)).isoformat()) == ["GW-STD"]
    assert "GW-STD" not in listed(created_after=(old + datetime.timedelta(days=1)).isoformat())
    assert listed(mode="direct", destination_country="US") == ["DIRECT"]
    assert list(attrs(api.get(ORDERS, {"status": "lost"}))) == ["status"]


def test_the_list_runs_the_same_number_of_queries_for_3_or_30_orders(api, merchant, widget, gadget, stock):
    stock(widget, "US-ONT1", 1000)
    stock(gadget, "US-NJ01", 1000)  # orders split across two warehouses: two allocations a line pair

    def queries_for(count: int) -> int:
        Order.objects.filter(merchant=merchant).update(status=Order.Status.CANCELLED)  # keep the seeds apart
        start = Order.objects.count()
        orders_intake(
            merchant=merchant,
            payloads=[
                us_order(f"Q{count}-{n}", lines=(("WIDGET-1", 1), ("GADGET-1", 1))) for n in range(count - start)
            ],
        )
        with CaptureQueriesContext(connection) as queries:
            response = api.get(ORDERS, {"page_size": 50})
        body = response.json()
        assert len(body["results"]) == count
        assert all(len(o["lines"]) == 2 and all(line["allocations"] for line in o["lines"]) for o in body["results"])
        return len(queries)

    assert queries_for(3) == queries_for(30)


def test_retrieve_runs_a_fixed_number_of_queries_and_shows_the_timeline(api, merchant, widget, gadget, stock):
    stock(widget, "US-ONT1", 10)
    stock(gadget, "US-NJ01", 10)
    order = order_create(merchant=merchant, payload=us_order(lines=(("WIDGET-1", 1), ("GADGET-1", 1))))

    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"{ORDERS}{order.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert {line["sku"]: [a["warehouse"] for a in line["allocations"]] for line in body["lines"]} == {
        "WIDGET-1": ["US-ONT1"],
        "GADGET-1": ["US-NJ01"],
    }
    assert [e["to_status"] for e in body["events"]] == ["received", "planning"]
    # Session, user and membership; then the order, its lines (with products), allocations
    # (with warehouses) and events.
    assert len(queries) <= 8, [q["sql"] for q in queries]


# --- preview and compare -------------------------------------------------------------------


def test_preview_gives_every_mode_and_speed_with_money_as_strings(api, widget, stock, order_network):
    stock(widget, "US-ONT1", 5)

    response = post(api, PREVIEW, {"destination": US_ADDRESS, "lines": [{"sku": "WIDGET-1", "quantity": 2}]})

    assert response.status_code == 200, response.content
    options = response.json()
    assert len(options) == 15  # 5 modes × 3 speeds
    fulfillable = {(o["mode"], o["speed"]) for o in options if o["fulfillable"]}
    assert fulfillable == {
        # a US warehouse holds the stock, and every speed has a US last-mile rate
        ("global_warehouse", "standard"),
        ("global_warehouse", "expedited"),
        ("global_warehouse", "priority"),
        # from the merchant's premises in CN: no priority rate for direct parcels
        ("direct", "standard"),
        ("direct", "expedited"),
    }
    for o in options:
        assert bool(o["reasons"]) != o["fulfillable"], o
    best = next(o for o in options if (o["mode"], o["speed"]) == ("global_warehouse", "standard"))
    assert best["ship_from"] == ["US-ONT1"]
    assert {"label": "Last mile (standard)", "amount": "3.20", "currency": "USD"} in best["fee_lines"]
    assert (best["total_fees"], best["currency"]) == ("9.32", "USD")
    assert Decimal(best["total_fees"]) == sum(Decimal(line["amount"]) for line in best["fee_lines"])
    ship_by, earliest, latest = (
        datetime.datetime.fromisoformat(best[k]) for k in ("ship_by", "arrive_earliest", "arrive_latest")
    )
    assert ship_by < earliest < latest
    assert best["duties"] is None  # a domestic parcel
    fba = next(o for o in options if (o["mode"], o["speed"]) == ("fba_cross_border", "standard"))
    assert fba["reasons"] == ["WIDGET-1: 0 of 2 in stock in this mode's warehouses."]
    assert (fba["fee_lines"], fba["ship_by"], fba["duties"]) == ([], None, None)
    assert InventoryBalance.objects.get(product=widget).reserved == 0  # a preview reserves nothing


def test_preview_names_every_bad_field(api, widget, order_network):
    response = post(
        api,
        PREVIEW,
        {
            "destination": {**US_ADDRESS, "postal_code": "X"},
            "lines": [{"sku": "NOPE-1", "quantity": 0}],
            "speeds": ["warp"],
        },
    )
    assert {"destination.postal_code", "lines.0.sku", "lines.0.quantity", "speeds"} <= set(attrs(response))
    assert list(attrs(post(api, PREVIEW, {"lines": []}))) == ["destination"]
    assert list(attrs(post(api, PREVIEW, {"destination": US_ADDRESS, "lines": [], "modes": "direct"}))) == ["modes"]


def test_compare_gives_five_rows_serving_modes_first_by_get_or_post(api, widget, order_network):
    query = {"product": "widget-1", "destination_country": "US", "monthly_volume": 500}

    response = api.get(COMPARE, query)

    assert response.status_code == 200, response.content
    rows = response.json()
    assert [r["mode"] for r in rows][-2:] == ["asia_warehouse", "fba_cross_border"]
    assert [r["can_serve"] for r in rows] == [True, True, True, False, False]
    served = rows[:3]
    assert [Decimal(r["landed_cost_per_unit"]) for r in served] == sorted(
        Decimal(r["landed_cost_per_unit"]) for r in served
    )
    for row in served:
        assert row["currency"] == "USD"
        assert Decimal(row["landed_cost_per_unit"]) == sum(
            Decimal(line["amount"]) for line in row["breakdown"] if line["currency"] == row["currency"]
        )
        assert 0 < row["days_typical"] <= row["days_worst"]
        assert row["customs_by"] and row["reason"] and row["ship_from"]
    direct = next(r for r in rows if r["mode"] == "direct")
    assert direct["pipeline_units"] == 0 and direct["ship_from"] == "your premises"
    assert rows[-1]["landed_cost_per_unit"] is None and rows[-1]["breakdown"] == []
    assert rows[-1]["reason"] == "No origin FC in CN to send stock to."

    assert post(api, COMPARE, query).json() == rows


@pytest.mark.parametrize(
    ("override", "attr"),
    [
        ({"product": "NOPE-1"}, "product"),
        ({"product": ""}, "product"),
        ({"destination_country": "ZZ"}, "destination_country"),
        ({"monthly_volume": "lots"}, "monthly_volume"),
        ({"monthly_volume": 0}, "monthly_volume"),
    ],
)
def test_compare_names_the_bad_field(api, widget, order_network, override, attr):
    query = {"product": "WIDGET-1", "destination_country": "US", "monthly_volume": 500, **override}
    assert list(attrs(api.get(COMPARE, query))) == [attr]


# --- tenancy and roles ---------------------------------------------------------------------


@pytest.fixture
def b_order(other_merchant, stock):
    """Merchant B's order, with stock reserved at a warehouse A also uses."""
    theirs = ProductFactory(merchant=other_merchant, sku="THEIRS-9")
    stock(theirs, "US-ONT1", 10)
    return order_create(merchant=other_merchant, payload=us_order("ORD-1", lines=(("THEIRS-9", 3),)))


def test_b_orders_are_404_like_missing_ones_and_stay_unchanged(api, b_order, widget, stock):
    stock(widget, "US-ONT1", 10)
    before = Order.objects.filter(pk=b_order.pk).values().get(), stock_of(b_order.merchant), written()
    missing = Order.objects.order_by("-pk").first().pk + 1000

    for url in (f"{ORDERS}{{}}/", cancel_url("{}")):
        get_or_post = api.get if url.endswith("/{}/") else (lambda u: post(api, u, {}))
        for_b, for_missing = get_or_post(url.format(b_order.pk)), get_or_post(url.format(missing))
        assert for_b.status_code == for_missing.status_code == 404, url
        assert for_b.content == for_missing.content

    assert api.get(ORDERS).json()["results"] == []
    assert api.get(ORDERS, {"merchant_order_id": "ORD-1"}).json()["results"] == []
    assert (Order.objects.filter(pk=b_order.pk).values().get(), stock_of(b_order.merchant), written()) == before

    # Order ids are unique per merchant: A may use B's, and learns nothing about B's order.
    created = post(api, ORDERS, us_order("ORD-1"))
    assert created.status_code == 201, created.content
    assert created.json()["id"] != b_order.pk


def test_b_skus_read_as_unknown_in_preview_and_compare(api, b_order, order_network):
    preview = post(api, PREVIEW, {"destination": US_ADDRESS, "lines": [{"sku": "THEIRS-9", "quantity": 1}]})
    assert attrs(preview) == {"lines.0.sku": "Unknown SKU THEIRS-9: it is not an active product of your catalog."}

    compare = api.get(COMPARE, {"product": "THEIRS-9", "destination_country": "US", "monthly_volume": 10})
    nobody = api.get(COMPARE, {"product": "NOBODY-9", "destination_country": "US", "monthly_volume": 10})
    assert attrs(compare) == {"product": "Unknown SKU THEIRS-9: it is not a product of your catalog."}
    assert compare.content.replace(b"THEIRS", b"NOBODY") == nobody.content


def test_a_viewer_reads_but_every_post_is_403(merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    order = order_create(merchant=merchant, payload=us_order("SEED"))
    client = Client()
    client.force_login(MembershipFactory(merchant=merchant, role="viewer").user)
    before = written(), stock_of(merchant)
    quote = {"product": "WIDGET-1", "destination_country": "US", "monthly_volume": 5}

    assert client.get(ORDERS).status_code == 200
    assert client.get(f"{ORDERS}{order.pk}/").status_code == 200
    assert client.get(COMPARE, quote).status_code == 200
    for url, body in (
        (ORDERS, us_order()),
        (BULK, {"orders": [us_order()]}),
        (cancel_url(order.pk), {}),
        (PREVIEW, {"destination": US_ADDRESS, "lines": [{"sku": "WIDGET-1", "quantity": 1}]}),
        (COMPARE, quote),
    ):
        [error] = errors_of(post(client, url, body), 403)
        assert error["detail"] == "Your role at this merchant is read-only.", url
    assert (written(), stock_of(merchant)) == before
    assert Order.objects.get(pk=order.pk).status == Order.Status.PLANNING


def test_no_merchant_membership_means_403(order_network):
    client = Client()
    client.force_login(MembershipFactory(merchant=MerchantFactory(is_active=False)).user)
    errors_of(client.get(ORDERS), 403)
