"""The customs calculation: a pure function of a declaration and the rules in force.

``customs_assess(declaration, ruleset)`` touches no database and no clock. Step by step:

1. No customs border (same country, or both in the EU): nothing is due, no papers.
2. The declaration's own data may hold the parcel (missing or invalid HS code, no value,
   restricted goods). Amounts are still computed where they can be.
3. Every line and the shipping cost are converted into the rule's currency with the latest
   exchange rate on or before the date (either way round, or through USD); each line is
   rounded to the currency's minor unit.
4. The regime treatment (``regimes.py``) decides, from the threshold value, whether duty is
   exempt, rate-based, flat per item or a regime rate, whether tax is due and who collected it.
5. Duty: rate-based duty takes, per line, the longest matching HS prefix of the destination
   (or its default, flagged as an assumption), on the line's value plus its share of the
   shipping where the destination values CIF. Tax: the rule's rate (or the member state's VAT
   rate in the EU) on goods (+ shipping where the rule says so) + duty.
6. Papers and notes; the payer follows the incoterm (DAP buyer, DDP merchant).
"""

from decimal import Decimal

from merchants import hs
from merchants.geography import crosses_customs_border, customs_area
from shipping.customs.codes import (
    HOLD_TRACKING_REASON,
    REGIME_NOT_CROSSING,
    Collector,
    HoldCode,
    Incoterm,
    Payer,
)
from shipping.customs.documents import declaration_holds, documents_for
from shipping.customs.money import RateTable, apply_route, pct, percent, quantize
from shipping.customs.regimes import EXEMPT, FLAT_PER_ITEM, RATES, REGIME_RATE, Treatment, money, treatment_for
from shipping.customs.types import (
    CustomsAssessment,
    Declaration,
    DutyRateEntry,
    ExchangeRateUsed,
    HoldReason,
    LineAssessment,
    RuleSet,
    RuleUsed,
    RuleVersion,
)

ZERO = Decimal(0)
TAX_NAMES = {
    "EU": "VAT",
    "GB": "VAT",
    "AE": "VAT",
    "SA": "VAT",
    "TR": "VAT",
    "CN": "import VAT",
    "AU": "GST",
    "SG": "GST",
    "CA": "GST",
    "JP": "consumption tax",
    "IN": "IGST",
    "MX": "IVA",
    "BR": "ICMS",
}


