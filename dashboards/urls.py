from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.DashboardIndexView.as_view(), name="index"),
    path("<str:code>/", views.ModeDashboardView.as_view(), name="mode"),
]
