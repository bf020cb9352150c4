"""The merchant portal's API keys page: owners list, create and revoke their merchant's keys.

A new key is shown once, on the page that answers its creation; only its hash is stored. Owners
only (staff and viewers are refused): a key acts for the whole merchant, whoever holds it.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from integrations.forms import ApiKeyForm
from merchants.models import Membership
from merchants.tenancy import MerchantScopedMixin
from warehouses.api_keys import api_key_create, api_keys_revoke
from warehouses.models import ApiKey


class OwnerRequiredMixin(MerchantScopedMixin):
    def dispatch(self, request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if membership is not None and membership.role != Membership.Role.OWNER:
            raise PermissionDenied("Only the merchant's owners manage its API keys.")
        return super().dispatch(request, *args, **kwargs)

    def get_merchant_queryset(self):
        return ApiKey.objects.filter(merchant=self.request.merchant)


class ApiKeyListView(OwnerRequiredMixin, View):
    """The keys (prefix, scopes, last used, revoked), and the form that creates one."""

    template_name = "integrations/api_keys.html"

    def _render(self, request, form, *, new_key: str = "", status: int = 200):
        context = {"api_keys": self.get_queryset(), "form": form, "new_key": new_key}
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(request, ApiKeyForm())

    def post(self, request):
        form = ApiKeyForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        try:
            api_key, raw_key = api_key_create(
                name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], merchant=request.merchant
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self._render(request, form, status=400)
        return self._render(request, ApiKeyForm(), new_key=raw_key)


class ApiKeyRevokeView(OwnerRequiredMixin, View):
    """Revoke one key; it stops working at once. Revoking a revoked key changes nothing."""

    http_method_names = ["post"]

    def post(self, request, pk):
        api_key = get_object_or_404(self.get_queryset(), pk=pk)
        if api_keys_revoke(api_keys=self.get_queryset().filter(pk=api_key.pk)):
            messages.success(request, f"API key {api_key.prefix} ({api_key.name}) is revoked: it no longer works.")
        else:
            messages.info(request, f"API key {api_key.prefix} was already revoked.")
        return redirect("integrations:api-key-list")
