"""The portal's webhooks pages: endpoints, their recent deliveries, and the actions on them.

Owners and staff write; viewers read (``MerchantScopedMixin``). A signing secret is shown once,
in the response to creating the endpoint or rotating its secret, and never stored in the session.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import DetailView, FormView, ListView, View

from merchants.tenancy import MerchantScopedMixin
from merchants.views import add_service_errors
from webhooks.event_types import EVENT_TYPES
from webhooks.forms import RotateSecretForm, WebhookEndpointForm
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.selectors import webhook_endpoint_list, webhook_recent_deliveries
from webhooks.services.endpoints import (
    WebhookConflict,
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_send_test,
    webhook_endpoint_update,
)


def _first_message(error: ValidationError) -> str:
    return " ".join(message for messages_ in error.message_dict.values() for message in messages_)


class EndpointMixin(MerchantScopedMixin):
    def get_merchant_queryset(self):
        return WebhookEndpoint.objects.filter(merchant=self.request.merchant)

    def get_endpoint(self) -> WebhookEndpoint:
        if not hasattr(self, "endpoint"):
            self.endpoint = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return self.endpoint


class EndpointListView(MerchantScopedMixin, ListView):
    template_name = "webhooks/endpoint_list.html"
    context_object_name = "endpoints"

    def get_merchant_queryset(self):
        return webhook_endpoint_list(merchant=self.request.merchant)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["disabled"] = [e for e in context["endpoints"] if not e.is_active and e.disabled_reason]
        context["event_types"] = EVENT_TYPES
        return context


class EndpointCreateView(MerchantScopedMixin, FormView):
    template_name = "webhooks/endpoint_form.html"
    form_class = WebhookEndpointForm
    write_view = True

    def form_valid(self, form):
        try:
            endpoint, secret = webhook_endpoint_create(merchant=self.request.merchant, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return render(
            self.request, "webhooks/endpoint_secret.html", {"endpoint": endpoint, "secret": secret, "created": True}
        )


class EndpointDetailView(EndpointMixin, DetailView):
    template_name = "webhooks/endpoint_detail.html"
    context_object_name = "endpoint"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        context.update(
            deliveries=webhook_recent_deliveries(endpoint=self.object, status=status),
            status=status if status in WebhookDelivery.Status.values else "",
            statuses=WebhookDelivery.Status.choices,
            rotation_ends_at=self.object.previous_secret_expires_at if len(self.object.signing_secrets()) > 1 else None,
            rotate_form=RotateSecretForm(),
        )
        return context


class EndpointUpdateView(EndpointMixin, FormView):
    template_name = "webhooks/endpoint_form.html"
    form_class = WebhookEndpointForm
    write_view = True

    def get_initial(self):
        endpoint = self.get_endpoint()
        return {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}

    def get_context_data(self, **kwargs):
        return super().get_context_data(endpoint=self.get_endpoint(), **kwargs)

    def form_valid(self, form):
        try:
            endpoint = webhook_endpoint_update(endpoint=self.get_endpoint(), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Endpoint saved.")
        return redirect("webhooks:endpoint-detail", pk=endpoint.pk)


class EndpointDeleteView(EndpointMixin, View):
    write_view = True

    def get(self, request, pk):
        return render(request, "webhooks/endpoint_delete.html", {"endpoint": self.get_endpoint()})

    def post(self, request, pk):
        endpoint = self.get_endpoint()
        webhook_endpoint_delete(endpoint=endpoint)
        messages.success(request, f"Endpoint {endpoint.url} deleted: it receives nothing more.")
        return redirect("webhooks:endpoint-list")


class EndpointRotateSecretView(EndpointMixin, FormView):
    template_name = "webhooks/endpoint_rotate.html"
    form_class = RotateSecretForm
    write_view = True

    def get_context_data(self, **kwargs):
        endpoint = self.get_endpoint()
        rotation_ends_at = endpoint.previous_secret_expires_at if len(endpoint.signing_secrets()) > 1 else None
        return super().get_context_data(endpoint=endpoint, rotation_ends_at=rotation_ends_at, **kwargs)

    def form_valid(self, form):
        try:
            endpoint, secret = webhook_endpoint_rotate_secret(
                endpoint=self.get_endpoint(), overlap_hours=form.cleaned_data["overlap_hours"]
            )
        except ValidationError as error:
            form.add_error(None, _first_message(error))
            return self.form_invalid(form)
        return render(self.request, "webhooks/endpoint_secret.html", {"endpoint": endpoint, "secret": secret})


class EndpointActionView(EndpointMixin, View):
    """A button on the endpoint's page: POST, then back to the page with what happened."""

    write_view = True
    http_method_names = ["post"]

    def act(self, endpoint: WebhookEndpoint) -> str:
        raise NotImplementedError

    def post(self, request, pk):
        endpoint = self.get_endpoint()
        try:
            messages.success(request, self.act(endpoint))
        except ValidationError as error:
            messages.error(request, _first_message(error))
        return redirect("webhooks:endpoint-detail", pk=endpoint.pk)


class EndpointEnableView(EndpointActionView):
    def act(self, endpoint):
        was_active = endpoint.is_active
        webhook_endpoint_enable(endpoint=endpoint)
        return "The endpoint is already enabled." if was_active else "Endpoint enabled: new events go to it again."


class EndpointDisableView(EndpointActionView):
    def act(self, endpoint):
        if webhook_endpoint_disable(endpoint=endpoint):
            return "Endpoint disabled: it receives nothing until you enable it."
        return "The endpoint is already disabled."


class EndpointTestView(EndpointActionView):
    def act(self, endpoint):
        event = webhook_endpoint_send_test(endpoint=endpoint)
        return f"Test event {event.id} is on its way; its delivery appears below."


class DeliveryRedeliverView(MerchantScopedMixin, View):
    write_view = True
    http_method_names = ["post"]

    def get_merchant_queryset(self):
        return WebhookDelivery.objects.filter(endpoint__merchant=self.request.merchant)

    def post(self, request, pk):
        delivery = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            redelivery = webhook_delivery_redeliver(delivery=delivery)
        except WebhookConflict as refused:
            messages.error(request, _first_message(refused))
        else:
            note = f"Event {redelivery.event_id} is being sent again (attempt {redelivery.attempt})."
            messages.success(request, note)
        return redirect("webhooks:endpoint-detail", pk=delivery.endpoint_id)
