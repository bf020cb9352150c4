"""The dashboards' filter: period, destination, warehouse (and, for operators, merchant)."""

import datetime

from django import forms
from django.utils import timezone
from django_countries import countries

from dashboards.selectors import DashboardQuery
from merchants.models import Merchant
from warehouses.models import Warehouse

PERIODS = [("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"), ("365", "Last 365 days")]
CUSTOM = "custom"
DEFAULT_PERIOD = "30"
MAX_DAYS = 366


class DashboardFilterForm(forms.Form):
    """Choices are loaded with one query per list, so validating them costs no further query.

    ``warehouse_roles``: the warehouses offered (none: no warehouse field, e.g. direct shipping);
    ``operator``: staff may narrow to one merchant, everybody else always sees their own."""

    period = forms.ChoiceField(choices=[*PERIODS, (CUSTOM, "Custom dates")], required=False, initial=DEFAULT_PERIOD)
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    country = forms.ChoiceField(label="Destination", required=False)
    warehouse = forms.ChoiceField(label="Source warehouse", required=False)
    merchant = forms.TypedChoiceField(label="Merchant", required=False, coerce=int, empty_value=None)

    def __init__(self, data=None, *, warehouse_roles: list[str] | None, operator: bool, today=None):
        super().__init__(data)
        self.today = today or timezone.now().date()
        self.fields["country"].choices = [("", "All destinations"), *countries]
        if warehouse_roles:
            warehouses = Warehouse.objects.filter(role__in=warehouse_roles, is_active=True).order_by("code")
            self.warehouses = {w.code: w for w in warehouses.only("pk", "code", "name")}
            self.fields["warehouse"].choices = [("", "All warehouses")] + [
                (code, f"{code} {w.name}") for code, w in self.warehouses.items()
            ]
        else:
            del self.fields["warehouse"]
            self.warehouses = {}
        if operator:
            self.fields["merchant"].choices = [("", "All merchants")] + list(
                Merchant.objects.order_by("name").values_list("pk", "name")
            )
        else:
            del self.fields["merchant"]

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period") or DEFAULT_PERIOD
        if period == CUSTOM:
            start, end = cleaned.get("start"), cleaned.get("end")
            if start is None and "start" not in self.errors:
                self.add_error("start", "Choose the first day of the period.")
            if end is None and "end" not in self.errors:
                self.add_error("end", "Choose the last day of the period.")
            if start and end:
                if end < start:
                    self.add_error("end", "The last day must be on or after the first day.")
                elif (end - start).days + 1 > MAX_DAYS:
                    self.add_error("end", f"Choose at most {MAX_DAYS} days.")
                elif start > self.today:
                    self.add_error("start", "The period cannot start in the future.")
        return cleaned

    def _valid(self, name: str):
        """A field's cleaned value, or ``None`` when it is missing or invalid."""
        return None if name in self.errors else (getattr(self, "cleaned_data", {}) or {}).get(name)

    def dashboard_query(self, *, merchant_id: int | None) -> DashboardQuery:
        """The query the filter describes; invalid fields fall back to their defaults.

        ``merchant_id`` is the request's merchant for merchants; for operators pass ``None`` and the
        merchant field decides."""
        self.is_valid()
        period = self._valid("period") or DEFAULT_PERIOD
        start, end = self._valid("start"), self._valid("end")
        if period == CUSTOM and start and end and not ({"start", "end"} & set(self.errors)):
            pass
        else:
            days = int(period if period != CUSTOM else DEFAULT_PERIOD)
            end = self.today
            start = end - datetime.timedelta(days=days - 1)
        if "merchant" in self.fields:
            merchant_id = self._valid("merchant")
        warehouse = self.warehouses.get(self._valid("warehouse") or "")
        return DashboardQuery(
            start=start,
            end=end,
            merchant_id=merchant_id,
            country=self._valid("country") or "",
            warehouse_id=warehouse.pk if warehouse else None,
        )

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in ("country", "warehouse", "merchant"))
