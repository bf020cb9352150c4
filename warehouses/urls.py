from django.urls import path

from warehouses import views

app_name = "warehouses"

urlpatterns = [
    path("inventory/", views.InventoryView.as_view(), name="inventory"),
    path("modes/<slug:code>/", views.ModeView.as_view(), name="mode"),
]
