"""The orders pages over HTTP: create, list, detail, cancel, CSV import, preview, compare; roles,
tenancy and query counts."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Allocation, Order, OrderEvent, OrderImport
from orders.services.imports import TEMPLATE_HEADER, order_import_create, order_import_process
from orders.services.intake import order_create, orders_intake
from tests.factories import MembershipFactory, ProductFactory
from tests.orders.conftest import us_order
from warehouses.models import InventoryBalance

pytestmark = pytest.mark.django_db

US_ADDRESS = {
    "contact_name": "Ada Buyer",
    "phone": "",
    "address_line1": "1 Main St",
    "address_line2": "",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}
DE_ADDRESS = {
    "address_line1": "Unter den Linden 1",
    "city": "Berlin",
    "region": "",
    "postal_code": "10117",
    "country": "DE",
}


def lines_data(lines, rows: int) -> dict:
    """A lines formset as the browser posts it; ``None`` in ``lines`` is a blank row."""
    data = {
        "lines-TOTAL_FORMS": str(rows),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
    }
    for index, row in enumerate(list(lines) + [None] * (rows - len(lines))):
        sku, quantity, unit_value = (row + ("",))[:3] if row else ("", "", "")
        data |= {
            f"lines-{index}-sku": sku,
            f"lines-{index}-quantity": str(quantity),
            f"lines-{index}-unit_value": str(unit_value),
        }
    return data


def order_data(
    order_id="WEB-1",
    *,
    mode="global_warehouse",
    speed="standard",
    policy="fill_or_kill",
    lines=(("WIDGET-1", 2),),
    rows=3,
    **address,
) -> dict:
    return {
        "merchant_order_id": order_id,
        "mode": mode,
        "speed": speed,
        "fulfillment_policy": policy,
        "buyer_email": "ada@example.com",
        "currency": "USD",
        **US_ADDRESS,
        **address,
        **lines_data(lines, rows),
    }


def preview_query(lines=(("WIDGET-1", 2),), **address) -> dict:
    return {k: v for k, v in US_ADDRESS.items() if k not in ("contact_name", "phone")} | address | lines_data(lines, 3)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def balance(product, warehouse) -> tuple[int, int]:
    b = InventoryBalance.objects.get(product=product, warehouse=warehouse)
    return b.fulfillable, b.reserved


# --- creating an order -----------------------------------------------------------------------


def test_an_order_typed_in_is_created_routed_and_reserved(owner_client, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    response = owner_client.post(reverse("orders:order-create"), order_data(lines=(None, ("widget-1", 2))))
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == reverse("orders:order-detail", args=[order.pk])
    assert (order.merchant_order_id, order.status, order.source) == ("WEB-1", "planning", "portal")
    assert order.created_by is not None and order.buyer_email == "ada@example.com"
    [allocation] = Allocation.objects.filter(line__order=order)
    assert (allocation.warehouse.code, allocation.quantity) == ("US-ONT1", 2)
    assert balance(widget, order_network["US-ONT1"]) == (8, 2)
    assert "Order WEB-1 created (1 line, 2 units): planning" in texts(response)[0]


def test_a_direct_order_typed_in_ships_from_the_merchant(owner_client, widget, order_network):
    response = owner_client.post(reverse("orders:order-create"), order_data(mode="direct"))
    order = Order.objects.get()
    assert response.status_code == 302 and order.status == Order.Status.PLANNING and order.mode_id == "direct"
    assert not Allocation.objects.exists()
    page = owner_client.get(response.url).content.decode()
    assert "you ship this order from your own premises" in page


def test_an_unfulfillable_order_is_created_with_a_warning(owner_client, widget, stock, order_network):
    stock(widget, "US-ONT1", 1)
    response = owner_client.post(reverse("orders:order-create"), order_data(lines=(("WIDGET-1", 5),)))
    order = Order.objects.get()
    assert order.status == Order.Status.UNFULFILLABLE
    assert "cannot be fulfilled" in texts(response)[0] and "Only 1 of 5" in texts(response)[0]


@pytest.mark.parametrize(
    ("data", "where", "field", "message"),
    [
        (order_data(lines=(("NOPE", 1),)), ("row", 0), "sku", "Unknown SKU NOPE"),
        (order_data(lines=(None, ("WIDGET-1", 0))), ("row", 1), "quantity", "between 1 and"),
        (order_data(postal_code="ABC"), ("form",), "postal_code", "not a valid US postal code"),
        (order_data(mode="direct", speed="priority"), ("form",), "speed", "not offered in the Direct shipping mode"),
        (order_data(mode="asia_warehouse"), ("form",), "country", "Asia-Pacific; US is not"),
        (order_data(lines=(("WIDGET-1", "two"),)), ("row", 0), "quantity", "whole number"),
        (order_data(buyer_email="a" * 250 + "@example.com"), ("form",), "buyer_email", "at most 254"),
    ],
)
def test_bad_input_shows_the_error_next_to_its_field_and_creates_nothing(
    owner_client, widget, stock, order_network, data, where, field, message
):
    stock(widget, "US-ONT1", 10)
    response = owner_client.post(reverse("orders:order-create"), data)
    assert response.status_code == 200
    if where[0] == "row":
        errors = response.context["formset"].forms[where[1]].errors[field]
        element_id = f"id_lines-{where[1]}-{field}_error"
    else:
        errors = response.context["form"].errors[field]
        element_id = f"id_{field}_error"
    assert message in " ".join(errors)
    assert f'id="{element_id}"' in response.content.decode()  # rendered beside the field
    assert not Order.objects.exists()
    assert InventoryBalance.objects.get(product=widget).reserved == 0


def test_an_order_without_lines_says_so_above_the_rows(owner_client, widget, order_network):
    response = owner_client.post(reverse("orders:order-create"), order_data(lines=()))
    assert "Add at least one line." in response.context["formset"].non_form_errors()
    assert not Order.objects.exists()


def test_a_duplicate_order_id_links_to_the_existing_order(owner_client, merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    first = order_create(merchant=merchant, payload=us_order("WEB-1"))
    response = owner_client.post(reverse("orders:order-create"), order_data("WEB-1"))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'You already have order <a href="{reverse("orders:order-detail", args=[first.pk])}">WEB-1</a>' in page
    assert "You already have order WEB-1" in " ".join(response.context["form"].errors["merchant_order_id"])
    assert Order.objects.count() == 1
    assert InventoryBalance.objects.get(product=widget).reserved == 2


def test_the_create_page_offers_every_policy_with_its_meaning(owner_client, order_network):
    page = owner_client.get(reverse("orders:order-create") + "?mode=direct&country=de").content.decode()
    for text in ("Fill or kill: all units or none", "the rest waits for stock", "cancel the rest"):
        assert text in page
    assert '<option value="direct" selected>' in page and '<option value="DE" selected>' in page


# --- the list --------------------------------------------------------------------------------


@pytest.fixture
def three_orders(merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    de = us_order("GAMMA-3", destination={**DE_ADDRESS})
    results = orders_intake(merchant=merchant, payloads=[us_order("ALPHA-1"), us_order("BETA-2", mode="direct"), de])
    assert [r.outcome for r in results] == ["created"] * 3, [r.errors for r in results]
    orders = {r.merchant_order_id: r.order for r in results}
    Order.objects.filter(pk=orders["ALPHA-1"].pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    return orders


def listed(client, **query) -> list[str]:
    response = client.get(reverse("orders:order-list"), query)
    assert response.status_code == 200
    return [order.merchant_order_id for order in response.context["orders"]]


def test_the_list_filters_by_status_mode_destination_dates_and_id(owner_client, three_orders):
    today = timezone.localdate()
    assert listed(owner_client) == ["GAMMA-3", "BETA-2", "ALPHA-1"]
    assert listed(owner_client, status="unfulfillable") == ["GAMMA-3"]
    assert listed(owner_client, mode="direct") == ["BETA-2"]
    assert listed(owner_client, country="DE") == ["GAMMA-3"]
    assert listed(owner_client, created_to=(today - datetime.timedelta(days=5)).isoformat()) == ["ALPHA-1"]
    assert listed(owner_client, created_from=today.isoformat()) == ["GAMMA-3", "BETA-2"]
    assert listed(owner_client, q="alp") == ["ALPHA-1"]
    assert listed(owner_client, status="planning", mode="global_warehouse") == ["ALPHA-1"]
    assert listed(owner_client, q="nothing-like-it") == []


def test_the_list_shows_columns_and_why_an_order_is_unfulfillable(owner_client, three_orders):
    page = owner_client.get(reverse("orders:order-list")).content.decode()
    gamma = three_orders["GAMMA-3"]
    assert f'href="{reverse("orders:order-detail", args=[gamma.pk])}">GAMMA-3</a>' in page
    assert "Not enough stock (fill or kill)" in page  # the reason, inline
    assert "DE</abbr> · Berlin" in page and "Springfield" in page
    assert "Global direct sales warehouse" in page and "Direct shipping" in page


def test_an_invalid_filter_value_is_reported_and_ignored(owner_client, three_orders):
    response = owner_client.get(reverse("orders:order-list"), {"created_from": "yesterday", "mode": "direct"})
    assert [o.merchant_order_id for o in response.context["orders"]] == ["BETA-2"]
    assert "created_from" in response.context["filter_form"].errors


def test_the_list_paginates_and_keeps_the_filters(owner_client, merchant, widget, order_network):
    orders_intake(merchant=merchant, payloads=[us_order(f"P-{n:02d}", mode="direct") for n in range(30)])
    first = owner_client.get(reverse("orders:order-list"), {"mode": "direct"})
    assert len(first.context["orders"]) == 25 and first.context["page_obj"].paginator.num_pages == 2
    assert "mode=direct&amp;page=2" in first.content.decode()
    second = owner_client.get(reverse("orders:order-list"), {"mode": "direct", "page": 2})
    assert len(second.context["orders"]) == 5


def test_an_empty_list_points_to_create_import_and_compare(owner_client, order_network):
    page = owner_client.get(reverse("orders:order-list")).content.decode()
    assert "You have no orders yet." in page
    for name in ("orders:order-create", "orders:import-create", "orders:compare"):
        assert reverse(name) in page


def test_the_list_runs_the_same_number_of_queries_for_3_and_30_orders(
    owner_client, merchant, widget, gadget, order_network
):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(reverse("orders:order-list"))
        assert response.status_code == 200
        return len(queries)

    def two_lines(order_id):
        return us_order(order_id, mode="direct", lines=(("WIDGET-1", 1), ("GADGET-1", 3)))

    orders_intake(merchant=merchant, payloads=[two_lines(f"Q-{n}") for n in range(3)])
    few = count_queries()
    orders_intake(merchant=merchant, payloads=[two_lines(f"R-{n}") for n in range(27)])
    many = count_queries()
    assert few == many
    response = owner_client.get(reverse("orders:order-list"))
    first = response.context["orders"][0]
    assert (first.line_count, first.unit_count) == (2, 4)


# --- the order page and cancelling -------------------------------------------------------------


def test_the_order_page_shows_lines_allocations_and_timeline(
    owner_client, merchant, widget, gadget, stock, order_network
):
    stock(widget, "US-ONT1", 3)
    stock(gadget, "US-ONT1", 5)
    order = order_create(
        merchant=merchant, payload=us_order(lines=(("WIDGET-1", 5), ("GADGET-1", 1)), policy="fill_all")
    )
    response = owner_client.get(reverse("orders:order-detail", args=[order.pk]))
    page = response.content.decode()
    widget_line = next(line for line in response.context["lines"] if line.product_id == widget.pk)
    assert (widget_line.quantity_allocated, widget_line.quantity_pending) == (3, 2)
    assert "2 of 5 waiting for stock at US-ONT1" in page
    assert [(line.product.sku, a.warehouse.code, a.quantity) for line, a in response.context["allocations"]] == [
        ("WIDGET-1", "US-ONT1", 3),
        ("GADGET-1", "US-ONT1", 1),
    ]
    assert [e.to_status for e in response.context["events"]] == ["received", "planning"]
    assert "Received → Planning" in page and "Received via portal" in page
    assert reverse("orders:order-cancel", args=[order.pk]) in page


def test_cancel_asks_then_releases_the_stock(owner_client, merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    order = order_create(merchant=merchant, payload=us_order())
    url = reverse("orders:order-cancel", args=[order.pk])
    confirm = owner_client.get(url)
    assert confirm.status_code == 200 and "its 2 reserved units go back on the shelf" in confirm.content.decode()
    assert Order.objects.get(pk=order.pk).status == Order.Status.PLANNING  # a GET changes nothing

    response = owner_client.post(url, {"reason": "Buyer changed their mind"})
    assert response.status_code == 302 and response.url == reverse("orders:order-detail", args=[order.pk])
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert balance(widget, order_network["US-ONT1"]) == (10, 0)
    assert OrderEvent.objects.filter(order=order, to_status="cancelled", note="Buyer changed their mind").exists()
    assert "2 reserved units went back on the shelf" in texts(response)[0]
    page = owner_client.get(response.url).content.decode()
    assert url not in page  # no cancel button any more


def test_a_processing_order_cannot_be_cancelled(owner_client, merchant, widget, stock, order_network):
    stock(widget, "US-ONT1", 10)
    order = order_create(merchant=merchant, payload=us_order())
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PROCESSING)
    url = reverse("orders:order-cancel", args=[order.pk])
    assert "only received or planning orders can be cancelled" in owner_client.get(url).content.decode()
    assert url not in owner_client.get(reverse("orders:order-detail", args=[order.pk])).content.decode()

    response = owner_client.post(url, {"reason": ""})
    assert response.status_code == 302
    assert "only received or planning orders can be cancelled" in texts(response)[0]
    assert Order.objects.get(pk=order.pk).status == Order.Status.PROCESSING
    assert balance(widget, order_network["US-ONT1"]) == (8, 2)


# --- CSV import --------------------------------------------------------------------------------

CSV = (
    TEMPLATE_HEADER
    + "\r\n"
    + "\r\n".join(
        [
            "CSV-1,global_warehouse,standard,fill_or_kill,,USD,Ada,,1 Main St,,Springfield,IL,62701,US,WIDGET-1,2,",
            "CSV-1,global_warehouse,standard,fill_or_kill,,USD,Ada,,1 Main St,,Springfield,IL,62701,US,GADGET-1,1,",
            "CSV-2,global_warehouse,standard,fill_or_kill,,USD,Bo,,2 Main St,,Springfield,IL,62701,US,NOPE-9,1,",
        ]
    )
    + "\r\n"
).encode()


def upload(client, content: bytes = CSV, name: str = "orders.csv"):
    return client.post(reverse("orders:import-create"), {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_the_import_page_shows_the_header_and_offers_the_template(owner_client, order_network):
    page = owner_client.get(reverse("orders:import-create")).content.decode()
    assert TEMPLATE_HEADER in page and 'for="id_file"' in page and 'type="file"' in page
    template = owner_client.get(reverse("orders:import-template"))
    assert template["Content-Type"].startswith("text/csv")
    assert "attachment" in template["Content-Disposition"]
    assert template.content.decode().splitlines()[0] == TEMPLATE_HEADER


def test_an_upload_is_queued_then_reported_row_by_row(
    owner_client, widget, gadget, stock, order_network, django_capture_on_commit_callbacks
):
    stock(widget, "US-ONT1", 10)
    stock(gadget, "US-ONT1", 10)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(owner_client)
    order_import = OrderImport.objects.get()
    assert len(callbacks) == 1  # the task is queued on commit, not run in the request
    assert response.status_code == 302 and response.url == reverse("orders:import-detail", args=[order_import.pk])
    assert "3 rows are being imported" in texts(response)[0]

    waiting = owner_client.get(response.url)
    page = waiting.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and waiting["Refresh"] == "2"
    assert "0 of 3 rows processed" in page and not Order.objects.exists()

    order_import_process(import_id=order_import.pk)
    done = owner_client.get(response.url)
    page = done.content.decode()
    created = Order.objects.get(merchant_order_id="CSV-1")
    assert 'http-equiv="refresh"' not in page and "Refresh" not in done
    assert "3 of 3 rows processed" in page
    assert reverse("orders:order-detail", args=[created.pk]) in page
    assert "row 4, sku: Unknown SKU NOPE-9" in page
    assert [(e["merchant_order_id"], e["outcome"]) for e in done.context["report"]] == [
        ("CSV-1", "created"),
        ("CSV-2", "rejected"),
    ]
    assert done.context["report"][0]["rows_label"] == "2–3"
    assert created.lines.count() == 2 and created.order_import_id == order_import.pk
    problems = owner_client.get(response.url, {"show": "problems"})
    assert [e["merchant_order_id"] for e in problems.context["report"]] == ["CSV-2"]
    assert "orders.csv" in owner_client.get(reverse("orders:import-list")).content.decode()


def test_the_same_file_again_creates_nothing_new(
    owner_client, widget, gadget, stock, order_network, django_capture_on_commit_callbacks
):
    stock(widget, "US-ONT1", 10)
    stock(gadget, "US-ONT1", 10)
    with django_capture_on_commit_callbacks(execute=False):
        upload(owner_client)
    first = OrderImport.objects.get()
    order_import_process(import_id=first.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(owner_client, name="orders-again.csv")
    assert response.status_code == 302 and response.url == reverse("orders:import-detail", args=[first.pk])
    assert "already imported" in texts(response)[-1]
    assert callbacks == [] and OrderImport.objects.count() == 1 and Order.objects.count() == 1


def test_a_file_without_the_required_columns_is_refused_next_to_the_input(owner_client, order_network):
    response = upload(owner_client, b"order,sku\r\n1,WIDGET-1\r\n")
    assert response.status_code == 200
    assert "Missing columns" in " ".join(response.context["form"].errors["file"])
    assert not OrderImport.objects.exists()


# --- preview and compare -------------------------------------------------------------------------


def test_the_preview_lists_every_mode_and_speed_with_fulfillable_and_not(owner_client, widget, stock, order_network):
    stock(widget, "US-ONT1", 5)
    response = owner_client.get(reverse("orders:preview"), preview_query())
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g["mode"] for g in groups] == [
        "direct",
        "global_warehouse",
        "asia_warehouse",
        "fba_cross_border",
        "virtual_warehouse",
    ]
    options = {(o.mode, o.speed): o for g in groups for o in g["options"]}
    assert options[("global_warehouse", "standard")].fulfillable
    assert not options[("asia_warehouse", "standard")].fulfillable
    page = response.content.decode()
    assert "✓ Yes" in page and "✗ No" in page
    assert "Asia warehouses serve buyers in Asia-Pacific; US is not." in page
    assert "US-ONT1" in page and "9.32 USD" in page  # ship from and the total fees
    assert InventoryBalance.objects.get(product=widget).reserved == 0


def test_the_preview_narrows_to_the_ticked_modes_and_speeds(owner_client, widget, stock, order_network):
    stock(widget, "US-ONT1", 5)
    query = preview_query() | {"modes": ["global_warehouse"], "speeds": ["standard", "priority"]}
    groups = owner_client.get(reverse("orders:preview"), query).context["groups"]
    assert [(o.mode, o.speed) for g in groups for o in g["options"]] == [
        ("global_warehouse", "standard"),
        ("global_warehouse", "priority"),
    ]


def test_the_preview_puts_errors_next_to_fields_and_rows(owner_client, widget, order_network):
    response = owner_client.get(reverse("orders:preview"), preview_query(lines=(None, ("NOPE", 1)), postal_code="ABC"))
    assert response.context["groups"] is None
    assert "not a valid US postal code" in " ".join(response.context["form"].errors["postal_code"])
    assert "Unknown SKU NOPE" in " ".join(response.context["formset"].forms[1].errors["sku"])


def test_the_comparison_has_five_rows_a_chart_and_the_cheapest_highlighted(owner_client, widget, order_network):
    query = {"product": widget.pk, "destination_country": "US", "monthly_volume": 500}
    response = owner_client.get(reverse("orders:compare"), query)
    assert response.status_code == 200
    rows, cheapest = response.context["rows"], response.context["cheapest"]
    assert len(rows) == 5 and cheapest is rows[0] and cheapest.can_serve
    page = response.content.decode()
    assert page.count('<tr class="best') == 1 and '<span class="tag ok">Cheapest</span>' in page
    best_row = page[page.index('<tr class="best') :].split("</tr>")[0]
    assert cheapest.mode_name in best_row and str(cheapest.landed_cost_per_unit) in best_row
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count("<rect") == response.context["served_count"] == 3
    assert "Landed cost per unit, by mode" in svg and cheapest.mode_name in svg
    assert "<details" in page and "No origin FC in CN to send stock to." in page
    assert "Import VAT on that stock is left out" in page  # the assumptions


def test_the_comparison_form_rejects_bad_input_and_other_merchants_products(
    owner_client, widget, other_merchant, order_network
):
    theirs = ProductFactory(merchant=other_merchant, sku="THEIRS-1")
    response = owner_client.get(
        reverse("orders:compare"), {"product": theirs.pk, "destination_country": "US", "monthly_volume": 0}
    )
    form = response.context["form"]
    assert set(form.errors) == {"product", "monthly_volume"} and response.context["rows"] is None
    assert "THEIRS-1" not in response.content.decode()


# --- roles and tenancy ---------------------------------------------------------------------------


@pytest.fixture
def b_side(other_merchant, order_network):
    """Merchant B's order and import, which A must not reach."""
    ProductFactory(merchant=other_merchant, sku="BRAVO-1")
    order = order_create(
        merchant=other_merchant, payload=us_order("BRAVO-ORDER", mode="direct", lines=(("BRAVO-1", 1),))
    )
    order_import, _ = order_import_create(merchant=other_merchant, filename="bravo.csv", data=CSV)
    return order, order_import


