"""Seed rows for the customs tables, from the reference files in ``shipping/data`` and a few
documented Crossdock figures; ``customs_reference_load()`` upserts them idempotently.

The data migration calls the loader with its historical models (``apps``); tests call it
after a flush. Operators own the rows afterwards:

- customs rules, VAT rates and duty rates are matched on their natural key (destination /
  country, HS prefix, ``effective_from``) and their figures follow the seed, except a rule's
  ``effective_to``, which is only set when the row is created (an operator may have closed it);
- exchange rates are only ever added, never overwritten.
"""

import csv
import datetime
from decimal import Decimal
from pathlib import Path

from django.apps import apps as global_apps
from django.db import transaction

from shipping.customs.codes import Confidence, LowValueRegime

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_DEFAULT = "Crossdock demo default"
DEMO_RATE = "Crossdock demo rate (not market data)"

# Valuation, not in the reference file: (shipping in the duty base, in the tax base, in the
# threshold value). US and CA value goods FOB; AU charges duty FOB but GST on the value
# including transport; the EU, UK and Singapore thresholds use the goods' intrinsic value.
VALUATION: dict[str, tuple[bool, bool, bool]] = {
    "US": (False, False, False),
    "CA": (False, False, False),
    "AU": (False, True, False),
    "EU": (True, True, False),
    "GB": (True, True, False),
    "SG": (True, True, False),
}
CIF_EVERYWHERE = (True, True, True)

# Regime figures taken from the notes column of customs_rules.csv (see docs/customs.md).
REGIME_PARAMETERS: dict[tuple[str, str], dict] = {
    ("US", LowValueRegime.SECTION_321): {"excluded_origins": ["CN", "HK"], "excluded_origins_from": "2025-05-02"},
    ("CA", LowValueRegime.CUSMA_COURIER): {"courier_origins": ["US", "MX"], "courier_tax_threshold": "40"},
    ("GB", LowValueRegime.UK_POINT_OF_SALE_VAT): {"unregistered_seller": "border_collects"},
    ("AU", LowValueRegime.AU_POINT_OF_SALE_GST): {"unregistered_seller": "relief"},
    ("SG", LowValueRegime.SG_OVERSEAS_VENDOR_GST): {"unregistered_seller": "relief"},
    ("CN", LowValueRegime.CN_CBEC_RETAIL_IMPORT): {"tax_factor_pct": "70"},
    ("MX", LowValueRegime.COURIER_SIMPLIFIED): {
        "fta_origins": ["US", "CA"],
        "fta_exempt_limit": "50",
        "fta_low_band_limit": "117",
        "fta_low_band_rate_pct": "17",
        "fta_high_band_rate_pct": "19",
        "global_rate_pct": "33.5",
        "global_rate_replaces_tax": True,
    },
    ("BR", LowValueRegime.BR_REMESSA_CONFORME): {
        "low_band_limit": "50",
        "low_band_rate_pct": "20",
        "high_band_rate_pct": "60",
        "high_band_deduction": "20",
        "non_certified_rate_pct": "60",
        "tax_inclusive": True,
    },
}

# Default duty rate per destination (blank HS prefix) where the reference gives no rate for a
# code: (destination, rate %, source, confidence, note). Three come from the rule notes.
DUTY_DEFAULTS: list[tuple[str, str, str, str, str]] = [
    ("US", "3.5", DEMO_DEFAULT, Confidence.LOW, "Near the US simple-average MFN rate."),
    ("EU", "5", DEMO_DEFAULT, Confidence.LOW, "Near the EU simple-average MFN rate."),
    ("GB", "4", DEMO_DEFAULT, Confidence.LOW, "Near the UK Global Tariff simple average."),
    ("JP", "4", DEMO_DEFAULT, Confidence.LOW, "Near Japan's simple-average MFN rate."),
    ("CA", "4", DEMO_DEFAULT, Confidence.LOW, "Near Canada's simple-average MFN rate; CUSMA origin not modelled."),
    ("AU", "5", DEMO_DEFAULT, Confidence.LOW, "Australia's general rate for most dutiable goods."),
    ("CN", "7.5", DEMO_DEFAULT, Confidence.LOW, "Near China's simple-average MFN rate."),
    ("MX", "10", DEMO_DEFAULT, Confidence.LOW, "Outside the courier regime only."),
    ("BR", "12", DEMO_DEFAULT, Confidence.LOW, "Formal imports above USD 3,000 only (Mercosur common tariff)."),
    ("SA", "5", DEMO_DEFAULT, Confidence.LOW, "The GCC common external tariff for most goods."),
    ("TR", "10", DEMO_DEFAULT, Confidence.LOW, "Normal clearance; EU-origin preference not modelled."),
    (
        "AE",
        "5",
        "focus.hidubai.com/dubai-suspends-new-customs-duty-on-international-goods-above-dh300/amp/",
        Confidence.MEDIUM,
        "From customs_rules.csv: 5 % duty above AED 1,000.",
    ),
    (
        "IN",
        "20",
        "mumbaicustomszone3.gov.in/apsc-ict-faq",
        Confidence.LOW,
        "From customs_rules.csv: basic customs duty 20 % on courier imports.",
    ),
    (
        "SG",
        "0",
        "iras.gov.sg/taxes/goods-services-tax-(gst)/gst-and-digital-economy/gst-on-imports-of-low-value-goods",
        Confidence.HIGH,
        "From customs_rules.csv: general merchandise is not dutiable.",
    ),
]

