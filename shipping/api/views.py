"""``/api/v1/`` for sending inventory: merchants' plans and shipments, and the operators' dock.

Status codes, the same for every endpoint here:

- ``400``: bad input, in the API's error format with ``attr`` naming the field path
  (``items.0.quantity``, ``boxes.1.weight_kg``, ``counts.TEE-BLK-M``). This includes what a
  service refuses with a plain ``ValidationError`` — an unknown SKU, boxes that do not add up,
  a box already checked in, a box of another warehouse, an expired placement option, no
  warehouse with room.
- ``409``: the plan or shipment is in a state that does not allow the request — the service
  raised ``TransitionNotAllowed`` (e.g. shipping a shipment without transport, cancelling a
  closed one, checking in a box that has not cleared customs) or ``PlanLocked`` (editing or
  voiding a plan whose placement is confirmed). Same error format, ``code`` ``"conflict"``.
- ``403``: a viewer writing, a merchant user on an operator endpoint.
- ``404``: an unknown id, or another merchant's (merchant endpoints never tell them apart).

Views validate shape with a serializer, call one service, and answer with the object re-read
through the same prefetched queryset as ``retrieve``.
"""

from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations.schema import conflict
from merchants.api.errors import Conflict
from merchants.tenancy import IsOperator, MerchantScopedViewSet
from shipping.api import serializers as s
from shipping.api.filters import InboundPlanFilter, InboundShipmentFilter
from shipping.labels import inbound_shipment_labels_pdf
from shipping.models import InboundBox, InboundPlan, InboundShipment, PlacementOption
from shipping.services.inbound_plans import (
    PlanLocked,
    inbound_plan_create,
    inbound_plan_set_boxes,
    inbound_plan_set_items,
    inbound_plan_void,
)
from shipping.services.inbound_shipments import (
    TransitionNotAllowed,
    inbound_shipment_cancel,
    inbound_shipment_customs_release,
    inbound_shipment_delete,
    inbound_shipment_mark_in_transit,
    inbound_shipment_mark_shipped,
    inbound_shipment_set_transport,
)
from shipping.services.placement import placement_option_confirm, placement_options_generate
from shipping.services.receiving import RECEIVABLE, box_check_in, box_count, inbound_shipment_close
from warehouses.models import Warehouse

PLAN_LOCKED = "The plan's placement is confirmed, or the plan is no longer active: nothing changed."
NOT_NOW = "The shipment's status does not allow this now: nothing changed."


class StateConflictMixin:
    """Answers 409 when a service refuses a request because of the object's state."""

    def handle_exception(self, exc):
        if isinstance(exc, TransitionNotAllowed | PlanLocked):
            detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            exc = Conflict(detail, code="conflict")
        return super().handle_exception(exc)