def test_another_merchants_order_and_import_are_404_everywhere(owner_client, b_side):
    order, order_import = b_side
    missing = max(order.pk, order_import.pk) + 1000
    # (name, B's id, whether the view takes a POST); a page without one answers 405 to any id.
    for name, pk, posts in (
        ("orders:order-detail", order.pk, False),
        ("orders:order-cancel", order.pk, True),
        ("orders:import-detail", order_import.pk, False),
    ):
        url, missing_url = reverse(name, args=[pk]), reverse(name, args=[missing])
        assert owner_client.get(url).status_code == owner_client.get(missing_url).status_code == 404, url
        post, post_missing = owner_client.post(url, {"reason": "gotcha"}), owner_client.post(missing_url, {})
        assert post.status_code == post_missing.status_code == (404 if posts else 405), url
    order.refresh_from_db()
    assert order.status == Order.Status.PLANNING and order.events.count() == 2
    assert OrderImport.objects.get(pk=order_import.pk).status == OrderImport.Status.PENDING
    for name in ("orders:order-list", "orders:import-list"):
        page = owner_client.get(reverse(name)).content.decode()
        assert "BRAVO-ORDER" not in page and "bravo.csv" not in page


def test_a_viewer_reads_but_every_post_is_refused(client, merchant, widget, stock, order_network):
    viewer = MembershipFactory(merchant=merchant, role="viewer").user
    stock(widget, "US-ONT1", 10)
    order = order_create(merchant=merchant, payload=us_order())
    client.force_login(viewer)
    for name in ("orders:order-list", "orders:import-list", "orders:preview", "orders:compare"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("orders:order-detail", args=[order.pk])).status_code == 200
    assert client.post(reverse("orders:order-create"), order_data("VIEWER-1")).status_code == 403
    assert client.post(reverse("orders:order-cancel", args=[order.pk]), {}).status_code == 403
    assert upload(client).status_code == 403
    assert client.get(reverse("orders:order-create")).status_code == 403  # write pages: not even the form
    assert Order.objects.count() == 1 and not OrderImport.objects.exists()
    assert Order.objects.get(pk=order.pk).status == Order.Status.PLANNING


def test_at_a_tiny_volume_the_cheapest_and_the_fastest_differ_and_both_stand_out(owner_client, widget, order_network):
    query = {"product": widget.pk, "destination_country": "US", "monthly_volume": 1}
    response = owner_client.get(reverse("orders:compare"), query)
    cheapest, fastest = response.context["cheapest"], response.context["fastest"]
    assert (cheapest.mode, fastest.mode) == ("direct", "global_warehouse")  # one unit carries a whole clearance
    page = response.content.decode()
    assert f"Cheapest: {cheapest.mode_name}" in page and f"Fastest: {fastest.mode_name}" in page
    fastest_row = page[page.index('<tr class="fastest') :].split("</tr>")[0]
    assert "Fastest</span>" in fastest_row and "Cheapest</span>" not in fastest_row
