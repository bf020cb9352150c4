"""Every outbound parcel is priced when it is created: the fee the preview quoted, in the rate
card's currency; older parcels are priced once, in batches, by ``shipments_price_unpriced``."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.services.fulfilment import orders_release
from orders.services.intake import order_create
from orders.services.preview import fulfillment_preview
from shipping.models import Shipment
from shipping.services.pricing import shipments_price_unpriced
from shipping.services.shipments import shipments_create
from tests.orders.conftest import direct_parcel, us_order
from warehouses.models import RateCard

pytestmark = pytest.mark.django_db

US_ADDRESS = {"address_line1": "1 Main St", "city": "Springfield", "postal_code": "62701", "country": "US"}


def released_parcels(merchant, *orders) -> list[Shipment]:
    for payload in orders:
        order_create(merchant=merchant, payload=payload)
    orders_release(now=timezone.now() + datetime.timedelta(hours=1))
    return list(Shipment.objects.order_by("pk"))


@pytest.mark.parametrize("speed", ["standard", "priority"])
def test_a_parcel_is_charged_what_the_preview_quoted(merchant, widget, stock, order_network, speed):
    stock(widget, "US-ONT1", 10)
    [quote] = [
        o
        for o in fulfillment_preview(
            merchant=merchant, destination=US_ADDRESS, lines=[{"sku": "WIDGET-1", "quantity": 2}]
        )
        if o.mode == "global_warehouse" and o.speed == speed
    ]
    [parcel] = released_parcels(merchant, us_order(speed=speed))
    assert quote.total_fees > 0
    assert (parcel.fee_amount, parcel.fee_currency) == (quote.total_fees, quote.currency)


def test_without_a_rate_card_the_fee_is_zero_in_no_currency(merchant, widget, order_network):
    RateCard.objects.filter(mode_id="direct").delete()
    [parcel] = shipments_create(specs=[direct_parcel(merchant, widget, origin="US", destination="US")])
    parcel.refresh_from_db()
    assert (parcel.fee_amount, parcel.fee_currency) == (Decimal("0"), "")


def test_older_parcels_are_priced_once_in_batches(
    merchant, widget, stock, order_network, django_assert_max_num_queries
):
    stock(widget, "US-ONT1", 50)
    parcels = released_parcels(merchant, *(us_order(f"ORD-{n}", lines=[("WIDGET-1", 1 + n % 3)]) for n in range(7)))
    priced = {p.pk: (p.fee_amount, p.fee_currency) for p in parcels}
    assert len(set(priced.values())) == 3  # one fee per quantity
    Shipment.objects.update(fee_amount=None, fee_currency="")

    with django_assert_max_num_queries(30):  # three batches of three, a few queries each
        assert shipments_price_unpriced(batch=3) == 7
    assert {p.pk: (p.fee_amount, p.fee_currency) for p in Shipment.objects.all()} == priced
    assert shipments_price_unpriced() == 0

    Shipment.objects.filter(pk=parcels[0].pk).update(fee_amount=None)
    out = StringIO()
    call_command("price_shipments", stdout=out)
    assert out.getvalue().startswith("1 shipments priced")
    assert Shipment.objects.get(pk=parcels[0].pk).fee_amount == priced[parcels[0].pk][0]
