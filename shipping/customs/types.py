"""The engine's inputs and outputs: frozen dataclasses, no ORM objects.

A caller (order preview, mode comparison, customs stage handler) builds a ``Declaration``,
asks ``customs_ruleset_for(destination=…, date=…)`` for a ``RuleSet`` and passes both to
``customs_assess``, which returns a ``CustomsAssessment``.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from shipping.customs.codes import Incoterm, TransportKind


def to_decimal(value: Any, *, name: str) -> Decimal:
    """A Decimal from a Decimal, int or numeric string (floats go through ``str``)."""
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{name}: {value!r} is not a number.") from exc


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class DeclarationLine:
    """One line of goods. ``unit_value`` may be ``None`` (missing: the parcel is held)."""

    hs_code: str
    description: str
    quantity: int
    unit_value: Decimal | None
    currency: str
    origin_country: str = ""  # blank: the declaration's origin country
    restricted: bool = False  # e.g. dangerous goods, or goods needing a permit

    def __post_init__(self):
        if not isinstance(self.quantity, int) or self.quantity < 1:
            raise ValueError(f"quantity: {self.quantity!r} must be a whole number of at least 1.")
        if self.unit_value is not None:
            object.__setattr__(self, "unit_value", to_decimal(self.unit_value, name="unit_value"))
        object.__setattr__(self, "currency", (self.currency or "").strip().upper())
        object.__setattr__(self, "origin_country", (self.origin_country or "").strip().upper())
        object.__setattr__(self, "hs_code", (self.hs_code or "").strip())


@dataclass(frozen=True)
class Declaration:
    """What crosses the border, as the engine needs it."""

    origin_country: str
    destination_country: str
    date: datetime.date
    lines: tuple[DeclarationLine, ...]
    incoterm: str = Incoterm.DAP
    transport: str = TransportKind.COURIER
    shipping_cost: Decimal = Decimal("0")
    shipping_currency: str = ""  # blank: the first line's currency
    ioss_number: str = ""
    seller_registered_for_point_of_sale_tax: bool = False  # UK VAT / AU GST / SG GST vendor collection
    platform_certified: bool = False  # Brazil's Remessa Conforme

    def __post_init__(self):
        object.__setattr__(self, "origin_country", (self.origin_country or "").strip().upper())
        object.__setattr__(self, "destination_country", (self.destination_country or "").strip().upper())
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "incoterm", str(self.incoterm or "").upper())
        object.__setattr__(self, "transport", str(self.transport or "").lower())
        object.__setattr__(self, "shipping_cost", to_decimal(self.shipping_cost or 0, name="shipping_cost"))
        object.__setattr__(self, "shipping_currency", (self.shipping_currency or "").strip().upper())
        object.__setattr__(self, "ioss_number", (self.ioss_number or "").strip())
        if self.incoterm not in Incoterm.values:
            raise ValueError(f"incoterm: {self.incoterm!r} is not one of {', '.join(Incoterm.values)}.")
        if self.transport not in TransportKind.values:
            raise ValueError(f"transport: {self.transport!r} is not one of {', '.join(TransportKind.values)}.")
        if self.shipping_cost < 0:
            raise ValueError("shipping_cost: must not be negative.")
        if not isinstance(self.date, datetime.date) or isinstance(self.date, datetime.datetime):
            raise ValueError("date: must be a datetime.date.")

    @property
    def charges_currency(self) -> str:
        return self.shipping_currency or (self.lines[0].currency if self.lines else "")


# ------------------------------------------------------------------ rules (snapshots)


@dataclass(frozen=True)
class RuleVersion:
    """A ``CustomsRule`` row as the engine sees it."""

    id: int | None
    destination: str
    currency: str
    duty_de_minimis: Decimal
    tax_de_minimis: Decimal
    standard_tax_rate_pct: Decimal | None
    low_value_regime: str
    regime_threshold: Decimal | None
    flat_duty_per_item: Decimal | None
    effective_from: datetime.date | None
    effective_to: datetime.date | None
    shipping_in_duty_base: bool = True
    shipping_in_tax_base: bool = True
    shipping_in_threshold: bool = False
    regime_parameters: Mapping[str, Any] = field(default_factory=dict, hash=False)
    confidence: str = ""
    source: str = ""

    def __post_init__(self):
        object.__setattr__(self, "regime_parameters", MappingProxyType(dict(self.regime_parameters)))

    def parameter(self, key: str) -> Decimal:
        return to_decimal(self.regime_parameters[key], name=f"regime_parameters.{key}")


@dataclass(frozen=True)
class VatRateEntry:
    id: int | None
    country: str
    rate_pct: Decimal
    effective_from: datetime.date | None
    source: str = ""


@dataclass(frozen=True)
class DutyRateEntry:
    """A duty rate for HS codes starting with ``hs_prefix``; a blank prefix is the default."""

    id: int | None
    destination: str
    hs_prefix: str
    rate_pct: Decimal
    effective_from: datetime.date | None
    source: str = ""
    confidence: str = ""
    note: str = ""


@dataclass(frozen=True)
class ExchangeRateEntry:
    """One stored rate: 1 ``base`` = ``rate`` ``quote`` on ``date``."""

    id: int | None
    date: datetime.date
    base: str
    quote: str
    rate: Decimal
    source: str = ""


@dataclass(frozen=True)
class RuleSet:
    """Everything in force for one destination on one date; built by ``customs_ruleset_for``.

    ``duty_rates`` holds, per prefix, the latest version on or before ``date``; ``exchange_rates``
    the latest row per currency pair on or before ``date``.
    """

    destination_country: str
    customs_area: str
    date: datetime.date
    rule: RuleVersion | None
    vat_rate: VatRateEntry | None = None
    duty_rates: tuple[DutyRateEntry, ...] = ()
    exchange_rates: tuple[ExchangeRateEntry, ...] = ()


# ---------------------------------------------------------------------------- output


@dataclass(frozen=True)
class HoldReason:
    code: str  # a ``HoldCode``
    message: str
    tracking_reason: str  # Karrio-style exception reason for the tracking event
    line: int | None = None  # 1-based line number, when one line causes it

    def __post_init__(self):
        object.__setattr__(self, "code", str(self.code))


@dataclass(frozen=True)
class RuleUsed:
    """A rule row the assessment relied on: ``kind`` is customs_rule, vat_rate or duty_rate."""

    kind: str
    id: int | None
    label: str
    effective_from: datetime.date | None
    effective_to: datetime.date | None = None
    source: str = ""


@dataclass(frozen=True)
class ExchangeRateUsed:
    """One conversion leg: ``amount × rate`` turns ``from_currency`` into ``to_currency``.

    ``stored_rate`` is the row as stored (1 base = stored_rate quote); ``inverted`` says the
    row was read backwards.
    """

    from_currency: str
    to_currency: str
    rate: Decimal
    date: datetime.date
    row_id: int | None
    stored_rate: Decimal
    inverted: bool
    source: str = ""


@dataclass(frozen=True)
class LineAssessment:
    line: int  # 1-based
    hs_code: str
    customs_value: Decimal  # goods value of the line in the assessment currency
    duty_rate_pct: Decimal | None  # None when the duty is not rate-based (exempt, flat, regime rate)
    duty_rate_id: int | None = None
    duty_rate_assumed: bool = False


@dataclass(frozen=True)
class CustomsAssessment:
    """The engine's answer. Money is in ``currency`` (the destination rule's), quantized."""

    destination_country: str
    customs_area: str
    date: datetime.date
    crosses_border: bool
    currency: str
    goods_value: Decimal
    shipping_value: Decimal
    customs_value: Decimal  # the duty base (goods, plus shipping where the destination values CIF)
    duty: Decimal
    tax: Decimal
    total: Decimal  # duty + tax
    collected_at_sale: Decimal  # part of the total collected at checkout (IOSS, point-of-sale VAT/GST …)
    due_at_border: Decimal  # total - collected_at_sale: what the payer pays at import
    tax_rate_pct: Decimal | None
    incoterm: str
    payer: str  # who pays what is due at the border: buyer (DAP) or merchant (DDP)
    collected_at_sale_by: str  # "", "seller" or "platform"
    regime: str  # a LowValueRegime code, "de_minimis", "standard" or "no_customs_border"
    rules_used: tuple[RuleUsed, ...] = ()
    exchange_rates: tuple[ExchangeRateUsed, ...] = ()
    documents: tuple[str, ...] = ()
    hold_reasons: tuple[HoldReason, ...] = ()
    notes: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    lines: tuple[LineAssessment, ...] = ()

    @property
    def held(self) -> bool:
        return bool(self.hold_reasons)

    @property
    def hold_codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.hold_reasons)

    @property
    def customs_rule(self) -> RuleUsed | None:
        return next((rule for rule in self.rules_used if rule.kind == "customs_rule"), None)
