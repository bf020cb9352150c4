"""Compare modes: for a product, a destination and a monthly volume, one row per mode —
landed cost per unit with its breakdown, delivery days (typical and worst), who clears
customs, the stock the pipeline needs, and whether the network can serve it at all.

Assumptions (stated on the page): one unit per parcel; stock replenished once a month in
one inbound shipment (so per-shipment costs are spread over the monthly volume); stock sits
one month on the shelf on average, half a month more at the origin FC for FBA; inbound stock
travels by the cheapest lane (ocean where there is one); duties on stock are paid at import,
import VAT on stock is recoverable by the importer and left out; duties and taxes on parcels
are counted whoever pays them (the row says who).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django_countries import countries

from merchants.geography import crosses_customs_border, customs_area
from merchants.models import Merchant, Product
from orders.services.costs import DutyEstimate, duty_estimate
from shipping.fees import FeeLine, money, parcel_fees, rate
from warehouses.models import Fee, FulfillmentMode, Lane
from warehouses.modes import Mode, Speed, Stage, WarehouseRole
from warehouses.network import Network, Route
from warehouses.selectors import rate_card_for

DAYS = Decimal(24)
SHELF_MONTHS = Decimal(1)
ORIGIN_FC_MONTHS = Decimal("0.5")
DOMESTIC_TRUCK_PER_KG = Decimal("0.60")


@dataclass
class ComparisonRow:
    mode: str
    mode_name: str
    can_serve: bool
    reason: str
    currency: str = "USD"
    landed_cost_per_unit: Decimal | None = None
    breakdown: list[FeeLine] = field(default_factory=list)
    days_typical: int | None = None
    days_worst: int | None = None
    customs_by: str = ""
    pipeline_units: int = 0
    ship_from: str = ""
    duties: DutyEstimate | None = None


def _cheapest_stock_lane(network: Network, origin: str, destination: str) -> tuple[Decimal, Decimal] | None:
    """(cost per kg, typical transit hours) of the cheapest lane for stock, any transport."""
    if origin == destination or not crosses_customs_border(origin, destination):
        return DOMESTIC_TRUCK_PER_KG, Decimal(48)
    keys = {
        (origin, destination),
        (customs_area(origin), destination),
        (origin, customs_area(destination)),
        (customs_area(origin), customs_area(destination)),
    }
    lanes: list[Lane] = [lane for key in keys for lane in network.lanes.get(key, [])]
    best = None
    for lane in lanes:
        hours = sum(
            (s.typical_hours for s in lane.stages.all() if s.stage in (Stage.LINE_HAUL, Stage.IMPORT_CUSTOMS)),
            Decimal(0),
        )
        if best is None or (lane.cost_per_kg, hours) < best:
            best = (lane.cost_per_kg, hours)
    return best


def _days(hours: Decimal) -> int:
    return int((hours / DAYS).to_integral_value(rounding="ROUND_CEILING"))


def compare_modes(
    *,
    merchant: Merchant,
    product: Product,
    destination_country: str,
    monthly_volume: int,
    on: datetime.date | None = None,
) -> list[ComparisonRow]:
    """One row per mode, cheapest first among those that can serve; the others after, with why not."""
    country = (destination_country or "").upper()
    errors = {}
    if product.merchant_id != merchant.pk:
        errors["product"] = "Unknown product."
    if country not in dict(countries):
        errors["destination_country"] = "Enter the destination country as an ISO code (e.g. US, DE)."
    if not isinstance(monthly_volume, int) or isinstance(monthly_volume, bool) or not 1 <= monthly_volume <= 1_000_000:
        errors["monthly_volume"] = "Enter a monthly volume between 1 and 1,000,000 units."
    if errors:
        raise ValidationError(errors)
    on = on or timezone.localdate()
    network = Network.load()
    names = dict(FulfillmentMode.objects.values_list("code", "name"))
    home = merchant.country.code
    rows = []
    for mode in Mode.values:
        card = rate_card_for(mode_id=mode, on=on)
        row = ComparisonRow(
            mode=mode,
            mode_name=names.get(mode, mode),
            can_serve=False,
            reason="",
            currency=card.currency if card else "USD",
        )
        rows.append(row)
        sources, why = network.sources(mode=mode, destination=country, speed=Speed.STANDARD, merchant_country=home)
        if not sources:
            row.reason = why
            continue
        source = sources[0]
        route: Route = source.route
        fees, missing = parcel_fees(
            card=card, mode=mode, route=route, speed=Speed.STANDARD, destination=country, items=[(product, 1)]
        )
        if missing:
            row.reason = "No standard delivery rate on this mode's rate card."
            continue
        breakdown = list(fees)
        lead_hours = Decimal(0)
        if mode != Mode.DIRECT:
            inbound_to = source.country
            if mode == Mode.FBA_CROSS_BORDER:
                origin_fc = next(
                    (w for w in network.warehouses if w.role == WarehouseRole.ORIGIN_FC and w.country.code == home),
                    None,
                )
                if origin_fc is None:
                    row.reason = f"No origin FC in {home} to send stock to."
                    continue
            lane = _cheapest_stock_lane(network, home, inbound_to)
            if lane is None:
                row.reason = f"No lane to bring stock from {home} to {source.code}."
                continue
            cost_per_kg, lead_hours = lane
            label = (
                "Transfer to the destination DC"
                if mode == Mode.FBA_CROSS_BORDER
                else f"Inbound freight to {source.code}"
            )
            breakdown.append(FeeLine(label, money(cost_per_kg * product.weight_kg), row.currency))
            placement = rate(card, Fee.PLACEMENT_PER_UNIT, size_tier=product.size_tier)
            if placement:
                breakdown.append(FeeLine("Inbound placement", money(placement), row.currency))
            storage = rate(card, Fee.STORAGE_PER_M3_MONTH)
            months = SHELF_MONTHS + (ORIGIN_FC_MONTHS if mode == Mode.FBA_CROSS_BORDER else 0)
            if storage:
                breakdown.append(
                    FeeLine(
                        f"Storage ({months} month{'s' if months != 1 else ''})",
                        money(storage * product.volume_m3 * months),
                        row.currency,
                    )
                )
            if crosses_customs_border(home, inbound_to):
                brokerage = rate(card, Fee.CUSTOMS_BROKERAGE) or Decimal(0)
                breakdown.append(
                    FeeLine("Import clearance of stock (per unit)", money(brokerage / monthly_volume), row.currency)
                )
                stock_duty = duty_estimate(
                    report_currency=row.currency,
                    origin=home,
                    destination=inbound_to,
                    on=on,
                    incoterm="DDP",
                    items=[(product, monthly_volume, product.declared_value, product.declared_currency)],
                )
                if stock_duty is not None and stock_duty.duty:
                    breakdown.append(
                        _converted(
                            f"Import duty on stock ({stock_duty.duty / monthly_volume:.2f} "
                            f"{stock_duty.currency} a unit)",
                            stock_duty,
                            stock_duty.duty / monthly_volume,
                            row.currency,
                        )
                    )
        if route.crosses_border:
            row.duties = duty_estimate(
                report_currency=row.currency,
                origin=source.country,
                destination=country,
                on=on,
                items=[(product, 1, product.declared_value, product.declared_currency)],
                ioss_number=merchant.ioss_number,
            )
            if row.duties is not None and row.duties.total:
                breakdown.append(
                    _converted(
                        f"Duties and taxes per parcel ({row.duties.total} {row.duties.currency}; "
                        f"{row.duties.payer} pays)",
                        row.duties,
                        row.duties.total,
                        row.currency,
                    )
                )
        row.breakdown = breakdown
        same_currency = [line.amount for line in breakdown if line.currency == row.currency]
        row.landed_cost_per_unit = money(sum(same_currency, Decimal(0)))
        row.days_typical = _days(source.handling_hours + route.hours("typical"))
        row.days_worst = _days(source.handling_hours + route.hours("max"))
        row.ship_from = "your premises" if mode == Mode.DIRECT else source.code
        row.customs_by = _customs_by(mode, home, source.country, country)
        monthly_lead = (lead_hours / DAYS + source.handling_hours / DAYS) / 30
        row.pipeline_units = (
            0
            if mode == Mode.DIRECT
            else int(
                (
                    Decimal(monthly_volume)
                    * (SHELF_MONTHS + monthly_lead + (ORIGIN_FC_MONTHS if mode == Mode.FBA_CROSS_BORDER else 0))
                ).to_integral_value("ROUND_CEILING")
            )
        )
        row.can_serve = True
    _explain(rows)
    served = sorted((r for r in rows if r.can_serve), key=lambda r: (r.landed_cost_per_unit, r.days_typical))
    return served + [r for r in rows if not r.can_serve]


def _converted(label: str, estimate: DutyEstimate, amount: Decimal, currency: str) -> FeeLine:
    """A duty line in the row's currency (or its own, flagged, when no exchange rate is on file)."""
    converted = estimate.in_report_currency(amount)
    if converted is None:
        return FeeLine(label + " — no exchange rate on file, not in the total", money(amount), estimate.currency)
    return FeeLine(label, converted, currency)


