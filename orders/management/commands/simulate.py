"""``manage.py simulate --minutes 10``: the live simulator in the foreground, a line per step.

The same thing the Celery task does every 20 seconds under ``make run``, with a seed of your
choosing and its own pace; useful without a worker, or to watch what happens.
"""

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from orders.simulator import demo_merchants, simulate_demand, simulate_step
from shipping.models import Shipment


class Command(BaseCommand):
    help = "Run the demo simulator for N minutes: buyers' orders and the passing of time, a line per step."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=float, default=10, help="How long to run (default 10).")
        parser.add_argument("--seed", default="crossdock", help="Seed of the random choices (default crossdock).")
        parser.add_argument("--interval", type=float, default=5, help="Seconds between steps (default 5).")
        parser.add_argument("--orders-per-merchant", type=int, default=1, help="Orders per merchant per step.")

    def handle(self, *args, minutes: float, seed: str, interval: float, orders_per_merchant: int, **options):
        if minutes <= 0 or interval <= 0:
            raise CommandError("--minutes and --interval must be positive.")
        if not 0 <= orders_per_merchant <= 100:
            raise CommandError("--orders-per-merchant must be between 0 and 100.")
        merchants = demo_merchants()
        if not merchants:
            raise CommandError("No demo merchants: run `manage.py seed_demo` first.")
        rng = random.Random(seed)
        deadline = time.monotonic() + minutes * 60
        while True:
            now = timezone.now()
            demand = simulate_demand(rng=rng, merchants=merchants, now=now, orders_per_merchant=orders_per_merchant)
            step = simulate_step(now=now)
            active = Shipment.objects.filter(status=Shipment.Status.ACTIVE).count()
            modes = ", ".join(f"{n} {mode}" for mode, n in sorted(demand.by_mode.items()))
            self.stdout.write(
                f"{timezone.localtime(now):%H:%M:%S}  +{demand.created} orders"
                + (f" ({modes})" if modes else "")
                + (f", {demand.unfulfillable} unfulfillable" if demand.unfulfillable else "")
                + (f", {demand.rejected} rejected" if demand.rejected else "")
                + (f", {demand.replenished} stock top-ups" if demand.replenished else "")
                + f"  released {step.released}  moved {step.moved}  active shipments {active}"
            )
            if time.monotonic() + interval > deadline:
                break
            time.sleep(interval)
