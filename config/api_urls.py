"""``/api/v1/``: every app registers its viewsets on one router; the OpenAPI schema and its
documentation pages (Swagger UI, Redoc) are served from here too, without any CDN."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from merchants.api.views import ProductViewSet
from shipping.partner.urls import api_urlpatterns as partner_api_urlpatterns
from warehouses.api.views import InventoryViewSet, WarehouseViewSet


class AnyAccept:
    """Answers its own format whatever ``Accept`` says, rather than a 406 that helps nobody."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class SchemaView(AnyAccept, SpectacularAPIView):
    """The OpenAPI 3 schema: YAML, or JSON with ``?format=json`` or ``Accept: application/json``."""


class SwaggerView(AnyAccept, SpectacularSwaggerView):
    pass


class RedocView(AnyAccept, SpectacularRedocView):
    pass


router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("inventory", InventoryViewSet, basename="inventory")

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    *router.urls,
    path("", include("shipping.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("webhooks.api.urls")),
    path("partner/", include((partner_api_urlpatterns, "partner-api"))),
]
