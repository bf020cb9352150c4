from rest_framework import mixins, status
from rest_framework.response import Response

from merchants.api.filters import ProductFilter
from merchants.api.serializers import ProductSerializer
from merchants.models import Product
from merchants.services import product_create, product_update
from merchants.tenancy import MerchantScopedViewSet


class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantScopedViewSet):
    """The merchant's catalog, newest first. Create with POST, change with PATCH or PUT.

    Filters: ``sku`` (exact, any case), ``q`` (SKU or title contains, or the FNSKU), ``size_tier``,
    ``hs_chapter`` (HS code prefix), ``origin_country``, the goods flags, ``is_active``,
    ``created_after`` / ``created_before``.
    """

    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    scope_family = "products"

    def get_merchant_queryset(self):
        return Product.objects.filter(merchant=self.merchant).order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = product_create(merchant=self.merchant, **serializer.validated_data)
        return Response(self.get_serializer(product).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        product = self.get_object()
        serializer = self.get_serializer(product, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        product = product_update(product=product, **serializer.validated_data)
        return Response(self.get_serializer(product).data)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)
