from django.contrib import admin, messages

from warehouses.api_keys import api_keys_revoke
from warehouses.models import (
    BUCKETS,
    ApiKey,
    FulfillmentMode,
    InventoryBalance,
    InventoryLedgerEntry,
    Lane,
    LaneStage,
    Partner,
    RateCard,
    RateCardEntry,
    Warehouse,
)


@admin.register(FulfillmentMode)
class FulfillmentModeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "ships_to_buyer", "amazon_analogue"]
    readonly_fields = ["code"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contact_email", "sla_acknowledge_hours", "sla_ship_days", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "contact_email"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["users"]


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "role",
        "operator",
        "partner",
        "country",
        "city",
        "capacity_units",
        "capacity_m3",
        "handling_time_hours",
        "is_active",
    ]
    list_filter = ["role", "operator", "country", "is_active"]
    search_fields = ["code", "name", "city"]
    list_select_related = ["partner"]


class LaneStageInline(admin.TabularInline):
    model = LaneStage
    extra = 0


@admin.register(Lane)
class LaneAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "origin",
        "destination",
        "transport",
        "cost_per_kg",
        "inspection_probability",
        "confidence",
        "is_active",
    ]
    list_filter = ["transport", "origin", "destination", "is_active", "confidence"]
    search_fields = ["origin", "destination", "service", "source"]
    inlines = [LaneStageInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Inventory changes only through the inventory service; the admin shows, never edits."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InventoryBalance)
class InventoryBalanceAdmin(ReadOnlyAdmin):
    list_display = ["product", "merchant", "warehouse", *BUCKETS, "updated_at"]
    list_filter = ["warehouse", "merchant"]
    search_fields = ["product__sku", "product__fnsku", "warehouse__code"]
    list_select_related = ["product", "merchant", "warehouse"]


@admin.register(InventoryLedgerEntry)
class InventoryLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "merchant",
        "product",
        "warehouse",
        "bucket",
        "quantity",
        "reason",
        "reference_type",
        "reference_id",
        "actor",
    ]
    list_filter = ["reason", "bucket", "warehouse", "merchant"]
    search_fields = ["product__sku", "reference_id", "movement", "note"]
    list_select_related = ["product", "merchant", "warehouse", "actor"]
    date_hierarchy = "created_at"


class RateCardEntryInline(admin.TabularInline):
    model = RateCardEntry
    extra = 0


@admin.register(RateCard)
class RateCardAdmin(admin.ModelAdmin):
    """Operators edit fees here; a new period is a new card (end the old one first)."""

    list_display = ["name", "mode", "currency", "effective_from", "effective_to"]
    list_filter = ["mode", "currency"]
    search_fields = ["name", "notes"]
    inlines = [RateCardEntryInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are listed and revoked here, never created (``manage.py create_api_key`` shows the key
    once) and never shown: the table holds only a hash, and the admin does not display even that."""

    list_display = ["prefix", "name", "owner", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "partner", "merchant"]
    search_fields = ["prefix", "name", "partner__name", "merchant__name"]
    list_select_related = ["partner", "merchant"]
    fields = ["prefix", "name", "merchant", "partner", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "merchant", "partner", "scopes", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.display(description="owner")
    def owner(self, obj: ApiKey) -> str:
        return f"Partner: {obj.partner}" if obj.partner_id else f"Merchant: {obj.merchant}"

    @admin.action(description="Revoke the selected API keys", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = api_keys_revoke(api_keys=queryset)
        messages.success(request, f"Revoked {revoked} key{'s' if revoked != 1 else ''}; revoked keys stay listed.")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a revoked key stays, so that its use stays explainable
