from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.health import healthz
from shipping.views.tracking import TrackingDetailView, TrackingSearchView
from warehouses.views import HomeView

# A URL no route matches answers in the API's error format under /api/, the HTML page elsewhere.
handler404 = "merchants.api.errors.page_not_found"

admin.site.site_header = "Crossdock operations"
admin.site.site_title = "Crossdock admin"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("config.api_urls")),
    # Public, no login: parcel tracking for anyone with the number (rate-limited per client IP).
    path("track/", TrackingSearchView.as_view(), name="tracking-search"),
    path("track/<str:tracking_number>/", TrackingDetailView.as_view(), name="tracking-detail"),
    path("", HomeView.as_view(), name="home"),
    path("", include("merchants.urls")),
    path("", include("warehouses.urls")),
    path("", include("shipping.urls")),
    path("", include("orders.urls")),
    path("", include("integrations.urls")),
    path("", include("webhooks.urls")),
    path("console/", include("shipping.console_urls")),
    path("console/", include("dashboards.console_urls")),  # the console's overview, at its root
    path("dashboards/", include("dashboards.urls")),
    path("partner/", include("shipping.partner.urls")),
]
