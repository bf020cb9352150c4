from django import forms

from webhooks.event_types import EVENT_TYPES
from webhooks.services.endpoints import ROTATION_OVERLAP_HOURS


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/webhooks/crossdock"}),
        help_text="Crossdock POSTs signed JSON here. It must use https.",
    )
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Event types",
        choices=[(code, f"{code} — {label}") for code, label in EVENT_TYPES.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave every box empty to receive every event type, including those added later.",
    )


class RotateSecretForm(forms.Form):
    overlap_hours = forms.TypedChoiceField(
        label="The current secret keeps signing",
        coerce=int,
        choices=[
            (ROTATION_OVERLAP_HOURS, f"for {ROTATION_OVERLAP_HOURS} more hours, beside the new one"),
            (0, "no longer: it stops now (use this if it leaked)"),
        ],
        initial=ROTATION_OVERLAP_HOURS,
    )
