"""``/api/v1/shipments/``: the merchant's outbound and transfer shipments, read-only.

- ``GET /shipments/``: newest first. Filters: ``status``, ``stage``, ``mode``, ``kind``,
  ``destination_country`` (ISO code, any case), ``order_id`` (the order's ``id``),
  ``merchant_order_id`` and ``tracking_number`` (the master number or a package's, exact;
  spaces, dashes and case ignored). An invalid filter value is 400 with ``attr`` naming it. A
  page costs the same number of queries whatever its size. Each shipment lists its
  ``packages`` (the parcels it travels as: sequence, tracking number, gross weight, sides,
  units, carton, oversize flag and contents); shipments created before packages have none, and
  transfers travel as freight, without packages.
- ``GET /shipments/{id}/``: one shipment with its ``route`` (each planned stage done, current
  or to come, with when it should end), ``events`` (the tracking timeline, oldest first), its
  ``lines`` and customs fields, ``estimated_delivery_at`` and ``tracking_url`` (the public page).
  Another merchant's id is 404, exactly like a missing one.
- ``GET /shipments/{id}/events/``: the tracking events alone, oldest first, cursor-paginated:
  what an integration polls to follow a parcel. ``occurred_after`` returns only the newer ones.

Shipments change only through their stages (the schedule, operators, partners): there is no
write here.
"""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django_countries.serializer_fields import CountryField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action

from merchants.api.filters import IsoDateTimeFilter
from merchants.tenancy import MerchantScopedViewSet
from shipping.models import Package, Shipment, ShipmentLine, TrackingEvent
from shipping.selectors import (
    normalize_tracking_number,
    shipment_detail_queryset,
    shipment_estimated_delivery,
    shipment_list,
    shipment_route,
    with_package_number,
)
from warehouses.modes import Mode, Stage

# --- filters ---------------------------------------------------------------------------------


class ShipmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Shipment.Status.choices)
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    mode = django_filters.ChoiceFilter(field_name="mode_id", choices=Mode.choices)
    kind = django_filters.ChoiceFilter(choices=Shipment.Kind.choices)
    destination_country = django_filters.CharFilter(method="filter_destination_country", label="Destination country")
    order_id = django_filters.NumberFilter(field_name="order_id")
    merchant_order_id = django_filters.CharFilter(field_name="merchant_order_id")
    tracking_number = django_filters.CharFilter(method="filter_tracking_number")
    sku = django_filters.CharFilter(method="filter_sku", label="Shipments carrying this SKU")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Shipment
        fields = [
            "status",
            "stage",
            "mode",
            "kind",
            "destination_country",
            "order_id",
            "merchant_order_id",
            "tracking_number",
            "sku",
            "created_after",
            "created_before",
        ]

    def filter_destination_country(self, queryset, name, value):
        # Countries are stored as upper-case ISO codes; ``us`` means the same as ``US``.
        return queryset.filter(country=value.strip().upper())

    def filter_tracking_number(self, queryset, name, value):
        number = normalize_tracking_number(value)
        return queryset.filter(Q(tracking_number=number) | with_package_number(number))

    def filter_sku(self, queryset, name, value):
        lines = ShipmentLine.objects.filter(shipment=OuterRef("pk"), product__sku__iexact=value.strip())
        return queryset.filter(Exists(lines))


# --- serializers -----------------------------------------------------------------------------


class TrackingEventSerializer(serializers.ModelSerializer):
    stage_label = serializers.CharField(source="get_stage_display")

    class Meta:
        model = TrackingEvent
        fields = [
            "occurred_at",
            "from_stage",
            "stage",
            "stage_label",
            "event_code",
            "description",
            "location",
            "exception_reason",
            "source",
        ]


class OutboundLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")

    class Meta:
        model = ShipmentLine
        fields = ["sku", "quantity", "unit_value", "currency"]


class PackageSerializer(serializers.ModelSerializer):
    """One parcel: its label data and contents (``[{"product_id", "sku", "quantity"}]``)."""

    class Meta:
        model = Package
        fields = [
            "sequence",
            "tracking_number",
            "weight_kg",
            "length_cm",
            "width_cm",
            "height_cm",
            "units",
            "carton",
            "oversize",
            "contents",
        ]


class RouteStepSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    planned_hours = serializers.FloatField(source="hours")
    state = serializers.CharField()
    expected_at = serializers.DateTimeField(allow_null=True)