# Standard VAT rates of the member states vat_rates.csv leaves out, so that every EU
# destination has one: (country, rate %, effective_from or None for "date unknown").
VAT_SUPPLEMENT_SOURCE = f"{DEMO_DEFAULT}: standard rate as commonly published; verify against EC TEDB"
VAT_SUPPLEMENT: list[tuple[str, str, str | None]] = [
    ("AT", "20", None),
    ("BE", "21", None),
    ("BG", "20", None),
    ("HR", "25", None),
    ("CY", "19", None),
    ("CZ", "21", None),
    ("DK", "25", None),
    ("EE", "22", None),
    ("EE", "24", "2025-07-01"),
    ("FI", "24", None),
    ("FI", "25.5", "2024-09-01"),
    ("GR", "24", None),
    ("HU", "27", None),
    ("IE", "23", None),
    ("LV", "21", None),
    ("LT", "21", None),
    ("LU", "17", None),
    ("MT", "18", None),
    ("PT", "23", None),
    ("RO", "19", None),
    ("RO", "21", "2025-08-01"),
    ("SK", "20", None),
    ("SK", "23", "2025-01-01"),
    ("SI", "22", None),
]

# Demo rates: 1 USD = rate quote. Plausible, dated, and not market data.
EXCHANGE_RATES: dict[str, dict[str, str]] = {
    "2025-01-01": {
        "EUR": "0.9600",
        "GBP": "0.8000",
        "CNY": "7.3000",
        "INR": "85.6000",
        "JPY": "157.0000",
        "AUD": "1.6100",
        "CAD": "1.4400",
        "SGD": "1.3600",
        "MXN": "20.8000",
        "BRL": "6.1800",
        "AED": "3.6725",
        "SAR": "3.7500",
        "TRY": "35.4000",
    },
    "2026-01-01": {
        "EUR": "0.8600",
        "GBP": "0.7500",
        "CNY": "7.0500",
        "INR": "89.9000",
        "JPY": "156.0000",
        "AUD": "1.5000",
        "CAD": "1.3800",
        "SGD": "1.2900",
        "MXN": "18.0000",
        "BRL": "5.5000",
        "AED": "3.6725",
        "SAR": "3.7500",
        "TRY": "43.0000",
    },
}


def _decimal(value: str | None, default: Decimal | None = None) -> Decimal | None:
    value = (value or "").strip()
    return Decimal(value) if value else default


def _date(value: str | None) -> datetime.date | None:
    value = (value or "").strip()
    return datetime.date.fromisoformat(value) if value else None


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def customs_rule_rows(data_dir: Path = DATA_DIR) -> list[dict]:
    """customs_rules.csv as ``CustomsRule`` field dicts; blank de minimis values mean 0."""
    rows = []
    for record in _read(data_dir / "customs_rules.csv"):
        destination = record["destination"].strip().upper()
        regime = record["low_value_regime"].strip() or LowValueRegime.NONE
        in_duty, in_tax, in_threshold = VALUATION.get(destination, CIF_EVERYWHERE)
        rows.append(
            {
                "destination": destination,
                "currency": record["currency"].strip(),
                "duty_de_minimis": _decimal(record["duty_de_minimis"], Decimal("0")),
                "tax_de_minimis": _decimal(record["tax_de_minimis"], Decimal("0")),
                "standard_tax_rate_pct": _decimal(record["standard_tax_rate_pct"]),
                "low_value_regime": regime,
                "regime_threshold": _decimal(record["regime_threshold"]),
                "flat_duty_per_item": _decimal(record["flat_duty_per_item"]),
                "regime_parameters": REGIME_PARAMETERS.get((destination, regime), {}),
                "shipping_in_duty_base": in_duty,
                "shipping_in_tax_base": in_tax,
                "shipping_in_threshold": in_threshold,
                "effective_from": _date(record["effective_from"]),
                "effective_to": _date(record["effective_to"]),
                "confidence": record["confidence"].strip(),
                "notes": record["notes"].strip(),
                "source": record["source"].strip(),
            }
        )
    return rows


