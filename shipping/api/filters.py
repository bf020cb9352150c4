import django_filters
from django.db.models import Exists, OuterRef

from merchants.api.filters import IsoDateTimeFilter
from shipping.models import InboundPlan, InboundPlanItem, InboundShipment, InboundShipmentLine, Shipment
from warehouses.modes import Mode, Stage


def _country(queryset, field: str, value: str):
    # Countries are stored as upper-case ISO codes; ``us`` means the same as ``US``.
    return queryset.filter(**{field: value.strip().upper()})


class InboundPlanFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InboundPlan.Status.choices)
    mode = django_filters.ChoiceFilter(field_name="mode_id", choices=Mode.choices)
    destination_country = django_filters.CharFilter(method="filter_destination_country", label="Destination country")
    sku = django_filters.CharFilter(method="filter_sku", label="Plans with an item of this SKU")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = InboundPlan
        fields = ["status", "mode", "destination_country", "sku", "created_after", "created_before"]

    def filter_destination_country(self, queryset, name, value):
        return _country(queryset, "destination_country", value)

    def filter_sku(self, queryset, name, value):
        items = InboundPlanItem.objects.filter(plan=OuterRef("pk"), product__sku__iexact=value.strip())
        return queryset.filter(Exists(items))


class InboundShipmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InboundShipment.Status.choices)
    customs_status = django_filters.ChoiceFilter(choices=InboundShipment.CustomsStatus.choices)
    warehouse = django_filters.CharFilter(field_name="warehouse__code", lookup_expr="iexact")
    plan = django_filters.NumberFilter(field_name="plan_id")
    sku = django_filters.CharFilter(method="filter_sku", label="Shipments with a line of this SKU")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = InboundShipment
        fields = ["status", "customs_status", "warehouse", "plan", "sku", "created_after", "created_before"]

    def filter_sku(self, queryset, name, value):
        lines = InboundShipmentLine.objects.filter(shipment=OuterRef("pk"), product__sku__iexact=value.strip())
        return queryset.filter(Exists(lines))


class CustomsDeclarationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(field_name="customs_status", choices=Shipment.CustomsStatus.choices)
    held = django_filters.BooleanFilter(method="filter_held", label="Held at customs now")
    destination_country = django_filters.CharFilter(method="filter_destination_country", label="Destination country")
    origin_country = django_filters.CharFilter(method="filter_origin_country", label="Origin country")
    mode = django_filters.ChoiceFilter(field_name="mode_id", choices=Mode.choices)
    kind = django_filters.ChoiceFilter(choices=Shipment.Kind.choices)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Shipment
        fields = [
            "status",
            "held",
            "destination_country",
            "origin_country",
            "mode",
            "kind",
            "created_after",
            "created_before",
        ]

    def filter_held(self, queryset, name, value):
        return queryset.filter(stage=Stage.CUSTOMS_HOLD) if value else queryset.exclude(stage=Stage.CUSTOMS_HOLD)

    def filter_destination_country(self, queryset, name, value):
        return _country(queryset, "country", value)

    def filter_origin_country(self, queryset, name, value):
        return _country(queryset, "origin_country", value)