def _customs_by(mode: str, home: str, stock_country: str, destination: str) -> str:
    parts = []
    if mode != Mode.DIRECT and crosses_customs_border(home, stock_country):
        who = (
            "you (or your agent) as importer of record"
            if mode == Mode.FBA_CROSS_BORDER
            else "you, importing your stock"
        )
        parts.append(f"Stock into {stock_country}: {who}")
    if crosses_customs_border(stock_country if mode != Mode.DIRECT else home, destination):
        filer = {
            Mode.DIRECT: "you export",
            Mode.ASIA_WAREHOUSE: "the platform exports",
            Mode.VIRTUAL_WAREHOUSE: "the partner declares",
        }.get(mode, "the platform exports")
        parts.append(f"Each parcel: {filer}; the buyer (DAP) or you (DDP) pay import charges")
    return "; ".join(parts) or "No customs border on the way"


def _explain(rows: list[ComparisonRow]) -> None:
    served = [r for r in rows if r.can_serve]
    if not served:
        return
    cheapest = min(served, key=lambda r: r.landed_cost_per_unit)
    fastest = min(served, key=lambda r: (r.days_typical, r.landed_cost_per_unit))
    for row in served:
        notes = []
        if row is cheapest:
            notes.append("cheapest per unit at this volume")
        if row is fastest:
            notes.append("fastest to the buyer")
        if not notes:
            extra = row.landed_cost_per_unit - cheapest.landed_cost_per_unit
            notes.append(f"{extra} {row.currency} more per unit than {cheapest.mode_name}")
        if row.pipeline_units == 0:
            notes.append("no stock tied up")
        sentence = "; ".join(notes)
        row.reason = sentence[0].upper() + sentence[1:] + "."