def customs_assess(declaration: Declaration, ruleset: RuleSet) -> CustomsAssessment:
    """Duty, tax, payer, papers and holds for ``declaration`` under ``ruleset``.

    The rule set must be the destination's on the declaration's date (``ValueError``
    otherwise). Missing rules or exchange rates are hold reasons, not exceptions.
    """
    if (ruleset.destination_country, ruleset.date) != (declaration.destination_country, declaration.date):
        raise ValueError(
            f"The rule set is for {ruleset.destination_country} on {ruleset.date}, the declaration for "
            f"{declaration.destination_country} on {declaration.date}."
        )
    rule = ruleset.rule
    base = {
        "destination_country": declaration.destination_country,
        "customs_area": customs_area(declaration.destination_country),
        "date": declaration.date,
        "incoterm": declaration.incoterm,
        "payer": (Payer.BUYER if declaration.incoterm == Incoterm.DAP else Payer.MERCHANT).value,
    }
    if not crosses_customs_border(declaration.origin_country, declaration.destination_country):
        area = customs_area(declaration.origin_country)
        why = (
            "the same country"
            if declaration.origin_country == declaration.destination_country
            else (f"both in the {area} customs union")
        )
        return _nothing_due(
            base,
            currency=rule.currency if rule else "",
            crosses_border=False,
            notes=(
                f"{declaration.origin_country} → {declaration.destination_country}: {why}; no customs "
                "border, so no duty, no import tax and no customs papers.",
            ),
        )

    holds = declaration_holds(declaration)
    if rule is None:
        holds.append(
            HoldReason(
                HoldCode.NO_CUSTOMS_RULE,
                f"No customs rule on file for {base['customs_area']} on {declaration.date}.",
                HOLD_TRACKING_REASON[HoldCode.NO_CUSTOMS_RULE],
            )
        )
        return _nothing_due(base, currency="", crosses_border=True, holds=holds)

    currency, rates = rule.currency, RateTable(ruleset.exchange_rates)
    legs_used: list[ExchangeRateUsed] = []

    def convert(amount: Decimal, from_currency: str) -> Decimal | None:
        route = rates.route(from_currency, currency, declaration.date)
        if route is None:
            holds.append(
                HoldReason(
                    HoldCode.MISSING_EXCHANGE_RATE,
                    f"No exchange rate from {from_currency} to {currency} on or before {declaration.date}.",
                    HOLD_TRACKING_REASON[HoldCode.MISSING_EXCHANGE_RATE],
                )
            )
            return None
        legs_used.extend(route)
        return quantize(apply_route(amount, route), currency)

    line_values = [convert(line.quantity * (line.unit_value or ZERO), line.currency) for line in declaration.lines]
    shipping = (
        convert(declaration.shipping_cost, declaration.charges_currency or currency)
        if declaration.shipping_cost
        else quantize(ZERO, currency)
    )
    if shipping is None or None in line_values:
        return _nothing_due(base, currency=currency, crosses_border=True, holds=holds)

    goods = sum(line_values, ZERO)
    threshold_value = goods + (shipping if rule.shipping_in_threshold else ZERO)
    customs_value = goods + (shipping if rule.shipping_in_duty_base else ZERO)
    treatment = treatment_for(rule=rule, declaration=declaration, threshold_value=threshold_value)
    notes = [_value_note(rule, goods, shipping, customs_value)]
    notes.extend(treatment.notes)
    assumptions = list(treatment.assumptions)
    holds.extend(treatment.holds)
    rules_used = [_rule_used(rule)]

    duty, line_results = _duty(
        rule, ruleset, declaration, treatment, line_values, shipping, customs_value, notes, assumptions, rules_used
    )
    tax_rate = _tax_rate(rule, ruleset, assumptions, rules_used)
    tax = quantize(ZERO, currency)
    if treatment.tax_due and tax_rate:
        tax_base = goods + (shipping if rule.shipping_in_tax_base else ZERO) + duty
        rate = tax_rate * treatment.tax_factor / 100
        tax = quantize(tax_base * rate / (1 - rate) if treatment.tax_inclusive else tax_base * rate, currency)
        notes.append(_tax_note(rule, ruleset, tax_rate, treatment, tax_base, tax))
    elif tax_rate and not treatment.tax_due:
        notes.append(f"No {_tax_name(ruleset)} is due on this consignment.")

    collected = quantize(ZERO, currency)
    if treatment.collected_at_sale_by:
        collected = tax + (duty if treatment.duty_collected_at_sale else ZERO)
    total = duty + tax
    if total - collected > 0:
        who = "the buyer" if base["payer"] == Payer.BUYER else "the merchant"
        notes.append(f"{declaration.incoterm}: {who} pays {money(total - collected, currency)} at the border.")

    documents, document_notes, document_assumptions = documents_for(
        declaration, goods_value_in=lambda target: _goods_in(declaration, rates, target)
    )
    notes.extend(document_notes)
    assumptions.extend(document_assumptions)
    if declaration.destination_country == "US" and any(
        (line.origin_country or declaration.origin_country) == "CN" for line in declaration.lines
    ):
        notes.append("Section 301 and other surcharges on goods of Chinese origin are not included.")

    return CustomsAssessment(
        **base,
        crosses_border=True,
        currency=currency,
        goods_value=goods,
        shipping_value=shipping,
        customs_value=customs_value,
        duty=duty,
        tax=tax,
        total=total,
        collected_at_sale=collected,
        due_at_border=total - collected,
        tax_rate_pct=tax_rate,
        collected_at_sale_by=str(treatment.collected_at_sale_by),
        regime=str(treatment.regime),
        rules_used=tuple(_unique(rules_used)),
        exchange_rates=tuple(_unique(legs_used)),
        documents=documents,
        hold_reasons=tuple(_unique(holds)),
        notes=tuple(notes),
        assumptions=tuple(_unique(assumptions)),
        lines=tuple(line_results),
    )


def _nothing_due(base: dict, *, currency: str, crosses_border: bool, notes=(), holds=()) -> CustomsAssessment:
    zero = quantize(ZERO, currency) if currency else ZERO
    return CustomsAssessment(
        **base,
        crosses_border=crosses_border,
        currency=currency,
        goods_value=zero,
        shipping_value=zero,
        customs_value=zero,
        duty=zero,
        tax=zero,
        total=zero,
        collected_at_sale=zero,
        due_at_border=zero,
        tax_rate_pct=None,
        collected_at_sale_by=Collector.NOBODY.value,
        regime=REGIME_NOT_CROSSING if not crosses_border else "",
        hold_reasons=tuple(_unique(holds)),
        notes=tuple(notes) or (("Amounts were not computed: see the hold reasons.",) if holds else ()),
    )