def vat_rate_rows(data_dir: Path = DATA_DIR) -> list[dict]:
    rows = [
        {
            "country": r["country"].strip(),
            "rate_pct": Decimal(r["standard_rate_pct"]),
            "customs_union": r["customs_union"].strip(),
            "effective_from": _date(r["effective_from"]),
            "confidence": Confidence.HIGH,
            "source": r["source"].strip(),
        }
        for r in _read(data_dir / "vat_rates.csv")
    ]
    rows += [
        {
            "country": country,
            "rate_pct": Decimal(rate),
            "customs_union": "EU",
            "effective_from": _date(since),
            "confidence": Confidence.LOW,
            "source": VAT_SUPPLEMENT_SOURCE,
        }
        for country, rate, since in VAT_SUPPLEMENT
    ]
    return rows


def duty_rate_rows(data_dir: Path = DATA_DIR) -> list[dict]:
    """hs_duty_examples.csv (one US and one EU rate per six-digit code) plus the defaults."""
    rows = []
    for record in _read(data_dir / "hs_duty_examples.csv"):
        for destination, column in (("US", "us_mfn_duty_pct"), ("EU", "eu_mfn_duty_pct")):
            note = "; ".join(part for part in (record["category"].strip(), record["note"].strip()) if part)
            rows.append(
                {
                    "destination": destination,
                    "hs_prefix": record["hs6"].strip(),
                    "rate_pct": Decimal(record[column]),
                    "effective_from": None,
                    "confidence": Confidence.MEDIUM,
                    "source": record["source"].strip(),
                    "note": note,
                }
            )
    for destination, rate, source, confidence, note in DUTY_DEFAULTS:
        rows.append(
            {
                "destination": destination,
                "hs_prefix": "",
                "rate_pct": Decimal(rate),
                "effective_from": None,
                "confidence": confidence,
                "source": source,
                "note": note,
            }
        )
    return rows


def exchange_rate_rows() -> list[dict]:
    return [
        {
            "date": datetime.date.fromisoformat(day),
            "base": "USD",
            "quote": quote,
            "rate": Decimal(rate),
            "source": DEMO_RATE,
        }
        for day, quotes in EXCHANGE_RATES.items()
        for quote, rate in quotes.items()
    ]


@transaction.atomic
def customs_reference_load(*, apps=None, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Upsert the seed rows; returns how many rows of each table were created.

    ``apps`` is a migration's app registry (historical models); by default the project's.
    Running it twice creates nothing the second time.
    """
    registry = apps or global_apps
    rule_model = registry.get_model("shipping", "CustomsRule")
    vat_model = registry.get_model("shipping", "VatRate")
    duty_model = registry.get_model("shipping", "DutyRate")
    fx_model = registry.get_model("shipping", "ExchangeRate")
    created = {"customs_rules": 0, "vat_rates": 0, "duty_rates": 0, "exchange_rates": 0}

    for row in customs_rule_rows(data_dir):
        key = {"destination": row["destination"], "effective_from": row["effective_from"]}
        figures = {k: v for k, v in row.items() if k not in key}
        _, was_created = rule_model.objects.update_or_create(
            **key, defaults={k: v for k, v in figures.items() if k != "effective_to"}, create_defaults=figures
        )
        created["customs_rules"] += was_created
    for row in vat_rate_rows(data_dir):
        key = {"country": row["country"], "effective_from": row["effective_from"]}
        _, was_created = vat_model.objects.update_or_create(
            **key, defaults={k: v for k, v in row.items() if k not in key}
        )
        created["vat_rates"] += was_created
    for row in duty_rate_rows(data_dir):
        key = {k: row[k] for k in ("destination", "hs_prefix", "effective_from")}
        _, was_created = duty_model.objects.update_or_create(
            **key, defaults={k: v for k, v in row.items() if k not in key}
        )
        created["duty_rates"] += was_created
    for row in exchange_rate_rows():
        _, was_created = fx_model.objects.get_or_create(
            date=row["date"],
            base=row["base"],
            quote=row["quote"],
            defaults={"rate": row["rate"], "source": row["source"]},
        )
        created["exchange_rates"] += was_created
    return created
