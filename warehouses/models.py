"""The network (modes, partners, warehouses, lanes) and inventory (balances and their ledger)."""

import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from merchants.models import Address, Merchant, Product
from merchants.sizing import SizeTier
from warehouses.modes import Mode, Speed, Stage, Transport, WarehouseRole


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value} is not an IANA time zone (e.g. Asia/Shanghai).") from exc


class FulfillmentMode(models.Model):
    """One of the five ways to get goods to a buyer, with the facts that set it apart."""

    code = models.CharField(max_length=20, primary_key=True, choices=Mode.choices)
    name = models.CharField(max_length=80)
    summary = models.TextField()
    stock_location = models.TextField(help_text="Where the stock sits.")
    ships_to_buyer = models.CharField(max_length=200)
    customs_responsibility = models.TextField(help_text="Who is exporter and importer of record.")
    stock_roles = models.JSONField(default=list, help_text="Warehouse roles that hold stock for this mode.")
    inbound_roles = models.JSONField(default=list, help_text="Warehouse roles a merchant sends stock to.")
    outbound_stages = models.JSONField(default=list, help_text="Stages of an order's shipment, in order.")
    transfer_stages = models.JSONField(default=list, blank=True, help_text="Stages of a transfer, if any.")
    amazon_analogue = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name

    @property
    def holds_stock(self) -> bool:
        return bool(self.stock_roles)


class Partner(models.Model):
    """A 3PL company that runs warehouses for the virtual-warehouse mode."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    contact_email = models.EmailField()
    sla_acknowledge_hours = models.PositiveSmallIntegerField(
        "SLA: acknowledge within (hours)", default=4, validators=[MinValueValidator(1)]
    )
    sla_ship_days = models.PositiveSmallIntegerField(
        "SLA: ship within (days)", default=2, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(default=True)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="partners")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Warehouse(Address):
    """A building that holds stock, run by the platform or by a partner."""

    class Operator(models.TextChoices):
        PLATFORM = "platform", "Platform"
        PARTNER = "partner", "Partner"

    code = models.CharField(
        max_length=12,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z]{2}-[A-Z0-9]{3,8}$", "Use a code like CN-SZX1: country, dash, 3-8 letters or digits."
            )
        ],
    )
    name = models.CharField(max_length=200)
    operator = models.CharField(max_length=10, choices=Operator.choices, default=Operator.PLATFORM)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="warehouses")
    role = models.CharField(max_length=20, choices=WarehouseRole.choices)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    capacity_units = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    capacity_m3 = models.DecimalField(
        "capacity (m³)", max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    handling_time_hours = models.PositiveSmallIntegerField(
        default=24, help_text="From order release to handover to the carrier."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(operator="platform", partner__isnull=True)
                    | models.Q(operator="partner", partner__isnull=False)
                ),
                name="warehouse_partner_iff_partner_operated",
                violation_error_message="A partner-operated warehouse needs a partner; a platform one has none.",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="partner_3pl") | models.Q(operator="partner"),
                name="warehouse_3pl_is_partner_operated",
                violation_error_message="A partner 3PL warehouse must be operated by a partner.",
            ),
        ]
        indexes = [models.Index(fields=["role", "country"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Lane(models.Model):
    """A transport leg from an origin to a destination (country, or ``EU`` for the union).

    Its stages carry a min / typical / max duration model, which quotes, route plans and the
    simulator all read.
    """

    origin = models.CharField(max_length=2, help_text="ISO country code, or EU.")
    destination = models.CharField(max_length=2, help_text="ISO country code, or EU.")
    transport = models.CharField(max_length=20, choices=Transport.choices)
    service = models.CharField(max_length=40, blank=True, help_text="Variant, e.g. west coast, ground.")
    cost_per_kg = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    cost_currency = models.CharField(max_length=3, default="USD")
    inspection_probability = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.020"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Chance that import customs opens a parcel for inspection.",
    )
    confidence = models.CharField(max_length=10, blank=True)
    source = models.TextField(blank=True, help_text="Where the durations come from.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["origin", "destination", "transport", "service"]
        constraints = [
            models.UniqueConstraint(fields=["origin", "destination", "transport", "service"], name="lane_unique"),
            models.CheckConstraint(
                condition=models.Q(inspection_probability__gte=0, inspection_probability__lte=1),
                name="lane_inspection_probability_0_1",
            ),
        ]

    def __str__(self) -> str:
        service = f" ({self.service})" if self.service else ""
        return f"{self.origin}→{self.destination} {self.get_transport_display()}{service}"

    @property
    def is_domestic(self) -> bool:
        return self.origin == self.destination


class LaneStage(models.Model):
    """How long one stage of a lane takes: minimum, typical and maximum, in hours."""

    lane = models.ForeignKey(Lane, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    min_hours = models.DecimalField(max_digits=7, decimal_places=1, validators=[MinValueValidator(Decimal("0"))])
    typical_hours = models.DecimalField(max_digits=7, decimal_places=1, validators=[MinValueValidator(Decimal("0"))])
    max_hours = models.DecimalField(max_digits=7, decimal_places=1, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["lane", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["lane", "stage"], name="lanestage_unique"),
            models.CheckConstraint(
                condition=models.Q(min_hours__gte=0)
                & models.Q(min_hours__lte=models.F("typical_hours"))
                & models.Q(typical_hours__lte=models.F("max_hours")),
                name="lanestage_min_le_typical_le_max",
                violation_error_message="Durations must satisfy 0 ≤ min ≤ typical ≤ max.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lane} {self.stage}: {self.min_hours}/{self.typical_hours}/{self.max_hours} h"

    def clean(self) -> None:
        if None not in (self.min_hours, self.typical_hours, self.max_hours) and not (
            self.min_hours <= self.typical_hours <= self.max_hours
        ):
            raise ValidationError({"typical_hours": "Durations must satisfy min ≤ typical ≤ max."})


class Bucket(models.TextChoices):
    """Inventory buckets, named as Amazon's FBA Inventory API names them."""

    INBOUND_WORKING = "inbound_working", "Inbound working"
    INBOUND_SHIPPED = "inbound_shipped", "Inbound shipped"
    INBOUND_RECEIVING = "inbound_receiving", "Inbound receiving"
    FULFILLABLE = "fulfillable", "Fulfillable"
    RESERVED = "reserved", "Reserved"
    IN_TRANSFER = "in_transfer", "In transfer"
    UNFULFILLABLE = "unfulfillable", "Unfulfillable"
    RESEARCHING = "researching", "Researching"


