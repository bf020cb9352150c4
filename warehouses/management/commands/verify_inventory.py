"""Prove that every inventory balance equals the sum of its ledger entries."""

from django.core.management.base import BaseCommand, CommandError

from warehouses.models import InventoryBalance, InventoryLedgerEntry
from warehouses.selectors import inventory_discrepancies


class Command(BaseCommand):
    help = "Check that every inventory balance equals its ledger's sum; exits 1 on any difference."

    def handle(self, *args, **options):
        discrepancies = inventory_discrepancies()
        balances = InventoryBalance.objects.count()
        entries = InventoryLedgerEntry.objects.count()
        if discrepancies:
            for d in discrepancies[:50]:
                self.stderr.write(
                    f"merchant {d.merchant_id} product {d.product_id} warehouse {d.warehouse_id} "
                    f"{d.bucket}: balance {d.balance} != ledger {d.ledger_sum}"
                )
            raise CommandError(f"{len(discrepancies)} inventory discrepancies found.")
        self.stdout.write(self.style.SUCCESS(f"OK: {balances} balances equal the sums of {entries} ledger entries."))
