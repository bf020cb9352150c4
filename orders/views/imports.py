"""CSV imports: the upload, its template, the import page (progress and report) and the list."""

import csv
import io
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, ListView, TemplateView, View

from merchants.tenancy import MerchantScopedMixin
from merchants.views import add_service_errors
from orders.forms import OrderImportForm
from orders.models import Order, OrderImport
from orders.selectors import order_import_list, order_import_orders_by_status
from orders.services.imports import ALL_COLUMNS, MAX_ROWS, REQUIRED_COLUMNS, TEMPLATE_HEADER, order_import_create

REPORT_PAGE_SIZE = 100
REFRESH_SECONDS = 2
OUTCOME_LABELS = {"created": "Created", "duplicate": "Duplicate", "rejected": "Rejected"}
EXAMPLE_ROW = {
    "merchant_order_id": "EXAMPLE-1001",
    "mode": "global_warehouse",
    "speed": "standard",
    "fulfillment_policy": "fill_or_kill",
    "buyer_email": "ada@example.com",
    "contact_name": "Ada Buyer",
    "address_line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
    "sku": "YOUR-SKU",
    "quantity": "2",
}


class OrderImportCreateView(MerchantScopedMixin, FormView):
    template_name = "orders/import_form.html"
    form_class = OrderImportForm
    write_view = True

    def get_merchant_queryset(self):
        return order_import_list(merchant=self.request.merchant)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            order_import, created = order_import_create(
                merchant=self.request.merchant, filename=upload.name, data=upload.read(), user=self.request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        if created:
            messages.success(
                self.request,
                f"{order_import.filename} uploaded: {order_import.total_rows:,} rows are being imported.",
            )
        else:
            messages.info(
                self.request,
                f"This file was already imported on {order_import.created_at:%Y-%m-%d %H:%M} "
                f"(as {order_import.filename}): nothing new was created. Here is that import.",
            )
        return redirect("orders:import-detail", pk=order_import.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            template_header=TEMPLATE_HEADER,
            required_columns=REQUIRED_COLUMNS,
            max_rows=MAX_ROWS,
            recent_imports=self.get_queryset()[:5],
        )
        return context


class OrderImportTemplateView(MerchantScopedMixin, View):
    """The CSV template: the header and one example row to overwrite."""

    def get_merchant_queryset(self):
        return order_import_list(merchant=self.request.merchant)

    def get(self, request, *args, **kwargs):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=ALL_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerow(EXAMPLE_ROW | {"currency": request.merchant.currency})
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="crossdock-orders-template.csv"'
        return response


def _rows_label(rows: list[int]) -> str:
    """File rows as ranges: ``[2, 3, 4, 9]`` → ``2–4, 9``."""
    ranges: list[list[int]] = []
    for number in sorted(rows):
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in ranges)


class OrderImportDetailView(MerchantScopedMixin, TemplateView):
    """Progress while the task runs (the page reloads itself), then the row-by-row report."""

    template_name = "orders/import_detail.html"

    def get_merchant_queryset(self):
        return OrderImport.objects.filter(merchant=self.request.merchant).defer("content")

    @cached_property
    def order_import(self) -> OrderImport:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @property
    def running(self) -> bool:
        return self.order_import.status in (OrderImport.Status.PENDING, OrderImport.Status.PROCESSING)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.running:
            response["Refresh"] = str(REFRESH_SECONDS)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order_import = self.order_import
        problems_only = self.request.GET.get("show") == "problems"
        entries = [e for e in order_import.report if not problems_only or e.get("outcome") != "created"]
        page = Paginator(entries, REPORT_PAGE_SIZE).get_page(self.request.GET.get("page"))
        report = [
            {
                **entry,
                "rows_label": _rows_label(entry.get("rows") or []),
                "outcome_label": OUTCOME_LABELS.get(entry.get("outcome"), entry.get("outcome", "")),
                "status_label": Order.Status(entry["status"]).label
                if entry.get("status") in Order.Status.values
                else "",
            }
            for entry in page.object_list
        ]
        by_status = order_import_orders_by_status(order_import=order_import)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            order_import=order_import,
            running=self.running,
            refresh_seconds=REFRESH_SECONDS,
            report=report,
            problems_only=problems_only,
            orders_by_status=[(Order.Status(code).label, n) for code, n in sorted(by_status.items())],
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.paginator.num_pages > 1,
            querystring=query.urlencode(),
        )
        return context


class OrderImportListView(MerchantScopedMixin, ListView):
    template_name = "orders/import_list.html"
    context_object_name = "imports"
    paginate_by = 25

    def get_merchant_queryset(self):
        return order_import_list(merchant=self.request.merchant)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.request.membership.can_write
        return context
