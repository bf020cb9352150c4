"""The demo simulator: buyers' demand, the passing of time, and a history to start from.

It plays the demo merchants and the clock, nothing else: orders go in through the orders app's
intake service exactly as an API client's would (validated, routed, allocated), time passes
through the same release service and the same tick that run in production, and every stage
change is a real transition with its tracking event, inventory movement and order status.
Customs inspections and failed deliveries are drawn by the tick itself (per shipment, from a
hash: no shared random state), so the simulator only decides *what buyers order*.

Everything random here comes from a ``random.Random`` the caller seeds: the same seed on the
same data gives the same orders. See docs/simulator.md.

It lives in the orders app, the top of the import order, because it plays the merchants (order
intake) as well as the network (shipping's release, partners and tick).
"""

import datetime
import random
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from merchants.models import Merchant, Product
from orders.models import FulfillmentPolicy, Order, OrderEvent
from orders.services.fulfilment import orders_release
from orders.services.intake import orders_allocate_waiting, orders_intake
from shipping.models import Shipment, TrackingEvent
from shipping.routes import PARTNER_REPORTED
from shipping.services.shipments import clock_hours, real_clock, shipment_transition, shipments_advance_due
from warehouses.demo_data import MERCHANTS as DEMO_MERCHANTS
from warehouses.models import Bucket, Fee, InventoryBalance, LedgerReason
from warehouses.modes import Mode, Speed
from warehouses.network import ORDER_ROLES, Network, Source
from warehouses.selectors import rate_card_for, rate_lookup
from warehouses.services.inventory import StockChange, inventory_apply

LIVE_PREFIX = "SIM"
HISTORY_PREFIX = "HIST"
# Demo shortcut: stock that runs low is topped up by an adjustment. The real path is an inbound
# shipment (Send inventory); the simulator does not plan those, so the demo would run dry.
REPLENISH_BELOW = 12
REPLENISH_TO = 60
REPLENISH_NOTE = "simulated replenishment"
# The history's clock advances in steps: each releases the orders past their hold (as the
# warehouses' release waves do) and moves every shipment due by then, at its due time.
HISTORY_STEP = datetime.timedelta(hours=4)
MAX_ROUNDS = 200  # of release or tick batches in one step: a guard, never reached in practice


@dataclass(frozen=True)
class Market:
    country: str
    weight: int
    addresses: tuple[tuple[str, str, str, str], ...]  # (street, city, region, postal code)
    names: tuple[str, ...]


