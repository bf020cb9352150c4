"""Merchant portal: outbound shipments (to buyers) and transfers (between warehouses).

The list filters by status, stage, mode, kind and destination, and searches order ids and
tracking numbers (master or package); the shipment page shows the route plan with the current
stage, the full tracking timeline, customs, lines and packages, and links to the order and to
the public tracking page.
"""

from decimal import Decimal
from functools import cached_property

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, ListView, TemplateView
from django_countries import countries

from merchants.models import Product
from merchants.tenancy import MerchantScopedMixin
from shipping.models import Shipment
from shipping.selectors import (
    merchant_has_shipments,
    public_location,
    reason_label,
    shipment_destination_countries,
    shipment_detail_queryset,
    shipment_estimated_delivery,
    shipment_exception,
    shipment_list,
    shipment_route,
)
from shipping.services.outbound_customs import shipment_customs_reassess
from shipping.services.transfers import transfer_create
from shipping.views.common import querystring_without_page
from warehouses.models import Warehouse
from warehouses.modes import Mode, Stage, Transport, WarehouseRole


class ShipmentFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=64,
        label="Order id or tracking number",
        widget=forms.TextInput(attrs={"placeholder": "Order id or tracking number", "type": "search"}),
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Shipment.Status.choices])
    stage = forms.ChoiceField(required=False, choices=[("", "Any stage"), *Stage.choices])
    mode = forms.ChoiceField(required=False, label="Mode", choices=[("", "Any mode"), *Mode.choices])
    kind = forms.ChoiceField(
        required=False, label="Kind", choices=[("", "Outbound and transfers"), *Shipment.Kind.choices]
    )
    country = forms.ChoiceField(required=False, label="Destination")

    def __init__(self, *args, destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = {code: countries.name(code) for code in destinations}
        # A bookmarked destination with no shipments (any more) still filters (to nothing), not silently all.
        requested = (self.data.get("country") or "").upper() if self.is_bound else ""
        if requested in dict(countries) and requested not in choices:
            choices[requested] = countries.name(requested)
        self.fields["country"].choices = [("", "Any destination"), *sorted(choices.items(), key=lambda c: c[1])]

    def selector_filters(self) -> dict:
        """The valid filters; an invalid value drops only its own filter (and shows its error)."""
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        return {key: value for key, value in data.items() if value}


class OutboundShipmentListView(MerchantScopedMixin, ListView):
    template_name = "shipping/outbound_list.html"
    context_object_name = "shipments"
    paginate_by = 25

    def get_merchant_queryset(self):
        merchant = self.request.merchant
        data = self.request.GET.copy()
        if data.get("country"):
            data["country"] = data["country"].upper()
        self.filter_form = ShipmentFilterForm(
            data or None, destinations=shipment_destination_countries(merchant=merchant)
        )
        return shipment_list(merchant=merchant, filters=self.filter_form.selector_filters())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            filter_form=self.filter_form,
            querystring=querystring_without_page(self.request),
            has_shipments=bool(context["shipments"]) or merchant_has_shipments(merchant=self.request.merchant),
        )
        return context


class OutboundShipmentDetailView(MerchantScopedMixin, TemplateView):
    """One of the merchant's shipments (``pk``); another merchant's is a 404, like a missing one."""

    template_name = "shipping/outbound_detail.html"

    def get_merchant_queryset(self):
        return shipment_detail_queryset(merchant=self.request.merchant)

    @cached_property
    def shipment(self) -> Shipment:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shipment, now = self.shipment, timezone.now()
        events = list(shipment.events.all())
        for event in events:
            event.reason_label = reason_label(event.exception_reason)
            event.place = public_location(shipment, event.stage)
        lines = list(shipment.lines.all())
        for line in lines:
            line.value = line.unit_value * line.quantity
        tracking_path = reverse("tracking-detail", args=[shipment.tracking_number])
        packages = list(shipment.packages.all())
        context.update(
            shipment=shipment,
            route_steps=shipment_route(shipment=shipment, now=now),
            estimated_delivery=shipment_estimated_delivery(shipment=shipment, now=now),
            exception=shipment_exception(shipment),
            transport_label=Transport(shipment.transport).label if shipment.transport in Transport.values else "",
            events=events,
            lines=lines,
            packages=packages,
            package_weight=sum((p.weight_kg for p in packages), Decimal(0)),
            units=sum(line.quantity for line in lines),
            total_value=sum(line.value for line in lines),
            currencies=sorted({line.currency for line in lines}),
            # Every shipment of an order belongs to the order's merchant: the link is to the merchant's own order.
            order_url=reverse("orders:order-detail", args=[shipment.order_id]) if shipment.order_id else None,
            tracking_url=self.request.build_absolute_uri(tracking_path),
            tracking_path=tracking_path,
        )
        return context


class OutboundCustomsReassessView(MerchantScopedMixin, TemplateView):
    """After fixing what customs held a parcel for (a product's HS code, the IOSS number in the
    merchant profile), the merchant asks customs to assess it again."""

    template_name = "shipping/outbound_reassess.html"
    write_view = True

    def get_merchant_queryset(self):
        return shipment_detail_queryset(merchant=self.request.merchant)

    @cached_property
    def shipment(self) -> Shipment:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(shipment=self.shipment, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            cleared, notes = shipment_customs_reassess(shipment=self.shipment, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if cleared:
                messages.success(request, f"Customs cleared {self.shipment.tracking_number}; it is on its way again.")
            else:
                messages.warning(request, f"Still held: {notes}")
        return redirect("shipping:outbound-detail", pk=self.shipment.pk)


class TransferForm(forms.Form):
    origin = forms.ModelChoiceField(queryset=Warehouse.objects.none(), label="From (origin FC)")
    destination = forms.ModelChoiceField(queryset=Warehouse.objects.none(), label="To (destination DC)")
    sku = forms.CharField(max_length=40, label="SKU")
    quantity = forms.IntegerField(min_value=1, max_value=1_000_000, label="Units")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = Warehouse.objects.filter(is_active=True).order_by("code")
        self.fields["origin"].queryset = active.filter(role=WarehouseRole.ORIGIN_FC)
        self.fields["destination"].queryset = active.filter(role=WarehouseRole.DESTINATION_DC)


class TransferCreateView(MerchantScopedMixin, FormView):
    """FBA cross-border: move stock from an origin FC to a destination-market DC."""

    template_name = "shipping/transfer_form.html"
    form_class = TransferForm
    write_view = True

    def form_valid(self, form):
        data = form.cleaned_data
        product = Product.objects.filter(merchant=self.request.merchant, sku__iexact=data["sku"].strip()).first()
        if product is None:
            form.add_error("sku", f"Unknown SKU {data['sku']}: it is not a product of your catalog.")
            return self.form_invalid(form)
        try:
            shipment = transfer_create(
                merchant=self.request.merchant,
                origin=data["origin"],
                destination=data["destination"],
                lines=[(product, data["quantity"])],
                actor=self.request.user,
            )
        except ValidationError as error:
            for key, messages_ in error.message_dict.items():
                field = "quantity" if key.endswith(".quantity") else "sku" if key.endswith(".sku") else key
                form.add_error(field if field in form.fields else None, messages_)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Transfer {shipment.tracking_number} created: {data['quantity']} units in transfer."
        )
        return redirect("shipping:outbound-detail", pk=shipment.pk)
