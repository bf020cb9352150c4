import django_filters

from shipping.models import InboundPlan, InboundShipment
from warehouses.modes import Mode


class InboundPlanFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InboundPlan.Status.choices)
    mode = django_filters.ChoiceFilter(field_name="mode_id", choices=Mode.choices)

    class Meta:
        model = InboundPlan
        fields = ["status", "mode"]


class InboundShipmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InboundShipment.Status.choices)
    warehouse = django_filters.CharFilter(field_name="warehouse__code", lookup_expr="iexact")
    plan = django_filters.NumberFilter(field_name="plan_id")

    class Meta:
        model = InboundShipment
        fields = ["status", "warehouse", "plan"]