# Where buyers are, weighted roughly like cross-border e-commerce demand. The EU is one market
# reached through its member states (one customs area, DE/FR/IT/ES/NL here). Addresses are
# real-looking streets, not anyone's premises.
MARKETS: tuple[Market, ...] = (
    Market(
        "US",
        30,
        (
            ("500 Congress Avenue, Apt 1204", "Austin", "TX", "78701"),
            ("1420 5th Avenue, Suite 300", "Seattle", "WA", "98101"),
            ("233 N Michigan Avenue", "Chicago", "IL", "60601"),
            ("85 Court Street, Apt 3B", "Brooklyn", "NY", "11201"),
            ("1600 Glenarm Place", "Denver", "CO", "80202"),
        ),
        ("Emily Carter", "Marcus Johnson", "Sofia Ramirez", "Daniel Kim", "Olivia Bennett"),
    ),
    Market(
        "DE",
        9,
        (
            ("Invalidenstraße 43", "Berlin", "Berlin", "10115"),
            ("Sendlinger Straße 12", "München", "Bayern", "80331"),
            ("Mönckebergstraße 7", "Hamburg", "Hamburg", "20095"),
            ("Hohe Straße 52", "Köln", "Nordrhein-Westfalen", "50667"),
        ),
        ("Lena Schmidt", "Felix Wagner", "Anna Becker", "Jonas Hoffmann"),
    ),
    Market(
        "FR",
        6,
        (
            ("18 rue de la Roquette", "Paris", "Île-de-France", "75011"),
            ("24 rue de la République", "Lyon", "Auvergne-Rhône-Alpes", "69002"),
            ("9 cours de l'Intendance", "Bordeaux", "Nouvelle-Aquitaine", "33000"),
        ),
        ("Camille Martin", "Louis Bernard", "Chloé Dubois"),
    ),
    Market(
        "IT",
        4,
        (
            ("Via Alessandro Manzoni 14", "Milano", "MI", "20121"),
            ("Via del Corso 101", "Roma", "RM", "00187"),
            ("Via Roma 80", "Torino", "TO", "10121"),
        ),
        ("Giulia Rossi", "Marco Bianchi", "Francesca Romano"),
    ),
    Market(
        "ES",
        4,
        (
            ("Calle Mayor 20, 3º B", "Madrid", "Madrid", "28013"),
            ("Carrer de Ferran 15", "Barcelona", "Barcelona", "08002"),
            ("Carrer de Sant Vicent Màrtir 30", "Valencia", "Valencia", "46002"),
        ),
        ("Lucía García", "Pablo Fernández", "Marta López"),
    ),
    Market(
        "NL",
        2,
        (
            ("Prinsengracht 263", "Amsterdam", "Noord-Holland", "1015 CJ"),
            ("Oudegracht 150", "Utrecht", "Utrecht", "3511 AZ"),
        ),
        ("Sanne de Vries", "Daan Jansen"),
    ),
    Market(
        "GB",
        12,
        (
            ("12 Old Street", "London", "", "EC1V 9HX"),
            ("40 Piccadilly", "Manchester", "", "M1 1AE"),
            ("75 High Street", "Edinburgh", "", "EH1 1YZ"),
            ("18 Corn Street", "Bristol", "", "BS1 4DJ"),
        ),
        ("Oliver Hughes", "Amelia Clarke", "George Patel", "Isla Campbell"),
    ),
    Market(
        "JP",
        8,
        (
            ("Jingumae 4-12-10, Shibuya-ku", "Tokyo", "Tokyo", "150-0001"),
            ("Umeda 3-1-1, Kita-ku", "Osaka", "Osaka", "530-0001"),
            ("Minatomirai 2-3-1, Nishi-ku", "Yokohama", "Kanagawa", "220-0012"),
        ),
        ("Yuki Tanaka", "Haruto Sato", "Aoi Suzuki"),
    ),
    Market(
        "AU",
        7,
        (
            ("88 George Street", "Sydney", "NSW", "2000"),
            ("210 Bourke Street", "Melbourne", "VIC", "3000"),
            ("45 Adelaide Street", "Brisbane", "QLD", "4000"),
        ),
        ("Charlotte Wilson", "Jack Taylor", "Mia Nguyen"),
    ),
    Market(
        "CA",
        6,
        (
            ("290 Bremner Boulevard", "Toronto", "ON", "M5V 2T6"),
            ("800 Robson Street", "Vancouver", "BC", "V6B 1A1"),
            ("275 Notre-Dame Street East", "Montréal", "QC", "H2Y 1C6"),
        ),
        ("Liam Tremblay", "Emma Roy", "Noah Gagnon"),
    ),
    Market(
        "SG",
        2,
        (
            ("391 Orchard Road, #12-01", "Singapore", "", "238872"),
            ("1 Raffles Place, #20-61", "Singapore", "", "048616"),
        ),
        ("Wei Ling Tan", "Arjun Nair"),
    ),
)
# Among the modes the stock supports, how buyers' orders tend to be fulfilled.
MODE_WEIGHTS = {
    Mode.GLOBAL_WAREHOUSE: 40,
    Mode.FBA_CROSS_BORDER: 20,
    Mode.ASIA_WAREHOUSE: 15,
    Mode.VIRTUAL_WAREHOUSE: 15,
    Mode.DIRECT: 10,
}
SPEED_WEIGHTS = {Speed.STANDARD: 80, Speed.EXPEDITED: 15, Speed.PRIORITY: 5}
POLICY_WEIGHTS = {
    FulfillmentPolicy.FILL_OR_KILL: 85,
    FulfillmentPolicy.FILL_ALL_AVAILABLE: 10,
    FulfillmentPolicy.FILL_ALL: 5,
}
LINES_WEIGHTS = {1: 70, 2: 22, 3: 8}
QUANTITY_WEIGHTS = {1: 75, 2: 18, 3: 7}
# Share of the history's orders per demo merchant; any other merchant counts 1.
MERCHANT_WEIGHTS = {"shenzhen-brightwave": 4, "cascade-ridge": 3, "jaipur-loom": 2, "albion-rhein": 2}


