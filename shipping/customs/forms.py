"""Admin forms for customs rules: add a dated version; a version in force is history."""

import datetime

from django import forms
from django.utils import timezone

from shipping.models import CustomsRule


class CustomsRuleAddForm(forms.ModelForm):
    close_current = forms.BooleanField(
        required=False,
        initial=True,
        label="Close the version in force",
        help_text="End the version in force on this one's first day the day before it.",
    )

    class Meta:
        model = CustomsRule
        fields = [
            "destination",
            "currency",
            "duty_de_minimis",
            "tax_de_minimis",
            "standard_tax_rate_pct",
            "low_value_regime",
            "regime_threshold",
            "regime_parameters",
            "flat_duty_per_item",
            "shipping_in_duty_base",
            "shipping_in_tax_base",
            "shipping_in_threshold",
            "effective_from",
            "effective_to",
            "confidence",
            "notes",
            "source",
        ]

    def clean(self):
        cleaned = super().clean()
        # Read by CustomsRule.clean(), which runs after this in the form's validation.
        self.instance.supersede_current = bool(cleaned.get("close_current"))
        return cleaned


class CustomsRuleCloseForm(forms.ModelForm):
    """A version that has taken effect may only be closed, and not before yesterday."""

    class Meta:
        model = CustomsRule
        fields = ["effective_to"]

    def clean_effective_to(self):
        value = self.cleaned_data.get("effective_to")
        earliest = timezone.localdate() - datetime.timedelta(days=1)
        if value is not None and value < earliest:
            raise forms.ValidationError(
                f"A version in force cannot be ended before {earliest}: that would rewrite history. "
                "Add a new version instead."
            )
        return value
