import django_filters
from rest_framework import mixins, permissions, viewsets

from merchants.tenancy import MerchantScopedViewSet
from warehouses.api.serializers import InventoryBalanceSerializer, WarehouseSerializer
from warehouses.models import InventoryBalance, Warehouse
from warehouses.modes import WarehouseRole
from warehouses.selectors import warehouse_list


class WarehouseFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=WarehouseRole.choices)

    class Meta:
        model = Warehouse
        fields = ["role", "country", "operator"]


class WarehouseViewSet(viewsets.ReadOnlyModelViewSet):
    """The platform and partner warehouses: public network facts, the same for every merchant."""

    serializer_class = WarehouseSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = WarehouseFilter
    queryset = warehouse_list()


class InventoryFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="product__sku", lookup_expr="iexact")
    warehouse = django_filters.CharFilter(field_name="warehouse__code", lookup_expr="iexact")

    class Meta:
        model = InventoryBalance
        fields = ["sku", "warehouse"]


class InventoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantScopedViewSet):
    """The merchant's stock per product and warehouse, by bucket (read-only)."""

    serializer_class = InventoryBalanceSerializer
    filterset_class = InventoryFilter

    def get_merchant_queryset(self):
        return (
            InventoryBalance.objects.filter(merchant=self.merchant)
            .select_related("product", "warehouse")
            .order_by("warehouse__code", "product__sku")
        )
