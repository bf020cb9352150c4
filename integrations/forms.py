from django import forms

from warehouses.api_keys import MERCHANT_SCOPES


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the key is for, e.g. the shop or ERP that uses it.")
    scopes = forms.MultipleChoiceField(
        choices=[(scope, f"{scope} — {label}") for scope, label in MERCHANT_SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text="Give a key only what its integration needs.",
    )
