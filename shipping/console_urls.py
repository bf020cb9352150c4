"""Operator console: the dock."""

from django.urls import path

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
]
