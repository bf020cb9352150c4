from django.contrib import admin

from shipping.models import (
    InboundBox,
    InboundPlan,
    InboundPlanItem,
    InboundShipment,
    InboundShipmentEvent,
    InboundShipmentLine,
    PlacementOption,
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
