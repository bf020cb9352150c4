"""Inbound shipments: the list, the shipment page, its labels PDF and the ship / delete / cancel actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Sum
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import ListView, TemplateView, View

from merchants.tenancy import MerchantScopedMixin
from shipping.forms import CancelForm, ShipmentFilterForm
from shipping.labels import inbound_shipment_labels_pdf
from shipping.models import InboundBoxContent, InboundShipment, InboundShipmentLine
from shipping.services.inbound_shipments import (
    PRE_SHIPPING,
    inbound_shipment_cancel,
    inbound_shipment_delete,
    inbound_shipment_mark_shipped,
)
from shipping.views.common import ShipmentMixin, Step, querystring_without_page, step_url

S = InboundShipment.Status
CANCELLABLE = frozenset({S.SHIPPED, S.IN_TRANSIT})


class ShipmentListView(MerchantScopedMixin, ListView):
    template_name = "shipping/shipment_list.html"
    context_object_name = "shipments"
    paginate_by = 25

    def get_merchant_queryset(self):
        self.filter_form = ShipmentFilterForm(self.request.GET or None)
        discrepant = InboundShipmentLine.objects.filter(shipment=OuterRef("pk")).filter(
            Q(quantity_damaged__gt=0) | ~Q(quantity_expected=F("quantity_received") + F("quantity_damaged"))
        )
        return (
            InboundShipment.objects.filter(merchant=self.request.merchant, **self.filter_form.selector_filters())
            .select_related("plan", "warehouse")
            .annotate(
                units_expected=Sum("lines__quantity_expected"),
                units_received=Sum("lines__quantity_received"),
                units_damaged=Sum("lines__quantity_damaged"),
                has_discrepancy=Exists(discrepant),
            )
            .order_by("-created_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            filter_form=self.filter_form,
            querystring=querystring_without_page(self.request),
            has_shipments=InboundShipment.objects.filter(merchant=self.request.merchant).exists(),
        )
        return context


class ShipmentDetailView(ShipmentMixin, TemplateView):
    template_name = "shipping/shipment_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shipment = self.shipment
        contents = Prefetch("contents", queryset=InboundBoxContent.objects.select_related("product"))
        lines = list(shipment.lines.select_related("product"))
        events = list(shipment.events.all())
        for event in events:
            event.to_label = S(event.to_status).label if event.to_status in S.values else event.to_status
        context.update(
            events=events,
            boxes=shipment.boxes.prefetch_related(contents).order_by("box_id"),
            lines=lines,
            totals={
                "expected": sum(line.quantity_expected for line in lines),
                "received": sum(line.quantity_received for line in lines),
                "damaged": sum(line.quantity_damaged for line in lines),
            },
            can_delete=shipment.status in PRE_SHIPPING,
            can_cancel=shipment.status in CANCELLABLE,
            can_ship=shipment.status == S.READY_TO_SHIP,
            reconciled=shipment.status == S.CLOSED,
        )
        return context


class ShipmentLabelsPdfView(ShipmentMixin, View):
    """The box labels, one 4 × 6 inch page per box, shown inline."""

    def get(self, request, *args, **kwargs):
        shipment = self.shipment
        response = HttpResponse(inbound_shipment_labels_pdf(shipment=shipment), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{shipment.confirmation_id}-labels.pdf"'
        return response


class ShipmentActionView(ShipmentMixin, TemplateView):
    """A confirmation page (GET) for one shipment action, which a POST carries out."""

    template_name = "shipping/shipment_action.html"
    write_view = True
    form_class = None
    allowed: frozenset[str] = frozenset()
    title = button = explanation = ""

    def perform(self, shipment: InboundShipment, data: dict) -> None:
        raise NotImplementedError

    def success_message(self, shipment: InboundShipment) -> str:
        raise NotImplementedError

    def success_url(self, shipment: InboundShipment) -> str:
        return reverse("shipping:shipment-detail", args=[shipment.pk])

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            self.perform(self.shipment, form.cleaned_data if form else {})
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(form=form, errors=error.messages))
        messages.success(request, self.success_message(self.shipment))
        return redirect(self.success_url(self.shipment))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" not in kwargs:
            context["form"] = self.form_class() if self.form_class else None
        context.update(
            title=self.title.format(id=self.shipment.confirmation_id),
            explanation=self.explanation,
            button=self.button,
            available=self.shipment.status in self.allowed,
        )
        return context


class ShipmentShipView(ShipmentActionView):
    title = "Mark {id} shipped"
    button = "Mark shipped"
    explanation = (
        "Do this once the carrier has the boxes. Their units move from inbound working to inbound shipped, "
        "and the shipment can then only be cancelled, no longer deleted."
    )
    allowed = frozenset({S.READY_TO_SHIP})

    def perform(self, shipment, data):
        inbound_shipment_mark_shipped(shipment=shipment, actor=self.request.user)

    def success_message(self, shipment):
        return f"{shipment.confirmation_id} marked shipped. Track it on its shipment page."

    def success_url(self, shipment):
        return step_url(shipment.plan, Step.LABELS)


class ShipmentDeleteView(ShipmentActionView):
    title = "Delete {id}"
    button = "Delete shipment"
    explanation = (
        "Deleting is for a shipment that will not leave: its boxes are not sent and its units are taken out "
        "of inbound working. It cannot be undone."
    )
    allowed = PRE_SHIPPING

    def perform(self, shipment, data):
        inbound_shipment_delete(shipment=shipment, actor=self.request.user)

    def success_message(self, shipment):
        return f"{shipment.confirmation_id} deleted; its units are no longer expected."


class ShipmentCancelView(ShipmentActionView):
    title = "Cancel {id}"
    button = "Cancel shipment"
    explanation = (
        "Cancel a shipment that has left but will not reach the warehouse (before delivery). Its units are "
        "taken out of inbound shipped. It cannot be undone."
    )
    allowed = CANCELLABLE
    form_class = CancelForm

    def perform(self, shipment, data):
        inbound_shipment_cancel(shipment=shipment, actor=self.request.user, note=data.get("note", ""))

    def success_message(self, shipment):
        return f"{shipment.confirmation_id} cancelled; its units are no longer expected."
