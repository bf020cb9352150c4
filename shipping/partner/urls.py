"""Routes of the partner side: the portal (namespace ``partner``, mounted at ``/partner/``) and the
API (``api_urlpatterns``, namespace ``partner-api``, mounted at ``/api/v1/partner/``).

Both are scoped to one partner, by ``Partner.users`` (portal) or by the partner's API key
(API), never to a merchant: the merchant tenancy sweep classifies them rather than sweeping them.
"""

from django.urls import path, re_path

from shipping.partner import views
from shipping.partner.api import PartnerShipmentViewSet

app_name = "partner"

urlpatterns = [
    path("", views.PartnerHomeView.as_view(), name="home"),
    path("<slug:partner>/", views.QueueView.as_view(), name="queue"),
    path(
        "<slug:partner>/shipments/<str:tracking_number>/",
        views.ShipmentDetailView.as_view(),
        name="shipment-detail",
    ),
    path(
        "<slug:partner>/shipments/<str:tracking_number>/move/",
        views.ShipmentMoveView.as_view(),
        name="shipment-move",
    ),
]

api_urlpatterns = [
    path("shipments/", PartnerShipmentViewSet.as_view({"get": "list"}), name="shipment-list"),
    path(
        "shipments/<str:tracking_number>/",
        PartnerShipmentViewSet.as_view({"get": "retrieve"}),
        name="shipment-detail",
    ),
    # ``…/events`` as the contract names it; the house's trailing slash works too.
    re_path(
        r"^shipments/(?P<tracking_number>[^/]+)/events/?$",
        PartnerShipmentViewSet.as_view({"post": "events"}),
        name="shipment-events",
    ),
]
