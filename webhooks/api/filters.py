import django_filters

from webhooks.models import WebhookDelivery


class WebhookDeliveryFilter(django_filters.FilterSet):
    # By id, not a model choice: another merchant's endpoint simply matches nothing here.
    endpoint = django_filters.NumberFilter(field_name="endpoint_id")
    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)
    event_type = django_filters.CharFilter(field_name="event__type")
    event_id = django_filters.CharFilter(field_name="event_id")

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type", "event_id"]
