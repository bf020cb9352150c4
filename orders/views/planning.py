"""Before ordering: the fulfillment preview and the mode comparison. Both are GET pages (linkable,
open to viewers) and write nothing."""

from decimal import Decimal
from itertools import groupby

from django.core.exceptions import ValidationError
from django.views.generic import TemplateView
from django_countries import countries

from merchants.tenancy import MerchantScopedMixin
from merchants.views import add_service_errors
from orders.forms import CompareForm, PreviewForm, add_order_errors, line_formset
from orders.selectors import comparable_products
from orders.services.compare import ComparisonRow, compare_modes
from orders.services.preview import fulfillment_preview
from orders.views.common import requested_rows

# The cost chart's geometry, in SVG user units.
CHART_LABEL_WIDTH = 230
CHART_BAR_WIDTH = 360
CHART_VALUE_WIDTH = 120
CHART_ROW_HEIGHT = 30
CHART_BAR_HEIGHT = 18


class PreviewView(MerchantScopedMixin, TemplateView):
    """Per mode and speed: can it be fulfilled, from where, for how much, arriving when."""

    template_name = "orders/preview.html"

    def get_merchant_queryset(self):
        return comparable_products(merchant=self.request.merchant)

    def get(self, request, *args, **kwargs):
        options = None
        if "lines-TOTAL_FORMS" in request.GET:
            form, formset = PreviewForm(request.GET), line_formset(data=request.GET)
            if form.is_valid() and formset.is_valid():
                lines, rows = formset.filled()
                try:
                    options = fulfillment_preview(
                        merchant=request.merchant,
                        destination=form.destination(),
                        lines=lines,
                        speeds=form.cleaned_data["speeds"] or None,
                        modes=form.cleaned_data["modes"] or None,
                    )
                except ValidationError as error:
                    add_order_errors(error, form=form, formset=formset, rows=rows)
        else:
            form, formset = PreviewForm(), line_formset(extra=requested_rows(request, 3))
        groups = None
        if options is not None:
            groups = []
            for mode, members in groupby(options, key=lambda option: option.mode):
                members = list(members)
                groups.append(
                    {
                        "mode": mode,
                        "name": members[0].mode_name,
                        "options": members,
                        "fulfillable": sum(1 for option in members if option.fulfillable),
                    }
                )
        context = self.get_context_data(
            form=form,
            formset=formset,
            groups=groups,
            country=form.cleaned_data.get("country", "") if options is not None else "",
            can_write=request.membership.can_write,
        )
        return self.render_to_response(context)


def cost_chart(rows: list[ComparisonRow]) -> dict | None:
    """An SVG bar per mode that can serve: its length in proportion to the landed cost per unit."""
    served = [row for row in rows if row.can_serve and row.landed_cost_per_unit is not None]
    if not served:
        return None
    top = max(row.landed_cost_per_unit for row in served) or Decimal(1)
    bars = []
    for index, row in enumerate(served):
        width = max(2.0, float(row.landed_cost_per_unit / top) * CHART_BAR_WIDTH)
        y = index * CHART_ROW_HEIGHT + (CHART_ROW_HEIGHT - CHART_BAR_HEIGHT) / 2
        bars.append(
            {
                "row": row,
                # Formatted here: SVG wants a dot, whatever the locale renders numbers as.
                "y": f"{y:.1f}",
                "text_y": f"{y + CHART_BAR_HEIGHT / 2:.1f}",
                "width": f"{width:.1f}",
                "value_x": f"{CHART_LABEL_WIDTH + width + 6:.1f}",
            }
        )
    return {
        "bars": bars,
        "label_x": CHART_LABEL_WIDTH - 8,
        "bar_x": CHART_LABEL_WIDTH,
        "bar_height": CHART_BAR_HEIGHT,
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + CHART_VALUE_WIDTH,
        "height": len(bars) * CHART_ROW_HEIGHT,
        "currencies": sorted({row.currency for row in served}),
    }


class CompareView(MerchantScopedMixin, TemplateView):
    """Compare modes: for a product, a buyer's country and a monthly volume, the five modes side by side.

    A GET form (``?product=&destination_country=&monthly_volume=``), so a comparison is a link.
    """

    template_name = "orders/compare.html"

    def get_merchant_queryset(self):
        return comparable_products(merchant=self.request.merchant)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        products = self.get_queryset()
        bound = "product" in self.request.GET
        form = CompareForm(self.request.GET if bound else None, products=products)
        rows = None
        if bound and form.is_valid():
            try:
                rows = compare_modes(
                    merchant=self.request.merchant,
                    product=form.cleaned_data["product"],
                    destination_country=form.cleaned_data["destination_country"],
                    monthly_volume=form.cleaned_data["monthly_volume"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
        served = [row for row in rows or [] if row.can_serve]
        cheapest = min(served, key=lambda r: r.landed_cost_per_unit) if served else None
        fastest = min(served, key=lambda r: (r.days_typical, r.landed_cost_per_unit)) if served else None
        context.update(
            form=form,
            rows=rows,
            served_count=len(served),
            cheapest=cheapest,
            fastest=fastest,
            chart=cost_chart(rows or []),
            product=form.cleaned_data.get("product") if rows is not None else None,
            country_name=countries.name(form.cleaned_data["destination_country"]) if rows is not None else "",
            has_products=products.exists(),
        )
        return context
