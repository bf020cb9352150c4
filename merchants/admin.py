from django.contrib import admin

from merchants.models import Membership, Merchant, Product


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "home_country", "currency", "eori_number", "ioss_number", "is_active"]
    list_filter = ["is_active", "home_country", "currency"]
    search_fields = ["name", "slug", "eori_number", "ioss_number", "vat_number"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "merchant", "role", "created_at"]
    list_filter = ["role", "merchant"]
    search_fields = ["user__username", "user__email", "merchant__name"]
    autocomplete_fields = ["user", "merchant"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "sku",
        "title",
        "merchant",
        "fnsku",
        "hs_code",
        "origin_country",
        "declared_value",
        "declared_currency",
        "weight_kg",
        "size_tier",
        "has_batteries",
        "is_dangerous_goods",
        "is_active",
    ]
    list_filter = ["merchant", "size_tier", "has_batteries", "has_liquids", "is_dangerous_goods", "is_active"]
    search_fields = ["sku", "title", "fnsku", "hs_code"]
    readonly_fields = ["fnsku", "size_tier", "created_at", "updated_at"]
    list_select_related = ["merchant"]
    autocomplete_fields = ["merchant"]
