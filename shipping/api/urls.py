"""``/api/v1/`` routes of the shipping app.

Merchant-scoped: ``inbound-plans``, ``inbound-shipments``, ``shipments`` (outbound and
transfer shipments, read-only, with their tracking ``events``) and ``customs-declarations``.
Operator-only and deliberately unscoped: everything under ``receiving/`` and ``customs/holds``.
"""

from rest_framework.routers import SimpleRouter

from shipping.api.customs import CustomsDeclarationViewSet, OperatorCustomsHoldViewSet
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
router.register("customs-declarations", CustomsDeclarationViewSet, basename="customs-declaration")
router.register("customs/holds", OperatorCustomsHoldViewSet, basename="customs-hold")
router.register("receiving/warehouses", OperatorReceivingWarehouseViewSet, basename="receiving-warehouse")
router.register("receiving/shipments", OperatorReceivingShipmentViewSet, basename="receiving-shipment")

urlpatterns = router.urls
