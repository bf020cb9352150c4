"""``/api/v1/partner/``: a 3PL partner reads the shipments at its warehouses and posts their stages.

Authentication is an API key only (``Authorization: Bearer cd_live_…``, see
``warehouses.api_keys``); a browser session does not count here. Status codes:

- ``401``: no key, a malformed, unknown or revoked key, or a deactivated partner.
- ``403``: a partner key without the scope: ``partner:read`` for ``GET``, ``partner:write`` for
  ``POST``; or a merchant's key (``wrong_api_key``: merchant keys reach the merchant endpoints only).
- ``404``: a tracking number that is not one of the partner's shipments. Another partner's key
  sees none of them (its own list, 404 on each of the others'): the API never tells "not yours"
  from "does not exist".
- ``400``: bad input, ``attr`` naming the field (an unknown stage, an ``occurred_at`` in the
  future or before the current stage began, …).
- ``409``: the stage is not allowed now (``attr`` ``stage``; the detail says which are), or the
  shipment changed while the event was applied (retry after reading it again).
- ``422``: an ``event_id`` already used on this shipment for another stage.

Routes:

- ``GET shipments/``: newest first, cursor-paginated; filters ``stage``, ``status``,
  ``warehouse`` (code), ``breached`` (true/false: the SLA, see ``shipping.partner.sla``).
- ``GET shipments/{tracking_number}/``: one shipment, with its lines (what to pick), its
  packages (how to pack them: carton, sides, gross weight, contents and each one's tracking
  number for its label), planned route and tracking events.
- ``POST shipments/{tracking_number}/events`` (trailing slash optional):
  ``{"event_id", "stage", "occurred_at"?, "location"?, "reason"?}``. ``stage`` must be one of the
  shipment's ``next_stages``; a new shipment waits in ``acknowledged`` and the partner
  *acknowledges* it by posting the next stage (``picking``). Idempotent by ``event_id`` per
  shipment: ``201`` with ``"duplicate": false`` the first time, ``200`` with
  ``"duplicate": true`` and nothing changed on a repeat. Both answer the event and the shipment.
"""

import datetime

import django_filters
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from integrations.schema import ErrorResponseSerializer
from merchants.api.pagination import CursorPagination
from shipping.models import Package, Shipment, TrackingEvent
from shipping.partner.selectors import (
    NOT_FOR_PARTNERS,
    is_awaiting_acknowledgement,
    partner_event,
    partner_shipment_detailed,
    partner_shipments,
    partner_targets,
)
from shipping.services.shipments import ShipmentTransitionNotAllowed, shipment_transition
from warehouses.api_keys import PARTNER_READ, PARTNER_WRITE, ApiKeyAuthentication
from warehouses.models import ApiKey
from warehouses.modes import Stage

# A partner's clock may run a little ahead of ours; an event further in the future is a mistake.
CLOCK_SKEW = datetime.timedelta(minutes=5)
PARTNER_STAGES = [(value, label) for value, label in Stage.choices if value not in NOT_FOR_PARTNERS]


class Conflict(exceptions.ValidationError):
    """409 in the error format, keeping the field path (``attr``) of the refused input."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Unprocessable(exceptions.ValidationError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


class PartnerScope(permissions.BasePermission):
    """A partner key needs ``partner:read`` to read and ``partner:write`` to post; a merchant's key
    is refused outright (it is no credential of a partner)."""

    code = "insufficient_scope"

    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return False  # no key: DRF answers 401 with the WWW-Authenticate challenge
        if api_key.partner_id is None:
            self.code = "wrong_api_key"
            self.message = "The partner API takes a partner's API key; a merchant's key reaches /api/v1/ only."
            return False
        needed = PARTNER_READ if request.method in permissions.SAFE_METHODS else PARTNER_WRITE
        self.message = f"This API key lacks the {needed} scope."
        return api_key.has_scope(needed)


class PartnerShipmentCursor(CursorPagination):
    ordering = ("-created_at", "-pk")


class PartnerShipmentFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    status = django_filters.ChoiceFilter(choices=Shipment.Status.choices)
    warehouse = django_filters.CharFilter(field_name="source_warehouse__code", lookup_expr="iexact")
    breached = django_filters.BooleanFilter(field_name="sla_breached")

    class Meta:
        model = Shipment
        fields = ["stage", "status", "warehouse", "breached"]


# --- shapes -----------------------------------------------------------------------------------


class EventInputSerializer(serializers.Serializer):
    event_id = serializers.CharField(max_length=80, help_text="Your id of the event; a repeat changes nothing.")
    stage = serializers.ChoiceField(
        choices=PARTNER_STAGES,
        error_messages={"invalid_choice": '"{input}" is not a stage a partner can post.'},
    )
    occurred_at = serializers.DateTimeField(required=False, help_text="When it happened; default: now.")
    location = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    reason = serializers.RegexField(
        r"^[a-z0-9_]*$",
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": "Use a reason code such as not_home, refused, incorrect_address or inspection."},
    )


class PartnerDestinationSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = Shipment
        fields = ["contact_name", "phone", "address_line1", "address_line2", "city", "region", "postal_code", "country"]


class SlaSerializer(serializers.Serializer):
    """Built from ``with_sla``'s annotations."""

    def to_representation(self, shipment):
        return {
            "acknowledge": {
                "due_at": _iso(shipment.ack_due_at),
                "done_at": _iso(shipment.acknowledged_at),
                "state": shipment.ack_sla,
            },
            "ship": {
                "due_at": _iso(shipment.ship_due_at),
                "done_at": _iso(shipment.handed_over_at),
                "state": shipment.ship_sla,
            },
            "breached": bool(shipment.sla_breached),
        }


