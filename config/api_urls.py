"""``/api/v1/``: every app registers its viewsets on one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from merchants.api.views import ProductViewSet
from shipping.partner.urls import api_urlpatterns as partner_api_urlpatterns
from warehouses.api.views import InventoryViewSet, WarehouseViewSet

router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("inventory", InventoryViewSet, basename="inventory")

urlpatterns = [
    *router.urls,
    path("", include("shipping.api.urls")),
    path("", include("orders.api.urls")),
    path("partner/", include((partner_api_urlpatterns, "partner-api"))),
]
