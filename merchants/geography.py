"""Countries, currencies and customs areas that every app reads.

The EU member states form one customs union: goods moving between them cross no customs
border. Every other country is its own customs area.
"""

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
