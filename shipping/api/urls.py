"""``/api/v1/`` routes of the shipping app.

Merchant-scoped: ``inbound-plans``, ``inbound-shipments`` and ``shipments`` (outbound and
transfer shipments, read-only). Operator-only and deliberately unscoped: everything under
``receiving/``.
"""

from rest_framework.routers import SimpleRouter

from shipping.api.outbound import ShipmentViewSet
from shipping.api.views import (
    InboundPlanViewSet,
    InboundShipmentViewSet,
    OperatorReceivingShipmentViewSet,
    OperatorReceivingWarehouseViewSet,
)

router = SimpleRouter()
router.register("inbound-plans", InboundPlanViewSet, basename="inbound-plan")
router.register("inbound-shipments", InboundShipmentViewSet, basename="inbound-shipment")
router.register("shipments", ShipmentViewSet, basename="shipment")
router.register("receiving/warehouses", OperatorReceivingWarehouseViewSet, basename="receiving-warehouse")
router.register("receiving/shipments", OperatorReceivingShipmentViewSet, basename="receiving-shipment")

urlpatterns = router.urls
