"""Customs rules as dated data that operators edit (BRIEF §8).

A **rule** per destination (an ISO country, or ``EU`` for the customs union) says its currency,
de minimis values, tax rate and low-value regime; **VAT rates** per country fill in the EU's
member-state rates; **duty rates** per destination and HS prefix (longest prefix wins, a blank
prefix is the destination's default); **exchange rates** are dated rows, never overwritten.

Every table is versioned by ``effective_from``; a blank date means "in force since a date the
source does not give". Rules also have ``effective_to`` and never overlap. History is not
edited: an operator adds a new version (``shipping.customs.services.customs_rule_add_version``
closes the one in force the day before).
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from merchants.geography import Currency
from shipping.customs.codes import REGIME_PARAMETERS, UNREGISTERED_SELLER_CHOICES, Confidence, LowValueRegime

area_code_validator = RegexValidator(r"^[A-Z]{2}$", "Use a two-letter ISO country code in capitals, or EU.")
hs_prefix_validator = RegexValidator(r"^(\d{2,6})?$", "Use 2 to 6 digits, or leave blank for the default rate.")
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]
_NOT_AMOUNTS = {"courier_origins", "fta_origins", "excluded_origins", "excluded_origins_from"}


def _overlaps(a_from, a_to, b_from, b_to) -> bool:
    """Whether two inclusive date ranges meet; a blank end is open."""
    low, high = datetime.date.min, datetime.date.max
    return (a_from or low) <= (b_to or high) and (b_from or low) <= (a_to or high)


class CustomsRule(models.Model):
    """One dated version of a destination's customs rules."""

    destination = models.CharField(
        max_length=2, validators=[area_code_validator], help_text="ISO country code, or EU for the customs union."
    )
    currency = models.CharField(max_length=3, choices=Currency.choices, help_text="Currency of every amount here.")
    duty_de_minimis = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=NON_NEGATIVE,
        help_text="No duty at or below this value; 0: every parcel pays duty.",
    )
    tax_de_minimis = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=NON_NEGATIVE,
        help_text="No import tax at or below this value; 0: none.",
    )
    standard_tax_rate_pct = models.DecimalField(
        "standard tax rate (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text="VAT / GST / consumption tax. Blank: the country's VAT rate (the EU's member-state rates).",
    )
    low_value_regime = models.CharField(max_length=30, choices=LowValueRegime.choices, default=LowValueRegime.NONE)
    regime_threshold = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    regime_parameters = models.JSONField(
        default=dict, blank=True, help_text="The regime's own figures (see docs/customs.md); amounts as strings."
    )
    flat_duty_per_item = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text="Flat duty per distinct tariff classification within the regime threshold (EU from 2026-07-01).",
    )
    shipping_in_duty_base = models.BooleanField(
        default=True, help_text="CIF: duty on goods + shipping. Off: FOB, duty on goods only (US, CA, AU)."
    )
    shipping_in_tax_base = models.BooleanField(default=True, help_text="Import tax on goods + shipping + duty.")
    shipping_in_threshold = models.BooleanField(
        default=False, help_text="Compare goods + shipping with the thresholds; off: the goods' intrinsic value."
    )
    effective_from = models.DateField(null=True, blank=True, help_text="First day in force; blank: date unknown.")
    effective_to = models.DateField(null=True, blank=True, help_text="Last day in force; blank: open-ended.")
    confidence = models.CharField(max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM)
    notes = models.TextField(blank=True)
    source = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Set by the add form or ``customs_rule_add_version``: the version in force on
    # ``effective_from`` will be closed the day before, so it does not count as an overlap.
    supersede_current = False

    class Meta:
        ordering = ["destination", F("effective_from").asc(nulls_first=True)]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_to__gte=F("effective_from")),
                name="customs_rule_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["destination", "effective_from"],
                condition=Q(effective_from__isnull=False),
                name="customs_rule_unique_version",
            ),
            models.UniqueConstraint(
                fields=["destination"], condition=Q(effective_from__isnull=True), name="customs_rule_one_undated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.destination} {self.low_value_regime} from {self.effective_from or '(unknown)'}"

    def in_force_on(self, day: datetime.date) -> bool:
        return _overlaps(self.effective_from, self.effective_to, day, day)

    def superseded_version(self) -> "CustomsRule | None":
        """The other version in force on this one's first day that started earlier, if any."""
        if self.effective_from is None:
            return None
        candidates = CustomsRule.objects.filter(destination=self.destination).exclude(pk=self.pk)
        for other in candidates.filter(Q(effective_from__isnull=True) | Q(effective_from__lt=self.effective_from)):
            if other.in_force_on(self.effective_from):
                return other
        return None

    def overlapping_versions(self) -> list["CustomsRule"]:
        others = CustomsRule.objects.filter(destination=self.destination).exclude(pk=self.pk)
        return [
            o for o in others if _overlaps(self.effective_from, self.effective_to, o.effective_from, o.effective_to)
        ]

    def clean(self):
        self.destination = (self.destination or "").upper()
        errors: dict[str, list[str]] = {}
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            errors.setdefault("effective_to", []).append("The last day cannot be before the first day.")
        if self.low_value_regime != LowValueRegime.NONE and self.regime_threshold is None:
            errors.setdefault("regime_threshold", []).append(f"The {self.low_value_regime} regime needs a threshold.")
        errors.update(self._parameter_errors())
        if "effective_to" not in errors and self.destination:
            clashes = self.overlapping_versions()
            if self.supersede_current:
                superseded = self.superseded_version()
                clashes = [c for c in clashes if superseded is None or c.pk != superseded.pk]
            if clashes:
                listed = "; ".join(f"{c.effective_from or 'unknown'} – {c.effective_to or 'open'}" for c in clashes)
                errors.setdefault("effective_from", []).append(
                    f"This period overlaps another {self.destination} version ({listed}). "
                    "Close that version first, or add this one as its successor."
                )
        if errors:
            raise ValidationError(errors)

    def _parameter_errors(self) -> dict[str, list[str]]:
        params = self.regime_parameters
        if not isinstance(params, dict):
            return {"regime_parameters": ["Give the parameters as a JSON object."]}
        problems = [
            f"'{key}' is missing." for key in REGIME_PARAMETERS.get(self.low_value_regime, ()) if key not in params
        ]
        for key, value in params.items():
            if key in _NOT_AMOUNTS or isinstance(value, bool) or key == "unregistered_seller":
                continue
            try:
                Decimal(str(value))
            except (InvalidOperation, ValueError):
                problems.append(f"'{key}' must be a number, not {value!r}.")
        if params.get("unregistered_seller", "border_collects") not in UNREGISTERED_SELLER_CHOICES:
            problems.append(f"'unregistered_seller' must be one of {', '.join(UNREGISTERED_SELLER_CHOICES)}.")
        if "excluded_origins_from" in params:
            try:
                datetime.date.fromisoformat(str(params["excluded_origins_from"]))
            except ValueError:
                problems.append("'excluded_origins_from' must be a date (YYYY-MM-DD).")
        return {"regime_parameters": problems} if problems else {}


class VatRate(models.Model):
    """A country's standard VAT / GST rate from a date; the latest on or before a date applies."""

    country = models.CharField(max_length=2, validators=[area_code_validator])
    rate_pct = models.DecimalField("rate (%)", max_digits=5, decimal_places=2, validators=NON_NEGATIVE)
    customs_union = models.CharField(max_length=2, blank=True, help_text="EU for a member state.")
    effective_from = models.DateField(null=True, blank=True, help_text="Blank: date unknown.")
    confidence = models.CharField(max_length=10, choices=Confidence.choices, default=Confidence.HIGH)
    source = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["country", F("effective_from").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "effective_from"],
                condition=Q(effective_from__isnull=False),
                name="vat_rate_unique_version",
            ),
            models.UniqueConstraint(
                fields=["country"], condition=Q(effective_from__isnull=True), name="vat_rate_one_undated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.rate_pct} % from {self.effective_from or '(unknown)'}"


class DutyRate(models.Model):
    """An ad valorem duty rate for HS codes starting with ``hs_prefix`` in a destination area.

    The longest matching prefix wins; a blank prefix is the destination's default, which the
    engine reports as an assumption.
    """

    destination = models.CharField(
        max_length=2, validators=[area_code_validator], help_text="Customs area: an ISO country, or EU."
    )
    hs_prefix = models.CharField(
        "HS prefix", max_length=6, blank=True, validators=[hs_prefix_validator], help_text="Blank: the default."
    )
    rate_pct = models.DecimalField("rate (%)", max_digits=6, decimal_places=2, validators=NON_NEGATIVE)
    effective_from = models.DateField(null=True, blank=True, help_text="Blank: date unknown.")
    confidence = models.CharField(max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM)
    source = models.TextField(blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["destination", "hs_prefix", F("effective_from").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["destination", "hs_prefix", "effective_from"],
                condition=Q(effective_from__isnull=False),
                name="duty_rate_unique_version",
            ),
            models.UniqueConstraint(
                fields=["destination", "hs_prefix"],
                condition=Q(effective_from__isnull=True),
                name="duty_rate_one_undated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.destination} {self.hs_prefix or '(default)'} {self.rate_pct} %"


class ExchangeRate(models.Model):
    """1 ``base`` = ``rate`` ``quote`` on ``date``. Rows are added, never changed."""

    date = models.DateField()
    base = models.CharField(max_length=3, choices=Currency.choices)
    quote = models.CharField(max_length=3, choices=Currency.choices)
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    source = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "base", "quote"]
        constraints = [
            models.UniqueConstraint(fields=["date", "base", "quote"], name="exchange_rate_unique_per_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(condition=~Q(base=F("quote")), name="exchange_rate_two_currencies"),
        ]
        indexes = [models.Index(fields=["base", "quote", "-date"])]

    def __str__(self) -> str:
        return f"{self.date}: 1 {self.base} = {self.rate} {self.quote}"
