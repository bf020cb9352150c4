"""``manage.py backfill_history --days 14``: a history of orders and parcels, so a new
installation's lists and dashboards are meaningful at once. Idempotent (see ``backfill``)."""

from django.core.management.base import BaseCommand, CommandError

from orders.simulator import HISTORY_PREFIX, backfill


class Command(BaseCommand):
    help = (
        "Create N days of simulated history ending now: orders through the real intake, released and "
        "moved through their stages by the real services. Adds nothing if a history is already there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=14, help="Days of history (default 14).")
        parser.add_argument("--seed", default="crossdock", help="Seed of the random choices (default crossdock).")
        parser.add_argument("--orders-per-day", type=int, default=24, help="Orders a day, about (default 24).")

    def handle(self, *args, days: int, seed: str, orders_per_day: int, **options):
        if not 1 <= days <= 365:
            raise CommandError("--days must be between 1 and 365.")
        if not 0 <= orders_per_day <= 1000:
            raise CommandError("--orders-per-day must be between 0 and 1,000.")
        counts = backfill(days=days, seed=seed, orders_per_day=orders_per_day)
        if counts.skipped:
            self.stdout.write(self.style.SUCCESS(f"History already there (orders {HISTORY_PREFIX}-…): nothing added."))
            return
        statuses = ", ".join(f"{n} {status}" for status, n in sorted(counts.by_status.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"History: {counts.days} days, {counts.orders} orders ({statuses or 'none'}), "
                f"{counts.shipments} shipments, {counts.tracking_events} tracking events, "
                f"{counts.replenished} replenishments, in {counts.seconds:.1f} s."
            )
        )
