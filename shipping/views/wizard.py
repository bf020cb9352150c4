"""The wizard after step 1: packing, placement, transport and labels. Each GET shows the saved state."""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import TemplateView

from merchants.views import add_service_errors
from shipping.forms import (
    PackingForm,
    PlacementChoiceForm,
    TransportForm,
    add_routed_errors,
    box_formset,
    boxes_initial,
    packing_error_route,
)
from shipping.models import InboundBox, InboundBoxContent, PlacementOption
from shipping.services.inbound_plans import inbound_plan_set_boxes
from shipping.services.inbound_shipments import PRE_SHIPPING, inbound_shipment_set_transport
from shipping.services.placement import placement_option_confirm, placement_options_generate
from shipping.views.common import GONE, LIVE_AFTER_TRANSPORT, PlanMixin, Step, locked_reason, requested_rows, step_url
from warehouses.models import Warehouse


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


class PackingView(PlanMixin, TemplateView):
    """Step 2: the shipping mode and the boxes, each with its contents as "SKU quantity" lines."""

    template_name = "shipping/plan_packing.html"
    step = Step.PACKING
    write_view = True

    def saved_boxes(self) -> list[InboundBox]:
        contents = Prefetch("contents", queryset=InboundBoxContent.objects.select_related("product"))
        return list(self.plan.boxes.prefetch_related(contents))

    def get(self, request, *args, **kwargs):
        boxes = self.saved_boxes()
        form = PackingForm(initial={"shipping_mode": self.plan.shipping_mode})
        formset = box_formset(initial=boxes_initial(boxes), extra=requested_rows(request, 2 if boxes else 3))
        return self.render_to_response(self.get_context_data(form=form, formset=formset, boxes=boxes))

    def post(self, request, *args, **kwargs):
        locked = locked_reason(self.plan)
        if locked:
            return self.render_to_response(self.get_context_data(errors=[locked], boxes=self.saved_boxes()))
        form, formset = PackingForm(request.POST), box_formset(data=request.POST)
        if form.is_valid() and formset.is_valid():
            filled = formset.filled()
            try:
                inbound_plan_set_boxes(
                    plan=self.plan,
                    boxes=[box_form.as_box() for _, box_form in filled],
                    shipping_mode=form.cleaned_data["shipping_mode"],
                )
            except ValidationError as error:
                add_routed_errors(error, packing_error_route(form, formset, [i for i, _ in filled]), form)
            else:
                messages.success(request, f"{_plural(len(filled), 'box', 'boxes')} packed. Now ask where to send them.")
                return redirect(step_url(self.plan, Step.PLACEMENT))
        return self.render_to_response(self.get_context_data(form=form, formset=formset, boxes=None))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        packed: Counter[str] = Counter()
        if kwargs.get("boxes") is not None:
            for box in kwargs["boxes"]:
                for content in box.contents.all():
                    packed[content.product.sku.upper()] += content.quantity
        else:
            for box_form in kwargs["formset"].forms:
                for content in getattr(box_form, "cleaned_data", {}).get("contents") or []:
                    packed[content["sku"].upper()] += content["quantity"]
        items = list(self.plan.items.select_related("product"))
        for item in items:
            item.packed = packed[item.product.sku.upper()]
            item.unpacked = max(item.quantity - item.packed, 0)
            item.overpacked = max(item.packed - item.quantity, 0)
        context.update(items=items, locked=locked_reason(self.plan))
        return context


class PlacementView(PlanMixin, TemplateView):
    """Step 3: ask for placement options, then confirm one (which creates the shipments)."""

    template_name = "shipping/plan_placement.html"
    step = Step.PLACEMENT
    write_view = True

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        try:
            if action == "generate":
                options = placement_options_generate(plan=self.plan)
                messages.success(request, f"{_plural(len(options), 'placement option')} offered, cheapest first.")
                return redirect(step_url(self.plan, Step.PLACEMENT))
            if action == "confirm":
                form = PlacementChoiceForm(request.POST)
                if not form.is_valid():
                    raise ValidationError("Choose one of the offered placement options.")
                shipments = placement_option_confirm(
                    plan=self.plan, option_id=form.cleaned_data["option_id"], user=request.user
                )
                ids = ", ".join(s.confirmation_id for s in shipments)
                messages.success(request, f"Placement confirmed: {_plural(len(shipments), 'shipment')} ({ids}).")
                return redirect(step_url(self.plan, Step.TRANSPORT))
            raise ValidationError("Choose an action: get placement options, or confirm one.")
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(errors=error.messages))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.plan
        options = list(
            plan.placement_options.filter(status=PlacementOption.Status.OFFERED, expires_at__gt=timezone.now())
        )
        warehouse_ids = {entry["warehouse_id"] for option in options for entry in option.shipments}
        warehouses = Warehouse.objects.in_bulk(warehouse_ids)
        for option in options:
            option.destinations = [
                {**entry, "warehouse": warehouses.get(entry["warehouse_id"])} for entry in option.shipments
            ]
        context.update(
            options=options,
            box_count=plan.boxes.count(),
            unit_count=sum(plan.items.values_list("quantity", flat=True)),
            shipments=list(plan.shipments.select_related("warehouse").order_by("pk")),
            locked=locked_reason(plan),
        )
        return context


class TransportView(PlanMixin, TemplateView):
    """Step 4: per shipment, the carrier, shipping mode, ready-to-ship window and tracking numbers."""

    template_name = "shipping/plan_transport.html"
    step = Step.TRANSPORT
    write_view = True

    def shipments(self):
        return list(self.plan.shipments.select_related("warehouse").annotate(box_count=Count("boxes")).order_by("pk"))

    def post(self, request, *args, **kwargs):
        raw = request.POST.get("shipment", "")
        if not raw.isdigit():
            raise Http404("No such shipment in this plan.")
        shipment = get_object_or_404(self.plan.shipments, pk=int(raw))
        form = TransportForm(request.POST, prefix=f"s{shipment.pk}")
        if form.is_valid():
            try:
                inbound_shipment_set_transport(shipment=shipment, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                statuses = set(self.plan.shipments.values_list("status", flat=True)) - GONE
                messages.success(request, f"Transport of {shipment.confirmation_id} saved: it is ready to ship.")
                if statuses <= LIVE_AFTER_TRANSPORT:
                    return redirect(step_url(self.plan, Step.LABELS))
                return redirect(step_url(self.plan, Step.TRANSPORT))
        return self.render_to_response(self.get_context_data(bound={shipment.pk: form}))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bound = kwargs.get("bound", {})
        rows = []
        for shipment in self.shipments():
            form = bound.get(shipment.pk)  # a refused form shows its errors whatever the status
            if form is None and shipment.status in PRE_SHIPPING:
                form = TransportForm(prefix=f"s{shipment.pk}", initial=TransportForm.initial_for(shipment))
            rows.append((shipment, form))
        context["rows"] = rows
        context["all_set"] = bool(rows) and all(s.status in LIVE_AFTER_TRANSPORT for s, _ in rows)
        return context


class LabelsView(PlanMixin, TemplateView):
    """Step 5: print each shipment's box labels, then mark it shipped."""

    template_name = "shipping/plan_labels.html"
    step = Step.LABELS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["shipments"] = list(
            self.plan.shipments.select_related("warehouse").annotate(box_count=Count("boxes")).order_by("pk")
        )
        return context
