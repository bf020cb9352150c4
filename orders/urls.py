"""Merchant portal: orders, CSV imports, the fulfillment preview and the mode comparison."""

from django.urls import path

from orders.views import imports, orders, planning

app_name = "orders"

urlpatterns = [
    path("orders/", orders.OrderListView.as_view(), name="order-list"),
    path("orders/new/", orders.OrderCreateView.as_view(), name="order-create"),
    path("orders/<int:pk>/", orders.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<int:pk>/cancel/", orders.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/import/", imports.OrderImportCreateView.as_view(), name="import-create"),
    path("orders/import/template.csv", imports.OrderImportTemplateView.as_view(), name="import-template"),
    path("orders/import/<int:pk>/", imports.OrderImportDetailView.as_view(), name="import-detail"),
    path("orders/imports/", imports.OrderImportListView.as_view(), name="import-list"),
    path("orders/preview/", planning.PreviewView.as_view(), name="preview"),
    path("compare/", planning.CompareView.as_view(), name="compare"),
]
