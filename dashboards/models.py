"""Daily rollups behind the dashboards, and the cursor of their incremental refresh.

A rollup row is a partition of one day's facts by (merchant, mode, destination country, source
warehouse); money columns carry their currency in the row, so a day may hold several rows for one
partition when its facts come in different currencies. Rows are only ever written by
``dashboards.services`` (a whole day at a time) and can be recomputed from the source tables at
any moment (``manage.py rebuild_dashboard_rollups``).
"""

from decimal import Decimal

from django.db import models

from merchants.models import Merchant
from warehouses.models import FulfillmentMode, Partner, Warehouse


class RollupPartition(models.Model):
    """The dimensions every rollup shares."""

    day = models.DateField(help_text="UTC day the facts belong to.")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    mode = models.ForeignKey(FulfillmentMode, on_delete=models.CASCADE, related_name="+")
    country = models.CharField(max_length=2, help_text="Destination country.")
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.CASCADE, null=True, blank=True, related_name="+", help_text="Source warehouse."
    )

    class Meta:
        abstract = True


class DailyRollup(RollupPartition):
    """Counts and money of one day. Which timestamp puts a fact on a day is documented per column."""

    fee_currency = models.CharField(max_length=3, blank=True, help_text="Currency of ``fees``.")
    customs_currency = models.CharField(max_length=3, blank=True, help_text="Currency of ``duties`` and ``taxes``.")
    # Orders by the day they were placed (warehouse: where their first allocation is).
    orders_placed = models.PositiveIntegerField(default=0)
    units_ordered = models.PositiveIntegerField(default=0)
    # Outbound shipments by the day they were created.
    shipments_created = models.PositiveIntegerField(default=0)
    units_shipped = models.PositiveIntegerField(default=0)
    fees = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    duties = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    taxes = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    declarations = models.PositiveIntegerField(default=0, help_text="Shipments crossing a customs border.")
    declarations_complete = models.PositiveIntegerField(default=0)
    # Outbound shipments by the day they were delivered.
    delivered = models.PositiveIntegerField(default=0)
    delivered_on_time = models.PositiveIntegerField(default=0)
    delivery_hours = models.FloatField(default=0, help_text="Sum of order-to-delivery hours.")
    # Tracking events by the day they happened.
    exceptions_raised = models.PositiveIntegerField(default=0)
    customs_assessed = models.PositiveIntegerField(default=0, help_text="Parcels that left import customs.")
    customs_held = models.PositiveIntegerField(default=0, help_text="… of which into a customs hold.")

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "mode", "day"], name="rollup_merchant_mode_day"),
            models.Index(fields=["mode", "day"], name="rollup_mode_day"),
            models.Index(fields=["day"], name="rollup_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.merchant_id} {self.mode_id} {self.country} {self.warehouse_id}"


class DeliveryTimeRollup(RollupPartition):
    """How many outbound shipments delivered on the day took an order-to-delivery time in one bucket."""

    BUCKET_HOURS = 6
    MAX_BUCKET = 480  # 120 days; longer deliveries land in the last bucket

    bucket = models.PositiveSmallIntegerField(help_text="Order-to-delivery hours // BUCKET_HOURS.")
    shipments = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "mode", "day"], name="delivtime_merchant_mode_day"),
            models.Index(fields=["mode", "day"], name="delivtime_mode_day"),
            models.Index(fields=["day"], name="delivtime_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} bucket {self.bucket}: {self.shipments}"


class StageDwellRollup(RollupPartition):
    """Time spent in one stage by the outbound shipments that left it on the day, against the plan."""

    stage = models.CharField(max_length=20)
    exits = models.PositiveIntegerField(default=0)
    dwell_hours = models.FloatField(default=0, help_text="Sum of the hours spent in the stage.")
    planned_exits = models.PositiveIntegerField(default=0, help_text="Exits of a stage that has a planned duration.")
    planned_hours = models.FloatField(default=0, help_text="Sum of the planned hours of those exits.")
    planned_dwell_hours = models.FloatField(default=0, help_text="Sum of the actual hours of those exits.")
    over_plan = models.PositiveIntegerField(default=0, help_text="Exits that took longer than planned.")

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "mode", "day"], name="dwell_merchant_mode_day"),
            models.Index(fields=["mode", "day"], name="dwell_mode_day"),
            models.Index(fields=["day"], name="dwell_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.stage}: {self.exits}"


class PartnerSlaRollup(RollupPartition):
    """The partner SLA (``shipping.partner.sla``) of the outbound shipments created on the day at
    one partner's warehouse, counting only those whose states are settled (handed over or ended);
    the ones still waiting for the hand-over are counted live, since time alone moves them."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    shipments = models.PositiveIntegerField(default=0, help_text="Shipments owing something on either clock.")
    ack_on_time = models.PositiveIntegerField(default=0)
    ack_breached = models.PositiveIntegerField(default=0)
    ship_on_time = models.PositiveIntegerField(default=0)
    ship_breached = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0, help_text="Open on either clock (none, once settled).")
    breached = models.PositiveIntegerField(default=0, help_text="Breached on either clock.")

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "mode", "day"], name="partnersla_merchant_mode_day"),
            models.Index(fields=["mode", "day"], name="partnersla_mode_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} partner {self.partner_id}: {self.shipments}"


class RollupCursor(models.Model):
    """Where the incremental refresh stopped: one row."""

    last_event_id = models.BigIntegerField(default=0, help_text="Tracking events up to this id are rolled up.")
    orders_seen_at = models.DateTimeField(null=True, blank=True, help_text="Orders changed before this are.")
    refreshed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the rollups were last brought up to date."
    )
    days_refreshed = models.PositiveIntegerField(default=0, help_text="Days recomputed by the last run.")
    layout = models.PositiveSmallIntegerField(
        default=0, help_text="Layout of the rollups last built; an older one is rebuilt in full."
    )

    class Meta:
        verbose_name = "rollup cursor"

    def __str__(self) -> str:
        return f"rolled up to event {self.last_event_id} at {self.refreshed_at}"