class ShipmentDestinationSerializer(serializers.ModelSerializer):
    """Where it goes, without the buyer's name, street or phone (the order has those)."""

    country = CountryField()

    class Meta:
        model = Shipment
        fields = ["city", "region", "postal_code", "country"]


class ShipmentListSerializer(serializers.ModelSerializer):
    mode = serializers.CharField(source="mode_id")
    stage_label = serializers.CharField(source="get_stage_display")
    source_warehouse = serializers.SerializerMethodField()
    destination_warehouse = serializers.SerializerMethodField()
    destination = ShipmentDestinationSerializer(source="*")
    last_event_at = serializers.DateTimeField(allow_null=True)
    packages = PackageSerializer(many=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "tracking_number",
            "kind",
            "order_id",
            "merchant_order_id",
            "mode",
            "speed",
            "source_warehouse",
            "destination_warehouse",
            "origin_country",
            "destination",
            "transport",
            "crosses_border",
            "stage",
            "stage_label",
            "status",
            "customs_status",
            "exception_reason",
            "stage_started_at",
            "stage_due_at",
            "last_event_at",
            "created_at",
            "delivered_at",
            "packages",
        ]

    def get_source_warehouse(self, shipment: Shipment) -> str | None:
        """The warehouse code; ``null`` when the merchant ships from its own address (direct)."""
        return shipment.source_warehouse.code if shipment.source_warehouse_id else None

    def get_destination_warehouse(self, shipment: Shipment) -> str | None:
        return shipment.destination_warehouse.code if shipment.destination_warehouse_id else None


class ShipmentSerializer(ShipmentListSerializer):
    route = serializers.SerializerMethodField()
    estimated_delivery_at = serializers.SerializerMethodField()
    tracking_url = serializers.SerializerMethodField()
    events = TrackingEventSerializer(many=True)
    lines = OutboundLineSerializer(many=True)

    class Meta(ShipmentListSerializer.Meta):
        fields = [
            *ShipmentListSerializer.Meta.fields,
            "incoterm",
            "customs_duty",
            "customs_tax",
            "customs_currency",
            "customs_notes",
            "delivery_attempts",
            "estimated_delivery_at",
            "tracking_url",
            "route",
            "events",
            "lines",
        ]

    def _now(self):
        # One "now" per response, so the route and the estimate agree.
        return self.context.setdefault("now", timezone.now())

    @extend_schema_field(RouteStepSerializer(many=True))
    def get_route(self, shipment: Shipment) -> list[dict]:
        return RouteStepSerializer(shipment_route(shipment=shipment, now=self._now()), many=True).data

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_estimated_delivery_at(self, shipment: Shipment):
        estimate = shipment_estimated_delivery(shipment=shipment, now=self._now())
        return serializers.DateTimeField().to_representation(estimate) if estimate else None

    def get_tracking_url(self, shipment: Shipment) -> str:
        path = reverse("tracking-detail", args=[shipment.tracking_number])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


# --- the viewset -----------------------------------------------------------------------------


class ShipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantScopedViewSet):
    """The merchant's outbound and transfer shipments (read-only); see the module docstring."""

    filterset_class = ShipmentFilter
    scope_family = "shipments"
    paginated_actions = ("events",)

    def get_cursor_ordering(self) -> tuple[str, ...]:
        return ("occurred_at", "id") if self.action == "events" else ("-created_at", "-id")

    def get_merchant_queryset(self):
        if self.action == "retrieve":
            return shipment_detail_queryset(merchant=self.merchant)
        if self.action == "events":
            return Shipment.objects.filter(merchant=self.merchant)
        return shipment_list(merchant=self.merchant)

    def get_serializer_class(self):
        if self.action == "events":
            return TrackingEventSerializer
        return ShipmentListSerializer if self.action == "list" else ShipmentSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "occurred_after", OpenApiTypes.DATETIME, description="Only events that happened after this time."
            )
        ],
        responses=TrackingEventSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request, pk=None):
        """The shipment's tracking events, oldest first (cursor-paginated)."""
        shipment = self.get_object()
        events = TrackingEvent.objects.filter(shipment=shipment)
        after = request.query_params.get("occurred_after")
        if after:
            try:
                moment = serializers.DateTimeField().run_validation(after)
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"occurred_after": error.detail}) from None
            events = events.filter(occurred_at__gt=moment)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(TrackingEventSerializer(page, many=True).data)
