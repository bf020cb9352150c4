"""The merchant portal: home and catalog. Thin: forms validate, services write, selectors read."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, ListView, View
from django_countries import countries

from merchants import hs
from merchants.forms import ProductFilterForm, ProductForm
from merchants.middleware import SESSION_KEY
from merchants.models import Product
from merchants.selectors import product_list
from merchants.services import product_create, product_update
from merchants.tenancy import MerchantScopedMixin


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form, next to the fields it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ProductListView(MerchantScopedMixin, ListView):
    template_name = "merchants/product_list.html"
    context_object_name = "products"
    paginate_by = 25

    def get_filter_form(self) -> ProductFilterForm:
        origins = (
            Product.objects.filter(merchant=self.request.merchant)
            .values_list("origin_country", flat=True)
            .distinct()
            .order_by("origin_country")
        )
        return ProductFilterForm(
            self.request.GET or None, origin_countries=[(code, countries.name(code)) for code in origins]
        )

    def get_merchant_queryset(self):
        self.filter_form = self.get_filter_form()
        return product_list(merchant=self.request.merchant, filters=self.filter_form.selector_filters())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        context["total_products"] = Product.objects.filter(merchant=self.request.merchant).aggregate(n=Count("pk"))["n"]
        return context


class ProductDetailView(MerchantScopedMixin, DetailView):
    template_name = "merchants/product_detail.html"
    context_object_name = "product"

    def get_merchant_queryset(self):
        return Product.objects.filter(merchant=self.request.merchant)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["hs_description"] = hs.describe(self.object.hs_code)
        context["balances"] = self.object.inventory_balances.select_related("warehouse").order_by("warehouse__code")
        return context


class ProductCreateView(MerchantScopedMixin, FormView):
    template_name = "merchants/product_form.html"
    form_class = ProductForm
    write_view = True

    def form_valid(self, form):
        try:
            product = product_create(merchant=self.request.merchant, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Product {product.sku} created; its platform barcode is {product.fnsku}.")
        return redirect("portal:product-detail", pk=product.pk)


class ProductUpdateView(MerchantScopedMixin, FormView):
    template_name = "merchants/product_form.html"
    form_class = ProductForm
    write_view = True

    def get_merchant_queryset(self):
        return Product.objects.filter(merchant=self.request.merchant)

    def get_object(self) -> Product:
        if not hasattr(self, "object"):
            self.object = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return self.object

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # A copy, so a failed validation never leaves the loaded object half-changed.
        kwargs["instance"] = Product.objects.get(pk=self.get_object().pk)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["product"] = self.get_object()
        return context

    def form_valid(self, form):
        try:
            product = product_update(product=self.get_object(), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Product {product.sku} saved.")
        return redirect("portal:product-detail", pk=product.pk)


class SwitchMerchantView(LoginRequiredMixin, View):
    """Choose which of the user's merchants the portal shows (viewers may switch too)."""

    def post(self, request):
        wanted = request.POST.get("merchant", "")
        if any(str(m.merchant_id) == wanted for m in getattr(request, "memberships", [])):
            request.session[SESSION_KEY] = int(wanted)
        return HttpResponseRedirect(reverse("home"))
