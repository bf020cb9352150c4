import django_filters
from django.db.models import Exists, OuterRef

from merchants.api.filters import IsoDateTimeFilter
from orders.models import Order, OrderLine
from warehouses.modes import Mode, Speed


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Order.Status.choices)
    mode = django_filters.ChoiceFilter(field_name="mode_id", choices=Mode.choices)
    speed = django_filters.ChoiceFilter(choices=Speed.choices)
    destination_country = django_filters.CharFilter(method="filter_destination_country", label="Destination country")
    merchant_order_id = django_filters.CharFilter(field_name="merchant_order_id")
    sku = django_filters.CharFilter(method="filter_sku", label="Orders with a line of this SKU")
    source = django_filters.ChoiceFilter(choices=Order.Source.choices)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = [
            "status",
            "mode",
            "speed",
            "destination_country",
            "merchant_order_id",
            "sku",
            "source",
            "created_after",
            "created_before",
        ]

    def filter_destination_country(self, queryset, name, value):
        # Countries are stored as upper-case ISO codes; ``us`` means the same as ``US``.
        return queryset.filter(country=value.strip().upper())

    def filter_sku(self, queryset, name, value):
        # Exists, not a join: an order with two lines of the SKU is listed once.
        lines = OrderLine.objects.filter(order=OuterRef("pk"), product__sku__iexact=value.strip())
        return queryset.filter(Exists(lines))
