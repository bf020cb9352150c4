"""How each low-value regime treats a consignment: which duty applies, whether tax is due, and
who collects it. Pure functions of a rule version and a declaration.

Every threshold compares ``threshold_value`` (goods, plus shipping where the rule says so) in
the rule's currency and is inclusive: "up to EUR 150" includes EUR 150.00.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError

from merchants.validators import normalize_identifier, validate_ioss
from shipping.customs.codes import (
    HOLD_TRACKING_REASON,
    REGIME_DE_MINIMIS,
    REGIME_STANDARD,
    Collector,
    HoldCode,
    Incoterm,
    LowValueRegime,
    TransportKind,
)
from shipping.customs.money import HUNDRED, pct
from shipping.customs.types import Declaration, HoldReason, RuleVersion

EXEMPT = "exempt"  # no duty
RATES = "rates"  # duty by HS rate per line
FLAT_PER_ITEM = "flat_per_item"  # the rule's flat amount per distinct HS subheading
REGIME_RATE = "regime_rate"  # one regime rate on the whole customs value, less a deduction (Brazil, Mexico)


@dataclass(frozen=True)
class Treatment:
    regime: str
    duty: str
    duty_rate_pct: Decimal | None = None  # REGIME_RATE only
    duty_deduction: Decimal = Decimal(0)  # REGIME_RATE only; the duty never goes below zero
    tax_due: bool = True
    tax_factor: Decimal = Decimal(1)  # China's CBEC regime charges 70 % of the tax
    tax_inclusive: bool = False  # Brazil's ICMS is part of its own base ("por dentro")
    collected_at_sale_by: str = Collector.NOBODY
    duty_collected_at_sale: bool = False
    notes: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    holds: tuple[HoldReason, ...] = field(default=())


def money(amount: Decimal | None, currency: str) -> str:
    return f"{currency} {amount:,}" if amount is not None else f"{currency} ?"


def _within(value: Decimal, limit: Decimal | None) -> bool:
    return limit is not None and limit > 0 and value <= limit


def treatment_for(*, rule: RuleVersion, declaration: Declaration, threshold_value: Decimal) -> Treatment:
    handler = _HANDLERS.get(rule.low_value_regime, _none)
    return handler(rule, declaration, threshold_value)


def _de_minimis(
    rule: RuleVersion,
    value: Decimal,
    *,
    duty_limit: Decimal | None = None,
    tax_limit: Decimal | None = None,
    regime_when_relieved: str = REGIME_DE_MINIMIS,
    notes: tuple[str, ...] = (),
) -> Treatment:
    """Duty and tax de minimis: at or below a limit, that charge is waived for the consignment."""
    duty_limit = rule.duty_de_minimis if duty_limit is None else duty_limit
    tax_limit = rule.tax_de_minimis if tax_limit is None else tax_limit
    duty_free, tax_free = _within(value, duty_limit), _within(value, tax_limit)
    out = list(notes)
    shown = money(value, rule.currency)
    if duty_free:
        out.append(f"{shown} is within the {money(duty_limit, rule.currency)} duty de minimis: no duty.")
    elif duty_limit and duty_limit > 0:
        out.append(f"{shown} is above the {money(duty_limit, rule.currency)} duty de minimis: duty is due.")
    if tax_free:
        out.append(f"{shown} is within the {money(tax_limit, rule.currency)} tax de minimis: no import tax.")
    return Treatment(
        regime=regime_when_relieved if duty_free or tax_free else REGIME_STANDARD,
        duty=EXEMPT if duty_free else RATES,
        tax_due=not tax_free,
        notes=tuple(out),
    )


def _none(rule: RuleVersion, declaration: Declaration, value: Decimal) -> Treatment:
    return _de_minimis(rule, value)


def _section_321(rule: RuleVersion, declaration: Declaration, value: Decimal) -> Treatment:
    excluded = set(rule.regime_parameters.get("excluded_origins", ()))
    since = rule.regime_parameters.get("excluded_origins_from")
    origins = {line.origin_country or declaration.origin_country for line in declaration.lines}
    if excluded & origins and (since is None or declaration.date >= datetime.date.fromisoformat(since)):
        names = ", ".join(sorted(excluded & origins))
        return _de_minimis(
            rule,
            value,
            duty_limit=Decimal(0),
            notes=(f"Section 321 de minimis is suspended for goods of {names} origin since {since}: duty is due.",),
        )
    return _de_minimis(rule, value, duty_limit=rule.regime_threshold, regime_when_relieved=rule.low_value_regime)


def _valid_ioss(number: str) -> bool:
    try:
        validate_ioss(number)
    except ValidationError:
        return False
    return True


def _ioss(rule: RuleVersion, declaration: Declaration, value: Decimal) -> Treatment:
    limit = rule.regime_threshold
    ioss = normalize_identifier(declaration.ioss_number)
    if not _within(value, limit):
        notes = (
            f"{money(value, rule.currency)} is above the {money(limit, rule.currency)} low-value limit: "
            "normal duty rates and import VAT at the border.",
        )
        if ioss:
            notes += ("IOSS covers only consignments up to the limit; the IOSS number is not used.",)
        return Treatment(regime=REGIME_STANDARD, duty=RATES, notes=notes)

    notes = [f"{money(value, rule.currency)} is within the {money(limit, rule.currency)} low-value limit."]
    if rule.flat_duty_per_item:
        duty = FLAT_PER_ITEM
        notes.append(
            f"Flat duty of {money(rule.flat_duty_per_item, rule.currency)} per distinct tariff classification "
            "(six-digit HS subheading), paid at import whatever the VAT scheme; VAT is charged on it."
        )
    elif _within(value, rule.duty_de_minimis):
        duty = EXEMPT
        notes.append("No customs duty on low-value consignments.")
    else:
        duty = RATES
    holds: tuple[HoldReason, ...] = ()
    if ioss and _valid_ioss(ioss):
        notes.append(f"VAT was collected at checkout under IOSS {ioss}; nothing more is due for VAT at import.")
        collector = Collector.SELLER
    else:
        collector = Collector.NOBODY
        if ioss:
            notes.append(f"{ioss} is not a valid IOSS number (IM + 10 digits): it is ignored.")
        if declaration.incoterm == Incoterm.DDP:
            holds = (
                HoldReason(
                    HoldCode.MISSING_IOSS,
                    f"DDP parcel to the EU worth {money(value, rule.currency)} (up to {money(limit, rule.currency)}) "
                    "without a valid IOSS number: VAT was not collected at sale, so customs holds the parcel "
                    "until an IOSS number is supplied or the merchant pays the import VAT.",
                    HOLD_TRACKING_REASON[HoldCode.MISSING_IOSS],
                ),
            )
        else:
            notes.append("No IOSS number: import VAT is collected from the buyer at the border.")
    return Treatment(
        regime=rule.low_value_regime, duty=duty, collected_at_sale_by=collector, notes=tuple(notes), holds=holds
    )


def _point_of_sale(rule: RuleVersion, declaration: Declaration, value: Decimal) -> Treatment:
    """UK VAT, AU GST and SG GST: the seller charges the tax at checkout up to the threshold."""
    limit = rule.regime_threshold
    if not _within(value, limit):
        return _de_minimis(
            rule,
            value,
            notes=(
                f"{money(value, rule.currency)} is above the {money(limit, rule.currency)} point-of-sale limit: "
                "import tax is collected at the border.",
            ),
        )
    base = _de_minimis(rule, value, tax_limit=Decimal(0), regime_when_relieved=rule.low_value_regime)
    notes = [
        f"{money(value, rule.currency)} is within the {money(limit, rule.currency)} point-of-sale limit.",
        *base.notes,
    ]
    if declaration.seller_registered_for_point_of_sale_tax:
        notes.append("The seller is registered and charged the tax at checkout; none is due at the border.")
        return Treatment(
            regime=rule.low_value_regime, duty=base.duty, collected_at_sale_by=Collector.SELLER, notes=tuple(notes)
        )
    if rule.regime_parameters.get("unregistered_seller") == "relief":
        notes.append(
            "The seller is not registered for point-of-sale tax: no tax is collected at the border on goods "
            "up to the limit (a seller above the registration threshold must register)."
        )
        return Treatment(regime=rule.low_value_regime, duty=base.duty, tax_due=False, notes=tuple(notes))
    notes.append(
        "The seller is not registered to charge the tax at checkout, as it should be: "
        "the tax is collected at the border instead."
    )
    return Treatment(regime=rule.low_value_regime, duty=base.duty, notes=tuple(notes))


def _cusma_courier(rule: RuleVersion, declaration: Declaration, value: Decimal) -> Treatment:
    origins = set(rule.regime_parameters.get("courier_origins", ()))
    if declaration.transport == TransportKind.COURIER and declaration.origin_country in origins:
        return _de_minimis(
            rule,
            value,
            duty_limit=rule.regime_threshold,
            tax_limit=rule.parameter("courier_tax_threshold"),
            regime_when_relieved=rule.low_value_regime,
            notes=(
                f"Courier shipment from {declaration.origin_country}: CUSMA thresholds "
                f"({money(rule.regime_threshold, rule.currency)} duty, "
                f"{money(rule.parameter('courier_tax_threshold'), rule.currency)} tax; the duty relief "
                "assumes CUSMA-originating goods).",
            ),
        )
    return _de_minimis(
        rule, value, notes=(f"General thresholds ({declaration.transport} from {declaration.origin_country}).",)
    )


def _cn_cbec(rule: RuleVersion, declaration: Declaration, value: Decimal) -> Treatment:
    limit = rule.regime_threshold
    if not _within(value, limit):
        return Treatment(
            regime=REGIME_STANDARD,
            duty=RATES,
            notes=(
                f"{money(value, rule.currency)} is above the {money(limit, rule.currency)} cross-border "
                "e-commerce limit: general trade import with full duty and VAT.",
            ),
        )
    factor = rule.parameter("tax_factor_pct") / HUNDRED
    return Treatment(
        regime=rule.low_value_regime,
        duty=EXEMPT,
        tax_factor=factor,
        collected_at_sale_by=Collector.PLATFORM,
        notes=(
            f"Cross-border e-commerce retail import within {money(limit, rule.currency)}: 0 % duty; import VAT "
            f"at {pct(rule.parameter('tax_factor_pct'))} of the normal amount, withheld by the platform at sale.",
            "The annual CNY 26,000 per-person limit and the approved product list are not checked.",
        ),
    )


def _mx_courier(rule: RuleVersion, declaration: Declaration, value: Decimal) -> Treatment:
    limit = rule.regime_threshold
    if declaration.transport != TransportKind.COURIER or not _within(value, limit):
        return _de_minimis(rule, value, notes=("Outside the courier simplified regime: normal duty and IVA.",))
    if declaration.origin_country in set(rule.regime_parameters.get("fta_origins", ())):
        if value <= rule.parameter("fta_exempt_limit"):
            rate = Decimal(0)
        elif value <= rule.parameter("fta_low_band_limit"):
            rate = rule.parameter("fta_low_band_rate_pct")
        else:
            rate = rule.parameter("fta_high_band_rate_pct")
    else:
        rate = rule.parameter("global_rate_pct")
    replaces_tax = bool(rule.regime_parameters.get("global_rate_replaces_tax", True))
    assumptions = (
        ("Mexico's courier global rate is assumed to include IVA (unconfirmed in the reference).",)
        if replaces_tax
        else ()
    )
    return Treatment(
        regime=rule.low_value_regime,
        duty=REGIME_RATE,
        duty_rate_pct=rate,
        tax_due=not replaces_tax,
        notes=(f"Courier simplified regime: global rate {pct(rate)} for goods from {declaration.origin_country}.",),
        assumptions=assumptions,
    )


def _br_remessa_conforme(rule: RuleVersion, declaration: Declaration, value: Decimal) -> Treatment:
    limit = rule.regime_threshold
    inclusive = bool(rule.regime_parameters.get("tax_inclusive", False))
    if not _within(value, limit):
        return Treatment(
            regime=REGIME_STANDARD,
            duty=RATES,
            tax_inclusive=inclusive,
            notes=(f"Above {money(limit, rule.currency)}: formal import; IPI and PIS/COFINS are not modelled.",),
        )
    if declaration.platform_certified:
        if value <= rule.parameter("low_band_limit"):
            rate, deduction = rule.parameter("low_band_rate_pct"), Decimal(0)
        else:
            rate, deduction = rule.parameter("high_band_rate_pct"), rule.parameter("high_band_deduction")
        who = "certified platform"
    else:
        rate, deduction = rule.parameter("non_certified_rate_pct"), Decimal(0)
        who = "non-certified seller"
    deducted = f" minus {money(deduction, rule.currency)}" if deduction else ""
    notes = [f"Remessa Conforme, {who}: import tax {pct(rate)}{deducted}."]
    notes.append(
        "State ICMS is computed inside its own base ('por dentro'); ten states charge 20 %, "
        "the standard rate on file is used."
        if inclusive
        else "State ICMS at the rate on file."
    )
    certified = declaration.platform_certified
    if certified:
        notes.append("The certified platform collected the import tax and ICMS at checkout.")
    return Treatment(
        regime=rule.low_value_regime,
        duty=REGIME_RATE,
        duty_rate_pct=rate,
        duty_deduction=deduction,
        tax_inclusive=inclusive,
        collected_at_sale_by=Collector.PLATFORM if certified else Collector.NOBODY,
        duty_collected_at_sale=certified,
        notes=tuple(notes),
    )


_HANDLERS = {
    LowValueRegime.NONE: _none,
    LowValueRegime.SECTION_321: _section_321,
    LowValueRegime.IOSS: _ioss,
    LowValueRegime.UK_POINT_OF_SALE_VAT: _point_of_sale,
    LowValueRegime.AU_POINT_OF_SALE_GST: _point_of_sale,
    LowValueRegime.SG_OVERSEAS_VENDOR_GST: _point_of_sale,
    LowValueRegime.CUSMA_COURIER: _cusma_courier,
    LowValueRegime.CN_CBEC_RETAIL_IMPORT: _cn_cbec,
    LowValueRegime.COURIER_SIMPLIFIED: _mx_courier,
    LowValueRegime.BR_REMESSA_CONFORME: _br_remessa_conforme,
}
