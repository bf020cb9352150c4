"""``/api/v1/webhook-endpoints/`` and ``/api/v1/webhook-deliveries/``.

- ``POST /webhook-endpoints/`` ``{url, description?, event_types?}``: 201 with the endpoint and its
  ``secret`` (shown only here and on rotation). ``PUT``/``PATCH`` change url, description, event types.
- ``POST /webhook-endpoints/{id}/rotate-secret/`` ``{overlap_hours?}`` (default 24): a new secret;
  the old one signs beside it until the overlap ends. 409 while an overlap runs (unless 0 hours).
- ``POST …/enable/``, ``POST …/disable/``: on and off (enabling starts the failure count again).
- ``POST …/test/``: a ``webhook.test`` event to that endpoint (202); 409 if it is disabled.
- ``GET /webhook-deliveries/?endpoint=&status=&event_type=&event_id=``: one row per attempt.
- ``POST /webhook-deliveries/{id}/redeliver/``: the same event once more, now (202); 409 if the
  endpoint is disabled or the event is still being delivered there.

Another merchant's endpoint or delivery is a 404, like one that does not exist.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from integrations.schema import conflict as conflict_response
from merchants.api.errors import Conflict
from merchants.tenancy import MerchantScopedViewSet
from webhooks.api import serializers as s
from webhooks.api.filters import WebhookDeliveryFilter
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import (
    WebhookConflict,
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_send_test,
    webhook_endpoint_update,
)


def _checked_input(serializer_class, data, *, partial: bool = False) -> dict:
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, MerchantScopedViewSet
):
    """The merchant's webhook endpoints, newest first."""

    scope_family = "webhooks"
    serializer_class = s.WebhookEndpointSerializer
    parser_classes = [JSONParser]

    def get_merchant_queryset(self):
        return WebhookEndpoint.objects.filter(merchant=self.merchant).order_by("-created_at", "-id")

    @extend_schema(request=s.WebhookEndpointInputSerializer, responses={201: s.WebhookEndpointWithSecretSerializer})
    def create(self, request, *args, **kwargs):
        data = _checked_input(s.WebhookEndpointInputSerializer, request.data)
        endpoint, secret = webhook_endpoint_create(merchant=self.merchant, **data)
        body = s.WebhookEndpointWithSecretSerializer(endpoint, context={"secret": secret}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.WebhookEndpointInputSerializer, responses=s.WebhookEndpointSerializer)
    def update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        partial = kwargs.pop("partial", False)
        data = _checked_input(s.WebhookEndpointInputSerializer, request.data, partial=partial)
        endpoint = webhook_endpoint_update(endpoint=endpoint, **data)
        return Response(s.WebhookEndpointSerializer(endpoint).data)

    @extend_schema(request=s.WebhookEndpointInputSerializer, responses=s.WebhookEndpointSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance):
        webhook_endpoint_delete(endpoint=instance)

    @extend_schema(
        request=s.RotateSecretInputSerializer,
        responses={
            200: s.WebhookEndpointWithSecretSerializer,
            409: conflict_response("A rotation is running: the previous secret still signs (rotate with 0 hours)."),
        },
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = self.get_object()
        data = _checked_input(s.RotateSecretInputSerializer, request.data)
        try:
            endpoint, secret = webhook_endpoint_rotate_secret(endpoint=endpoint, overlap_hours=data["overlap_hours"])
        except WebhookConflict as refused:
            raise Conflict(refused.message_dict, code="conflict") from refused
        return Response(s.WebhookEndpointWithSecretSerializer(endpoint, context={"secret": secret}).data)

    @extend_schema(request=None, responses=s.WebhookEndpointSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        endpoint = webhook_endpoint_enable(endpoint=self.get_object())
        return Response(s.WebhookEndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses=s.WebhookEndpointSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        endpoint = self.get_object()
        webhook_endpoint_disable(endpoint=endpoint)
        return Response(s.WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        request=None,
        responses={202: s.WebhookDeliverySerializer, 409: conflict_response("The endpoint is disabled.")},
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        try:
            event = webhook_endpoint_send_test(endpoint=self.get_object())
        except WebhookConflict as refused:
            raise Conflict(refused.message_dict, code="conflict") from refused
        delivery = event.deliveries.select_related("event").get()
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantScopedViewSet):
    """Every delivery attempt to the merchant's endpoints, newest first."""

    scope_family = "webhooks"
    filterset_class = WebhookDeliveryFilter
    parser_classes = [JSONParser]

    def get_merchant_queryset(self):
        return (
            WebhookDelivery.objects.filter(endpoint__merchant=self.merchant)
            .select_related("event")
            .order_by("-created_at", "-id")
        )

    def get_serializer_class(self):
        return s.WebhookDeliveryDetailSerializer if self.action == "retrieve" else s.WebhookDeliverySerializer

    @extend_schema(
        request=None,
        responses={
            202: s.WebhookDeliverySerializer,
            409: conflict_response("The endpoint is disabled, or the event is still being delivered to it."),
        },
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        delivery = self.get_object()
        try:
            redelivery = webhook_delivery_redeliver(delivery=delivery)
        except WebhookConflict as refused:
            raise Conflict(refused.message_dict, code="conflict") from refused
        redelivery = WebhookDelivery.objects.select_related("event").get(pk=redelivery.pk)
        return Response(s.WebhookDeliverySerializer(redelivery).data, status=status.HTTP_202_ACCEPTED)
