from django.urls import path

from merchants import views

app_name = "portal"

urlpatterns = [
    path("switch-merchant/", views.SwitchMerchantView.as_view(), name="switch-merchant"),
    path("products/", views.ProductListView.as_view(), name="product-list"),
    path("products/new/", views.ProductCreateView.as_view(), name="product-create"),
    path("products/<int:pk>/", views.ProductDetailView.as_view(), name="product-detail"),
    path("products/<int:pk>/edit/", views.ProductUpdateView.as_view(), name="product-edit"),
]
