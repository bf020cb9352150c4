"""Shapes of the orders API.

The orders themselves are checked by the intake service, not here: a bulk request answers per
order (one bad order does not sink the other 999), and a single create names the same field
paths as a bulk (``lines.0.sku``, ``destination.postal_code``). So the input serializers below
check only the envelope of a request; the services decide the rest.

Output serializers expect the querysets of ``orders.api.views``: lines, allocations and events
prefetched into lists, each line with its ``sku`` and each allocation with its ``warehouse_code``
(annotated), so that a list costs the same number of queries whatever its length. Money is a
decimal string next to its currency; datetimes are ISO 8601.

A page of orders is a few thousand values, and DRF's field-by-field path costs several
milliseconds for them; so ``OrderSerializer`` builds its answer by hand, with the declared
fields' own formatting. The declared fields stay what the schema says, and a test holds the two
to the same bytes.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.schema import ErrorSerializer
from orders.models import Allocation, FulfillmentPolicy, Order, OrderEvent, OrderLine
from orders.services.intake import (
    ADDRESS_FIELDS,
    MAX_LINES_PER_ORDER,
    MAX_ORDERS_PER_REQUEST,
    MAX_UNITS_PER_LINE,
    IntakeResult,
)
from warehouses.modes import Mode, Speed

# --- input -------------------------------------------------------------------------------


class BulkInputSerializer(serializers.Serializer):
    # Each order is any JSON value: the service rejects a malformed one by itself, with its index.
    orders = serializers.ListField(
        child=serializers.JSONField(allow_null=True),
        allow_empty=False,
        max_length=MAX_ORDERS_PER_REQUEST,
        error_messages={
            "empty": "Send at least one order.",
            "max_length": f"At most {MAX_ORDERS_PER_REQUEST:,} orders a request; send the rest in another.",
        },
    )


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PreviewInputSerializer(serializers.Serializer):
    # Shapes inside ``destination`` and ``lines`` are the service's to check (field paths).
    destination = serializers.JSONField()
    lines = serializers.JSONField()
    speeds = serializers.ListField(child=serializers.CharField(max_length=20), required=False, max_length=10)
    modes = serializers.ListField(child=serializers.CharField(max_length=30), required=False, max_length=10)


class CompareInputSerializer(serializers.Serializer):
    product = serializers.CharField(max_length=40, help_text="Your SKU.")
    destination_country = serializers.CharField(max_length=60)
    # The range is the service's to check; here only that it is a whole number.
    monthly_volume = serializers.IntegerField()


# --- the requests' full shapes, for the schema (the services check them, per field path) -----


class AddressSerializer(serializers.Serializer):
    contact_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address_line1 = serializers.CharField(max_length=200)
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(min_length=2, max_length=2, help_text="ISO 3166-1 alpha-2, e.g. US, DE.")


class OrderLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=40, help_text="Your SKU.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS_PER_LINE)
    unit_value = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, help_text="Declared value per unit; default: the product's."
    )


class OrderInputSerializer(serializers.Serializer):
    merchant_order_id = serializers.CharField(max_length=64, help_text="Your id of the order, unique per merchant.")
    mode = serializers.ChoiceField(choices=Mode.choices)
    speed = serializers.ChoiceField(choices=Speed.choices, required=False, help_text="Default: standard.")
    fulfillment_policy = serializers.ChoiceField(
        choices=FulfillmentPolicy.choices, required=False, help_text="Default: fill_or_kill."
    )
    destination = AddressSerializer()
    buyer_email = serializers.EmailField(required=False, allow_blank=True)
    currency = serializers.CharField(max_length=3, required=False, help_text="Default: the merchant's currency.")
    lines = OrderLineInputSerializer(many=True, max_length=MAX_LINES_PER_ORDER)


class BulkOrdersInputSerializer(serializers.Serializer):
    orders = OrderInputSerializer(many=True, max_length=MAX_ORDERS_PER_REQUEST)


class PreviewRequestSerializer(serializers.Serializer):
    destination = AddressSerializer()
    lines = OrderLineInputSerializer(many=True, max_length=MAX_LINES_PER_ORDER)
    speeds = serializers.ListField(
        child=serializers.ChoiceField(choices=Speed.choices), required=False, help_text="Default: every speed."
    )
    modes = serializers.ListField(
        child=serializers.ChoiceField(choices=Mode.choices), required=False, help_text="Default: every mode."
    )


# --- output ------------------------------------------------------------------------------


class MoneyField(serializers.DecimalField):
    """An amount as a decimal string with two places (its currency is a sibling field)."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=None, decimal_places=2, read_only=True, **kwargs)


# The declared fields' formatting, for the representations built by hand below.
_datetime = serializers.DateTimeField().to_representation
_money = serializers.DecimalField(max_digits=12, decimal_places=2).to_representation


class AllocationSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse_code")

    class Meta:
        model = Allocation
        fields = ["warehouse", "quantity", "status", "created_at"]


class OrderLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField()
    quantity_pending = serializers.IntegerField()
    currency = serializers.CharField(source="order.currency")
    allocations = AllocationSerializer(many=True, source="allocation_list")

    class Meta:
        model = OrderLine
        fields = [
            "line_number",
            "sku",
            "quantity",
            "quantity_allocated",
            "quantity_cancelled",
            "quantity_shipped",
            "quantity_pending",
            "unit_value",
            "currency",
            "unfulfillable_reason",
            "allocations",
        ]


class OrderEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["from_status", "to_status", "note", "created_at"]


