"""Portal pages about the network and the merchant's stock in it."""

from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from merchants.models import Product
from merchants.tenancy import MerchantScopedMixin
from warehouses.models import BUCKETS, Bucket, FulfillmentMode, InventoryBalance, Warehouse
from warehouses.selectors import inventory_balances, inventory_totals_by_warehouse


class HomeView(MerchantScopedMixin, TemplateView):
    template_name = "warehouses/home.html"

    def dispatch(self, request, *args, **kwargs):
        # Where logging in lands: operators and partners without a merchant go to their own home
        # page rather than to "No merchant account".
        user = request.user
        if user.is_authenticated and request.merchant is None:
            if user.is_staff:
                return redirect("operations:overview")
            if user.partners.exists():
                return redirect("partner:home")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        merchant = self.request.merchant
        totals = inventory_totals_by_warehouse(merchant=merchant)
        context["product_count"] = Product.objects.filter(merchant=merchant, is_active=True).count()
        context["warehouse_totals"] = totals
        context["fulfillable_total"] = sum(row["total_fulfillable"] for row in totals)
        context["inbound_total"] = sum(
            row["total_inbound_working"] + row["total_inbound_shipped"] + row["total_inbound_receiving"]
            for row in totals
        )
        context["modes"] = FulfillmentMode.objects.all()
        return context


class InventoryView(MerchantScopedMixin, TemplateView):
    """The merchant's stock by warehouse and bucket; ``?warehouse=CODE`` narrows to one."""

    template_name = "warehouses/inventory.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        merchant = self.request.merchant
        totals = inventory_totals_by_warehouse(merchant=merchant)
        code = self.request.GET.get("warehouse", "")
        warehouse = get_object_or_404(Warehouse, code=code) if code else None
        balances = inventory_balances(merchant=merchant, warehouse=warehouse)
        query = (self.request.GET.get("q") or "").strip()
        if query:
            balances = balances.filter(Q(product__sku__icontains=query) | Q(product__title__icontains=query))
        context.update(
            buckets=[(b, Bucket(b).label) for b in BUCKETS],
            totals=totals,
            warehouse=warehouse,
            balances=balances[:500],
            query=query,
        )
        return context


class ModeView(MerchantScopedMixin, TemplateView):
    """What a fulfillment mode is, where its stock sits and what the merchant holds there."""

    template_name = "warehouses/mode.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mode = get_object_or_404(FulfillmentMode, code=self.kwargs["code"])
        warehouses = Warehouse.objects.filter(role__in=mode.stock_roles, is_active=True).select_related("partner")
        stock = (
            InventoryBalance.objects.filter(merchant=self.request.merchant, warehouse__role__in=mode.stock_roles)
            .select_related("product", "warehouse")
            .order_by("warehouse__code", "product__sku")
        )
        context.update(mode=mode, warehouses=warehouses, stock=stock[:200])
        return context
