"""The operator receiving console: choose a warehouse, work its dock, receive one shipment.

Platform staff only (``OperatorRequiredMixin``), and deliberately not merchant-scoped: the dock
receives every merchant's boxes. Views are thin: forms check the input's shape, the receiving
services do the work and raise ``ValidationError`` (shown next to the input, nothing written).
"""

from functools import cached_property

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import TemplateView, View

from merchants.tenancy import OperatorRequiredMixin
from shipping.console_forms import BoxCountForm, BoxScanForm, LineResolveForm, ShipmentCloseForm
from shipping.models import InboundBox, InboundBoxContent, InboundShipment, InboundShipmentLine
from shipping.services.inbound_shipments import (
    inbound_shipment_customs_release,
    inbound_shipment_mark_delivered,
    inbound_shipment_mark_in_transit,
)
from shipping.services.receiving import (
    RECEIVABLE,
    box_check_in,
    box_count,
    inbound_line_resolve,
    inbound_shipment_close,
)
from warehouses.models import Warehouse
from warehouses.selectors import warehouse_list, warehouse_utilisation
from warehouses.services.inventory import InventoryError

S = InboundShipment.Status
CUSTOMS_WAITING = (InboundShipment.CustomsStatus.PENDING, InboundShipment.CustomsStatus.HELD)
# The dock works on what is already there first, then on what arrives next.
DOCK_ORDER = (S.RECEIVING, S.CHECKED_IN, S.DELIVERED, S.IN_TRANSIT, S.SHIPPED)
SERVICE_ERRORS = (ValidationError, InventoryError)


# --- reads (console-only; they would move to ``shipping/selectors.py``) ---------------------


def dock_warehouses() -> QuerySet[Warehouse]:
    """Active warehouses with ``dock_queue``: how many inbound shipments are expected there."""
    return warehouse_list(active_only=True).annotate(
        dock_queue=Count("inbound_shipments", filter=Q(inbound_shipments__status__in=RECEIVABLE))
    )


def dock_queue(*, warehouse: Warehouse) -> QuerySet[InboundShipment]:
    """Shipments expected at ``warehouse``'s dock with box and unit totals, in working order."""
    boxes = InboundBox.objects.filter(shipment=OuterRef("pk")).order_by().values("shipment")
    units = InboundShipmentLine.objects.filter(shipment=OuterRef("pk")).order_by().values("shipment")
    return (
        InboundShipment.objects.filter(warehouse=warehouse, status__in=RECEIVABLE)
        .select_related("merchant")
        .annotate(
            boxes_total=Coalesce(Subquery(boxes.annotate(n=Count("pk")).values("n")), 0),
            boxes_checked_in=Coalesce(
                Subquery(boxes.filter(checked_in_at__isnull=False).annotate(n=Count("pk")).values("n")), 0
            ),
            units_expected=Coalesce(Subquery(units.annotate(n=Sum("quantity_expected")).values("n")), 0),
            dock_rank=Case(
                *(When(status=status, then=Value(rank)) for rank, status in enumerate(DOCK_ORDER)),
                output_field=IntegerField(),
            ),
        )
        .order_by("dock_rank", F("ready_to_ship_from").asc(nulls_last=True), "confirmation_id")
    )


def _box_progress(shipment_id: int) -> tuple[int, int]:
    totals = InboundBox.objects.filter(shipment_id=shipment_id).aggregate(
        total=Count("pk"), checked_in=Count("pk", filter=Q(checked_in_at__isnull=False))
    )
    return totals["checked_in"], totals["total"]


# --- pages ----------------------------------------------------------------------------------


class ReceivingWarehouseListView(OperatorRequiredMixin, TemplateView):
    template_name = "console/receiving_warehouses.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        warehouses = list(dock_warehouses())
        usage = warehouse_utilisation(warehouse_ids=[w.pk for w in warehouses])
        context["rows"] = [
            (warehouse, usage[warehouse.pk], round(usage[warehouse.pk].share * 100)) for warehouse in warehouses
        ]
        return context


class DockView(OperatorRequiredMixin, TemplateView):
    """One warehouse's dock: the expected shipments and the box scanner (check-in)."""

    template_name = "console/dock.html"

    @cached_property
    def warehouse(self) -> Warehouse:
        return get_object_or_404(Warehouse, code=self.kwargs["code"].upper())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("scan_form", BoxScanForm())
        context.update(
            warehouse=self.warehouse,
            queue=dock_queue(warehouse=self.warehouse),
            receiving_statuses={S.CHECKED_IN, S.RECEIVING},
            customs_waiting=CUSTOMS_WAITING,
        )
        return context

    def post(self, request, *args, **kwargs):
        form = BoxScanForm(request.POST)
        if form.is_valid():
            try:
                box = box_check_in(box_id=form.cleaned_data["box_id"], warehouse=self.warehouse, actor=request.user)
            except SERVICE_ERRORS as error:
                form.add_service_error(error)
            else:
                shipment = InboundShipment.objects.select_related("merchant").get(pk=box.shipment_id)
                checked_in, total = _box_progress(shipment.pk)
                messages.success(
                    request,
                    f"Box {box.box_id} of shipment {shipment.confirmation_id} ({shipment.merchant.name}): "
                    f"box {checked_in} of {total} checked in.",
                )
                return redirect("console:receiving-dock", code=self.warehouse.code)
        return self.render_to_response(self.get_context_data(scan_form=form))