def _duty(
    rule,
    ruleset,
    declaration,
    treatment: Treatment,
    line_values,
    shipping,
    customs_value,
    notes,
    assumptions,
    rules_used,
) -> tuple[Decimal, list[LineAssessment]]:
    currency = rule.currency
    lines = declaration.lines
    plain = [_line(i, line, value) for i, (line, value) in enumerate(zip(lines, line_values, strict=True), 1)]
    if treatment.duty == EXEMPT:
        return quantize(ZERO, currency), plain
    if treatment.duty == FLAT_PER_ITEM:
        subheadings = {hs.normalize(line.hs_code)[:6] for line in lines}
        duty = quantize(rule.flat_duty_per_item * len(subheadings), currency)
        notes.append(
            f"{len(subheadings)} distinct classification(s) × {money(rule.flat_duty_per_item, currency)} "
            f"= {money(duty, currency)} duty."
        )
        return duty, plain
    if treatment.duty == REGIME_RATE:
        raw = percent(customs_value, treatment.duty_rate_pct) - treatment.duty_deduction
        duty = quantize(max(ZERO, raw), currency)
        notes.append(
            f"Duty {pct(treatment.duty_rate_pct)} of {money(customs_value, currency)}"
            f"{' less ' + money(treatment.duty_deduction, currency) if treatment.duty_deduction else ''}"
            f" = {money(duty, currency)}."
        )
        return duty, plain

    if treatment.duty != RATES:
        raise ValueError(f"Unknown duty treatment {treatment.duty!r}.")
    goods = sum(line_values, ZERO)
    raw, results = ZERO, []
    for number, (line, value) in enumerate(zip(lines, line_values, strict=True), start=1):
        entry = duty_rate_for(line.hs_code, ruleset.duty_rates)
        code = hs.normalize(line.hs_code) or "(none)"
        if entry is None:
            rate, assumed = ZERO, True
            assumptions.append(f"no duty rate on file for HS {code} in {ruleset.customs_area}: assumed 0 %")
        else:
            rate, assumed = entry.rate_pct, entry.hs_prefix == ""
            rules_used.append(
                RuleUsed(
                    "duty_rate",
                    entry.id,
                    f"{entry.destination} HS {entry.hs_prefix or '(default)'} {pct(entry.rate_pct)}",
                    entry.effective_from,
                    None,
                    entry.source,
                )
            )
            if assumed:
                assumptions.append(
                    f"no duty rate on file for HS {code} in {ruleset.customs_area}: assumed {pct(entry.rate_pct)} "
                    f"({entry.source}, {entry.confidence or 'unknown'} confidence)"
                )
        share = shipping * value / goods if rule.shipping_in_duty_base and goods else ZERO
        raw += percent(value + share, rate)
        results.append(_line(number, line, value, rate, entry.id if entry else None, assumed))
    duty = quantize(raw, currency)
    rates = ", ".join(f"{r.hs_code or '(none)'} {pct(r.duty_rate_pct)}" for r in results)
    notes.append(f"Duty at HS rates ({rates}) on {money(customs_value, currency)} = {money(duty, currency)}.")
    return duty, results


def duty_rate_for(hs_code: str, rates: tuple[DutyRateEntry, ...]) -> DutyRateEntry | None:
    """The rate of the longest prefix of ``hs_code``; the blank-prefix default when none matches."""
    code = hs.normalize(hs_code)
    matches = [r for r in rates if r.hs_prefix and code.startswith(r.hs_prefix)]
    if matches:
        return max(matches, key=lambda r: len(r.hs_prefix))
    return next((r for r in rates if r.hs_prefix == ""), None)


def _line(number, line, value, rate=None, rate_id=None, assumed=False) -> LineAssessment:
    return LineAssessment(number, hs.normalize(line.hs_code), value, rate, rate_id, assumed)


def _tax_rate(rule: RuleVersion, ruleset: RuleSet, assumptions, rules_used) -> Decimal:
    if rule.standard_tax_rate_pct is not None:
        return rule.standard_tax_rate_pct
    vat = ruleset.vat_rate
    if vat is None:
        assumptions.append(f"no VAT rate on file for {ruleset.destination_country}: assumed 0 %")
        return ZERO
    rules_used.append(
        RuleUsed("vat_rate", vat.id, f"{vat.country} VAT {pct(vat.rate_pct)}", vat.effective_from, None, vat.source)
    )
    return vat.rate_pct


def _tax_name(ruleset: RuleSet) -> str:
    return TAX_NAMES.get(ruleset.customs_area, "import tax")


def _tax_note(rule, ruleset, rate, treatment: Treatment, tax_base, tax) -> str:
    name = _tax_name(ruleset)
    where = f" ({ruleset.destination_country})" if ruleset.customs_area == "EU" else ""
    shown = pct(rate)
    if treatment.tax_factor != 1:
        shown = f"{pct(treatment.tax_factor * 100)} of {pct(rate)}"
    how = " computed inside its own base" if treatment.tax_inclusive else ""
    name = name[0].upper() + name[1:]
    return f"{name} {shown}{where} on {money(tax_base, rule.currency)}{how} = {money(tax, rule.currency)}."


def _value_note(rule: RuleVersion, goods, shipping, customs_value) -> str:
    if rule.shipping_in_duty_base:
        return f"Customs value {money(customs_value, rule.currency)} (goods {goods:,} + shipping {shipping:,}, CIF)."
    return f"Customs value {money(customs_value, rule.currency)} (goods only, FOB; shipping {shipping:,})."


def _rule_used(rule: RuleVersion) -> RuleUsed:
    return RuleUsed(
        "customs_rule",
        rule.id,
        f"{rule.destination} {rule.low_value_regime} ({rule.effective_from or 'since ever'} – "
        f"{rule.effective_to or 'open'})",
        rule.effective_from,
        rule.effective_to,
        rule.source,
    )


def _goods_in(declaration: Declaration, rates: RateTable, target: str) -> Decimal | None:
    total = ZERO
    for line in declaration.lines:
        route = rates.route(line.currency, target, declaration.date)
        if route is None:
            return None
        total += apply_route(line.quantity * (line.unit_value or ZERO), route)
    return total


def _unique(items):
    return list(dict.fromkeys(items))
