"""``/api/v1/`` routes of the orders app, all merchant-scoped.

``orders`` (list, create, retrieve) with ``orders/bulk/``, ``orders/preview/`` and
``orders/{id}/cancel/``; ``quotes/compare/``.
"""

from rest_framework.routers import SimpleRouter

from orders.api.views import OrderViewSet, QuoteViewSet

router = SimpleRouter()
router.register("orders", OrderViewSet, basename="order")
router.register("quotes", QuoteViewSet, basename="quote")

urlpatterns = router.urls