def _iso(value: datetime.datetime | None) -> str | None:
    return None if value is None else serializers.DateTimeField().to_representation(value)


class PartnerShipmentSerializer(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.name")
    order_reference = serializers.CharField(source="merchant_order_id")
    warehouse = serializers.CharField(source="source_warehouse.code")
    destination = PartnerDestinationSerializer(source="*")
    awaiting_acknowledgement = serializers.SerializerMethodField()
    next_stages = serializers.SerializerMethodField()
    sla = SlaSerializer(source="*")

    class Meta:
        model = Shipment
        fields = [
            "tracking_number",
            "merchant",
            "order_reference",
            "warehouse",
            "stage",
            "status",
            "stage_started_at",
            "stage_due_at",
            "awaiting_acknowledgement",
            "next_stages",
            "speed",
            "transport",
            "crosses_border",
            "destination",
            "sla",
            "created_at",
        ]

    def get_awaiting_acknowledgement(self, shipment) -> bool:
        return is_awaiting_acknowledgement(shipment)

    def get_next_stages(self, shipment) -> list[str]:
        return partner_targets(shipment)


class PartnerLineSerializer(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    fnsku = serializers.CharField(source="product.fnsku")
    title = serializers.CharField(source="product.title")
    quantity = serializers.IntegerField()


class PartnerPackageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Package
        fields = [
            "sequence",
            "tracking_number",
            "carton",
            "weight_kg",
            "length_cm",
            "width_cm",
            "height_cm",
            "units",
            "oversize",
            "contents",
        ]


class PartnerEventSerializer(serializers.ModelSerializer):
    event_id = serializers.SerializerMethodField()
    reason = serializers.CharField(source="exception_reason")

    class Meta:
        model = TrackingEvent
        fields = [
            "event_id",
            "from_stage",
            "stage",
            "event_code",
            "description",
            "location",
            "reason",
            "source",
            "occurred_at",
        ]

    def get_event_id(self, event) -> str | None:
        return event.external_id or None


class PartnerShipmentDetailSerializer(PartnerShipmentSerializer):
    route = serializers.ListField(source="planned_stages", child=serializers.CharField())
    lines = PartnerLineSerializer(many=True)
    packages = PartnerPackageSerializer(many=True)
    events = PartnerEventSerializer(many=True)

    class Meta(PartnerShipmentSerializer.Meta):
        fields = [*PartnerShipmentSerializer.Meta.fields, "route", "lines", "packages", "events"]


class PartnerEventAnswerSerializer(serializers.Serializer):
    duplicate = serializers.BooleanField(help_text="True when the event_id was already recorded.")
    event = PartnerEventSerializer()
    shipment = PartnerShipmentDetailSerializer()


# --- the viewset -------------------------------------------------------------------------------


class PartnerShipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The shipments the key's partner fulfils; see the module docstring for the contract."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [PartnerScope]
    pagination_class = PartnerShipmentCursor
    filterset_class = PartnerShipmentFilter
    lookup_field = "tracking_number"

    def get_queryset(self):
        partner = getattr(self.request.auth, "partner", None)  # None outside a request (the schema)
        if partner is None:
            return Shipment.objects.none()
        shipments = partner_shipments(partner=partner)
        return partner_shipment_detailed(shipments) if self.action == "retrieve" else shipments

    def get_serializer_class(self):
        return PartnerShipmentSerializer if self.action == "list" else PartnerShipmentDetailSerializer

    def _answer(self, shipment: Shipment, event: TrackingEvent, *, duplicate: bool, code: int) -> Response:
        shipment = partner_shipment_detailed(self.get_queryset()).get(pk=shipment.pk)
        return Response(
            {
                "duplicate": duplicate,
                "event": PartnerEventSerializer(event).data,
                "shipment": PartnerShipmentDetailSerializer(shipment).data,
            },
            status=code,
        )

    @extend_schema(
        request=EventInputSerializer,
        responses={
            201: OpenApiResponse(PartnerEventAnswerSerializer, description="The event was recorded."),
            200: OpenApiResponse(
                PartnerEventAnswerSerializer, description="A repeat of an event_id already recorded: nothing changed."
            ),
            409: OpenApiResponse(
                ErrorResponseSerializer,
                description="The stage is not allowed now, or the shipment changed while the event was applied.",
            ),
            422: OpenApiResponse(
                ErrorResponseSerializer,
                description="The event_id was already used on this shipment for another stage.",
            ),
        },
    )
    def events(self, request, tracking_number=None):
        shipment = self.get_object()
        serializer = EventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event_id, stage = data["event_id"].strip(), data["stage"]
        if not event_id:
            raise exceptions.ValidationError({"event_id": "Give the event an id of yours."})
        if (earlier := partner_event(shipment=shipment, event_id=event_id)) is not None:
            return self._repeat(shipment, earlier, stage)
        occurred_at = data.get("occurred_at")
        if occurred_at is not None:
            _check_time(occurred_at, shipment)
        try:
            moved = shipment_transition(
                shipment=shipment,
                to=stage,
                source=TrackingEvent.Source.PARTNER,
                external_id=event_id,
                location=data["location"],
                reason=data["reason"],
                at=occurred_at,
            )
        except ShipmentTransitionNotAllowed:
            raise Conflict({"stage": [_not_now(shipment, stage)]}, code="stage_not_allowed") from None
        if not moved:
            # Either the same event won a race with itself (a repeat), or the shipment moved on
            # between reading it and locking it.
            if (earlier := partner_event(shipment=shipment, event_id=event_id)) is not None:
                return self._repeat(shipment, earlier, stage)
            raise Conflict(
                "The shipment changed while this event was applied; nothing was recorded. Read it again and retry.",
                code="stale",
            )
        event = TrackingEvent.objects.get(shipment=shipment, external_id=event_id)
        return self._answer(shipment, event, duplicate=False, code=status.HTTP_201_CREATED)

    def _repeat(self, shipment: Shipment, earlier: TrackingEvent, stage: str) -> Response:
        if earlier.stage != stage:
            raise Unprocessable(
                {"event_id": [f"Event {earlier.external_id} was already recorded with stage {earlier.stage}."]},
                code="event_id_reused",
            )
        return self._answer(shipment, earlier, duplicate=True, code=status.HTTP_200_OK)


def _check_time(occurred_at: datetime.datetime, shipment: Shipment) -> None:
    if occurred_at > timezone.now() + CLOCK_SKEW:
        raise exceptions.ValidationError({"occurred_at": "This time is in the future."})
    if occurred_at < shipment.stage_started_at:
        raise exceptions.ValidationError(
            {
                "occurred_at": f"The shipment has been at {shipment.stage} since "
                f"{shipment.stage_started_at.isoformat()}; an event cannot happen before that."
            }
        )


def _not_now(shipment: Shipment, stage: str) -> str:
    shipment.refresh_from_db(fields=["stage", "stage_index", "route", "status", "inventory_consumed"])
    allowed = partner_targets(shipment)
    message = f"Shipment {shipment.tracking_number} is at {shipment.stage}; it cannot move to {stage} now."
    if stage == Stage.ACKNOWLEDGED and is_awaiting_acknowledgement(shipment):
        message += f" A new shipment waits in acknowledged: acknowledge it by posting {allowed[0]}."
    elif allowed:
        message += f" Allowed now: {', '.join(allowed)}."
    else:
        message += " It is closed: no stage can follow."
    return message
