import django_filters
from rest_framework import mixins, permissions, viewsets

from merchants.api.filters import IsoDateTimeFilter
from merchants.tenancy import MerchantScopedViewSet, NoPartnerKey
from warehouses.api.serializers import InventoryBalanceSerializer, WarehouseSerializer
from warehouses.models import InventoryBalance, Warehouse
from warehouses.modes import WarehouseRole
from warehouses.selectors import warehouse_list


class WarehouseFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=WarehouseRole.choices)
    country = django_filters.CharFilter(method="filter_country", label="Country (ISO code)")

    class Meta:
        model = Warehouse
        fields = ["role", "country", "operator", "is_active"]

    def filter_country(self, queryset, name, value):
        return queryset.filter(country=value.strip().upper())


class WarehouseViewSet(viewsets.ReadOnlyModelViewSet):
    """The platform and partner warehouses, by code: public network facts, the same for every
    merchant (any merchant key may read them, whatever its scopes; a partner key may not)."""

    serializer_class = WarehouseSerializer
    permission_classes = [permissions.IsAuthenticated, NoPartnerKey]
    filterset_class = WarehouseFilter
    queryset = warehouse_list()
    cursor_ordering = ("code",)


class InventoryFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="product__sku", lookup_expr="iexact")
    warehouse = django_filters.CharFilter(field_name="warehouse__code", lookup_expr="iexact")
    warehouse_country = django_filters.CharFilter(method="filter_warehouse_country", label="Warehouse country")
    role = django_filters.ChoiceFilter(field_name="warehouse__role", choices=WarehouseRole.choices)
    in_stock = django_filters.BooleanFilter(method="filter_in_stock", label="Has fulfillable units")
    updated_after = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")

    class Meta:
        model = InventoryBalance
        fields = ["sku", "warehouse", "warehouse_country", "role", "in_stock", "updated_after", "updated_before"]

    def filter_warehouse_country(self, queryset, name, value):
        return queryset.filter(warehouse__country=value.strip().upper())

    def filter_in_stock(self, queryset, name, value):
        return queryset.filter(fulfillable__gt=0) if value else queryset.filter(fulfillable=0)


class InventoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantScopedViewSet):
    """The merchant's stock per product and warehouse, by bucket (read-only), newest row first.

    Filters: ``sku``, ``warehouse`` (code), ``warehouse_country``, ``role`` (the warehouse's),
    ``in_stock`` (fulfillable units or none), ``updated_after`` / ``updated_before``.
    """

    serializer_class = InventoryBalanceSerializer
    filterset_class = InventoryFilter
    scope_family = "inventory"
    cursor_ordering = ("-id",)

    def get_merchant_queryset(self):
        return InventoryBalance.objects.filter(merchant=self.merchant).select_related("product", "warehouse")
