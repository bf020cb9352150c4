"""Rounding to a currency's minor unit, and conversion with dated exchange rates."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from shipping.customs.types import ExchangeRateEntry, ExchangeRateUsed

# ISO 4217 minor units of the currencies in play; every other one has two decimals.
MINOR_UNITS: dict[str, int] = {"JPY": 0, "KRW": 0}
PIVOT_CURRENCY = "USD"
HUNDRED = Decimal(100)


def minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (JPY 1, EUR 0.01)."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def pct(rate_pct: Decimal) -> str:
    """``16.50`` → ``"16.5 %"``."""
    return f"{Decimal(rate_pct).normalize():f} %"


def percent(amount: Decimal, rate_pct: Decimal) -> Decimal:
    return amount * rate_pct / HUNDRED


class RateTable:
    """The exchange rates of a rule set: the latest row per pair on or before a date."""

    def __init__(self, rates: tuple[ExchangeRateEntry, ...] | list[ExchangeRateEntry]):
        self._rates: dict[tuple[str, str], list[ExchangeRateEntry]] = {}
        for entry in rates:
            self._rates.setdefault((entry.base, entry.quote), []).append(entry)
        for entries in self._rates.values():
            entries.sort(key=lambda e: e.date)

    def _latest(self, base: str, quote: str, on: datetime.date) -> ExchangeRateEntry | None:
        candidates = [e for e in self._rates.get((base, quote), []) if e.date <= on]
        return candidates[-1] if candidates else None

    def leg(self, from_currency: str, to_currency: str, on: datetime.date) -> ExchangeRateUsed | None:
        """A direct conversion leg, from a row stored either way round; the newer row wins."""
        direct = self._latest(from_currency, to_currency, on)
        inverse = self._latest(to_currency, from_currency, on)
        if direct is None and inverse is None:
            return None
        if inverse is None or (direct is not None and direct.date >= inverse.date):
            return ExchangeRateUsed(
                from_currency, to_currency, direct.rate, direct.date, direct.id, direct.rate, False, direct.source
            )
        return ExchangeRateUsed(
            from_currency,
            to_currency,
            Decimal(1) / inverse.rate,
            inverse.date,
            inverse.id,
            inverse.rate,
            True,
            inverse.source,
        )

    def route(self, from_currency: str, to_currency: str, on: datetime.date) -> tuple[ExchangeRateUsed, ...] | None:
        """The legs that convert ``from_currency`` into ``to_currency``: none, one, or two via USD."""
        if from_currency == to_currency:
            return ()
        direct = self.leg(from_currency, to_currency, on)
        if direct is not None:
            return (direct,)
        if PIVOT_CURRENCY in (from_currency, to_currency):
            return None
        first = self.leg(from_currency, PIVOT_CURRENCY, on)
        second = self.leg(PIVOT_CURRENCY, to_currency, on)
        if first is None or second is None:
            return None
        return (first, second)


def apply_route(amount: Decimal, legs: tuple[ExchangeRateUsed, ...]) -> Decimal:
    """Convert without intermediate rounding; an inverted leg divides by the stored rate."""
    for leg in legs:
        amount = amount / leg.stored_rate if leg.inverted else amount * leg.stored_rate
    return amount
