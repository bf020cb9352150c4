"""``/api/v1/`` for orders: intake (one or a thousand), cancel, the fulfillment preview and the
mode comparison.

Status codes, the same for every endpoint here:

- ``400``: bad input, in the API's error format with ``attr`` naming the field path
  (``lines.0.sku``, ``destination.postal_code``, ``speed``, ``product``). A SKU of another
  merchant reads exactly like one that does not exist.
- ``409``: a duplicate ``merchant_order_id`` (``code`` ``"duplicate"``, with ``existing_id``),
  or an order whose status does not allow the request (cancelling one already processing:
  ``code`` ``"conflict"``, ``attr`` ``status``). Nothing changes.
- ``403``: a viewer sending a POST.
- ``404``: an unknown order id, or another merchant's (never told apart).

Views check the envelope with a serializer, call one service, and answer with the order re-read
through the same prefetched queryset as ``retrieve``.
"""

from django.db.models import F, Prefetch, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from integrations.schema import ErrorResponseSerializer
from integrations.schema import conflict as conflict_response
from merchants.api.errors import Conflict, conflict
from merchants.api.filters import FilterBackend
from merchants.models import Product
from merchants.tenancy import MerchantScopedViewSet
from orders.api import serializers as s
from orders.api.filters import OrderFilter
from orders.models import Allocation, Order, OrderLine
from orders.services.cancel import order_cancel
from orders.services.compare import compare_modes
from orders.services.intake import DuplicateOrder, order_create, orders_intake
from orders.services.preview import fulfillment_preview
from orders.services.status import OrderTransitionNotAllowed


