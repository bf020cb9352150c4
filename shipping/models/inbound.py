"""Sending inventory (Amazon's "Send to Amazon", Inbound API 2024-03-20 vocabulary).

A merchant's **plan** lists items and where they come from; **packing** puts them in boxes;
**placement** proposes destination warehouses (options), and confirming one creates the
**inbound shipments**, each with a confirmation id like ``FBA1A2B3C4D``. The dock checks
boxes in and counts them; closing a shipment reconciles every line.
"""

import secrets
import string
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django_countries.fields import CountryField

from merchants.models import Address, Merchant, Product
from warehouses.models import FulfillmentMode, Warehouse

_ID_ALPHABET = string.ascii_uppercase + string.digits


def generate_confirmation_id() -> str:
    """A shipment confirmation id in Amazon's shape: ``FBA`` and eight letters or digits."""
    return "FBA" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


class Owner(models.TextChoices):
    """Who labels or preps the units: the merchant itself, or the platform for a fee."""

    MERCHANT = "merchant", "Merchant"
    PLATFORM = "platform", "Platform"


class ShippingMode(models.TextChoices):
    SMALL_PARCEL = "small_parcel", "Small parcel"
    LTL = "ltl", "Less than truckload (LTL)"
    FTL = "ftl", "Full truckload (FTL)"
    OCEAN_LCL = "ocean_lcl", "Ocean, less than container (LCL)"
    OCEAN_FCL = "ocean_fcl", "Ocean, full container (FCL)"
    AIR = "air", "Air freight"