def _pick(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


@dataclass
class DemandCounts:
    """What one round of demand did."""

    created: int = 0
    unfulfillable: int = 0  # created, but the stock was gone by the time the order was allocated
    rejected: int = 0
    duplicates: int = 0
    replenished: int = 0  # balances topped up
    by_mode: Counter = field(default_factory=Counter)
    orders: list[Order] = field(default_factory=list, repr=False)

    def add(self, other: "DemandCounts") -> None:
        self.created += other.created
        self.unfulfillable += other.unfulfillable
        self.rejected += other.rejected
        self.duplicates += other.duplicates
        self.replenished += other.replenished
        self.by_mode.update(other.by_mode)
        self.orders += other.orders


@dataclass
class StepCounts:
    released: int = 0
    moved: int = 0


class _Shop:
    """One merchant as the simulator sees it: its catalog, its stock and where it can ship."""

    def __init__(self, merchant: Merchant, *, network: Network, today: datetime.date, cards: dict | None = None):
        self.merchant = merchant
        self.network = network
        self.today = today
        products = list(Product.objects.filter(merchant=merchant, is_active=True).order_by("sku"))
        # An order's lines share one currency: take the one most of the catalog is declared in.
        currencies = Counter(p.declared_currency for p in products)
        self.currency = min(currencies, key=lambda c: (-currencies[c], c)) if currencies else merchant.currency
        self.products = [p for p in products if p.declared_currency == self.currency]
        roles = sorted({role for roles in ORDER_ROLES.values() for role in roles})
        self.stock: dict[tuple[int, int], int] = {
            (warehouse_id, product_id): units
            for warehouse_id, product_id, units in InventoryBalance.objects.filter(
                merchant=merchant, fulfillable__gt=0, warehouse__role__in=roles, warehouse__is_active=True
            )
            .order_by("pk")
            .values_list("warehouse_id", "product_id", "fulfillable")
        }
        self._sources: dict[tuple[str, str, str], list[Source]] = {}
        self._cards: dict[str, object] = {} if cards is None else cards  # rate cards by mode, shareable

    def sources(self, mode: str, country: str, speed: str) -> list[Source]:
        """Where an order can ship from, or nothing if the mode does not offer the speed there."""
        key = (mode, country, speed)
        if key not in self._sources:
            if mode not in self._cards:
                self._cards[mode] = rate_card_for(mode_id=mode, on=self.today)
            offered = rate_lookup(self._cards[mode], fee=Fee.LAST_MILE_PER_PARCEL, destination=country, speed=speed)
            self._sources[key] = (
                self.network.sources(
                    mode=mode, destination=country, speed=speed, merchant_country=self.merchant.country.code
                )[0]
                if offered is not None
                else []
            )
        return self._sources[key]

    def modes_for(self, country: str, speed: str, lines: list[tuple[Product, int]]) -> list[str]:
        """The modes whose warehouses hold every line's units for this destination; direct whenever it ships there."""
        found = []
        for mode in Mode.values:
            sources = self.sources(mode, country, speed)
            if not sources:
                continue
            if mode == Mode.DIRECT or all(
                sum(self.stock.get((s.warehouse_id, p.pk), 0) for s in sources) >= q for p, q in lines
            ):
                found.append(mode)
        return found

    def take(self, mode: str, country: str, speed: str, lines: list[tuple[Product, int]]) -> None:
        """Book the units in this snapshot, fastest warehouse first, so the next order sees what is left."""
        if mode == Mode.DIRECT:
            return
        for product, quantity in lines:
            for source in self.sources(mode, country, speed):
                key = (source.warehouse_id, product.pk)
                taken = min(quantity, self.stock.get(key, 0))
                self.stock[key] = self.stock.get(key, 0) - taken
                quantity -= taken
                if not quantity:
                    break


def _payload(rng: random.Random, shop: _Shop, order_id: str) -> dict | None:
    """One buyer's order, or None if this buyer's basket cannot be shipped in any mode."""
    if not shop.products:
        return None
    market = rng.choices(MARKETS, weights=[m.weight for m in MARKETS])[0]
    street, city, region, postal_code = rng.choice(market.addresses)
    name = rng.choice(market.names)
    count = min(_pick(rng, LINES_WEIGHTS), len(shop.products))
    lines = [(product, _pick(rng, QUANTITY_WEIGHTS)) for product in rng.sample(shop.products, count)]
    speed = _pick(rng, SPEED_WEIGHTS)
    policy = _pick(rng, POLICY_WEIGHTS)
    modes = shop.modes_for(market.country, speed, lines)
    if not modes and speed != Speed.STANDARD:
        speed = Speed.STANDARD
        modes = shop.modes_for(market.country, speed, lines)
    if not modes:
        return None
    mode = _pick(rng, {m: MODE_WEIGHTS[m] for m in modes})
    shop.take(mode, market.country, speed, lines)
    handle = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().replace(" ", ".")
    return {
        "merchant_order_id": order_id,
        "mode": mode,
        "speed": speed,
        "fulfillment_policy": policy,
        "currency": shop.currency,
        "buyer_email": f"{handle}@example.com",
        "destination": {
            "contact_name": name,
            "address_line1": street,
            "city": city,
            "region": region,
            "postal_code": postal_code,
            "country": market.country,
        },
        "lines": [{"sku": product.sku, "quantity": quantity} for product, quantity in lines],
    }


def _next_number(merchant: Merchant, stem: str) -> int:
    """The next free n of ``<stem>-<n>`` ids (zero-padded, so the greatest id sorts last)."""
    last = (
        Order.objects.filter(merchant=merchant, merchant_order_id__startswith=f"{stem}-")
        .order_by("-merchant_order_id")
        .values_list("merchant_order_id", flat=True)
        .first()
    )
    try:
        return int(last.rsplit("-", 1)[1]) + 1 if last else 1
    except ValueError:
        return 1


def _demand_payloads(
    *, rng: random.Random, shop: _Shop, count: int, prefix: str, day: datetime.date, attempts: int = 4
) -> list[dict]:
    """``count`` buyers' orders for one merchant, numbered ``<prefix>-<YYYYMMDD>-<n>`` after its last one."""
    stem = f"{prefix}-{day:%Y%m%d}"
    number = _next_number(shop.merchant, stem)
    payloads = []
    for _ in range(count):
        for _ in range(attempts):  # a basket nobody can ship: that buyer tries another
            payload = _payload(rng, shop, f"{stem}-{number:05d}")
            if payload is not None:
                payloads.append(payload)
                number += 1
                break
    return payloads


def _intake(shop: _Shop, payloads: list[dict]) -> DemandCounts:
    counts = DemandCounts()
    if not payloads:
        return counts
    for result in orders_intake(merchant=shop.merchant, payloads=payloads, source=Order.Source.API):
        if result.outcome == "created":
            counts.created += 1
            counts.unfulfillable += result.order.status == Order.Status.UNFULFILLABLE
            counts.by_mode[result.order.mode_id] += 1
            counts.orders.append(result.order)
        elif result.outcome == "duplicate":
            counts.duplicates += 1
        else:
            counts.rejected += 1
    return counts


def stock_replenish(*, merchant: Merchant, below: int = REPLENISH_BELOW, to: int = REPLENISH_TO) -> int:
    """Demo shortcut: top up the merchant's low ``fulfillable`` stock where buyers' orders ship from.

    Only balances at order-serving warehouses with nothing inbound (an inbound shipment is the
    real way stock arrives) are topped up to ``to`` units, by an ``adjustment`` noted as a
    simulated replenishment. Returns the number of balances topped up.
    """
    roles = sorted({role for roles in ORDER_ROLES.values() for role in roles})
    low = list(
        InventoryBalance.objects.filter(
            merchant=merchant,
            fulfillable__lt=below,
            inbound_working=0,
            inbound_shipped=0,
            inbound_receiving=0,
            product__is_active=True,
            warehouse__is_active=True,
            warehouse__role__in=roles,
        )
        .order_by("pk")
        .values_list("product_id", "warehouse_id", "fulfillable")
    )
    if not low:
        return 0
    inventory_apply(
        merchant_id=merchant.pk,
        changes=[StockChange(p, w, Bucket.FULFILLABLE, to - units) for p, w, units in low],
        reason=LedgerReason.ADJUSTMENT,
        reference_type="simulator",
        note=REPLENISH_NOTE,
    )
    return len(low)


def demo_merchants() -> list[Merchant]:
    """The demo merchants that exist (``seed_demo``), in a stable order."""
    return list(Merchant.objects.filter(slug__in=list(DEMO_MERCHANTS)).order_by("slug"))


def simulate_demand(
    *,
    rng: random.Random,
    merchants: list[Merchant],
    now: datetime.datetime,
    orders_per_merchant: int,
    prefix: str = LIVE_PREFIX,
) -> DemandCounts:
    """Buyers place ``orders_per_merchant`` orders with each merchant, through ``orders_intake``.

    Low stock is replenished first (see ``stock_replenish``). Destinations follow ``MARKETS``,
    products come from the merchant's active catalog (1–3 lines of 1–3 units), the mode is one
    whose warehouses hold the units for that destination (or direct), speeds are mostly
    standard and policies mostly fill-or-kill. Order ids are ``SIM-<date>-<n>``.
    """
    counts = DemandCounts()
    network = Network.load()
    day = timezone.localdate(now)
    cards: dict = {}
    for merchant in merchants:
        counts.replenished += stock_replenish(merchant=merchant)
        shop = _Shop(merchant, network=network, today=day, cards=cards)
        payloads = _demand_payloads(rng=rng, shop=shop, count=orders_per_merchant, prefix=prefix, day=day)
        counts.add(_intake(shop, payloads))
    return counts


def simulate_step(*, now: datetime.datetime) -> StepCounts:
    """Let time reach ``now``: release the planned orders whose hold has passed, then move every
    shipment whose stage is due, batch after batch, until nothing is due."""
    counts = StepCounts()
    for _ in range(MAX_ROUNDS):
        released = orders_release(now=now)
        counts.released += released
        if not released:
            break
    for _ in range(MAX_ROUNDS):
        moved = simulate_partners(now=now) + shipments_advance_due(now=now)
        counts.moved += moved
        if not moved:
            break
    return counts


def simulate_partners(*, now: datetime.datetime) -> int:
    """Act for the 3PL partners: a partner-reported stage whose planned time has passed is
    reported done, through the same transition service a partner's API call uses."""
    moved = 0
    waiting = Shipment.objects.filter(
        status=Shipment.Status.ACTIVE,
        mode_id=Mode.VIRTUAL_WAREHOUSE,
        stage_due_at__isnull=True,
        stage__in=PARTNER_REPORTED,
    ).select_related("source_warehouse")
    for shipment in waiting:
        step = shipment.route[shipment.stage_index]
        if step.get("by") != "partner" or shipment.stage_started_at + clock_hours(step["hours"]) > now:
            continue
        following = shipment.route[shipment.stage_index + 1]["stage"]
        at = shipment.stage_started_at + clock_hours(step["hours"])
        location = shipment.source_warehouse.city if shipment.source_warehouse else ""
        moved += shipment_transition(
            shipment=shipment, to=following, source="simulator", location=location, at=min(at, now)
        )
    return moved


def simulate_round(*, seed: str, now: datetime.datetime, orders_per_merchant: int) -> tuple[DemandCounts, StepCounts]:
    """One round of the live simulator (the Celery task): a few orders, then the step.

    The seed and the time seed the round's generator, so a round is reproducible and two rounds
    differ.
    """
    rng = random.Random(f"{seed}:{now.isoformat()}")
    demand = simulate_demand(rng=rng, merchants=demo_merchants(), now=now, orders_per_merchant=orders_per_merchant)
    return demand, simulate_step(now=now)


# --- History -------------------------------------------------------------------------------


@dataclass
class HistoryCounts:
    skipped: bool = False  # a history was already there: nothing was added
    days: int = 0
    orders: int = 0
    by_status: Counter = field(default_factory=Counter)
    shipments: int = 0
    tracking_events: int = 0
    replenished: int = 0
    seconds: float = 0.0


def history_exists() -> bool:
    return Order.objects.filter(merchant_order_id__startswith=f"{HISTORY_PREFIX}-").exists()


def _date_orders(orders: list[Order], times: list[datetime.datetime]) -> None:
    """Give freshly created orders, and the events intake wrote for them, their simulated times.

    Intake stamps ``created_at`` with the wall clock (``auto_now_add``) and has no reason to take
    a time from its caller; only a history needs one, so the backfill creates the orders through
    intake as any client would and then moves their timestamps to the simulated moment, which is
    what the release window, the lists and the dashboards read.
    """
    for order, at in zip(orders, times, strict=True):
        order.created_at = order.updated_at = at
    Order.objects.bulk_update(orders, ["created_at", "updated_at"], batch_size=500)
    OrderEvent.objects.filter(order__in=orders).update(
        created_at=Subquery(Order.objects.filter(pk=OuterRef("order_id")).values("created_at")[:1])
    )


def _date_order_events(after_pk: int, at: datetime.datetime) -> int:
    """Date the order events written while the history stepped to ``at``; returns the last event's id.

    A release happened at ``at`` (the step released it); a completion when the order's last
    shipment ended.
    """
    events = OrderEvent.objects.filter(pk__gt=after_pk)
    latest = events.order_by("-pk").values_list("pk", flat=True).first()
    if latest is None:
        return after_pk
    ended = [Order.Status.COMPLETE, Order.Status.COMPLETE_PARTIAL]

    def last_shipment_change(order_ref: str):
        return Subquery(
            Shipment.objects.filter(order_id=OuterRef(order_ref))
            .order_by("-stage_started_at")
            .values("stage_started_at")[:1]
        )

    events.filter(to_status__in=ended).update(created_at=last_shipment_change("order_id"))
    events.exclude(to_status__in=ended).update(created_at=at)
    changed = Order.objects.filter(pk__in=events.values("order_id"))
    changed.filter(status__in=ended).update(updated_at=last_shipment_change("pk"))
    changed.exclude(status__in=ended).update(updated_at=at)
    return latest


def _rescale_in_flight(*, now: datetime.datetime, speed: float) -> None:
    """Hand the history's parcels still on their way over to the demo clock.

    The history ran at real speed; what is left of each current stage is divided by the clock
    speed, as every later stage will be, so that those parcels move on as visibly as new ones.
    """
    shipments = list(
        Shipment.objects.filter(
            status=Shipment.Status.ACTIVE,
            stage_due_at__gt=now,
            merchant_order_id__startswith=f"{HISTORY_PREFIX}-",
        ).only("pk", "stage_due_at")
    )
    for shipment in shipments:
        shipment.stage_due_at = now + (shipment.stage_due_at - now) / speed
    Shipment.objects.bulk_update(shipments, ["stage_due_at"], batch_size=500)


def _history_day_orders(
    *,
    rng: random.Random,
    merchants: list[Merchant],
    weights: list[int],
    network: Network,
    cards: dict,
    start: datetime.datetime,
    end: datetime.datetime,
    orders_per_day: int,
) -> int:
    """The orders of the 24 hours from ``start``: about ``orders_per_day``, at random moments,
    shared among the merchants by weight; ids ``HIST-<date of the moment>-<n>``. Returns how many."""
    total = round(orders_per_day * rng.uniform(0.75, 1.25)) if merchants else 0
    moments = sorted(start + datetime.timedelta(seconds=rng.uniform(0, 86_399)) for _ in range(total))
    groups: dict[tuple[int, datetime.date], list[datetime.datetime]] = defaultdict(list)
    for at in moments:
        groups[(rng.choices(range(len(merchants)), weights=weights)[0], timezone.localdate(at))].append(at)
    created = 0
    for index, merchant in enumerate(merchants):
        shop = _Shop(merchant, network=network, today=timezone.localdate(end), cards=cards)
        payloads, at_of = [], {}
        for (of, day), moments_of in sorted(groups.items()):
            if of != index:
                continue
            batch = _demand_payloads(rng=rng, shop=shop, count=len(moments_of), prefix=HISTORY_PREFIX, day=day)
            at_of.update(zip((p["merchant_order_id"] for p in batch), moments_of, strict=False))
            payloads += batch
        orders = _intake(shop, payloads).orders
        _date_orders(orders, [at_of[order.merchant_order_id] for order in orders])
        created += len(orders)
    return created


def backfill(
    *, days: int, seed: int | str, end: datetime.datetime | None = None, orders_per_day: int = 24
) -> HistoryCounts:
    """``days`` days of history ending at ``end`` (now): orders, shipments and their tracking.

    For each simulated day, oldest first: low stock is replenished, the day's orders are created
    through ``orders_intake`` and dated within the day (``_date_orders``), and time advances hour
    by hour through the release service and the tick, which record every change at its due time.
    The history runs on the real clock (speed 1) whatever ``CROSSDOCK_CLOCK_SPEED`` says; parcels
    still under way at the end are then handed to the demo clock.

    Idempotent: if any order id starts with ``HIST-``, nothing is added. The history is written
    step by step (order statuses follow shipments after each commit), not in one transaction:
    if it is interrupted, remove the database (``make clean``) and run it again.
    """
    started = time.monotonic()
    counts = HistoryCounts()
    if history_exists():
        counts.skipped = True
        return counts
    end = end or timezone.now()
    demo_speed = settings.CROSSDOCK_CLOCK_SPEED
    rng = random.Random(seed)
    merchants = demo_merchants()
    shipments_before = Shipment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    events_before = TrackingEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    weights = [MERCHANT_WEIGHTS.get(m.slug, 1) for m in merchants]
    network, cards = Network.load(), {}
    with real_clock():
        for number in range(days):
            day_start = end - datetime.timedelta(days=days - number)
            day_end = day_start + datetime.timedelta(days=1)
            for merchant in merchants:
                counts.replenished += stock_replenish(merchant=merchant)
            orders_allocate_waiting()  # fill-all orders waiting for the replenished stock
            counts.orders += _history_day_orders(
                rng=rng,
                merchants=merchants,
                weights=weights,
                network=network,
                cards=cards,
                start=day_start,
                end=end,
                orders_per_day=orders_per_day,
            )
            order_events_seen = OrderEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            moment = day_start
            while moment < day_end:
                moment = min(moment + HISTORY_STEP, day_end)
                simulate_step(now=moment)
                order_events_seen = _date_order_events(order_events_seen, moment)
            counts.days += 1
    if demo_speed != 1:
        _rescale_in_flight(now=end, speed=demo_speed)
    history = Order.objects.filter(merchant_order_id__startswith=f"{HISTORY_PREFIX}-")
    counts.by_status = Counter(history.values_list("status", flat=True))
    counts.shipments = Shipment.objects.filter(pk__gt=shipments_before).count()
    counts.tracking_events = TrackingEvent.objects.filter(pk__gt=events_before).count()
    counts.seconds = time.monotonic() - started
    return counts
