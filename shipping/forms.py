"""Forms of the "Send inventory" wizard. They check the shape of the input; services do the rest.

Each service raises ``ValidationError`` keyed by field paths (``items.0.sku``,
``boxes.1.contents.0.quantity``); the ``*_error_target`` functions say which form, field and
message prefix such a key belongs to, so the error shows next to what is wrong.
"""

import re
from collections.abc import Callable
from datetime import timedelta

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone
from django_countries import countries

from merchants.views import add_service_errors
from shipping.models import InboundPlan, InboundShipment
from shipping.models.inbound import Owner, ShippingMode
from shipping.services.inbound_plans import ADDRESS_FIELDS
from warehouses.models import FulfillmentMode

MAX_ROWS = 200
# "SKU quantity", also "SKU, quantity", "SKU: quantity" or "SKU x quantity".
CONTENT_LINE = re.compile(r"(?P<sku>\S+?)\s*(?:[,;:×*]|\s[xX]\s|\s)\s*(?P<quantity>-?\d+)")


def inbound_modes() -> list[FulfillmentMode]:
    """Modes a merchant can send stock to (direct shipping holds none)."""
    return [mode for mode in FulfillmentMode.objects.all() if mode.inbound_roles]


def country_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank), *((code, name) for code, name in countries)]


class ErrorTarget:
    """Where a service error goes: a form (or formset) field, with a prefix naming the line."""

    def __init__(self, form, field: str | None = None, prefix: str = ""):
        self.form, self.field, self.prefix = form, field, prefix


def add_routed_errors(error: ValidationError, route: Callable[[str], ErrorTarget], fallback) -> None:
    """Put each keyed error of ``error`` where ``route`` says; unkeyed errors on ``fallback``."""
    grouped: dict[int, tuple[object, dict[str, list[str]]]] = {}
    if not hasattr(error, "error_dict"):
        grouped[id(fallback)] = (fallback, {NON_FIELD_ERRORS: error.messages})
    for key, errors in getattr(error, "error_dict", {}).items():
        target = route(key)
        messages = [target.prefix + message for message in ValidationError(errors).messages]
        _, fields = grouped.setdefault(id(target.form), (target.form, {}))
        fields.setdefault(target.field or NON_FIELD_ERRORS, []).extend(messages)
    for form, fields in grouped.values():
        if isinstance(form, BaseFormSet):
            form.non_form_errors().extend(message for messages in fields.values() for message in messages)
        else:
            add_service_errors(form, ValidationError(fields))


# --- lists -------------------------------------------------------------------------------


class PlanFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *InboundPlan.Status.choices])
    mode = forms.ChoiceField(required=False, label="Mode")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [("", "Any mode"), *((m.code, m.name) for m in inbound_modes())]

    def selector_filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class ShipmentFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *InboundShipment.Status.choices])

    def selector_filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


# --- step 1: the plan and its items -------------------------------------------------------


class PlanForm(forms.Form):
    name = forms.CharField(max_length=120, required=False, help_text="Leave blank to call it “Plan <number>”.")
    mode = forms.ChoiceField(label="Fulfillment mode", help_text="Direct shipping holds no stock, so it is not here.")
    destination_country = forms.ChoiceField(
        required=False,
        label="Destination country",
        help_text="Matters for global and virtual warehouses: only warehouses in this country (or its customs "
        "area, like the EU) are proposed. Leave blank for Asia-warehouse and FBA cross-border plans, whose stock "
        "stays near you.",
    )
    contact_name = forms.CharField(max_length=120, required=False, label="Contact name")
    phone = forms.CharField(max_length=40, required=False)
    address_line1 = forms.CharField(max_length=200, label="Address line 1")
    address_line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    city = forms.CharField(max_length=100)
    region = forms.CharField(max_length=100, required=False, label="State / region")
    postal_code = forms.CharField(max_length=20, required=False, label="Postal code")
    country = forms.ChoiceField(label="Country")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [(m.code, m.name) for m in inbound_modes()]
        self.fields["destination_country"].choices = country_choices("Any (placement chooses)")
        self.fields["country"].choices = country_choices("Choose a country")

    @classmethod
    def initial_for(cls, merchant) -> dict:
        """The ship-from address starts as the merchant's own."""
        return {field: getattr(merchant, field) for field in ADDRESS_FIELDS} | {"country": merchant.country.code}

    def source(self) -> dict:
        return {field: self.cleaned_data[field] for field in ADDRESS_FIELDS}


class PlanItemForm(forms.Form):
    sku = forms.CharField(max_length=40, required=False, label="SKU")
    quantity = forms.IntegerField(required=False, label="Units", widget=forms.NumberInput(attrs={"min": 1}))
    label_owner = forms.ChoiceField(required=False, choices=Owner.choices, initial=Owner.MERCHANT, label="Labels by")
    prep_owner = forms.ChoiceField(required=False, choices=Owner.choices, initial=Owner.MERCHANT, label="Prep by")

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("sku") and data.get("quantity") is None and not self.errors


class ItemFormSet(BaseFormSet):
    def filled(self) -> list[tuple[int, dict]]:
        """``(row index, item)`` of every row that is not blank, in order."""
        return [(index, form.cleaned_data) for index, form in enumerate(self.forms) if not form.is_blank()]


def item_formset(*, data=None, initial=None, extra: int = 5) -> ItemFormSet:
    factory = formset_factory(
        PlanItemForm, formset=ItemFormSet, extra=extra, max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True
    )
    return factory(data=data, initial=initial, prefix="items")


