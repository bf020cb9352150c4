from django.contrib import admin

from dashboards.models import RollupCursor


@admin.register(RollupCursor)
class RollupCursorAdmin(admin.ModelAdmin):
    list_display = ["pk", "last_event_id", "orders_seen_at", "refreshed_at", "days_refreshed"]
    readonly_fields = list_display
