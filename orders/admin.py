from django.contrib import admin

from orders.models import Allocation, Order, OrderEvent, OrderImport, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product"]
    readonly_fields = ["quantity_allocated", "quantity_cancelled", "quantity_shipped", "unfulfillable_reason"]


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "note", "actor", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Status changes go through the order services; the admin shows them."""

    list_display = ["merchant_order_id", "merchant", "mode", "speed", "status", "country", "source", "created_at"]
    list_filter = ["status", "mode", "speed", "fulfillment_policy", "source", "country"]
    search_fields = ["merchant_order_id", "merchant__name", "contact_name", "postal_code"]
    list_select_related = ["merchant", "mode"]
    readonly_fields = ["status", "status_reason", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderEventInline]


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ["line", "warehouse", "quantity", "status", "created_at"]
    list_filter = ["status", "warehouse"]
    raw_id_fields = ["line"]


@admin.register(OrderImport)
class OrderImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "merchant", "status", "total_rows", "created_orders", "failed_rows", "created_at"]
    list_filter = ["status"]
    readonly_fields = [
        "checksum",
        "report",
        "status",
        "processed_rows",
        "created_orders",
        "duplicate_orders",
        "failed_rows",
    ]
    exclude = ["content"]
