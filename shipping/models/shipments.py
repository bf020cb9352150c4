"""Shipments: the physical movements after an order (outbound) or between warehouses
(transfer). Each follows a route plan of stages with planned durations; the current stage has
a due time, and a periodic tick moves due shipments on. Every change is a tracking event.

A shipment keeps its own copy of what it needs (destination, lines, declared values): the
shipping app never reads order tables.
"""

from django.conf import settings
from django.db import models

from merchants.models import Address, Merchant, Product
from warehouses.models import FulfillmentMode, Lane, Warehouse
from warehouses.modes import Speed, Stage


class Shipment(Address):
    """One parcel journey. The address fields are the destination."""

    class Kind(models.TextChoices):
        OUTBOUND = "outbound", "Outbound to a buyer"
        TRANSFER = "transfer", "Transfer between warehouses"

    class Status(models.TextChoices):
        ACTIVE = "active", "In progress"
        DELIVERED = "delivered", "Delivered"
        RETURNED = "returned", "Returned"
        LOST = "lost", "Lost"
        DAMAGED = "damaged", "Damaged"
        CANCELLED = "cancelled", "Cancelled"

    class CustomsStatus(models.TextChoices):
        NOT_REQUIRED = "not_required", "Not required"
        PENDING = "pending", "Pending"
        CLEARED = "cleared", "Cleared"
        HELD = "held", "Held"
        REJECTED = "rejected", "Rejected"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OUTBOUND)
    # No single-column indexes on merchant and mode: the composite indexes below lead with them,
    # and every index is one more write on each stage change (the tick rewrites the row).
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="shipments", db_index=False)
    mode = models.ForeignKey(FulfillmentMode, on_delete=models.PROTECT, related_name="+", db_index=False)
    order_id = models.BigIntegerField(null=True, blank=True, db_index=True, help_text="The order it fulfils.")
    merchant_order_id = models.CharField(max_length=64, blank=True)
    tracking_number = models.CharField(max_length=20, unique=True)
    source_warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="outgoing_shipments"
    )
    destination_warehouse = models.ForeignKey(
        Warehouse,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_shipments",
        db_index=False,  # a partial index below: only transfers have one
    )
    origin_country = models.CharField(max_length=2)
    lane = models.ForeignKey(Lane, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    transport = models.CharField(max_length=20, blank=True)
    speed = models.CharField(max_length=10, choices=Speed.choices, default=Speed.STANDARD)
    crosses_border = models.BooleanField(default=False)
    incoterm = models.CharField(max_length=3, default="DAP")
    route = models.JSONField(help_text='The plan: [{"stage": ..., "hours": ...}, ...] in order.')
    stage_index = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    stage_started_at = models.DateTimeField()
    stage_due_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0, help_text="Bumped by every change (compare-and-set).")
    customs_status = models.CharField(max_length=12, choices=CustomsStatus.choices, default=CustomsStatus.NOT_REQUIRED)
    customs_duty = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    customs_tax = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    customs_currency = models.CharField(max_length=3, blank=True)
    customs_notes = models.TextField(blank=True)
    fee_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What the platform charges for the parcel, under its mode's rate card of its creation day "
        "(0 without a card). Empty for a transfer, or a parcel not priced yet.",
    )
    fee_currency = models.CharField(max_length=3, blank=True, help_text="The rate card's currency; blank without one.")
    exception_reason = models.CharField(max_length=40, blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    inventory_consumed = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The tick reads only active shipments whose stage is due.
            models.Index(fields=["stage_due_at"], name="shipment_due_active", condition=models.Q(status="active")),
            models.Index(fields=["merchant", "status", "-created_at"]),
            models.Index(fields=["merchant", "mode", "-created_at"]),
            models.Index(fields=["stage", "status"]),
            # The dashboards: live counts of active shipments by stage, and the daily rollups. The
            # counts read these indexes alone (PostgreSQL: ``include``), never the table.
            models.Index(
                fields=["mode", "stage"],
                include=["kind", "exception_reason"],
                name="shipment_active_mode_stage",
                condition=models.Q(status="active"),
            ),
            models.Index(
                fields=["merchant", "mode", "stage"],
                include=["kind", "exception_reason"],
                name="shipment_active_merchant",
                condition=models.Q(status="active"),
            ),
            models.Index(fields=["created_at"], name="shipment_created_at"),
            models.Index(
                fields=["delivered_at"], name="shipment_delivered_at", condition=models.Q(delivered_at__isnull=False)
            ),
            models.Index(
                fields=["destination_warehouse"],
                name="shipment_destination",
                condition=models.Q(destination_warehouse__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def planned_stages(self) -> list[str]:
        return [step["stage"] for step in self.route]


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_value = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["shipment", "pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class TrackingEvent(models.Model):
    """One stage change of a shipment, written in the same transaction as the change."""

    class Source(models.TextChoices):
        TICK = "tick", "Schedule"
        OPERATOR = "operator", "Operator"
        PARTNER = "partner", "Partner"
        API = "api", "Integration"
        SIMULATOR = "simulator", "Simulator"
        SYSTEM = "system", "System"

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    from_stage = models.CharField(max_length=20, blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    event_code = models.CharField(max_length=12, help_text="Amazon tracking event code.")
    description = models.CharField(max_length=200)
    location = models.CharField(max_length=120, blank=True)
    exception_reason = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    external_id = models.CharField(max_length=80, blank=True, help_text="The sender's event id, for idempotency.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "external_id"],
                condition=~models.Q(external_id=""),
                name="tracking_event_external_once",
            )
        ]
        indexes = [
            models.Index(fields=["shipment", "occurred_at"]),
            # The dashboards' rollups read a day of events at a time.
            models.Index(fields=["occurred_at"], name="trackingevent_occurred_at"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.stage} {self.event_code}"
