"""What the orders views share: scoping to the merchant, and small request helpers."""

from functools import cached_property

from django.shortcuts import get_object_or_404

from merchants.tenancy import MerchantScopedMixin
from orders.models import Order
from orders.services.intake import MAX_LINES_PER_ORDER

# The statuses ``order_cancel`` accepts: before the warehouse starts picking.
CANCELLABLE = frozenset({Order.Status.RECEIVED, Order.Status.PLANNING})


def requested_rows(request, default: int) -> int:
    """How many empty line rows a form shows: ``?rows=N`` asks for more (no script needed)."""
    raw = request.GET.get("rows", "")
    return min(int(raw), MAX_LINES_PER_ORDER) if raw.isdigit() and int(raw) > 0 else default


def querystring_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class OrderMixin(MerchantScopedMixin):
    """A view of one of the merchant's orders (``pk``); another merchant's order is a 404."""

    def get_merchant_queryset(self):
        return Order.objects.filter(merchant=self.request.merchant).select_related("mode")

    @cached_property
    def order(self) -> Order:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            order=self.order,
            can_write=self.request.membership.can_write,
            cancellable=self.order.status in CANCELLABLE,
        )
        return context
