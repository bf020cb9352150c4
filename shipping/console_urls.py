"""Operator console: the dock and the exception desk."""

from django.urls import path

from shipping import console_exceptions as exceptions
from shipping import console_views as views

app_name = "console"

urlpatterns = [
    path("receiving/", views.ReceivingWarehouseListView.as_view(), name="receiving-warehouses"),
    # Before ``<code>``: "shipments" is not a warehouse code.
    path("receiving/shipments/<int:pk>/", views.ShipmentReceivingView.as_view(), name="receiving-shipment"),
    path(
        "receiving/shipments/<int:pk>/in-transit/", views.MarkInTransitView.as_view(), name="receiving-mark-in-transit"
    ),
    path(
        "receiving/shipments/<int:pk>/customs-release/",
        views.CustomsReleaseView.as_view(),
        name="receiving-customs-release",
    ),
    path("receiving/shipments/<int:pk>/delivered/", views.MarkDeliveredView.as_view(), name="receiving-mark-delivered"),
    path(
        "receiving/shipments/<int:pk>/boxes/<int:box_pk>/count/",
        views.BoxCountView.as_view(),
        name="receiving-box-count",
    ),
    path("receiving/shipments/<int:pk>/close/", views.ShipmentCloseView.as_view(), name="receiving-close"),
    path(
        "receiving/shipments/<int:pk>/lines/<int:line_pk>/resolve/",
        views.LineResolveView.as_view(),
        name="receiving-line-resolve",
    ),
    path("receiving/<str:code>/", views.DockView.as_view(), name="receiving-dock"),
    # The exception desk: customs holds, failed deliveries, returns, lost and damaged parcels.
    path("customs/", exceptions.CustomsQueueView.as_view(), name="customs-queue"),
    path("exceptions/", exceptions.ExceptionQueueView.as_view(), name="exception-queue"),
    path("shipments/<int:pk>/", exceptions.ShipmentExceptionView.as_view(), name="shipment-exception"),
    path("shipments/<int:pk>/move/", exceptions.ShipmentMoveView.as_view(), name="shipment-move"),
    path("shipments/<int:pk>/return/", exceptions.ReturnReceiveView.as_view(), name="shipment-return-receive"),
]
