"""Countries, currencies and customs areas that every app reads.

The EU member states form one customs union: goods moving between them cross no customs
border. Every other country is its own customs area.
"""

import re

from django.db import models

EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)


class Currency(models.TextChoices):
    USD = "USD", "US dollar"
    EUR = "EUR", "Euro"
    GBP = "GBP", "Pound sterling"
    CNY = "CNY", "Chinese yuan"
    HKD = "HKD", "Hong Kong dollar"
    INR = "INR", "Indian rupee"
    JPY = "JPY", "Japanese yen"
    AUD = "AUD", "Australian dollar"
    CAD = "CAD", "Canadian dollar"
    SGD = "SGD", "Singapore dollar"
    MXN = "MXN", "Mexican peso"
    BRL = "BRL", "Brazilian real"
    AED = "AED", "UAE dirham"
    SAR = "SAR", "Saudi riyal"
    TRY = "TRY", "Turkish lira"
    KRW = "KRW", "South Korean won"
    CHF = "CHF", "Swiss franc"
    SEK = "SEK", "Swedish krona"
    PLN = "PLN", "Polish zloty"


def customs_area(country: str) -> str:
    """The customs area of a country: ``EU`` for a member state, else the country itself."""
    country = (country or "").upper()
    return "EU" if country in EU_MEMBER_STATES else country


def crosses_customs_border(origin: str, destination: str) -> bool:
    return customs_area(origin) != customs_area(destination)


# Postal code formats of the main markets (what the national post accepts, spaces optional).
POSTAL_CODE_PATTERNS: dict[str, tuple[str, str]] = {
    "US": (r"\d{5}(-\d{4})?", "5 digits, or ZIP+4 (94105 or 94105-1234)"),
    "CA": (r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d", "like K1A 0B1"),
    "GB": (r"(GIR 0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})", "like SW1A 1AA"),
    "DE": (r"\d{5}", "5 digits"),
    "FR": (r"\d{5}", "5 digits"),
    "IT": (r"\d{5}", "5 digits"),
    "ES": (r"\d{5}", "5 digits"),
    "NL": (r"\d{4} ?[A-Z]{2}", "like 1012 AB"),
    "PL": (r"\d{2}-\d{3}", "like 00-950"),
    "SE": (r"\d{3} ?\d{2}", "like 114 55"),
    "JP": (r"\d{3}-?\d{4}", "like 100-0001"),
    "AU": (r"\d{4}", "4 digits"),
    "CN": (r"\d{6}", "6 digits"),
    "IN": (r"[1-9]\d{5}", "6 digits, not starting with 0"),
    "SG": (r"\d{6}", "6 digits"),
    "BR": (r"\d{5}-?\d{3}", "like 01310-100"),
    "MX": (r"\d{5}", "5 digits"),
}


def postal_code_error(country: str, postal_code: str) -> str | None:
    """Why ``postal_code`` is not valid in ``country`` (None if it is, or the format is unknown)."""
    pattern = POSTAL_CODE_PATTERNS.get((country or "").upper())
    if pattern is None:
        return None
    code = (postal_code or "").strip().upper()
    if not code:
        return f"Enter the postal code: {country} addresses need one ({pattern[1]})."
    if not re.fullmatch(pattern[0], code):
        return f"{code} is not a valid {country} postal code ({pattern[1]})."
    return None
