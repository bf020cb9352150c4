"""Forms of the orders pages. They check the shape of the input; the services decide the rest.

The intake and preview services raise ``ValidationError`` keyed by field paths
(``destination.postal_code``, ``lines.0.sku``); ``add_order_errors`` puts each message next to
the field or the formset row it names, as the inbound wizard does.
"""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django_countries import countries

from merchants.geography import Currency
from merchants.models import Product
from orders.models import FulfillmentPolicy, Order
from orders.services.imports import MAX_FILE_BYTES
from orders.services.intake import MAX_LINES_PER_ORDER
from shipping.forms import DateInput, ErrorTarget, add_routed_errors, country_choices
from warehouses.models import FulfillmentMode
from warehouses.modes import Mode, Speed

MAX_VOLUME = 1_000_000


def mode_choices() -> list[tuple[str, str]]:
    return list(FulfillmentMode.objects.values_list("code", "name"))


# --- the order list ------------------------------------------------------------------------


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        required=False, max_length=64, label="Order id", widget=forms.TextInput(attrs={"placeholder": "Order id"})
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Order.Status.choices])
    mode = forms.ChoiceField(required=False, label="Mode")
    country = forms.ChoiceField(required=False, label="Destination")
    created_from = forms.DateField(required=False, label="Created from", widget=DateInput())
    created_to = forms.DateField(required=False, label="Created to", widget=DateInput())

    def __init__(self, *args, destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [("", "Any mode"), *mode_choices()]
        choices = {code: countries.name(code) for code in destinations}
        # A bookmarked destination with no orders (any more) still filters (to nothing), not silently all.
        requested = (self.data.get("country") or "").upper() if self.is_bound else ""
        if requested in dict(countries) and requested not in choices:
            choices[requested] = countries.name(requested)
        self.fields["country"].choices = [("", "Any destination"), *sorted(choices.items(), key=lambda c: c[1])]

    def selector_filters(self) -> dict:
        """The valid filters; an invalid value drops only its own filter (and shows its error)."""
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        return {key: value for key, value in data.items() if value}


# --- creating an order, and the preview -----------------------------------------------------


class LineForm(forms.Form):
    sku = forms.CharField(max_length=40, required=False, label="SKU")
    quantity = forms.IntegerField(required=False, label="Units", widget=forms.NumberInput(attrs={"min": 1}))
    unit_value = forms.DecimalField(
        required=False,
        max_digits=12,
        decimal_places=2,
        label="Declared value per unit",
        widget=forms.NumberInput(attrs={"min": 0, "step": "0.01", "placeholder": "catalog value"}),
    )

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return (
            not self.errors and not data.get("sku") and data.get("quantity") is None and data.get("unit_value") is None
        )


class LineFormSet(BaseFormSet):
    def filled(self) -> tuple[list[dict], list[int]]:
        """The non-blank rows as service lines, and the row each came from (to put errors back)."""
        rows = [(index, form.cleaned_data) for index, form in enumerate(self.forms) if not form.is_blank()]
        lines = [
            {
                "sku": data["sku"],
                "quantity": data["quantity"],
                "unit_value": "" if data["unit_value"] is None else data["unit_value"],
            }
            for _, data in rows
        ]
        return lines, [index for index, _ in rows]


def line_formset(*, data=None, initial=None, extra: int = 3) -> LineFormSet:
    factory = formset_factory(
        LineForm,
        formset=LineFormSet,
        extra=extra,
        max_num=MAX_LINES_PER_ORDER,
        absolute_max=MAX_LINES_PER_ORDER,
        validate_max=True,
    )
    return factory(data=data, initial=initial, prefix="lines")


class DestinationFields(forms.Form):
    """The buyer's address, named as the services name ``destination.*``."""

    address_line1 = forms.CharField(max_length=200, label="Address line 1")
    address_line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    city = forms.CharField(max_length=100)
    region = forms.CharField(max_length=100, required=False, label="State / region")
    postal_code = forms.CharField(max_length=20, required=False, label="Postal code")
    country = forms.ChoiceField(label="Country")

    ADDRESS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices("Choose a country")

    def destination(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.ADDRESS}


class OrderForm(DestinationFields):
    merchant_order_id = forms.CharField(
        max_length=64, label="Order id", help_text="Your own id for this order; each id can be used once."
    )
    mode = forms.ChoiceField(label="Fulfillment mode")
    speed = forms.ChoiceField(
        choices=Speed.choices,
        initial=Speed.STANDARD,
        label="Shipping speed",
        help_text="Not every mode offers every speed: the fulfillment preview shows which, and at what price.",
    )
    fulfillment_policy = forms.ChoiceField(
        choices=FulfillmentPolicy.choices,
        initial=FulfillmentPolicy.FILL_OR_KILL,
        widget=forms.RadioSelect,
        label="If not every unit is in stock",
    )
    # As long as the column (an email field would allow 320).
    buyer_email = forms.EmailField(required=False, max_length=254, label="Buyer email")
    currency = forms.ChoiceField(
        choices=Currency.choices, label="Currency of declared values", help_text="Of the values on the lines below."
    )
    contact_name = forms.CharField(max_length=120, required=False, label="Buyer name")
    phone = forms.CharField(max_length=40, required=False)

    ADDRESS = ("contact_name", "phone", *DestinationFields.ADDRESS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = mode_choices()

    def payload(self, lines: list[dict]) -> dict:
        """What ``order_create`` takes."""
        data = self.cleaned_data
        return {
            "merchant_order_id": data["merchant_order_id"],
            "mode": data["mode"],
            "speed": data["speed"],
            "fulfillment_policy": data["fulfillment_policy"],
            "buyer_email": data["buyer_email"],
            "currency": data["currency"],
            "destination": self.destination(),
            "lines": lines,
        }


class PreviewForm(DestinationFields):
    speeds = forms.MultipleChoiceField(
        choices=Speed.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Speeds",
        help_text="None ticked: every speed.",
    )
    modes = forms.MultipleChoiceField(
        choices=Mode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Modes",
        help_text="None ticked: every mode.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address_line1"].help_text = "Any street of the town will do for a preview."


def order_error_route(form: forms.Form, formset: LineFormSet, rows: list[int]) -> Callable[[str], ErrorTarget]:
    """``lines.2.sku`` → the SKU of row ``rows[2]``; ``lines`` → the formset; ``destination.city`` → city."""

    def route(key: str) -> ErrorTarget:
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            return ErrorTarget(formset.forms[rows[int(parts[1])]], parts[2])
        if parts[0] == "lines":
            return ErrorTarget(formset)
        if parts[0] == "destination" and len(parts) == 2:
            key = parts[1]
        return ErrorTarget(form, key if key in form.fields else None)

    return route


def add_order_errors(error: ValidationError, *, form: forms.Form, formset: LineFormSet, rows: list[int]) -> None:
    """Show a service's errors next to the fields and rows they name."""
    if hasattr(error, "error_dict"):
        add_routed_errors(error, order_error_route(form, formset, rows), form)
    else:
        form.add_error(None, error)


# --- CSV import, cancel ---------------------------------------------------------------------


class OrderImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8 CSV, at most {MAX_FILE_BYTES // (1024 * 1024)} MB: one row per order line.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refuse a huge file before reading it into memory; the service checks the content.
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        return upload


class OrderCancelForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False, label="Reason (optional)")


# --- compare modes --------------------------------------------------------------------------


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return f"{obj.sku} — {obj.title}"


class CompareForm(forms.Form):
    product = ProductChoiceField(queryset=Product.objects.none(), empty_label="Choose a product")
    destination_country = forms.ChoiceField(label="Buyer's country")
    monthly_volume = forms.IntegerField(
        min_value=1,
        max_value=MAX_VOLUME,
        initial=500,
        label="Units a month",
        help_text="How many units you expect to sell there each month.",
    )

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        self.fields["destination_country"].choices = country_choices("Choose a country")
