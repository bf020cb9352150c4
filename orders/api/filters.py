import django_filters

from orders.models import Order
from warehouses.modes import Mode, Speed


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Order.Status.choices)
    mode = django_filters.ChoiceFilter(field_name="mode_id", choices=Mode.choices)
    speed = django_filters.ChoiceFilter(choices=Speed.choices)
    destination_country = django_filters.CharFilter(method="filter_destination_country", label="Destination country")
    merchant_order_id = django_filters.CharFilter(field_name="merchant_order_id")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["status", "mode", "speed", "destination_country", "merchant_order_id"]

    def filter_destination_country(self, queryset, name, value):
        # Countries are stored as upper-case ISO codes; ``us`` means the same as ``US``.
        return queryset.filter(country=value.strip().upper())
