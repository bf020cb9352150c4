from django import forms
from django_countries import countries

from merchants import hs
from merchants.models import Product


class ProductForm(forms.ModelForm):
    # Wider than the stored column: people write codes with dots (6109.10.00.00).
    hs_code = forms.CharField(label="HS code", max_length=20, help_text=Product._meta.get_field("hs_code").help_text)

    class Meta:
        model = Product
        fields = [
            "sku",
            "title",
            "hs_code",
            "origin_country",
            "declared_value",
            "declared_currency",
            "weight_kg",
            "length_cm",
            "width_cm",
            "height_cm",
            "has_batteries",
            "has_liquids",
            "is_dangerous_goods",
            "is_active",
        ]

    def clean_hs_code(self) -> str:
        return hs.normalize(self.cleaned_data["hs_code"])


class ProductFilterForm(forms.Form):
    q = forms.CharField(
        required=False, label="Search", widget=forms.TextInput(attrs={"placeholder": "SKU, title, FNSKU or HS code"})
    )
    size_tier = forms.ChoiceField(
        required=False, choices=[("", "Any size tier"), *Product._meta.get_field("size_tier").choices]
    )
    origin_country = forms.ChoiceField(required=False)
    flag = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any flags"),
            ("has_batteries", "Contains batteries"),
            ("has_liquids", "Contains liquids"),
            ("is_dangerous_goods", "Dangerous goods"),
            ("inactive", "Inactive"),
        ],
    )

    def __init__(self, *args, origin_countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = dict(origin_countries)
        # A bookmarked origin the catalog no longer has still filters (to nothing), not silently all.
        requested = (self.data.get("origin_country") or "").upper() if self.is_bound else ""
        if requested in dict(countries) and requested not in choices:
            choices[requested] = countries.name(requested)
        self.fields["origin_country"].choices = [("", "Any origin"), *choices.items()]

    def selector_filters(self) -> dict:
        """The valid filters; an invalid value drops only its own filter (shown as an error)."""
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        filters = {k: data[k] for k in ("q", "size_tier", "origin_country") if data.get(k)}
        if data.get("flag") == "inactive":
            filters["is_active"] = False
        elif data.get("flag"):
            filters[data["flag"]] = True
        return filters
