"""What a POST with an ``Idempotency-Key`` answered, so that a retry gets the same answer."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from merchants.models import Merchant
from warehouses.models import Partner


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` of one API client (a merchant's or a partner's key, or a signed-in user).

    The row is written *before* the request runs, and the unique constraint per owner and key
    makes sure only one request holds it: a second one with the same key finds it in progress
    (409), or completed (the stored response, replayed), or made for another request (422).
    Rows are kept ``CROSSDOCK_IDEMPOTENCY_TTL_HOURS`` and then purged.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000, help_text="Path and query string of the first request.")
    body_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the first request's body, hex.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    locked_at = models.DateTimeField(help_text="When the running request claimed the key.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True)
    response_body = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(merchant__isnull=False, partner__isnull=True, user__isnull=True)
                    | Q(merchant__isnull=True, partner__isnull=False, user__isnull=True)
                    | Q(merchant__isnull=True, partner__isnull=True, user__isnull=False)
                ),
                name="idempotency_exactly_one_owner",
            ),
            models.UniqueConstraint(
                fields=["merchant", "key"], condition=Q(merchant__isnull=False), name="idempotency_merchant_key"
            ),
            models.UniqueConstraint(
                fields=["partner", "key"], condition=Q(partner__isnull=False), name="idempotency_partner_key"
            ),
            models.UniqueConstraint(
                fields=["user", "key"], condition=Q(user__isnull=False), name="idempotency_user_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
