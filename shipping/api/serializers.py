"""Shapes of the sending-inventory API.

Input serializers check only the shape of a request (types, required keys, choices); the
services decide whether it makes sense (known SKUs, boxes adding up, allowed transitions) and
raise ``ValidationError`` with field paths that the API's error format turns into ``attr``.
Output serializers expect the querysets of ``shipping.api.views`` (prefetched), so that a list
costs the same number of queries whatever its length.
"""

from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from shipping.models import (
    InboundBox,
    InboundBoxContent,
    InboundPlan,
    InboundPlanItem,
    InboundShipment,
    InboundShipmentEvent,
    InboundShipmentLine,
    PlacementOption,
)
from shipping.models.inbound import Owner, ShippingMode

# The range of a PositiveIntegerField on every database backend: a larger number is a typo,
# and would otherwise reach the database and fail there.
MAX_UNITS = 2_147_483_647

# --- input -------------------------------------------------------------------------------


class AddressInputSerializer(serializers.Serializer):
    contact_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address_line1 = serializers.CharField(max_length=200)
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = CountryField()


class PlanItemInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    # Positive quantities are checked by the service, which words it for the merchant.
    quantity = serializers.IntegerField(max_value=MAX_UNITS)
    label_owner = serializers.ChoiceField(choices=Owner.choices, required=False)
    prep_owner = serializers.ChoiceField(choices=Owner.choices, required=False)


class PlanItemsInputSerializer(serializers.Serializer):
    items = PlanItemInputSerializer(many=True)


class PlanCreateInputSerializer(PlanItemsInputSerializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    mode = serializers.CharField(max_length=20)
    destination_country = CountryField(required=False, allow_blank=True)
    source = AddressInputSerializer(required=False)


class BoxContentInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(max_value=MAX_UNITS)


class BoxInputSerializer(serializers.Serializer):
    weight_kg = serializers.DecimalField(max_digits=7, decimal_places=2)
    length_cm = serializers.DecimalField(max_digits=6, decimal_places=1)
    width_cm = serializers.DecimalField(max_digits=6, decimal_places=1)
    height_cm = serializers.DecimalField(max_digits=6, decimal_places=1)
    contents = BoxContentInputSerializer(many=True)


class PlanBoxesInputSerializer(serializers.Serializer):
    shipping_mode = serializers.ChoiceField(choices=ShippingMode.choices, required=False)
    boxes = BoxInputSerializer(many=True)


class TransportInputSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=60)
    shipping_mode = serializers.ChoiceField(choices=ShippingMode.choices)
    ready_to_ship_from = serializers.DateField()
    ready_to_ship_to = serializers.DateField()
    tracking_numbers = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, allow_empty=True, max_length=5000
    )


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CheckInInputSerializer(serializers.Serializer):
    box_id = serializers.CharField(max_length=24)


class UnitCountInputSerializer(serializers.Serializer):
    good = serializers.IntegerField(min_value=0, max_value=MAX_UNITS, required=False, default=0)
    damaged = serializers.IntegerField(min_value=0, max_value=MAX_UNITS, required=False, default=0)


class BoxCountInputSerializer(CheckInInputSerializer):
    counts = serializers.DictField(child=UnitCountInputSerializer())


class LineResolutionInputSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=InboundShipmentLine.Resolution.choices, required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CloseInputSerializer(serializers.Serializer):
    resolutions = serializers.DictField(child=LineResolutionInputSerializer(), required=False, default=dict)


# --- output ------------------------------------------------------------------------------


class PlanItemSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")

    class Meta:
        model = InboundPlanItem
        fields = ["sku", "quantity", "label_owner", "prep_owner"]


class BoxContentSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")

    class Meta:
        model = InboundBoxContent
        fields = ["sku", "quantity", "counted_good", "counted_damaged"]


class BoxSerializer(serializers.ModelSerializer):
    checked_in = serializers.SerializerMethodField()
    counted = serializers.SerializerMethodField()
    contents = BoxContentSerializer(many=True)

    class Meta:
        model = InboundBox
        fields = [
            "number",
            "box_id",
            "weight_kg",
            "length_cm",
            "width_cm",
            "height_cm",
            "checked_in",
            "checked_in_at",
            "counted",
            "counted_at",
            "contents",
        ]

    def get_checked_in(self, box: InboundBox) -> bool:
        return box.checked_in_at is not None

    def get_counted(self, box: InboundBox) -> bool:
        return box.counted_at is not None


class PlacementOptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlacementOption
        fields = ["option_id", "label", "status", "shipments", "fee_total", "currency", "expires_at", "created_at"]


class PlanShipmentSummarySerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")

    class Meta:
        model = InboundShipment
        fields = ["id", "confirmation_id", "status", "warehouse"]


class InboundPlanListSerializer(serializers.ModelSerializer):
    mode = serializers.CharField(source="mode_id")
    destination_country = CountryField()

    class Meta:
        model = InboundPlan
        fields = [
            "id",
            "name",
            "mode",
            "destination_country",
            "shipping_mode",
            "status",
            "step",
            "created_at",
            "updated_at",
        ]


class InboundPlanSerializer(InboundPlanListSerializer):
    source = serializers.SerializerMethodField()
    items = PlanItemSerializer(many=True)
    boxes = BoxSerializer(many=True)
    placement_options = serializers.SerializerMethodField()
    shipments = PlanShipmentSummarySerializer(many=True)

    class Meta(InboundPlanListSerializer.Meta):
        fields = [
            *InboundPlanListSerializer.Meta.fields,
            "error",
            "source",
            "items",
            "boxes",
            "placement_options",
            "shipments",
        ]

    def get_source(self, plan: InboundPlan) -> dict:
        return {
            "contact_name": plan.contact_name,
            "phone": plan.phone,
            "address_line1": plan.address_line1,
            "address_line2": plan.address_line2,
            "city": plan.city,
            "region": plan.region,
            "postal_code": plan.postal_code,
            "country": plan.country.code,
        }

    def get_placement_options(self, plan: InboundPlan) -> list[dict]:
        # Expired options are history, not choices.
        options = [o for o in plan.placement_options.all() if o.status != PlacementOption.Status.EXPIRED]
        return PlacementOptionSerializer(options, many=True).data


class InboundShipmentLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")

    class Meta:
        model = InboundShipmentLine
        fields = [
            "sku",
            "label_owner",
            "prep_owner",
            "quantity_expected",
            "quantity_received",
            "quantity_damaged",
            "shortage",
            "overage",
            "resolution",
            "resolution_note",
            "reimbursement_amount",
            "reimbursement_currency",
        ]


class InboundShipmentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = InboundShipmentEvent
        fields = ["from_status", "to_status", "note", "created_at"]


class InboundShipmentListSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="plan_id")
    warehouse = serializers.CharField(source="warehouse.code")
    source_country = CountryField()
    box_count = serializers.IntegerField()
    boxes_checked_in = serializers.IntegerField()

    class Meta:
        model = InboundShipment
        fields = [
            "id",
            "confirmation_id",
            "plan",
            "warehouse",
            "status",
            "customs_status",
            "source_country",
            "placement_fee",
            "fee_currency",
            "carrier",
            "shipping_mode",
            "ready_to_ship_from",
            "ready_to_ship_to",
            "tracking_numbers",
            "box_count",
            "boxes_checked_in",
            "shipped_at",
            "delivered_at",
            "closed_at",
            "claim_window_ends_at",
            "created_at",
            "updated_at",
        ]


class InboundShipmentSerializer(InboundShipmentListSerializer):
    lines = InboundShipmentLineSerializer(many=True)
    boxes = BoxSerializer(many=True)
    events = InboundShipmentEventSerializer(many=True)

    class Meta(InboundShipmentListSerializer.Meta):
        fields = [*InboundShipmentListSerializer.Meta.fields, "lines", "boxes", "events"]


class OperatorShipmentSerializer(InboundShipmentSerializer):
    """What the dock sees: the shipment and whose it is."""

    merchant = serializers.CharField(source="merchant.slug")

    class Meta(InboundShipmentSerializer.Meta):
        fields = ["merchant", *InboundShipmentSerializer.Meta.fields]


class QueueShipmentSerializer(InboundShipmentListSerializer):
    merchant = serializers.CharField(source="merchant.slug")
    boxes_counted = serializers.IntegerField()

    class Meta(InboundShipmentListSerializer.Meta):
        fields = [
            "id",
            "confirmation_id",
            "merchant",
            "warehouse",
            "status",
            "customs_status",
            "carrier",
            "shipping_mode",
            "tracking_numbers",
            "box_count",
            "boxes_checked_in",
            "boxes_counted",
            "shipped_at",
            "delivered_at",
        ]


class ReceivedBoxSerializer(BoxSerializer):
    """A box as the dock just scanned or counted it, with where its shipment now stands."""

    shipment = serializers.CharField(source="shipment.confirmation_id")
    shipment_status = serializers.CharField(source="shipment.status")

    class Meta(BoxSerializer.Meta):
        fields = ["shipment", "shipment_status", *BoxSerializer.Meta.fields]