class ShipmentActionView(OperatorRequiredMixin, View):
    """A button on the dock queue: one service call on one shipment, then back to the dock."""

    http_method_names = ["post"]
    service = None
    done = ""

    def post(self, request, pk):
        shipment = get_object_or_404(InboundShipment.objects.select_related("warehouse"), pk=pk)
        try:
            shipment = self.service(shipment=shipment, actor=request.user)
        except SERVICE_ERRORS as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, self.done.format(shipment=shipment))
        return redirect("console:receiving-dock", code=shipment.warehouse.code)


class MarkInTransitView(ShipmentActionView):
    service = staticmethod(inbound_shipment_mark_in_transit)
    done = "Shipment {shipment.confirmation_id} is in transit."


class CustomsReleaseView(ShipmentActionView):
    service = staticmethod(inbound_shipment_customs_release)
    done = "Shipment {shipment.confirmation_id} is released from import customs."


class MarkDeliveredView(ShipmentActionView):
    service = staticmethod(inbound_shipment_mark_delivered)
    done = "Shipment {shipment.confirmation_id} is delivered to the dock."


class ShipmentReceivingView(OperatorRequiredMixin, TemplateView):
    """One shipment being received: boxes, counts, lines, close, and the claim window after."""

    template_name = "console/shipment_receiving.html"

    @cached_property
    def shipment(self) -> InboundShipment:
        return get_object_or_404(
            InboundShipment.objects.select_related("merchant", "warehouse", "plan"), pk=self.kwargs["pk"]
        )

    def boxes(self) -> list[InboundBox]:
        contents = InboundBoxContent.objects.select_related("product")
        return list(
            self.shipment.boxes.select_related("checked_in_by")
            .prefetch_related(Prefetch("contents", queryset=contents))
            .order_by("box_id", "number")
        )

    def lines(self) -> list[InboundShipmentLine]:
        return list(self.shipment.lines.select_related("product"))

    def get_context_data(self, *, count_form=None, close_form=None, resolve_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        shipment = self.shipment
        receiving = shipment.status in {S.CHECKED_IN, S.RECEIVING}
        claim_open = (
            shipment.status == S.CLOSED
            and shipment.claim_window_ends_at is not None
            and timezone.now() <= shipment.claim_window_ends_at
        )
        box_rows = []
        for box in self.boxes():
            if count_form is not None and count_form.box.pk == box.pk:
                form = count_form
            else:
                form = BoxCountForm(box=box) if receiving and box.checked_in_at else None
            box_rows.append((box, form))
        lines = self.lines()
        line_rows = []
        for line in lines:
            if resolve_form is not None and resolve_form.line.pk == line.pk:
                form = resolve_form
            else:
                form = LineResolveForm(line=line) if claim_open else None
            line_rows.append((line, form))
        if close_form is None and receiving:
            close_form = ShipmentCloseForm(lines=lines)
        context.update(
            shipment=shipment,
            box_rows=box_rows,
            boxes_checked_in=sum(1 for box, _ in box_rows if box.checked_in_at),
            line_rows=line_rows,
            close_form=close_form,
            claim_open=claim_open,
            events=shipment.events.select_related("actor"),
        )
        return context


class BoxCountView(ShipmentReceivingView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        shipment = self.shipment
        box = get_object_or_404(
            shipment.boxes.prefetch_related(
                Prefetch("contents", queryset=InboundBoxContent.objects.select_related("product"))
            ),
            pk=self.kwargs["box_pk"],
        )
        form = BoxCountForm(request.POST, box=box)
        if form.is_valid():
            counts = form.counts()
            try:
                box_count(box_id=box.box_id, warehouse=shipment.warehouse, counts=counts, actor=request.user)
            except SERVICE_ERRORS as error:
                form.add_service_error(error)
            else:
                good = sum(c["good"] for c in counts.values())
                damaged = sum(c["damaged"] for c in counts.values())
                expected = sum(content.quantity for content in box.contents.all())
                messages.success(
                    request, f"Box {box.box_id} counted: {good} good, {damaged} damaged of {expected} expected."
                )
                return redirect("console:receiving-shipment", pk=shipment.pk)
        return self.render_to_response(self.get_context_data(count_form=form))


class ShipmentCloseView(ShipmentReceivingView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        shipment = self.shipment
        form = ShipmentCloseForm(request.POST, lines=self.lines())
        if form.is_valid():
            try:
                shipment = inbound_shipment_close(shipment=shipment, resolutions=form.resolutions(), actor=request.user)
            except SERVICE_ERRORS as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    f"Shipment {shipment.confirmation_id} closed. Claims are open until "
                    f"{timezone.localtime(shipment.claim_window_ends_at):%Y-%m-%d}.",
                )
                return redirect("console:receiving-shipment", pk=shipment.pk)
        return self.render_to_response(self.get_context_data(close_form=form))


class LineResolveView(ShipmentReceivingView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        line = get_object_or_404(self.shipment.lines.select_related("product"), pk=self.kwargs["line_pk"])
        form = LineResolveForm(request.POST, line=line)
        if form.is_valid():
            try:
                line = inbound_line_resolve(
                    line=line,
                    resolution=form.cleaned_data["resolution"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except SERVICE_ERRORS as error:
                form.add_service_error(error)
            else:
                messages.success(request, f"{line.product.sku} is now resolved as {line.get_resolution_display()}.")
                return redirect("console:receiving-shipment", pk=self.shipment.pk)
        return self.render_to_response(self.get_context_data(resolve_form=form))
