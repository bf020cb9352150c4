from django.contrib import admin
from django.utils import timezone

from shipping.customs.forms import CustomsRuleAddForm, CustomsRuleCloseForm
from shipping.customs.services import customs_rule_add_version
from shipping.models import (
    CustomsRule,
    DutyRate,
    ExchangeRate,
    InboundBox,
    InboundPlan,
    InboundPlanItem,
    InboundShipment,
    InboundShipmentEvent,
    InboundShipmentLine,
    PlacementOption,
    VatRate,
)


class InboundPlanItemInline(admin.TabularInline):
    model = InboundPlanItem
    extra = 0
    raw_id_fields = ["product"]


@admin.register(InboundPlan)
class InboundPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "mode", "destination_country", "status", "step", "created_at"]
    list_filter = ["status", "mode", "step"]
    search_fields = ["name", "merchant__name"]
    list_select_related = ["merchant", "mode"]
    inlines = [InboundPlanItemInline]
    readonly_fields = ["status", "step"]


class InboundShipmentLineInline(admin.TabularInline):
    model = InboundShipmentLine
    extra = 0
    raw_id_fields = ["product"]
    readonly_fields = ["quantity_expected", "quantity_received", "quantity_damaged", "resolution"]


class InboundShipmentEventInline(admin.TabularInline):
    model = InboundShipmentEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "note", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InboundShipment)
class InboundShipmentAdmin(admin.ModelAdmin):
    """Status changes go through the receiving console and services; the admin shows them."""

    list_display = [
        "confirmation_id",
        "merchant",
        "warehouse",
        "status",
        "customs_status",
        "shipping_mode",
        "carrier",
        "shipped_at",
        "closed_at",
    ]
    list_filter = ["status", "customs_status", "shipping_mode", "warehouse"]
    search_fields = ["confirmation_id", "merchant__name", "tracking_numbers"]
    list_select_related = ["merchant", "warehouse"]
    readonly_fields = ["status", "customs_status", "shipped_at", "delivered_at", "closed_at", "claim_window_ends_at"]
    inlines = [InboundShipmentLineInline, InboundShipmentEventInline]


@admin.register(InboundBox)
class InboundBoxAdmin(admin.ModelAdmin):
    list_display = ["box_id", "plan", "shipment", "weight_kg", "checked_in_at", "counted_at"]
    search_fields = ["box_id"]
    list_filter = ["shipment__warehouse"]
    raw_id_fields = ["plan", "shipment", "checked_in_by"]


@admin.register(PlacementOption)
class PlacementOptionAdmin(admin.ModelAdmin):
    list_display = ["option_id", "plan", "label", "status", "fee_total", "currency", "expires_at"]
    list_filter = ["status"]


# --- Customs rules (BRIEF §8): dated versions; what has taken effect is history. ------------


class DatedHistoryAdmin(admin.ModelAdmin):
    """A row that has taken effect (first day today or earlier, or unknown) cannot be edited
    or deleted: operators add a new dated version. Future versions may still be corrected."""

    editable_once_in_force: tuple[str, ...] = ()

    @staticmethod
    def has_taken_effect(obj) -> bool:
        return obj is not None and (obj.effective_from is None or obj.effective_from <= timezone.localdate())

    def get_readonly_fields(self, request, obj=None):
        if self.has_taken_effect(obj):
            return [
                f.name
                for f in self.model._meta.fields
                if f.editable and not f.primary_key and f.name not in self.editable_once_in_force
            ] + ["created_at"]
        return ["created_at"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self.has_taken_effect(obj) and super().has_delete_permission(request, obj)


@admin.register(CustomsRule)
class CustomsRuleAdmin(DatedHistoryAdmin):
    list_display = [
        "destination",
        "effective_from",
        "effective_to",
        "currency",
        "low_value_regime",
        "duty_de_minimis",
        "tax_de_minimis",
        "standard_tax_rate_pct",
        "regime_threshold",
        "flat_duty_per_item",
        "confidence",
    ]
    list_filter = ["destination", "low_value_regime", "confidence", "currency"]
    search_fields = ["destination", "notes", "source"]
    editable_once_in_force = ("effective_to",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CustomsRuleAddForm
        elif self.has_taken_effect(obj):
            kwargs["form"] = CustomsRuleCloseForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if self.has_taken_effect(obj):
            return [f.name for f in CustomsRule._meta.fields if not f.primary_key]
        return super().get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            customs_rule_add_version(rule=obj, close_current=form.cleaned_data.get("close_current", False))


@admin.register(VatRate)
class VatRateAdmin(DatedHistoryAdmin):
    list_display = ["country", "rate_pct", "customs_union", "effective_from", "confidence", "source"]
    list_filter = ["customs_union", "confidence", "country"]
    search_fields = ["country", "source"]


@admin.register(DutyRate)
class DutyRateAdmin(DatedHistoryAdmin):
    list_display = ["destination", "hs_prefix", "rate_pct", "effective_from", "confidence", "source", "note"]
    list_filter = ["destination", "confidence"]
    search_fields = ["hs_prefix", "note", "source"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Rates are added, never changed or deleted: a correction is a newer row."""

    list_display = ["date", "base", "quote", "rate", "source"]
    list_filter = ["base", "quote", "source"]
    search_fields = ["base", "quote", "source"]
    date_hierarchy = "date"

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