def _checked_input(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _orders_detailed(orders: QuerySet[Order], *, events: bool = False) -> QuerySet[Order]:
    """Orders with their lines (``line_list``, each with its ``sku``), their allocations
    (``allocation_list``, each with its ``warehouse_code``) and events (``event_list``): a fixed
    number of queries. Lists rather than managers, and codes rather than product and warehouse
    rows: a page of orders then builds no queryset per order and loads no row it does not show."""
    allocations = Allocation.objects.annotate(warehouse_code=F("warehouse__code"))
    lines = OrderLine.objects.annotate(sku=F("product__sku")).prefetch_related(
        Prefetch("allocations", queryset=allocations, to_attr="allocation_list")
    )
    orders = orders.prefetch_related(Prefetch("lines", queryset=lines, to_attr="line_list"))
    return orders.prefetch_related(Prefetch("events", to_attr="event_list")) if events else orders


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantScopedViewSet):
    """The merchant's orders, newest first, with lines, allocations and (one order) its events.

    - ``POST /orders/``: create one order (201). The body is the order: ``{merchant_order_id,
      mode, speed?, fulfillment_policy?, destination: {address}, buyer_email?, currency?,
      lines: [{sku, quantity, unit_value?}]}``. Stock is reserved at once.
    - ``POST /orders/bulk/`` ``{orders: [...]}``: up to 1,000 orders; 200 with a result per order
      (``created``, ``duplicate`` or ``rejected``), the good ones created whatever the others.
    - ``POST /orders/{id}/cancel/`` ``{reason?}``: only while received or planning; the reserved
      units go back on the shelf.
    - ``POST /orders/preview/`` ``{destination, lines, speeds?, modes?}``: per mode and speed,
      whether it can be fulfilled (and why not), the fees, the windows and duties. Reserves nothing.
    """

    filter_backends = [FilterBackend]
    filterset_class = OrderFilter
    parser_classes = [JSONParser]
    scope_family = "orders"
    read_actions = ("preview",)  # a POST that reserves nothing

    def get_merchant_queryset(self):
        orders = Order.objects.filter(merchant=self.merchant).order_by("-created_at", "-pk")
        if self.action in ("list", "retrieve"):
            return _orders_detailed(orders, events=self.action == "retrieve")
        return orders

    def get_serializer_class(self):
        return s.OrderSerializer if self.action == "list" else s.OrderDetailSerializer

    def _detail(self, order: Order, code: int = status.HTTP_200_OK) -> Response:
        order = _orders_detailed(Order.objects.filter(pk=order.pk), events=True).get()
        return Response(s.OrderDetailSerializer(order).data, status=code)

    @extend_schema(
        request=s.OrderInputSerializer,
        responses={
            201: s.OrderDetailSerializer,
            409: OpenApiResponse(
                ErrorResponseSerializer,
                description="You already have an order with this merchant_order_id: the error has its existing_id.",
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Send one order as a JSON object."]})
        try:
            order = order_create(merchant=self.merchant, payload=request.data, source=Order.Source.API, user=self.actor)
        except DuplicateOrder as duplicate:
            [detail] = duplicate.message_dict["merchant_order_id"]
            return conflict(detail, code="duplicate", attr="merchant_order_id", existing_id=duplicate.existing_id)
        return self._detail(order, status.HTTP_201_CREATED)

    @extend_schema(request=s.BulkOrdersInputSerializer, responses=s.BulkResultSerializer)
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Up to 1,000 orders in ``{orders: [...]}``; a result per order, in order."""
        data = _checked_input(s.BulkInputSerializer, request.data)
        results = orders_intake(
            merchant=self.merchant, payloads=data["orders"], source=Order.Source.API, user=self.actor
        )
        return Response({"results": s.IntakeResultSerializer(results, many=True).data})

    @extend_schema(
        request=s.CancelInputSerializer,
        responses={
            200: s.OrderDetailSerializer,
            409: conflict_response("The order is processing or closed: only received or planning orders cancel."),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a received or planning order (``{reason?}``) and release its stock."""
        order = self.get_object()
        data = _checked_input(s.CancelInputSerializer, request.data)
        try:
            order = order_cancel(order=order, reason=data["reason"], actor=self.actor)
        except OrderTransitionNotAllowed as refused:
            raise Conflict(refused.message_dict, code="conflict") from refused
        return self._detail(order)

    @extend_schema(request=s.PreviewRequestSerializer, responses=s.PreviewOptionSerializer(many=True))
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """Per mode and speed: fulfillable or why not, fees, ship and arrival windows, duties."""
        data = _checked_input(s.PreviewInputSerializer, request.data)
        options = fulfillment_preview(
            merchant=self.merchant,
            destination=data["destination"],
            lines=data["lines"],
            speeds=data.get("speeds"),
            modes=data.get("modes"),
        )
        return Response(s.PreviewOptionSerializer(options, many=True).data)


class QuoteViewSet(MerchantScopedViewSet):
    """``GET|POST /quotes/compare/`` with ``product`` (your SKU), ``destination_country`` and
    ``monthly_volume`` (query string or JSON): one row per mode, those that can serve first,
    cheapest first; the others say why not.
    """

    serializer_class = s.CompareInputSerializer
    filter_backends: list = []
    pagination_class = None
    scope_family = "quotes"
    read_actions = ("compare",)  # POST takes the same question as GET's query string

    def get_merchant_queryset(self):
        # Whose SKUs ``product`` may name: the merchant's own, so another's reads as unknown.
        return Product.objects.filter(merchant=self.merchant)

    @extend_schema(
        methods=["GET"], parameters=[s.CompareInputSerializer], responses=s.ComparisonRowSerializer(many=True)
    )
    @extend_schema(methods=["POST"], request=s.CompareInputSerializer, responses=s.ComparisonRowSerializer(many=True))
    @action(detail=False, methods=["get", "post"])
    def compare(self, request):
        """One row per mode for ``product``, ``destination_country`` and ``monthly_volume``."""
        given = request.query_params if request.method == "GET" else request.data
        data = _checked_input(s.CompareInputSerializer, given)
        product = self.get_queryset().filter(sku__iexact=data["product"]).first()
        if product is None:
            raise exceptions.ValidationError(
                {"product": [f"Unknown SKU {data['product']}: it is not a product of your catalog."]}
            )
        rows = compare_modes(
            merchant=self.merchant,
            product=product,
            destination_country=data["destination_country"],
            monthly_volume=data["monthly_volume"],
        )
        return Response(s.ComparisonRowSerializer(rows, many=True).data)
