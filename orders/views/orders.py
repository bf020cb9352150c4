"""Orders: the list, creating one order, the order page and cancelling."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import ListView, TemplateView

from merchants.tenancy import MerchantScopedMixin
from merchants.views import add_service_errors
from orders.forms import OrderCancelForm, OrderFilterForm, OrderForm, add_order_errors, line_formset, mode_choices
from orders.models import FulfillmentPolicy, Order
from orders.selectors import (
    merchant_has_orders,
    order_destination_countries,
    order_events,
    order_lines,
    order_list,
    order_reserved_units,
)
from orders.services.cancel import order_cancel
from orders.services.intake import DuplicateOrder, order_create
from orders.views.common import OrderMixin, querystring_without_page, requested_rows
from warehouses.modes import Speed

S = Order.Status


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def status_label(code: str) -> str:
    return S(code).label if code in S.values else code


class OrderListView(MerchantScopedMixin, ListView):
    template_name = "orders/order_list.html"
    context_object_name = "orders"
    paginate_by = 25

    def get_merchant_queryset(self):
        merchant = self.request.merchant
        self.filter_form = OrderFilterForm(
            self.request.GET or None, destinations=order_destination_countries(merchant=merchant)
        )
        return order_list(merchant=merchant, filters=self.filter_form.selector_filters())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            filter_form=self.filter_form,
            querystring=querystring_without_page(self.request),
            has_orders=bool(context["orders"]) or merchant_has_orders(merchant=self.request.merchant),
            can_write=self.request.membership.can_write,
        )
        return context


class OrderCreateView(MerchantScopedMixin, TemplateView):
    """One order, typed in: where it goes, what is in it, how fast and in which mode."""

    template_name = "orders/order_form.html"
    write_view = True

    def get_merchant_queryset(self):
        return Order.objects.filter(merchant=self.request.merchant)

    def initial(self) -> dict:
        """Blank, but a link from the comparison or the preview may choose the mode and country."""
        initial = {
            "currency": self.request.merchant.currency,
            "speed": Speed.STANDARD,
            "fulfillment_policy": FulfillmentPolicy.FILL_OR_KILL,
        }
        mode, country = self.request.GET.get("mode", ""), self.request.GET.get("country", "").upper()
        if mode in dict(mode_choices()):
            initial["mode"] = mode
        if len(country) == 2:
            initial["country"] = country
        return initial

    def get(self, request, *args, **kwargs):
        form = OrderForm(initial=self.initial())
        formset = line_formset(extra=requested_rows(request, 3))
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def post(self, request, *args, **kwargs):
        form, formset = OrderForm(request.POST), line_formset(data=request.POST)
        duplicate = None
        if form.is_valid() and formset.is_valid():
            lines, rows = formset.filled()
            try:
                order = order_create(merchant=request.merchant, payload=form.payload(lines), user=request.user)
            except DuplicateOrder as error:
                duplicate = self.get_queryset().filter(pk=error.existing_id).first()
                add_service_errors(form, error)
            except ValidationError as error:
                add_order_errors(error, form=form, formset=formset, rows=rows)
            else:
                summary = f"{_plural(len(lines), 'line')}, {_plural(sum(line['quantity'] for line in lines), 'unit')}"
                if order.status == S.UNFULFILLABLE:
                    messages.warning(
                        request,
                        f"Order {order.merchant_order_id} was created but cannot be fulfilled: {order.status_reason}",
                    )
                else:
                    messages.success(
                        request,
                        f"Order {order.merchant_order_id} created ({summary}): {order.get_status_display().lower()}"
                        f"{' — ' + order.status_reason.rstrip('.') if order.status_reason else ''}.",
                    )
                return redirect("orders:order-detail", pk=order.pk)
        return self.render_to_response(self.get_context_data(form=form, formset=formset, duplicate=duplicate))


class OrderDetailView(OrderMixin, TemplateView):
    template_name = "orders/order_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lines = order_lines(order=self.order)
        events = order_events(order=self.order)
        for event in events:
            event.from_label = status_label(event.from_status) if event.from_status else ""
            event.to_label = status_label(event.to_status)
        context.update(
            lines=lines,
            allocations=[(line, allocation) for line in lines for allocation in line.allocations.all()],
            events=events,
            totals={
                name: sum(getattr(line, name) for line in lines)
                for name in (
                    "quantity",
                    "quantity_allocated",
                    "quantity_cancelled",
                    "quantity_pending",
                    "quantity_shipped",
                )
            },
        )
        return context


class OrderCancelView(OrderMixin, TemplateView):
    """Cancel an order that has not started processing: a confirmation page, then a POST."""

    template_name = "orders/order_cancel.html"
    write_view = True

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=OrderCancelForm()))

    def post(self, request, *args, **kwargs):
        form = OrderCancelForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        order, reserved = self.order, order_reserved_units(order=self.order)
        if order.status == S.CANCELLED:
            messages.info(request, f"Order {order.merchant_order_id} was already cancelled.")
            return redirect("orders:order-detail", pk=order.pk)
        try:
            order_cancel(
                order=order, reason=form.cleaned_data["reason"] or "Cancelled in the portal", actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            back = f" {_plural(reserved, 'reserved unit')} went back on the shelf." if reserved else ""
            messages.success(request, f"Order {order.merchant_order_id} cancelled.{back}")
        return redirect("orders:order-detail", pk=order.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reserved_units"] = order_reserved_units(order=self.order)
        return context
