"""Price the outbound shipments created before each one carried its fee (idempotent)."""

import time

from django.core.management.base import BaseCommand

from shipping.services.pricing import shipments_price_unpriced


class Command(BaseCommand):
    help = "Store the fee of every outbound shipment that has none yet (older rows, after an upgrade)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        priced = shipments_price_unpriced()
        self.stdout.write(f"{priced:,} shipments priced in {time.perf_counter() - started:.1f} s.")