BUCKETS: tuple[str, ...] = tuple(Bucket.values)


class InventoryBalance(models.Model):
    """Units of one product at one warehouse, per bucket. Changed only by the inventory service."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="inventory_balances")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="inventory_balances")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="inventory_balances")
    inbound_working = models.IntegerField(default=0)
    inbound_shipped = models.IntegerField(default=0)
    inbound_receiving = models.IntegerField(default=0)
    fulfillable = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    in_transfer = models.IntegerField(default=0)
    unfulfillable = models.IntegerField(default=0)
    researching = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse", "product"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "product", "warehouse"], name="inventory_balance_unique"),
            *[
                models.CheckConstraint(condition=models.Q(**{f"{bucket}__gte": 0}), name=f"inventory_{bucket}_gte_0")
                for bucket in BUCKETS
            ],
        ]
        indexes = [models.Index(fields=["warehouse", "merchant"])]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.warehouse.code}"

    @property
    def on_hand(self) -> int:
        """Units physically in the building."""
        return self.inbound_receiving + self.fulfillable + self.reserved + self.unfulfillable + self.researching

    @property
    def total(self) -> int:
        return sum(getattr(self, bucket) for bucket in BUCKETS)


class LedgerReason(models.TextChoices):
    OPENING_BALANCE = "opening_balance", "Opening balance"
    ADJUSTMENT = "adjustment", "Adjustment"
    INBOUND_CONFIRMED = "inbound_confirmed", "Inbound shipment confirmed"
    INBOUND_SHIPPED = "inbound_shipped", "Inbound shipment shipped"
    INBOUND_CHECKED_IN = "inbound_checked_in", "Inbound box checked in"
    INBOUND_RECEIVED = "inbound_received", "Units received"
    INBOUND_DAMAGED = "inbound_damaged", "Units received damaged"
    INBOUND_RECONCILED = "inbound_reconciled", "Inbound line reconciled"
    INBOUND_CANCELLED = "inbound_cancelled", "Inbound shipment cancelled"
    ORDER_RESERVED = "order_reserved", "Reserved for an order"
    ORDER_RELEASED = "order_released", "Reservation released"
    ORDER_SHIPPED = "order_shipped", "Shipped to a buyer"
    TRANSFER_OUT = "transfer_out", "Transfer dispatched"
    TRANSFER_IN = "transfer_in", "Transfer received"
    RETURN_RECEIVED = "return_received", "Return received"
    RESEARCH = "research", "Under research"
    REMOVAL = "removal", "Removed"


class InventoryLedgerEntry(models.Model):
    """One signed change of one bucket. Append-only: never updated, never deleted.

    Entries written together share a ``movement`` id, so a move between buckets shows as a
    pair (−n from one bucket, +n to another) with one reason and one document reference.
    """

    movement = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    bucket = models.CharField(max_length=20, choices=Bucket.choices)
    quantity = models.IntegerField(help_text="Signed: positive adds units to the bucket.")
    reason = models.CharField(max_length=30, choices=LedgerReason.choices)
    reference_type = models.CharField(
        max_length=40, blank=True, help_text="The document's kind, e.g. inbound_shipment."
    )
    reference_id = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "inventory ledger entries"
        constraints = [models.CheckConstraint(condition=~models.Q(quantity=0), name="ledger_quantity_not_zero")]
        indexes = [
            models.Index(fields=["merchant", "product", "warehouse", "bucket"]),
            models.Index(fields=["reference_type", "reference_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.quantity:+d} {self.bucket} ({self.reason})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are append-only.")


class RateCard(models.Model):
    """The fees of one mode for a period. A new period is a new card; history is kept."""

    mode = models.ForeignKey(FulfillmentMode, on_delete=models.PROTECT, related_name="rate_cards")
    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, default="USD")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Last day it applies; blank: open-ended.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["mode", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=models.F("effective_from")),
                name="ratecard_period_valid",
                violation_error_message="The card must end on or after the day it starts.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from:%Y-%m-%d})"

    def clean(self) -> None:
        if self.mode_id is None or self.effective_from is None:
            return
        overlapping = RateCard.objects.filter(mode_id=self.mode_id).exclude(pk=self.pk)
        overlapping = overlapping.filter(
            models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=self.effective_from)
        )
        if self.effective_to is not None:
            overlapping = overlapping.filter(effective_from__lte=self.effective_to)
        if overlapping.exists():
            raise ValidationError(
                {"effective_from": "Another rate card of this mode covers part of this period: end it first."}
            )


class Fee(models.TextChoices):
    FULFILLMENT_PER_UNIT = "fulfillment_per_unit", "Fulfillment fee per unit"
    STORAGE_PER_M3_MONTH = "storage_per_m3_month", "Storage per m³ and month"
    PLACEMENT_PER_UNIT = "placement_per_unit", "Inbound placement fee per unit"
    LAST_MILE_PER_PARCEL = "last_mile_per_parcel", "Last mile per parcel"
    CUSTOMS_BROKERAGE = "customs_brokerage", "Customs brokerage per declaration"
    PARTNER_PER_ORDER = "partner_per_order", "Partner handling per order"
    FIRST_MILE_PER_PARCEL = "first_mile_per_parcel", "First-mile pickup per parcel"


class RateCardEntry(models.Model):
    """One fee of a card. Blank qualifiers match anything; the most specific entry wins."""

    rate_card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="entries")
    fee = models.CharField(max_length=30, choices=Fee.choices)
    size_tier = models.CharField(max_length=20, blank=True, choices=[("", "any")] + list(SizeTier.choices))
    destination = models.CharField(max_length=2, blank=True, help_text="ISO country or EU; blank: any.")
    speed = models.CharField(max_length=10, blank=True, choices=[("", "any")] + list(Speed.choices))
    amount = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["rate_card", "fee", "destination", "speed", "size_tier"]
        verbose_name_plural = "rate card entries"
        constraints = [
            models.UniqueConstraint(
                fields=["rate_card", "fee", "size_tier", "destination", "speed"], name="ratecardentry_unique"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="ratecardentry_amount_gte_0"),
        ]

    def __str__(self) -> str:
        qualifiers = " ".join(q for q in (self.size_tier, self.destination, self.speed) if q)
        return f"{self.get_fee_display()} {qualifiers}: {self.amount}"


class ApiKey(models.Model):
    """A credential for the integration API, owned by exactly one merchant or one partner.

    Only the SHA-256 of the key is stored: the key itself is shown once, when it is created
    (``warehouses.api_keys.api_key_create``), and cannot be recovered. ``prefix`` is the
    public part that identifies a key in lists and logs. Revoking keeps the row, so that the
    audit trail (who had which key, when it was last used) survives.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, null=True, blank=True, related_name="api_keys")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, null=True, blank=True, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. the integration using it.")
    prefix = models.CharField(max_length=8, unique=True, editable=False, help_text="Public: identifies the key.")
    secret_hash = models.CharField(max_length=64, editable=False, help_text="SHA-256 of the key, hex.")
    scopes = models.JSONField(default=list, help_text='What the key may do, e.g. ["partner:read"].')
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="Updated at most once a minute.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(merchant__isnull=False, partner__isnull=True)
                    | models.Q(merchant__isnull=True, partner__isnull=False)
                ),
                name="apikey_exactly_one_owner",
                violation_error_message="An API key belongs to a merchant or to a partner, not both.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"

    @property
    def owner(self) -> Merchant | Partner:
        return self.merchant if self.merchant_id else self.partner

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
