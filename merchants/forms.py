from django import forms

from merchants.models import Product


class ProductForm(forms.ModelForm):
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
        self.fields["origin_country"].choices = [("", "Any origin"), *origin_countries]

    def selector_filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        filters = {k: data[k] for k in ("q", "size_tier", "origin_country") if data.get(k)}
        if data.get("flag") == "inactive":
            filters["is_active"] = False
        elif data.get("flag"):
            filters[data["flag"]] = True
        return filters
