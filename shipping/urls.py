"""Merchant portal: sending inventory, and the outbound shipments (to buyers and between warehouses)."""

from django.urls import path

from shipping.views import outbound, plans, shipments, wizard

app_name = "shipping"

urlpatterns = [
    path("inbound/", plans.PlanListView.as_view(), name="plan-list"),
    path("inbound/new/", plans.PlanCreateView.as_view(), name="plan-create"),
    path("inbound/<int:pk>/", plans.PlanDetailView.as_view(), name="plan-detail"),
    path("inbound/<int:pk>/items/", plans.PlanItemsView.as_view(), name="plan-items"),
    path("inbound/<int:pk>/void/", plans.PlanVoidView.as_view(), name="plan-void"),
    path("inbound/<int:pk>/packing/", wizard.PackingView.as_view(), name="plan-packing"),
    path("inbound/<int:pk>/placement/", wizard.PlacementView.as_view(), name="plan-placement"),
    path("inbound/<int:pk>/transport/", wizard.TransportView.as_view(), name="plan-transport"),
    path("inbound/<int:pk>/labels/", wizard.LabelsView.as_view(), name="plan-labels"),
    path("inbound/shipments/", shipments.ShipmentListView.as_view(), name="shipment-list"),
    path("inbound/shipments/<int:pk>/", shipments.ShipmentDetailView.as_view(), name="shipment-detail"),
    path("inbound/shipments/<int:pk>/labels.pdf", shipments.ShipmentLabelsPdfView.as_view(), name="shipment-labels"),
    path("inbound/shipments/<int:pk>/ship/", shipments.ShipmentShipView.as_view(), name="shipment-ship"),
    path("inbound/shipments/<int:pk>/delete/", shipments.ShipmentDeleteView.as_view(), name="shipment-delete"),
    path("inbound/shipments/<int:pk>/cancel/", shipments.ShipmentCancelView.as_view(), name="shipment-cancel"),
    path("shipments/", outbound.OutboundShipmentListView.as_view(), name="outbound-list"),
    path("shipments/<int:pk>/", outbound.OutboundShipmentDetailView.as_view(), name="outbound-detail"),
    path("transfers/new/", outbound.TransferCreateView.as_view(), name="transfer-create"),
    path("shipments/<int:pk>/customs/", outbound.OutboundCustomsReassessView.as_view(), name="outbound-customs"),
]
