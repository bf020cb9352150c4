from django.contrib import admin

from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "merchant", "is_active", "failing_since", "consecutive_failures", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "merchant__name"]
    # The signing secrets never show here: they are the merchant's.
    exclude = ["secret", "previous_secret"]
    readonly_fields = ["merchant", "previous_secret_expires_at", "failing_since", "consecutive_failures", "disabled_at"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "merchant", "created_at"]
    list_filter = ["type"]
    search_fields = ["id"]
    readonly_fields = ["id", "merchant", "type", "payload", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "attempt", "status", "response_status_code", "scheduled_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