class OrderSerializer(serializers.ModelSerializer):
    mode = serializers.CharField(source="mode_id")
    destination = serializers.SerializerMethodField()
    lines = OrderLineSerializer(many=True, source="line_list")

    class Meta:
        model = Order
        fields = [
            "id",
            "merchant_order_id",
            "status",
            "status_reason",
            "mode",
            "speed",
            "fulfillment_policy",
            "currency",
            "buyer_email",
            "source",
            "destination",
            "lines",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(AddressSerializer)
    def get_destination(self, order: Order) -> dict:
        address = {name: getattr(order, name) for name in ADDRESS_FIELDS}
        address["country"] = order.country.code
        return address

    def to_representation(self, order: Order) -> dict:
        # By hand, in ``Meta.fields`` order: see the module docstring.
        return {
            "id": order.pk,
            "merchant_order_id": order.merchant_order_id,
            "status": order.status,
            "status_reason": order.status_reason,
            "mode": order.mode_id,
            "speed": order.speed,
            "fulfillment_policy": order.fulfillment_policy,
            "currency": order.currency,
            "buyer_email": order.buyer_email,
            "source": order.source,
            "destination": self.get_destination(order),
            "lines": [_line(line, order.currency) for line in order.line_list],
            "created_at": _datetime(order.created_at),
            "updated_at": _datetime(order.updated_at),
        }


def _line(line: OrderLine, currency: str) -> dict:
    return {
        "line_number": line.line_number,
        "sku": line.sku,
        "quantity": line.quantity,
        "quantity_allocated": line.quantity_allocated,
        "quantity_cancelled": line.quantity_cancelled,
        "quantity_shipped": line.quantity_shipped,
        "quantity_pending": line.quantity_pending,
        "unit_value": _money(line.unit_value),
        "currency": currency,
        "unfulfillable_reason": line.unfulfillable_reason,
        "allocations": [
            {
                "warehouse": allocation.warehouse_code,
                "quantity": allocation.quantity,
                "status": allocation.status,
                "created_at": _datetime(allocation.created_at),
            }
            for allocation in line.allocation_list
        ],
    }


class OrderDetailSerializer(OrderSerializer):
    events = OrderEventSerializer(many=True, source="event_list")

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "events"]

    def to_representation(self, order: Order) -> dict:
        events = [
            {
                "from_status": event.from_status,
                "to_status": event.to_status,
                "note": event.note,
                "created_at": _datetime(event.created_at),
            }
            for event in order.event_list
        ]
        return {**super().to_representation(order), "events": events}


def _errors(messages: dict[str, list[str]], code: str) -> list[dict]:
    # The service keys an order that is not an object at all by "": that is about the whole order.
    return [
        {"code": code, "detail": str(message), "attr": path or None}
        for path, texts in messages.items()
        for message in texts
    ]


class IntakeResultShapeSerializer(serializers.Serializer):
    """The schema of ``IntakeResultSerializer``'s output."""

    index = serializers.IntegerField(help_text="The order's position in the request, from 0.")
    merchant_order_id = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["created", "duplicate", "rejected"])
    id = serializers.IntegerField(required=False, help_text="The new order (created).")
    status = serializers.ChoiceField(choices=Order.Status.choices, required=False, help_text="Its status (created).")
    existing_id = serializers.IntegerField(required=False, help_text="Your order of that id (duplicate).")
    errors = ErrorSerializer(many=True)


class BulkResultSerializer(serializers.Serializer):
    results = IntakeResultShapeSerializer(many=True)


class IntakeResultSerializer(serializers.BaseSerializer):
    """One order of a bulk request: ``created`` (id, status), ``duplicate`` (existing_id) or ``rejected``."""

    def to_representation(self, result: IntakeResult) -> dict:
        data = {"index": result.index, "merchant_order_id": result.merchant_order_id, "outcome": result.outcome}
        if result.outcome == "created":
            data |= {"id": result.order.pk, "status": result.order.status, "errors": []}
        elif result.outcome == "duplicate":
            data |= {"existing_id": result.existing_id, "errors": _errors(result.errors, "duplicate")}
        else:
            data["errors"] = _errors(result.errors, "invalid")
        return data


class FeeLineSerializer(serializers.Serializer):
    label = serializers.CharField()
    amount = MoneyField()
    currency = serializers.CharField()


class DutyEstimateSerializer(serializers.Serializer):
    duty = MoneyField()
    tax = MoneyField()
    currency = serializers.CharField()
    payer = serializers.CharField()
    regime = serializers.CharField()
    notes = serializers.ListField(child=serializers.CharField())


class PreviewOptionSerializer(serializers.Serializer):
    mode = serializers.CharField()
    mode_name = serializers.CharField()
    speed = serializers.CharField()
    fulfillable = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    fee_lines = FeeLineSerializer(many=True)
    total_fees = MoneyField()
    currency = serializers.CharField()
    ship_from = serializers.ListField(child=serializers.CharField())
    ship_by = serializers.DateTimeField(allow_null=True)
    arrive_earliest = serializers.DateTimeField(allow_null=True)
    arrive_latest = serializers.DateTimeField(allow_null=True)
    duties = DutyEstimateSerializer(allow_null=True)


class ComparisonRowSerializer(serializers.Serializer):
    mode = serializers.CharField()
    mode_name = serializers.CharField()
    can_serve = serializers.BooleanField()
    reason = serializers.CharField()
    landed_cost_per_unit = MoneyField(allow_null=True)
    currency = serializers.CharField()
    breakdown = FeeLineSerializer(many=True)
    days_typical = serializers.IntegerField(allow_null=True)
    days_worst = serializers.IntegerField(allow_null=True)
    customs_by = serializers.CharField()
    pipeline_units = serializers.IntegerField()
    ship_from = serializers.CharField()
    duties = DutyEstimateSerializer(allow_null=True)
