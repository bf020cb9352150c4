"""Format validation for trade identifiers: EORI, IOSS, VAT and HS codes.

Each validator normalises nothing itself; forms and services call ``normalize_identifier``
first so that ``de 136 695 976`` and ``DE136695976`` are the same number.
"""

import re

from django.core.exceptions import ValidationError
from stdnum import get_cc_module
from stdnum.eu import oss

from merchants import hs
from merchants.geography import EU_MEMBER_STATES

_EORI_GB = re.compile(r"^(GB|XI)\d{12}$")
_EORI_EU = re.compile(r"^([A-Z]{2})[A-Z0-9]{1,15}$")


def normalize_identifier(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "").upper()


def validate_eori(value: str) -> None:
    """EORI: GB/XI + 12 digits, or an EU member-state prefix + up to 15 letters or digits."""
    value = normalize_identifier(value)
    if _EORI_GB.match(value):
        return
    match = _EORI_EU.match(value)
    if match and match.group(1) in EU_MEMBER_STATES:
        return
    raise ValidationError(
        "Enter a valid EORI number: an EU country code followed by up to 15 letters or digits "
        "(e.g. DE123456789012345), or GB/XI followed by 12 digits.",
        code="invalid_eori",
    )


def validate_ioss(value: str) -> None:
    """IOSS: ``IM`` + the 3-digit code of an EU member state + 7 digits.

    The check-digit algorithm is not public, so only the structure and the member-state code
    are verified (as ``stdnum.eu.oss`` does).
    """
    value = normalize_identifier(value)
    if not (value.startswith("IM") and oss.is_valid(value)):
        raise ValidationError(
            "Enter a valid IOSS number: IM followed by 10 digits (e.g. IM2760000018).",
            code="invalid_ioss",
        )


def validate_vat_number(value: str) -> None:
    """A VAT number with its country prefix, checked by that country's own rules."""
    value = normalize_identifier(value)
    prefix = value[:2]
    country = "gr" if prefix == "EL" else prefix.lower()
    try:
        module = get_cc_module(country, "vat") if re.fullmatch(r"[a-z]{2}", country) else None
    except (ImportError, ValueError):
        module = None
    if module is None:
        raise ValidationError(
            "Enter a VAT number that starts with its country code (e.g. DE136695976).",
            code="invalid_vat_country",
        )
    if not module.is_valid(value):
        raise ValidationError(
            f"{value} is not a valid {prefix} VAT number (wrong length or check digits).",
            code="invalid_vat",
        )


def validate_hs_code(value: str) -> None:
    """6 to 10 digits whose first six name an HS 2022 subheading."""
    code = hs.normalize(value)
    if not re.fullmatch(r"\d{6}(\d{2}){0,2}", code):
        raise ValidationError(
            "Enter an HS code of 6, 8 or 10 digits (e.g. 6109.10 or 610910).", code="invalid_hs_format"
        )
    if not hs.is_subheading(code[:6]):
        raise ValidationError(f"{code[:6]} is not an HS 2022 subheading.", code="unknown_hs_code")
