from django.db.models import QuerySet

from merchants.models import Merchant
from webhooks.models import WebhookDelivery, WebhookEndpoint

RECENT_DELIVERIES = 50


def webhook_endpoint_list(*, merchant: Merchant) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(merchant=merchant).order_by("-is_active", "-created_at", "-pk")


def webhook_recent_deliveries(*, endpoint: WebhookEndpoint, status: str = "") -> list[WebhookDelivery]:
    """The endpoint's latest attempts, newest first (one query)."""
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
    if status in WebhookDelivery.Status.values:
        deliveries = deliveries.filter(status=status)
    return list(deliveries.order_by("-created_at", "-pk")[:RECENT_DELIVERIES])
