"""Duty and tax estimates before a parcel exists, shared by the fulfillment preview and the mode
comparison; they come from the customs engine in the destination's currency. The platform's own
fees are ``shipping.fees``.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from merchants.geography import crosses_customs_border
from merchants.models import Product
from shipping.customs import Declaration, DeclarationLine, customs_assess, customs_ruleset_for
from shipping.customs.money import RateTable, apply_route
from shipping.fees import money


@dataclass(frozen=True)
class DutyEstimate:
    duty: Decimal
    tax: Decimal
    currency: str
    payer: str
    regime: str
    notes: tuple[str, ...]
    hold_reasons: tuple[str, ...]
    report_currency: str = ""
    report_rate: Decimal | None = None  # one unit of ``currency`` in ``report_currency``, at the engine's dated rate

    @property
    def total(self) -> Decimal:
        return self.duty + self.tax

    def in_report_currency(self, amount: Decimal) -> Decimal | None:
        return money(amount * self.report_rate) if self.report_rate is not None else None


def duty_estimate(
    *,
    origin: str,
    destination: str,
    items: list[tuple[Product, int, Decimal, str]],
    on: datetime.date,
    incoterm: str = "DAP",
    ioss_number: str = "",
    shipping_cost: Decimal = Decimal(0),
    report_currency: str = "USD",
) -> DutyEstimate | None:
    """Duties and taxes on a parcel of ``items`` ((product, quantity, unit value, currency)).

    ``None`` when the parcel crosses no customs border or the engine cannot assess it.
    """
    if not crosses_customs_border(origin, destination):
        return None
    declaration = Declaration(
        origin_country=origin,
        destination_country=destination,
        date=on,
        incoterm=incoterm,
        ioss_number=ioss_number,
        shipping_cost=shipping_cost,
        lines=tuple(
            DeclarationLine(
                hs_code=product.hs_code,
                description=product.title,
                quantity=quantity,
                unit_value=unit_value,
                currency=currency,
                origin_country=product.origin_country.code,
                restricted=product.is_dangerous_goods,
            )
            for product, quantity, unit_value, currency in items
        ),
    )
    ruleset = customs_ruleset_for(destination, on)
    assessment = customs_assess(declaration, ruleset)
    legs = RateTable(ruleset.exchange_rates).route(assessment.currency, report_currency, on)
    return DutyEstimate(
        report_currency=report_currency,
        report_rate=apply_route(Decimal(1), legs) if legs is not None else None,
        duty=assessment.duty,
        tax=assessment.tax,
        currency=assessment.currency,
        payer=assessment.payer,
        regime=assessment.regime,
        notes=tuple(assessment.notes),
        hold_reasons=tuple(reason.message for reason in assessment.hold_reasons),
    )
