"""The HS 2022 nomenclature, shipped in ``merchants/data/hs`` and read once on first use."""

import csv
import re
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "hs" / "harmonized-system.csv"


def normalize(value: str) -> str:
    return re.sub(r"[\s.]", "", value or "")


@cache
def _nomenclature() -> dict[str, tuple[str, str]]:
    """code → (description, parent) for every chapter, heading and subheading.

    Rows of the ``TOTAL`` section (chapter 99, "commodities not specified") are statistical
    codes of the source, not part of the nomenclature, and are left out.
    """
    with DATA_FILE.open(encoding="utf-8-sig", newline="") as fh:
        return {
            row["hscode"]: (row["description"], row["parent"])
            for row in csv.DictReader(fh)
            if row["section"] != "TOTAL"
        }


def is_subheading(code: str) -> bool:
    return len(code) == 6 and code in _nomenclature()


def describe(code: str) -> str:
    """The description of the six-digit subheading of ``code``, or an empty string."""
    entry = _nomenclature().get(normalize(code)[:6])
    return entry[0] if entry else ""


def chapter(code: str) -> str:
    return normalize(code)[:2]
