"""Signed webhooks (Standard Webhooks): the merchants' endpoints, the outbox of events, and one
delivery row per attempt.

An event is written to the outbox once per merchant, only when the merchant has an active
endpoint subscribed to its type; each subscribed endpoint gets a first delivery row. Every retry
is a new delivery row, so the history of an event at an endpoint is its rows in attempt order.
"""

import secrets
import time

from django.db import models
from django.utils import timezone

from merchants.models import Merchant


def new_message_id() -> str:
    """``msg_`` + a time-ordered, unguessable id (no ``.``: it is part of the signed content)."""
    return f"msg_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(8)}"


class WebhookEndpoint(models.Model):
    """A URL of a merchant that receives signed events."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField("URL", max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(
        default=list, blank=True, help_text="The event types it receives; empty means every type."
    )
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # ``whsec_`` + base64 of the key; the previous one still signs until it expires (rotation).
    secret = models.CharField(max_length=120)
    previous_secret = models.CharField(max_length=120, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Health: since when every attempt has failed, and how many events in a row failed for good.
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["merchant", "is_active"])]

    def __str__(self) -> str:
        return self.url

    def receives(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

    def signing_secrets(self, *, now=None) -> list[str]:
        """The secrets that sign a request now: the current one, and the previous during its overlap."""
        now = now or timezone.now()
        keys = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            keys.append(self.previous_secret)
        return keys


class WebhookEvent(models.Model):
    """The outbox: one event of one merchant, its body as sent (``{"type", "timestamp", "data"}``)."""

    id = models.CharField(primary_key=True, max_length=40, default=new_message_id, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="webhook_events")
    type = models.CharField(max_length=60)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"]), models.Index(fields=["merchant", "type"])]

    def __str__(self) -> str:
        return f"{self.id} {self.type}"


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one endpoint."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveSmallIntegerField(default=1)
    manual = models.BooleanField(default=False, help_text="A redelivery asked for by the merchant (not retried).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    scheduled_at = models.DateTimeField(default=timezone.now, help_text="When it is due.")
    # The periodic scan hands a due row to a worker (``dispatched_at``); the worker that sends it
    # holds it until ``locked_until`` so that a repeated message sends nothing twice.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    response_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The first bytes of the response.")
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # The delivery scan reads only pending rows that are due.
            models.Index(fields=["scheduled_at"], name="webhook_delivery_due", condition=models.Q(status="pending")),
            models.Index(fields=["endpoint", "-created_at"]),
            models.Index(fields=["event", "endpoint"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} #{self.attempt} ({self.status})"

    @property
    def succeeded(self) -> bool:
        return self.status == self.Status.SUCCEEDED
