from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("webhooks/", views.EndpointListView.as_view(), name="endpoint-list"),
    path("webhooks/new/", views.EndpointCreateView.as_view(), name="endpoint-create"),
    path("webhooks/<int:pk>/", views.EndpointDetailView.as_view(), name="endpoint-detail"),
    path("webhooks/<int:pk>/edit/", views.EndpointUpdateView.as_view(), name="endpoint-edit"),
    path("webhooks/<int:pk>/delete/", views.EndpointDeleteView.as_view(), name="endpoint-delete"),
    path("webhooks/<int:pk>/rotate-secret/", views.EndpointRotateSecretView.as_view(), name="endpoint-rotate"),
    path("webhooks/<int:pk>/enable/", views.EndpointEnableView.as_view(), name="endpoint-enable"),
    path("webhooks/<int:pk>/disable/", views.EndpointDisableView.as_view(), name="endpoint-disable"),
    path("webhooks/<int:pk>/test/", views.EndpointTestView.as_view(), name="endpoint-test"),
    path("webhooks/deliveries/<int:pk>/redeliver/", views.DeliveryRedeliverView.as_view(), name="delivery-redeliver"),
]
