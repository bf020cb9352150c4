"""The measures of the FBA cross-border and virtual-warehouse dashboards, from data made here."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards.selectors import DashboardQuery, partner_scoreboard, receiving_discrepancies, stock_pipeline
from dashboards.services import rollups_refresh
from shipping.models import InboundPlan, InboundShipment, InboundShipmentLine, Shipment
from shipping.partner.sla import TALLY_FIELDS, sla_tally
from shipping.services.shipments import shipments_create
from tests.dashboards.conftest import hours, outbound, walk
from tests.factories import MembershipFactory, ProductFactory, WarehouseFactory
from warehouses.modes import Mode, WarehouseRole
from warehouses.services.inventory import inventory_adjust

pytestmark = pytest.mark.django_db


def this_month(merchant_id) -> DashboardQuery:
    today = timezone.now().astimezone(datetime.UTC).date()
    return DashboardQuery(start=today - datetime.timedelta(days=29), end=today, merchant_id=merchant_id)


@pytest.fixture
def fba(merchant, order_network):
    origin = WarehouseFactory(code="CN-FC01", role=WarehouseRole.ORIGIN_FC, country="CN", time_zone="UTC")
    dc = order_network["US-LAX2"]
    lamp = ProductFactory(merchant=merchant, sku="LAMP-1")
    inventory_adjust(product=lamp, warehouse=origin, bucket="fulfillable", quantity=30, reason="adjustment")
    inventory_adjust(product=lamp, warehouse=dc, bucket="fulfillable", quantity=5, reason="adjustment")
    [transfer] = shipments_create(
        specs=[
            {
                "kind": Shipment.Kind.TRANSFER,
                "merchant_id": merchant.pk,
                "mode_id": Mode.FBA_CROSS_BORDER,
                "source_warehouse_id": origin.pk,
                "destination_warehouse_id": dc.pk,
                "origin_country": "CN",
                "transport": "ocean",
                "crosses_border": True,
                "incoterm": "DDP",
                "route": [{"stage": "origin_sorting", "hours": 24.0}, {"stage": "delivered", "hours": 0.0}],
                "contact_name": "DC",
                "address_line1": "1 Dock Rd",
                "city": "Los Angeles",
                "postal_code": "90001",
                "country": "US",
                "lines": [(lamp.pk, 10, lamp.declared_value, "USD")],
            }
        ]
    )
    plan = InboundPlan.objects.create(
        merchant=merchant,
        name="Lamps",
        mode_id=Mode.FBA_CROSS_BORDER,
        address_line1="1 Road",
        city="Shenzhen",
        country="CN",
    )
    closed = InboundShipment.objects.create(
        plan=plan,
        merchant=merchant,
        warehouse=origin,
        status=InboundShipment.Status.CLOSED,
        source_country="CN",
        closed_at=timezone.now() - hours(3),
    )
    InboundShipmentLine.objects.create(
        shipment=closed,
        product=lamp,
        quantity_expected=10,
        quantity_received=8,
        quantity_damaged=1,
        resolution="reimbursed",
    )
    other = ProductFactory(merchant=merchant, sku="LAMP-2")
    InboundShipmentLine.objects.create(shipment=closed, product=other, quantity_expected=4, quantity_received=4)
    return {"origin": origin, "dc": dc, "lamp": lamp, "transfer": transfer, "closed": closed}


def test_fba_pipeline_transfers_and_discrepancies(fba, merchant, client, owner):
    pipeline = stock_pipeline(query=this_month(merchant.pk))
    assert (pipeline.inbound, pipeline.origin, pipeline.in_transfer, pipeline.destination) == (0, 20, 10, 5)
    [line] = receiving_discrepancies(query=this_month(merchant.pk), roles=[WarehouseRole.ORIGIN_FC])
    assert (line.product.sku, line.difference) == ("LAMP-1", -1)  # 8 good + 1 damaged of 10; LAMP-2 matched
    client.force_login(owner)
    response = client.get(reverse("dashboards:mode", args=[Mode.FBA_CROSS_BORDER]))
    assert response.status_code == 200
    [lane] = response.context["transfers"]
    assert (lane["origin_country"], lane["country"], lane["shipments"], lane["units"]) == ("CN", "US", 1, 10)
    body = response.content.decode()
    assert fba["closed"].confirmation_id in body and "In transfer: 10" in body


def test_partner_sla_scoreboard(merchant, order_network, owner, client):
    partner_warehouse = order_network["US-RNO1"]
    partner = partner_warehouse.partner  # SLA: acknowledge within 4 h, ship within 2 days
    product = ProductFactory(merchant=merchant)
    # Held for these orders: handing a parcel to the carrier consumes reserved units.
    inventory_adjust(product=product, warehouse=partner_warehouse, bucket="reserved", quantity=10, reason="adjustment")
    plan = [
        {"stage": s, "hours": 4.0, "by": "partner"} for s in ("acknowledged", "picking", "packing", "handed_to_carrier")
    ] + [{"stage": "last_mile", "hours": 24.0}, {"stage": "delivered", "hours": 0.0}]
    start = timezone.now() - hours(72)
    kept, late, waiting = (
        outbound(
            None,
            merchant=merchant,
            mode=Mode.VIRTUAL_WAREHOUSE,
            warehouse=partner_warehouse,
            product=product,
            quantity=1,
            at=start,
            route=plan,
        )
        for _ in range(3)
    )
    walk(
        kept,
        [
            ("picking", start + hours(2), ""),
            ("packing", start + hours(5), ""),
            ("handed_to_carrier", start + hours(24), ""),
        ],
    )
    walk(
        late,
        [
            ("picking", start + hours(10), ""),
            ("packing", start + hours(11), ""),
            ("handed_to_carrier", start + hours(30), ""),
        ],
    )
    query = this_month(merchant.pk)
    # Handed over, ``kept`` and ``late`` are settled: they come from the rollup, not built yet.
    # ``waiting`` is counted live: never acknowledged (72 h > 4 h) nor shipped (72 h > 2 days).
    [score] = partner_scoreboard(query=query, mode=Mode.VIRTUAL_WAREHOUSE)
    assert (score.shipments, score.ack_breached, score.ship_breached, score.open) == (1, 1, 1, 0)
    rollups_refresh()
    [score] = partner_scoreboard(query=query, mode=Mode.VIRTUAL_WAREHOUSE)
    assert (score.partner_id, score.shipments) == (partner.pk, 3)
    assert (score.ack_on_time, score.ack_breached) == (1, 2)
    assert (score.ship_on_time, score.ship_breached) == (2, 1)
    assert score.breached == 2 and score.on_time_share == pytest.approx(1 / 3)
    # The same as counting every shipment now, in one pass.
    [direct] = sla_tally(Shipment.objects.filter(mode_id=Mode.VIRTUAL_WAREHOUSE))
    assert {name: getattr(score, name) for name in TALLY_FIELDS} == {name: direct[name] for name in TALLY_FIELDS}
    # ``waiting`` is handed over at last: counted once, live until the refresh rolls it up.
    walk(
        waiting,
        [
            ("picking", start + hours(60), ""),
            ("packing", start + hours(61), ""),
            ("handed_to_carrier", start + hours(70), ""),
        ],
    )
    assert partner_scoreboard(query=query, mode=Mode.VIRTUAL_WAREHOUSE)[0].shipments == 2
    rollups_refresh()
    [score] = partner_scoreboard(query=query, mode=Mode.VIRTUAL_WAREHOUSE)
    assert (score.shipments, score.ack_breached, score.ship_breached, score.breached) == (3, 2, 1, 2)
    client.force_login(owner)
    response = client.get(reverse("dashboards:mode", args=[Mode.VIRTUAL_WAREHOUSE]))
    assert partner.name in response.content.decode()
    # Another merchant's page knows nothing of these shipments.
    stranger = MembershipFactory().user
    client.force_login(stranger)
    assert partner.name not in client.get(reverse("dashboards:mode", args=[Mode.VIRTUAL_WAREHOUSE])).content.decode()
