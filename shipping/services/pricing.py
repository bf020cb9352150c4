"""Pricing the outbound shipments created before each one carried its fee.

New parcels are priced by ``shipments_create``. This prices the older ones once, after an
upgrade: the dashboards' full rebuild calls it first, and ``manage.py price_shipments`` runs it
on demand. It walks the table once in primary-key order, a batch per transaction, and a
repeated run finds nothing left to do.
"""

from collections import defaultdict

from django.db import transaction

from config.bulk import rows_update
from merchants.models import Product
from shipping.fees import parcels_price
from shipping.models import Shipment, ShipmentLine

PRICED_FIELDS = ("pk", "kind", "mode_id", "created_at", "origin_country", "country", "crosses_border")
PRODUCT_FIELDS = ("weight_kg", "size_tier")


def shipments_price_unpriced(*, batch: int = 5000) -> int:
    """Price every outbound shipment without a fee; returns how many were priced."""
    priced, after = 0, 0
    while True:
        with transaction.atomic():
            shipments = list(
                Shipment.objects.filter(kind=Shipment.Kind.OUTBOUND, fee_amount__isnull=True, pk__gt=after)
                .order_by("pk")
                .only(*PRICED_FIELDS, "transport", "lane_id", "speed")[:batch]
            )
            if not shipments:
                return priced
            lines = defaultdict(list)
            for shipment_id, product_id, quantity in (
                ShipmentLine.objects.filter(shipment_id__in=[s.pk for s in shipments])
                .order_by("pk")
                .values_list("shipment_id", "product_id", "quantity")
            ):
                lines[shipment_id].append((product_id, quantity, None, None))
            products = Product.objects.only(*PRODUCT_FIELDS).in_bulk(
                {p for found in lines.values() for p, _, _, _ in found}
            )
            for shipment in shipments:
                shipment.pending_lines = lines[shipment.pk]
            parcels_price(shipments, products)
            rows_update(shipments, ["fee_amount", "fee_currency"])
        priced += len(shipments)
        after = shipments[-1].pk
