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

The shipment serializers build their answer by hand, with the declared fields' own formatting:
DRF's field-by-field path (a ``ModelSerializer`` builds its fields anew for every request, then
reads them one by one) was a good part of a request's cost. The declared fields stay what the
schema says, and a test holds the two to the same bytes.
"""

import django_filters
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django_countries.serializer_fields import CountryField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action

from merchants.api.filters import FilterBackend, IsoDateTimeFilter
from merchants.tenancy import MerchantScopedViewSet
from shipping.models import Package, Shipment, ShipmentLine, TrackingEvent
from shipping.selectors import (
    normalize_tracking_number,
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

# The declared fields' formatting, for the representations built by hand below.
_datetime = serializers.DateTimeField().to_representation
_country = CountryField().to_representation
_money = serializers.DecimalField(max_digits=12, decimal_places=2).to_representation
_weight = serializers.DecimalField(max_digits=8, decimal_places=3).to_representation
_side = serializers.DecimalField(max_digits=7, decimal_places=1).to_representation


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
        return shipment.source_warehouse_code

    def get_destination_warehouse(self, shipment: Shipment) -> str | None:
        return shipment.destination_warehouse_code

    def to_representation(self, shipment: Shipment) -> dict:
        # By hand, in ``Meta.fields`` order: see the module docstring.
        return {
            "id": shipment.pk,
            "tracking_number": shipment.tracking_number,
            "kind": shipment.kind,
            "order_id": shipment.order_id,
            "merchant_order_id": shipment.merchant_order_id,
            "mode": shipment.mode_id,
            "speed": shipment.speed,
            "source_warehouse": self.get_source_warehouse(shipment),
            "destination_warehouse": self.get_destination_warehouse(shipment),
            "origin_country": shipment.origin_country,
            "destination": {
                "city": shipment.city,
                "region": shipment.region,
                "postal_code": shipment.postal_code,
                "country": _country(shipment.country),
            },
            "transport": shipment.transport,
            "crosses_border": shipment.crosses_border,
            "stage": shipment.stage,
            "stage_label": shipment.get_stage_display(),
            "status": shipment.status,
            "customs_status": shipment.customs_status,
            "exception_reason": shipment.exception_reason,
            "stage_started_at": _datetime(shipment.stage_started_at),
            "stage_due_at": _datetime(shipment.stage_due_at),
            "last_event_at": _datetime(shipment.last_event_at),
            "created_at": _datetime(shipment.created_at),
            "delivered_at": _datetime(shipment.delivered_at),
            "packages": [_package(package) for package in shipment.package_list],
        }


def _package(package: Package) -> dict:
    return {
        "sequence": package.sequence,
        "tracking_number": package.tracking_number,
        "weight_kg": _weight(package.weight_kg),
        "length_cm": _side(package.length_cm),
        "width_cm": _side(package.width_cm),
        "height_cm": _side(package.height_cm),
        "units": package.units,
        "carton": package.carton,
        "oversize": package.oversize,
        "contents": package.contents,
    }


def _event(event: TrackingEvent) -> dict:
    return {
        "occurred_at": _datetime(event.occurred_at),
        "from_stage": event.from_stage,
        "stage": event.stage,
        "stage_label": event.get_stage_display(),
        "event_code": event.event_code,
        "description": event.description,
        "location": event.location,
        "exception_reason": event.exception_reason,
        "source": event.source,
    }


class ShipmentSerializer(ShipmentListSerializer):
    route = serializers.SerializerMethodField()
    estimated_delivery_at = serializers.SerializerMethodField()
    tracking_url = serializers.SerializerMethodField()
    events = TrackingEventSerializer(many=True)
    lines = OutboundLineSerializer(many=True)

    class Meta(ShipmentListSerializer.Meta):
        fields = [
            *ShipmentListSerializer.Meta.fields,
            "fee_amount",
            "fee_currency",
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
        return [
            {
                "stage": step.stage,
                "label": str(step.label),
                "planned_hours": float(step.hours),
                "state": step.state,
                "expected_at": _datetime(step.expected_at),
            }
            for step in shipment_route(shipment=shipment, now=self._now())
        ]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_estimated_delivery_at(self, shipment: Shipment):
        return _datetime(shipment_estimated_delivery(shipment=shipment, now=self._now()))

    def get_tracking_url(self, shipment: Shipment) -> str:
        path = reverse("tracking-detail", args=[shipment.tracking_number])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def to_representation(self, shipment: Shipment) -> dict:
        return {
            **super().to_representation(shipment),
            "fee_amount": _money(shipment.fee_amount) if shipment.fee_amount is not None else None,
            "fee_currency": shipment.fee_currency,
            "incoterm": shipment.incoterm,
            "customs_duty": _money(shipment.customs_duty) if shipment.customs_duty is not None else None,
            "customs_tax": _money(shipment.customs_tax) if shipment.customs_tax is not None else None,
            "customs_currency": shipment.customs_currency,
            "customs_notes": shipment.customs_notes,
            "delivery_attempts": shipment.delivery_attempts,
            "estimated_delivery_at": self.get_estimated_delivery_at(shipment),
            "tracking_url": self.get_tracking_url(shipment),
            "route": self.get_route(shipment),
            "events": [_event(event) for event in shipment.event_list],
            "lines": [
                {
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_value": _money(line.unit_value),
                    "currency": line.currency,
                }
                for line in shipment.line_list
            ],
        }


# --- the viewset -----------------------------------------------------------------------------


def _shipments_shown(shipments: QuerySet[Shipment], *, detail: bool = False) -> QuerySet[Shipment]:
    """``shipments`` with what the serializers above read, in a fixed number of queries: the
    warehouses' codes (annotated: the API shows no more of the warehouses, nor of the mode, so
    their rows are not loaded), the packages and, for ``detail``, the events (oldest first) and
    the lines with their ``sku``, prefetched into lists (no queryset built per shipment)."""
    shipments = shipments.select_related(None).annotate(
        source_warehouse_code=F("source_warehouse__code"),
        destination_warehouse_code=F("destination_warehouse__code"),
    )
    lists = [Prefetch("packages", queryset=Package.objects.order_by("sequence"), to_attr="package_list")]
    if detail:
        lists += [
            Prefetch("events", queryset=TrackingEvent.objects.order_by("occurred_at", "pk"), to_attr="event_list"),
            Prefetch(
                "lines",
                queryset=ShipmentLine.objects.annotate(sku=F("product__sku")).order_by("pk"),
                to_attr="line_list",
            ),
        ]
    return shipments.prefetch_related(None).prefetch_related(*lists)


class ShipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantScopedViewSet):
    """The merchant's outbound and transfer shipments (read-only); see the module docstring."""

    filter_backends = [FilterBackend]
    filterset_class = ShipmentFilter
    scope_family = "shipments"
    paginated_actions = ("events",)

    def get_cursor_ordering(self) -> tuple[str, ...]:
        return ("occurred_at", "id") if self.action == "events" else ("-created_at", "-id")

    def get_merchant_queryset(self):
        if self.action == "events":
            return Shipment.objects.filter(merchant=self.merchant)
        # The selector's shipments (and ``last_event_at``), loaded as the API shows them.
        return _shipments_shown(shipment_list(merchant=self.merchant), detail=self.action == "retrieve")

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
