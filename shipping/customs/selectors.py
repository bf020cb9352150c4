"""Reading the rules in force: one ``RuleSet`` per destination and date, in four queries."""

import datetime

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
    area = customs_area(destination)
    rule = (
        CustomsRule.objects.filter(_started_by(date), destination=area)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=date))
        .order_by(F("effective_from").desc(nulls_last=True))
        .first()
    )
    vat = (
        VatRate.objects.filter(_started_by(date), country=destination)
        .order_by(F("effective_from").desc(nulls_last=True))
        .first()
    )
    latest_per_prefix: dict[str, DutyRate] = {}
    for row in DutyRate.objects.filter(_started_by(date), destination=area).order_by(
        "hs_prefix", F("effective_from").asc(nulls_first=True)
    ):
        latest_per_prefix[row.hs_prefix] = row  # ascending dates: the last one wins
    latest_day = (
        ExchangeRate.objects.filter(base=OuterRef("base"), quote=OuterRef("quote"), date__lte=date)
        .order_by("-date")
        .values("date")[:1]
    )
    fx_rows = ExchangeRate.objects.filter(date__lte=date, date=Subquery(latest_day))
    return RuleSet(
        destination_country=destination,
        customs_area=area,
        date=date,
        rule=rule_version(rule) if rule else None,
        vat_rate=VatRateEntry(vat.pk, vat.country, vat.rate_pct, vat.effective_from, vat.source) if vat else None,
        duty_rates=tuple(
            DutyRateEntry(
                r.pk, r.destination, r.hs_prefix, r.rate_pct, r.effective_from, r.source, r.confidence, r.note
            )
            for r in latest_per_prefix.values()
        ),
        exchange_rates=tuple(
            ExchangeRateEntry(r.pk, r.date, r.base, r.quote, r.rate, r.source)
            for r in fx_rows.order_by("base", "quote")
        ),
    )


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
