"""The operator console's overview, at the console's root (``/console/``)."""

from django.urls import path

from dashboards import views

app_name = "operations"

urlpatterns = [
    path("", views.OperatorOverviewView.as_view(), name="overview"),
]
