"""Orders (Amazon Multi-Channel Fulfillment vocabulary), their lines and allocations."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from merchants.models import Address, Merchant, Product
from warehouses.models import FulfillmentMode, Warehouse
from warehouses.modes import Speed


class FulfillmentPolicy(models.TextChoices):
    """What happens when not every unit can be fulfilled (Amazon MCF's meanings)."""

    FILL_OR_KILL = "fill_or_kill", "Fill or kill: all units or none"
    FILL_ALL = "fill_all", "Fill all: ship what is available, the rest waits for stock"
    FILL_ALL_AVAILABLE = "fill_all_available", "Fill all available: ship what is available, cancel the rest"


class Order(Address):
    """A buyer's order, to be fulfilled in one mode. The address fields are the destination."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PLANNING = "planning", "Planning"
        PROCESSING = "processing", "Processing"
        COMPLETE = "complete", "Complete"
        COMPLETE_PARTIAL = "complete_partial", "Complete (partial)"
        INVALID = "invalid", "Invalid"
        CANCELLED = "cancelled", "Cancelled"
        UNFULFILLABLE = "unfulfillable", "Unfulfillable"

    class Source(models.TextChoices):
        PORTAL = "portal", "Portal"
        API = "api", "API"
        CSV = "csv", "CSV import"

    # No single-column indexes on merchant and mode: the composite indexes lead with the merchant,
    # and each index is one more write on every status change.
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders", db_index=False)
    merchant_order_id = models.CharField("merchant order id", max_length=64)
    mode = models.ForeignKey(FulfillmentMode, on_delete=models.PROTECT, related_name="+", db_index=False)
    speed = models.CharField(max_length=10, choices=Speed.choices, default=Speed.STANDARD)
    fulfillment_policy = models.CharField(
        max_length=20, choices=FulfillmentPolicy.choices, default=FulfillmentPolicy.FILL_OR_KILL
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    status_reason = models.CharField(max_length=300, blank=True)
    buyer_email = models.EmailField(blank=True)
    currency = models.CharField(max_length=3, help_text="Currency of the lines' declared values.")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PORTAL)
    order_import = models.ForeignKey(
        "OrderImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "merchant_order_id"], name="order_unique_merchant_order_id"),
        ]
        indexes = [
            models.Index(fields=["merchant", "status", "-created_at"]),
            models.Index(fields=["merchant", "mode", "-created_at"]),
            models.Index(fields=["merchant", "country", "-created_at"]),
            # The dashboards' rollup refresh finds the orders changed since its last run.
            models.Index(fields=["updated_at"], name="order_updated_at"),
        ]

    def __str__(self) -> str:
        return self.merchant_order_id


class OrderLine(models.Model):
    """Units of one SKU in an order, and how many were allocated, shipped or cancelled."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveSmallIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_value = models.DecimalField(
        "declared value per unit", max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    quantity_allocated = models.PositiveIntegerField(default=0)
    quantity_cancelled = models.PositiveIntegerField(default=0)
    quantity_shipped = models.PositiveIntegerField(default=0)
    unfulfillable_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="orderline_unique_number"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_quantity_gt_0"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=models.F("quantity_allocated") + models.F("quantity_cancelled")),
                name="orderline_allocated_plus_cancelled_le_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product.sku}"

    @property
    def quantity_pending(self) -> int:
        """Units neither allocated nor cancelled: waiting for stock (fill all)."""
        return self.quantity - self.quantity_allocated - self.quantity_cancelled


class Allocation(models.Model):
    """Units of a line reserved at one warehouse."""

    class Status(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        RELEASED = "released", "Released"
        SHIPPED = "shipped", "Shipped"

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="allocations")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RESERVED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line", "pk"]
        indexes = [models.Index(fields=["warehouse", "status"])]

    def __str__(self) -> str:
        return f"{self.quantity} at {self.warehouse_id} ({self.status})"


class OrderEvent(models.Model):
    """A status change of an order, written with the change."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '—'} → {self.to_status}"


class OrderImport(models.Model):
    """A CSV upload of orders, processed by a Celery task, with a row-by-row report."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="order_imports")
    filename = models.CharField(max_length=200)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the file; the same file is imported once.")
    content = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_orders = models.PositiveIntegerField(default=0)
    duplicate_orders = models.PositiveIntegerField(default=0)
    failed_rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["merchant", "checksum"], name="orderimport_unique_file")]

    def __str__(self) -> str:
        return self.filename

    @property
    def progress_percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