def items_error_route(formset: ItemFormSet, rows: list[int], fallback) -> Callable[[str], ErrorTarget]:
    """``items.3.sku`` → row ``rows[3]``'s SKU field; ``items`` → the formset; ``source.city`` → city."""

    def route(key: str) -> ErrorTarget:
        parts = key.split(".")
        if parts[0] == "items" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            return ErrorTarget(formset.forms[rows[int(parts[1])]], parts[2])
        if parts[0] == "items":
            return ErrorTarget(formset)
        if parts[0] == "source" and len(parts) == 2:
            return ErrorTarget(fallback, parts[1])
        return ErrorTarget(fallback, key)

    return route


# --- step 2: packing ---------------------------------------------------------------------


class PackingForm(forms.Form):
    shipping_mode = forms.ChoiceField(
        choices=ShippingMode.choices,
        label="Shipping mode",
        help_text="Small-parcel boxes: at most 23 kg and 63.5 cm a side. Heavier cartons go by LTL, FTL, ocean or air.",
    )


class BoxForm(forms.Form):
    DIMENSIONS = ("weight_kg", "length_cm", "width_cm", "height_cm")

    weight_kg = forms.DecimalField(required=False, max_digits=7, decimal_places=2, label="Weight (kg)")
    length_cm = forms.DecimalField(required=False, max_digits=6, decimal_places=1, label="Length (cm)")
    width_cm = forms.DecimalField(required=False, max_digits=6, decimal_places=1, label="Width (cm)")
    height_cm = forms.DecimalField(required=False, max_digits=6, decimal_places=1, label="Height (cm)")
    contents = forms.CharField(
        required=False,
        strip=False,  # keep leading blank lines, so "Line 3" is the third line the merchant sees
        label="Contents",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "TEE-BLK-M 30"}),
        help_text="One “SKU quantity” per line.",
    )

    def clean_contents(self) -> list[dict]:
        contents, self.content_lines, problems = [], [], []
        for number, raw in enumerate(self.cleaned_data["contents"].splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            match = CONTENT_LINE.fullmatch(line)
            if match is None:
                problems.append(f"Line {number} “{line}” is not “SKU quantity” (e.g. TEE-BLK-M 30).")
                continue
            contents.append({"sku": match["sku"], "quantity": int(match["quantity"])})
            self.content_lines.append(number)
        if problems:
            raise ValidationError(problems)
        return contents

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not self.errors and not data.get("contents") and all(data.get(f) is None for f in self.DIMENSIONS)

    def as_box(self) -> dict:
        return {field: self.cleaned_data[field] for field in self.DIMENSIONS} | {
            "contents": self.cleaned_data["contents"]
        }


class BoxFormSet(BaseFormSet):
    def filled(self) -> list[tuple[int, BoxForm]]:
        return [(index, form) for index, form in enumerate(self.forms) if not form.is_blank()]


def box_formset(*, data=None, initial=None, extra: int = 3) -> BoxFormSet:
    factory = formset_factory(
        BoxForm, formset=BoxFormSet, extra=extra, max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True
    )
    return factory(data=data, initial=initial, prefix="boxes")


def boxes_initial(boxes) -> list[dict]:
    """Saved boxes as form rows (with ``contents__product`` prefetched)."""
    return [
        {
            "weight_kg": box.weight_kg,
            "length_cm": box.length_cm,
            "width_cm": box.width_cm,
            "height_cm": box.height_cm,
            "contents": "\n".join(f"{c.product.sku} {c.quantity}" for c in box.contents.all()),
        }
        for box in boxes
    ]


def packing_error_route(form: PackingForm, formset: BoxFormSet, rows: list[int]) -> Callable[[str], ErrorTarget]:
    """``boxes.1.contents.0.sku`` → the contents of box row ``rows[1]``, naming the line."""

    def route(key: str) -> ErrorTarget:
        parts = key.split(".")
        if parts[0] != "boxes" or len(parts) < 2 or not parts[1].isdigit() or int(parts[1]) >= len(rows):
            return ErrorTarget(form, key if key in form.fields else None)
        box_form = formset.forms[rows[int(parts[1])]]
        if len(parts) == 2:
            return ErrorTarget(box_form)
        if parts[2] == "contents" and len(parts) >= 4 and parts[3].isdigit():
            position = int(parts[3])
            lines = getattr(box_form, "content_lines", [])
            if position < len(lines):
                sku = box_form.cleaned_data["contents"][position]["sku"]
                return ErrorTarget(box_form, "contents", f"Line {lines[position]} ({sku}): ")
        return ErrorTarget(box_form, parts[2])

    return route


# --- step 3: placement, step 4: transport --------------------------------------------------


class PlacementChoiceForm(forms.Form):
    option_id = forms.CharField(max_length=12)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TransportForm(forms.Form):
    carrier = forms.CharField(max_length=60, help_text="E.g. UPS, DHL, COSCO.")
    shipping_mode = forms.ChoiceField(choices=ShippingMode.choices, label="Shipping mode")
    ready_to_ship_from = forms.DateField(widget=DateInput(), label="Ready to ship from")
    ready_to_ship_to = forms.DateField(widget=DateInput(), label="Ready to ship until")
    tracking_numbers = forms.CharField(
        required=False,
        label="Tracking numbers",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line. Small parcel: one per box.",
    )

    @classmethod
    def initial_for(cls, shipment: InboundShipment) -> dict:
        today = timezone.localdate()
        return {
            "carrier": shipment.carrier,
            "shipping_mode": shipment.shipping_mode,
            "ready_to_ship_from": shipment.ready_to_ship_from or today,
            "ready_to_ship_to": shipment.ready_to_ship_to or today + timedelta(days=3),
            "tracking_numbers": "\n".join(shipment.tracking_numbers or []),
        }

    def clean_tracking_numbers(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["tracking_numbers"].splitlines() if line.strip()]


class CancelForm(forms.Form):
    note = forms.CharField(max_length=200, required=False, label="Reason (optional)")