def _checked_input(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- querysets ------------------------------------------------------------------------------


def _plans_detailed(plans: QuerySet[InboundPlan]) -> QuerySet[InboundPlan]:
    return plans.prefetch_related(
        "items__product", "boxes__contents__product", "placement_options", "shipments__warehouse"
    )


def _shipments_listed(shipments: QuerySet[InboundShipment]) -> QuerySet[InboundShipment]:
    return shipments.select_related("warehouse", "merchant").annotate(
        box_count=Count("boxes", distinct=True),
        boxes_checked_in=Count("boxes", filter=Q(boxes__checked_in_at__isnull=False), distinct=True),
        boxes_counted=Count("boxes", filter=Q(boxes__counted_at__isnull=False), distinct=True),
    )


def _shipments_detailed(shipments: QuerySet[InboundShipment]) -> QuerySet[InboundShipment]:
    return _shipments_listed(shipments).prefetch_related("lines__product", "boxes__contents__product", "events")


# --- merchant endpoints ---------------------------------------------------------------------


class InboundPlanViewSet(StateConflictMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantScopedViewSet):
    """The merchant's inbound plans, newest first; the steps of "send inventory" are actions.

    - ``POST /inbound-plans/``: create (201) from ``{name?, mode, destination_country?,
      source?: {address}, items: [{sku, quantity, label_owner?, prep_owner?}]}``; the source
      defaults to the merchant's ship-from address. A mode holding no stock (``direct``) is
      refused with ``attr`` ``mode``.
    - ``PUT|POST /inbound-plans/{id}/items/``: replace the items (``{items: [...]}``); packing is
      discarded.
    - ``PUT|POST /inbound-plans/{id}/boxes/``: replace the packing (``{shipping_mode?, boxes:
      [{weight_kg, length_cm, width_cm, height_cm, contents: [{sku, quantity}]}]}``).
    - ``GET /inbound-plans/{id}/placement-options/``: the offered and accepted options;
      ``POST`` generates fresh ones (201).
    - ``POST /inbound-plans/{id}/placement-options/{option_id}/confirm/``: creates the inbound
      shipments (201, the list of shipments). An option of another plan is 404.
    - ``POST /inbound-plans/{id}/void/``: void a plan not yet confirmed.

    Items, boxes, placement and void answer 409 once the placement is confirmed or the plan is
    no longer active; nothing changes.
    """

    filterset_class = InboundPlanFilter
    scope_family = "inbound"

    def get_merchant_queryset(self):
        plans = InboundPlan.objects.filter(merchant=self.merchant).select_related("mode").order_by("-created_at", "-pk")
        return _plans_detailed(plans) if self.action == "retrieve" else plans

    def get_serializer_class(self):
        return s.InboundPlanListSerializer if self.action == "list" else s.InboundPlanSerializer

    def _detail(self, plan: InboundPlan, code: int = status.HTTP_200_OK) -> Response:
        plan = _plans_detailed(InboundPlan.objects.select_related("mode")).get(pk=plan.pk)
        return Response(s.InboundPlanSerializer(plan).data, status=code)

    @extend_schema(request=s.PlanCreateInputSerializer, responses={201: s.InboundPlanSerializer})
    def create(self, request, *args, **kwargs):
        data = _checked_input(s.PlanCreateInputSerializer, request)
        plan = inbound_plan_create(merchant=self.merchant, user=self.actor, **data)
        return self._detail(plan, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.PlanItemsInputSerializer, responses={200: s.InboundPlanSerializer, 409: conflict(PLAN_LOCKED)}
    )
    @action(detail=True, methods=["put", "post"])
    def items(self, request, pk=None):
        plan = self.get_object()
        data = _checked_input(s.PlanItemsInputSerializer, request)
        return self._detail(inbound_plan_set_items(plan=plan, items=data["items"]))

    @extend_schema(
        request=s.PlanBoxesInputSerializer, responses={200: s.InboundPlanSerializer, 409: conflict(PLAN_LOCKED)}
    )
    @action(detail=True, methods=["put", "post"])
    def boxes(self, request, pk=None):
        plan = self.get_object()
        data = _checked_input(s.PlanBoxesInputSerializer, request)
        plan = inbound_plan_set_boxes(plan=plan, boxes=data["boxes"], shipping_mode=data.get("shipping_mode"))
        return self._detail(plan)

    @extend_schema(methods=["GET"], responses=s.PlacementOptionSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=None,
        responses={201: s.PlacementOptionSerializer(many=True), 409: conflict(PLAN_LOCKED)},
    )
    @action(detail=True, methods=["get", "post"], url_path="placement-options")
    def placement_options(self, request, pk=None):
        plan = self.get_object()
        if request.method == "POST":
            options = placement_options_generate(plan=plan)
            return Response(s.PlacementOptionSerializer(options, many=True).data, status=status.HTTP_201_CREATED)
        options = plan.placement_options.exclude(status=PlacementOption.Status.EXPIRED).order_by("fee_total", "label")
        return Response(s.PlacementOptionSerializer(options, many=True).data)

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("option_id", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={201: s.InboundShipmentSerializer(many=True), 409: conflict(PLAN_LOCKED)},
    )
    @action(detail=True, methods=["post"], url_path=r"placement-options/(?P<option_id>[A-Za-z0-9]+)/confirm")
    def confirm_placement_option(self, request, pk=None, option_id=None):
        plan = self.get_object()
        option = get_object_or_404(PlacementOption, plan=plan, option_id=option_id)
        shipments = placement_option_confirm(plan=plan, option_id=option.option_id, user=self.actor)
        created = _shipments_detailed(InboundShipment.objects.filter(pk__in=[x.pk for x in shipments]))
        return Response(s.InboundShipmentSerializer(created, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.InboundPlanSerializer, 409: conflict(PLAN_LOCKED)})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        return self._detail(inbound_plan_void(plan=self.get_object(), user=self.actor))


class InboundShipmentViewSet(
    StateConflictMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantScopedViewSet
):
    """The merchant's inbound shipments, newest first, with lines, boxes and their events.

    - ``PUT|POST /inbound-shipments/{id}/transport/``: ``{carrier, shipping_mode,
      ready_to_ship_from, ready_to_ship_to, tracking_numbers?}``; the shipment becomes
      READY_TO_SHIP.
    - ``GET /inbound-shipments/{id}/labels/``: the box labels, ``application/pdf`` whatever the
      ``Accept`` header says (errors stay JSON).
    - ``POST /inbound-shipments/{id}/mark-shipped/``, ``POST …/cancel/`` (``{note?}``).
    - ``DELETE /inbound-shipments/{id}/``: delete before shipping. Answers **200 with the
      shipment**, now ``DELETED``: the record stays (its events and inventory ledger refer to
      it), only its status changes.

    Transitions the shipment's status does not allow answer 409 and change nothing.
    """

    filterset_class = InboundShipmentFilter
    scope_family = "inbound"

    def get_merchant_queryset(self):
        shipments = InboundShipment.objects.filter(merchant=self.merchant).order_by("-created_at", "-pk")
        if self.action == "list":
            return _shipments_listed(shipments)
        if self.action == "retrieve":
            return _shipments_detailed(shipments)
        return shipments.select_related("plan__merchant", "warehouse")

    def get_serializer_class(self):
        return s.InboundShipmentListSerializer if self.action == "list" else s.InboundShipmentSerializer

    def perform_content_negotiation(self, request, force=False):
        # The labels are a PDF whatever the client accepts; refusing with 406 helps nobody.
        return super().perform_content_negotiation(request, force=force or self.action == "labels")

    def _detail(self, shipment: InboundShipment) -> Response:
        shipment = _shipments_detailed(InboundShipment.objects.all()).get(pk=shipment.pk)
        return Response(s.InboundShipmentSerializer(shipment).data)

    @extend_schema(responses={200: s.InboundShipmentSerializer, 409: conflict(NOT_NOW)})
    def destroy(self, request, *args, **kwargs):
        return self._detail(inbound_shipment_delete(shipment=self.get_object(), actor=self.actor))

    @extend_schema(
        request=s.TransportInputSerializer, responses={200: s.InboundShipmentSerializer, 409: conflict(NOT_NOW)}
    )
    @action(detail=True, methods=["put", "post"])
    def transport(self, request, pk=None):
        shipment = self.get_object()
        data = _checked_input(s.TransportInputSerializer, request)
        return self._detail(inbound_shipment_set_transport(shipment=shipment, actor=self.actor, **data))

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The box labels.")}
    )
    @action(detail=True, methods=["get"])
    def labels(self, request, pk=None):
        shipment = self.get_object()
        response = HttpResponse(inbound_shipment_labels_pdf(shipment=shipment), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{shipment.confirmation_id}-labels.pdf"'
        return response

    @extend_schema(request=None, responses={200: s.InboundShipmentSerializer, 409: conflict(NOT_NOW)})
    @action(detail=True, methods=["post"], url_path="mark-shipped")
    def mark_shipped(self, request, pk=None):
        return self._detail(inbound_shipment_mark_shipped(shipment=self.get_object(), actor=self.actor))

    @extend_schema(request=s.NoteInputSerializer, responses={200: s.InboundShipmentSerializer, 409: conflict(NOT_NOW)})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        shipment = self.get_object()
        data = _checked_input(s.NoteInputSerializer, request)
        return self._detail(inbound_shipment_cancel(shipment=shipment, actor=self.actor, note=data["note"]))


# --- operator endpoints (platform staff; deliberately not merchant-scoped) ------------------


class UnscopedOperatorViewSet(StateConflictMixin, viewsets.GenericViewSet):
    """Platform staff only. Sees every merchant's shipments on purpose: the dock serves them all."""

    permission_classes = [IsOperator]
    filter_backends: list = []
    paginated_actions = ("queue",)
    # The queue: oldest first.
    cursor_ordering = ("created_at", "id")


class OperatorReceivingWarehouseViewSet(UnscopedOperatorViewSet):
    """The dock of one warehouse, by code (case-insensitive).

    - ``POST /receiving/warehouses/{code}/check-in/`` ``{box_id}``: scan a box in. Scanning it
      again is 400 (``attr`` ``box_id``); so is a box that belongs to another warehouse.
    - ``POST /receiving/warehouses/{code}/count/`` ``{box_id, counts: {sku: {good, damaged}}}``:
      count a checked-in box; more units than the box could hold is 400 with ``attr``
      ``counts.<sku>``.
    - ``GET /receiving/warehouses/{code}/queue/``: shipments expected or being received here
      (SHIPPED … RECEIVING), oldest first (cursor-paginated), with their boxes checked in and counted.
    """

    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9-]+"

    def get_object(self) -> Warehouse:
        return get_object_or_404(Warehouse, code__iexact=self.kwargs["code"])

    def _box(self, box_id: str) -> Response:
        box = InboundBox.objects.select_related("shipment").prefetch_related("contents__product").get(box_id=box_id)
        return Response(s.ReceivedBoxSerializer(box).data)

    @extend_schema(request=s.CheckInInputSerializer, responses={200: s.ReceivedBoxSerializer, 409: conflict(NOT_NOW)})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, code=None):
        warehouse = self.get_object()
        data = _checked_input(s.CheckInInputSerializer, request)
        box = box_check_in(box_id=data["box_id"], warehouse=warehouse, actor=request.user)
        return self._box(box.box_id)

    @extend_schema(request=s.BoxCountInputSerializer, responses={200: s.ReceivedBoxSerializer, 409: conflict(NOT_NOW)})
    @action(detail=True, methods=["post"])
    def count(self, request, code=None):
        warehouse = self.get_object()
        data = _checked_input(s.BoxCountInputSerializer, request)
        box = box_count(box_id=data["box_id"], warehouse=warehouse, counts=data["counts"], actor=request.user)
        return self._box(box.box_id)

    @extend_schema(responses=s.QueueShipmentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def queue(self, request, code=None):
        warehouse = self.get_object()
        shipments = _shipments_listed(InboundShipment.objects.filter(warehouse=warehouse, status__in=RECEIVABLE))
        page = self.paginate_queryset(shipments)
        return self.get_paginated_response(s.QueueShipmentSerializer(page, many=True).data)


class OperatorReceivingShipmentViewSet(UnscopedOperatorViewSet):
    """One shipment at the dock or in customs, any merchant's.

    - ``POST /receiving/shipments/{id}/in-transit/``: the carrier has the boxes.
    - ``POST /receiving/shipments/{id}/customs-release/``: import customs cleared it (400 when
      nothing waits in customs).
    - ``POST /receiving/shipments/{id}/close/`` ``{resolutions?: {sku: {resolution, note}}}``:
      reconcile every line and open the claim window. A line short beyond the tolerance without
      a resolution, or an uncounted checked-in box, is 400.
    """

    def get_queryset(self):
        return InboundShipment.objects.all()  # every merchant's: the dock serves them all

    def _detail(self, shipment: InboundShipment) -> Response:
        shipment = _shipments_detailed(InboundShipment.objects.all()).get(pk=shipment.pk)
        return Response(s.OperatorShipmentSerializer(shipment).data)

    @extend_schema(request=s.NoteInputSerializer, responses={200: s.OperatorShipmentSerializer, 409: conflict(NOT_NOW)})
    @action(detail=True, methods=["post"], url_path="in-transit")
    def in_transit(self, request, pk=None):
        shipment = self.get_object()
        data = _checked_input(s.NoteInputSerializer, request)
        return self._detail(inbound_shipment_mark_in_transit(shipment=shipment, actor=request.user, note=data["note"]))

    @extend_schema(request=s.NoteInputSerializer, responses={200: s.OperatorShipmentSerializer, 409: conflict(NOT_NOW)})
    @action(detail=True, methods=["post"], url_path="customs-release")
    def customs_release(self, request, pk=None):
        shipment = self.get_object()
        data = _checked_input(s.NoteInputSerializer, request)
        return self._detail(inbound_shipment_customs_release(shipment=shipment, actor=request.user, note=data["note"]))

    @extend_schema(
        request=s.CloseInputSerializer, responses={200: s.OperatorShipmentSerializer, 409: conflict(NOT_NOW)}
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        shipment = self.get_object()
        data = _checked_input(s.CloseInputSerializer, request)
        return self._detail(
            inbound_shipment_close(shipment=shipment, resolutions=data["resolutions"], actor=request.user)
        )
