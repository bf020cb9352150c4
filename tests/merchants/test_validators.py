"""Trade identifiers: EORI, IOSS, VAT and HS codes, and the HS 2022 nomenclature lookup."""

import csv

import pytest
from django.core.exceptions import ValidationError

from merchants import hs
from merchants.validators import (
    normalize_identifier,
    validate_eori,
    validate_hs_code,
    validate_ioss,
    validate_vat_number,
)


def rejection(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value


def hs_rows() -> dict[str, dict]:
    with hs.DATA_FILE.open(encoding="utf-8-sig", newline="") as fh:
        return {row["hscode"]: row for row in csv.DictReader(fh)}


class TestNormalizeIdentifier:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("gb 123456789012", "GB123456789012"),
            ("de-136.695.976", "DE136695976"),
            (" im 276 000 0018 ", "IM2760000018"),
            ("", ""),
            (None, ""),
        ],
    )
    def test_strips_spaces_dots_dashes_and_uppercases(self, raw, expected):
        assert normalize_identifier(raw) == expected


class TestEori:
    @pytest.mark.parametrize(
        "value",
        ["GB123456789012", "XI123456789012", "DE123456789012345", "DE1", "FR12345678901", "NL0ABC123"],
    )
    def test_accepts_uk_and_eu_numbers(self, value):
        validate_eori(value)

    @pytest.mark.parametrize(
        "value",
        [
            "US123456789012",  # not an EU member state, not GB/XI
            "CN123456789012",
            "GB12345678901",  # GB needs exactly 12 digits
            "GB1234567890123",
            "GB12345678901A",
            "XI1234567890",
            "DE1234567890123456",  # 16 characters after the prefix: too long
            "DE",  # nothing after the prefix
            "DE12345678901234_",
            "",
        ],
    )
    def test_rejects_wrong_prefix_length_or_characters(self, value):
        error = rejection(validate_eori, value)
        assert error.code == "invalid_eori"
        assert "EORI" in error.messages[0]

    def test_lowercase_and_spaced_input_is_normalised_before_checking(self):
        raw = "gb 1234 5678 9012"
        assert normalize_identifier(raw) == "GB123456789012"
        validate_eori(raw)
        validate_eori("de 123-456.789")


class TestIoss:
    # The IOSS check-digit algorithm is not published (python-stdnum's ``oss`` module says so
    # and checks only the shape and the member-state code), so these tests pin what can be
    # checked: IM, a member-state number and seven digits.
    @pytest.mark.parametrize("value", ["IM2760000018", "IM3720000224", "IM9000000012", "im 276 000 0018"])
    def test_accepts_im_with_member_state_code_and_ten_digits(self, value):
        validate_ioss(value)

    @pytest.mark.parametrize(
        ("value", "why"),
        [
            ("2760000018", "IM missing"),
            ("EU276000001", "EU (non-union OSS) is not an import-scheme number"),
            ("IN2760000018", "IN (intermediary) numbers are not IOSS numbers"),
            ("IM8400000018", "840 is the United States, not a member state"),
            ("IM0000000018", "000 is no member state"),
            ("IM276000001", "one digit short"),
            ("IM27600000181", "one digit too many"),
            ("IM276000001X", "a letter in the digits"),
            ("", "empty"),
        ],
    )
    def test_rejects_malformed_numbers(self, value, why):
        error = rejection(validate_ioss, value)
        assert error.code == "invalid_ioss", why
        assert "IOSS" in error.messages[0]


class TestVatNumber:
    @pytest.mark.parametrize("value", ["DE136695976", "de 136 695 976", "GB980780684", "EL094259216"])
    def test_accepts_numbers_with_valid_check_digits(self, value):
        validate_vat_number(value)

    @pytest.mark.parametrize("value", ["DE136695977", "GB980780685", "DE13669597"])
    def test_rejects_wrong_check_digit_or_length(self, value):
        error = rejection(validate_vat_number, value)
        assert error.code == "invalid_vat"
        assert normalize_identifier(value) in error.messages[0]

    @pytest.mark.parametrize("value", ["XX123456789", "US123456789", "136695976", "", "1E136695976"])
    def test_rejects_unknown_or_missing_country_prefix(self, value):
        error = rejection(validate_vat_number, value)
        assert error.code == "invalid_vat_country"
        assert "country code" in error.messages[0]


class TestHsCode:
    @pytest.mark.parametrize("value", ["610910", "6109.10", "61091000", "6109100000", "6109.10.00", " 6109 10 "])
    def test_accepts_known_subheadings_with_or_without_national_digits(self, value):
        validate_hs_code(value)

    @pytest.mark.parametrize("value", ["12345", "1234567", "123456789", "61", "6109", "abcdef", "6109ab", ""])
    def test_rejects_wrong_format(self, value):
        error = rejection(validate_hs_code, value)
        assert error.code == "invalid_hs_format"
        assert "6, 8 or 10 digits" in error.messages[0]

    def test_chapter_99_is_in_the_source_file_but_not_the_nomenclature(self):
        assert hs_rows()["999999"]["section"] == "TOTAL"
        error = rejection(validate_hs_code, "999999")
        assert error.code == "unknown_hs_code"
        assert error.messages == ["999999 is not an HS 2022 subheading."]

    def test_010110_was_split_before_hs_2022_and_is_rejected(self):
        # HS 2012 split 0101.10 (pure-bred horses) into 0101.21 and 0101.29.
        rows = hs_rows()
        assert "010110" not in rows
        assert {"010121", "010129"} <= set(rows)
        validate_hs_code("010121")
        error = rejection(validate_hs_code, "010110")
        assert error.code == "unknown_hs_code"
        assert "010110" in error.messages[0]

    def test_unknown_subheading_is_named_in_the_message_even_with_national_digits(self):
        error = rejection(validate_hs_code, "6109.99.12")
        assert error.code == "unknown_hs_code"
        assert error.messages == ["610999 is not an HS 2022 subheading."]

    def test_a_heading_is_not_a_subheading(self):
        # 6109 and 610900 are not subheadings: only the six-digit rows are.
        assert hs.is_subheading("610910")
        assert not hs.is_subheading("6109")
        assert not hs.is_subheading("610900")


class TestDescribe:
    def test_describes_the_six_digit_subheading_of_any_code(self):
        expected = "T-shirts, singlets and other vests; of cotton, knitted or crocheted"
        assert hs.describe("610910") == expected
        assert hs.describe("6109.10") == expected
        assert hs.describe("6109100010") == expected

    def test_unknown_or_statistical_codes_have_no_description(self):
        assert hs.describe("610999") == ""
        assert hs.describe("999999") == ""
        assert hs.describe("") == ""

    def test_chapter_and_normalize(self):
        assert hs.chapter("6109.10") == "61"
        assert hs.normalize(" 6109.10 00 ") == "61091000"