class InboundPlan(Address):
    """What a merchant wants to send, from where, for which mode. The address is the ship-from."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", "Active"
        SHIPPED = "SHIPPED", "Shipped"
        VOIDED = "VOIDED", "Voided"
        ERRORED = "ERRORED", "Errored"

    class Step(models.TextChoices):
        ITEMS = "items", "Items"
        PACKING = "packing", "Packing"
        PLACEMENT = "placement", "Placement"
        TRANSPORT = "transport", "Transport"
        LABELS = "labels", "Labels"
        SHIPPED = "shipped", "Shipped"

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="inbound_plans")
    name = models.CharField(max_length=120)
    mode = models.ForeignKey(FulfillmentMode, on_delete=models.PROTECT, related_name="+")
    destination_country = CountryField(
        blank=True, help_text="Where the stock should end up (global and virtual warehouses); blank: any."
    )
    shipping_mode = models.CharField(max_length=20, choices=ShippingMode.choices, default=ShippingMode.SMALL_PARCEL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.ITEMS)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["merchant", "status", "-created_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_editable(self) -> bool:
        """Items and boxes may change until a placement option is confirmed."""
        return self.status == self.Status.ACTIVE and not self.shipments.exists()


class InboundPlanItem(models.Model):
    plan = models.ForeignKey(InboundPlan, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    label_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.MERCHANT)
    prep_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.MERCHANT)

    class Meta:
        ordering = ["plan", "product__sku"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "product"], name="inbound_plan_item_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="inbound_plan_item_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product.sku}"


class InboundBox(models.Model):
    """A physical carton. Its ``box_id`` (confirmation id + ``U`` + number) is on its label."""

    plan = models.ForeignKey(InboundPlan, on_delete=models.CASCADE, related_name="boxes")
    shipment = models.ForeignKey(
        "InboundShipment", on_delete=models.SET_NULL, null=True, blank=True, related_name="boxes"
    )
    number = models.PositiveIntegerField(help_text="1-based position in the plan.")
    box_id = models.CharField(max_length=24, blank=True, db_index=True)
    weight_kg = models.DecimalField(max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    length_cm = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("1"))])
    width_cm = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("1"))])
    height_cm = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("1"))])
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    counted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="inbound_box_unique_number"),
            models.UniqueConstraint(
                fields=["box_id"], condition=~models.Q(box_id=""), name="inbound_box_unique_box_id"
            ),
        ]

    def __str__(self) -> str:
        return self.box_id or f"Box {self.number} of plan {self.plan_id}"

    @property
    def volume_cm3(self) -> Decimal:
        return self.length_cm * self.width_cm * self.height_cm


class InboundBoxContent(models.Model):
    """Units of one product in one box, as packed (``quantity``) and as counted at the dock."""

    box = models.ForeignKey(InboundBox, on_delete=models.CASCADE, related_name="contents")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    counted_good = models.PositiveIntegerField(null=True, blank=True)
    counted_damaged = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["box", "product__sku"]
        constraints = [
            models.UniqueConstraint(fields=["box", "product"], name="inbound_box_content_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="inbound_box_content_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product.sku} in {self.box}"


class PlacementOption(models.Model):
    """A proposal of destination warehouses for a plan's boxes, with its fees.

    ``shipments`` is a list of ``{"warehouse_id", "box_numbers", "units", "fee"}``; fees are
    strings of decimals in ``currency``.
    """

    class Status(models.TextChoices):
        OFFERED = "OFFERED", "Offered"
        ACCEPTED = "ACCEPTED", "Accepted"
        EXPIRED = "EXPIRED", "Expired"

    plan = models.ForeignKey(InboundPlan, on_delete=models.CASCADE, related_name="placement_options")
    option_id = models.CharField(max_length=12, unique=True)
    label = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    shipments = models.JSONField()
    fee_total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "fee_total", "pk"]

    def __str__(self) -> str:
        return f"{self.option_id} ({self.label})"


class InboundShipment(models.Model):
    """A shipment of boxes to one warehouse, born when a placement option is confirmed."""

    class Status(models.TextChoices):
        WORKING = "WORKING", "Working"
        READY_TO_SHIP = "READY_TO_SHIP", "Ready to ship"
        SHIPPED = "SHIPPED", "Shipped"
        IN_TRANSIT = "IN_TRANSIT", "In transit"
        DELIVERED = "DELIVERED", "Delivered"
        CHECKED_IN = "CHECKED_IN", "Checked in"
        RECEIVING = "RECEIVING", "Receiving"
        CLOSED = "CLOSED", "Closed"
        DELETED = "DELETED", "Deleted"
        CANCELLED = "CANCELLED", "Cancelled"

    class CustomsStatus(models.TextChoices):
        NOT_REQUIRED = "not_required", "Not required"
        PENDING = "pending", "Pending"
        CLEARED = "cleared", "Cleared"
        HELD = "held", "Held"

    plan = models.ForeignKey(InboundPlan, on_delete=models.PROTECT, related_name="shipments")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="inbound_shipments")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="inbound_shipments")
    confirmation_id = models.CharField(max_length=11, unique=True, default=generate_confirmation_id)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.WORKING)
    source_country = CountryField()
    customs_status = models.CharField(max_length=15, choices=CustomsStatus.choices, default=CustomsStatus.NOT_REQUIRED)
    customs_duty = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    customs_tax = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    customs_currency = models.CharField(max_length=3, blank=True)
    customs_notes = models.TextField(blank=True, help_text="The customs engine's holds and notes.")
    placement_fee = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    fee_currency = models.CharField(max_length=3, default="USD")
    carrier = models.CharField(max_length=60, blank=True)
    shipping_mode = models.CharField(max_length=20, choices=ShippingMode.choices, default=ShippingMode.SMALL_PARCEL)
    ready_to_ship_from = models.DateField(null=True, blank=True)
    ready_to_ship_to = models.DateField(null=True, blank=True)
    tracking_numbers = models.JSONField(default=list, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    claim_window_ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["merchant", "status"]),
            models.Index(fields=["warehouse", "status"]),
        ]

    def __str__(self) -> str:
        return self.confirmation_id


class InboundShipmentLine(models.Model):
    """One SKU of a shipment: expected, received and damaged units, and how it was reconciled."""

    class Resolution(models.TextChoices):
        RECEIVED = "received", "Received as expected"
        AUTO_RECONCILED = "auto_reconciled", "Auto-reconciled"
        REIMBURSED = "reimbursed", "Reimbursed"
        UNITS_NOT_SHIPPED = "units_not_shipped", "Units not shipped"

    shipment = models.ForeignKey(InboundShipment, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    label_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.MERCHANT)
    prep_owner = models.CharField(max_length=10, choices=Owner.choices, default=Owner.MERCHANT)
    quantity_expected = models.PositiveIntegerField()
    quantity_received = models.PositiveIntegerField(default=0, help_text="Good units counted.")
    quantity_damaged = models.PositiveIntegerField(default=0)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    resolution_note = models.CharField(max_length=200, blank=True)
    reimbursement_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    reimbursement_currency = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["shipment", "product__sku"]
        constraints = [models.UniqueConstraint(fields=["shipment", "product"], name="inbound_line_unique")]

    def __str__(self) -> str:
        return f"{self.product.sku}: {self.quantity_received}/{self.quantity_expected}"

    @property
    def quantity_counted(self) -> int:
        return self.quantity_received + self.quantity_damaged

    @property
    def shortage(self) -> int:
        return max(self.quantity_expected - self.quantity_counted, 0)

    @property
    def overage(self) -> int:
        return max(self.quantity_counted - self.quantity_expected, 0)

    @property
    def has_discrepancy(self) -> bool:
        return bool(self.shortage or self.overage or self.quantity_damaged)


class InboundShipmentEvent(models.Model):
    """A status change of an inbound shipment, written with the change itself."""

    shipment = models.ForeignKey(InboundShipment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=15, blank=True)
    to_status = models.CharField(max_length=15)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.shipment}: {self.from_status or '—'} → {self.to_status}"
