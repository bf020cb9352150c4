"""Reading the rules in force: one ``RuleSet`` per destination and date, in four queries (for one
destination or many)."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, OuterRef, Q, Subquery

from merchants.geography import customs_area
from shipping.customs.types import DutyRateEntry, ExchangeRateEntry, RuleSet, RuleVersion, VatRateEntry
from shipping.models import CustomsRule, DutyRate, ExchangeRate, VatRate


def _started_by(day: datetime.date) -> Q:
    return Q(effective_from__isnull=True) | Q(effective_from__lte=day)


def customs_ruleset_for(destination: str, date: datetime.date) -> RuleSet:
    """The customs rule, VAT rate, duty rates and exchange rates in force in ``destination`` on ``date``.

    Runs a fixed four queries; the result is a frozen snapshot that ``customs_assess`` can
    use for any number of declarations to that destination on that date.
    """
    destination = (destination or "").strip().upper()
    return customs_rulesets_for([destination], date)[destination]


def customs_rulesets_for(destinations: Iterable[str], date: datetime.date) -> dict[str, RuleSet]:
    """``customs_ruleset_for`` of every destination at once (upper-case codes), in the same four
    queries whatever their number: what a batch of parcels to many countries needs."""
    destinations = sorted(set(destinations))
    areas = {destination: customs_area(destination) for destination in destinations}
    rules: dict[str, CustomsRule] = {}
    for rule in (
        CustomsRule.objects.filter(_started_by(date), destination__in=set(areas.values()))
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=date))
        .order_by("destination", F("effective_from").desc(nulls_last=True))
    ):
        rules.setdefault(rule.destination, rule)  # the latest start first: the first one wins
    vats: dict[str, VatRate] = {}
    for vat in VatRate.objects.filter(_started_by(date), country__in=destinations).order_by(
        "country", F("effective_from").desc(nulls_last=True)
    ):
        vats.setdefault(vat.country, vat)
    latest_per_prefix: dict[str, dict[str, DutyRate]] = defaultdict(dict)
    for row in DutyRate.objects.filter(_started_by(date), destination__in=set(areas.values())).order_by(
        "destination", "hs_prefix", F("effective_from").asc(nulls_first=True)
    ):
        latest_per_prefix[row.destination][row.hs_prefix] = row  # ascending dates: the last one wins
    latest_day = (
        ExchangeRate.objects.filter(base=OuterRef("base"), quote=OuterRef("quote"), date__lte=date)
        .order_by("-date")
        .values("date")[:1]
    )
    exchange_rates = tuple(
        ExchangeRateEntry(r.pk, r.date, r.base, r.quote, r.rate, r.source)
        for r in ExchangeRate.objects.filter(date__lte=date, date=Subquery(latest_day)).order_by("base", "quote")
    )
    result = {}
    for destination, area in areas.items():
        rule, vat = rules.get(area), vats.get(destination)
        result[destination] = RuleSet(
            destination_country=destination,
            customs_area=area,
            date=date,
            rule=rule_version(rule) if rule else None,
            vat_rate=VatRateEntry(vat.pk, vat.country, vat.rate_pct, vat.effective_from, vat.source) if vat else None,
            duty_rates=tuple(
                DutyRateEntry(
                    r.pk, r.destination, r.hs_prefix, r.rate_pct, r.effective_from, r.source, r.confidence, r.note
                )
                for r in latest_per_prefix[area].values()
            ),
            exchange_rates=exchange_rates,
        )
    return result


def rule_version(rule: CustomsRule) -> RuleVersion:
    """The engine's snapshot of a rule row."""
    return RuleVersion(
        id=rule.pk,
        destination=rule.destination,
        currency=rule.currency,
        duty_de_minimis=rule.duty_de_minimis,
        tax_de_minimis=rule.tax_de_minimis,
        standard_tax_rate_pct=rule.standard_tax_rate_pct,
        low_value_regime=rule.low_value_regime,
        regime_threshold=rule.regime_threshold,
        flat_duty_per_item=rule.flat_duty_per_item,
        effective_from=rule.effective_from,
        effective_to=rule.effective_to,
        shipping_in_duty_base=rule.shipping_in_duty_base,
        shipping_in_tax_base=rule.shipping_in_tax_base,
        shipping_in_threshold=rule.shipping_in_threshold,
        regime_parameters=rule.regime_parameters or {},
        confidence=rule.confidence,
        source=rule.source,
    )
