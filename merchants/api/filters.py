import datetime

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

from merchants.models import Product
from merchants.sizing import SizeTier


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, queried in UTC. ISO 8601 allows UTC offsets up to ±23:59, PostgreSQL only
    up to ±15:59 (a larger one would fail the query: a 500); a time UTC cannot hold is invalid."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:  # empty, or USE_TZ off
            return parsed
        try:
            return parsed.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class FilterBackend(DjangoFilterBackend):
    """django-filter, skipped for a request without query parameters: no filter of the API is
    required, so every one would let every row through, and building the filterset and its form
    is a good part of a cheap request (a detail, a list's first page)."""

    def filter_queryset(self, request, queryset, view):
        if not request.query_params:
            return queryset
        return super().filter_queryset(request, queryset, view)


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """``created_after`` and the like in every API list: ISO 8601, any UTC offset."""

    field_class = UtcIsoDateTimeField


class ProductFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="sku", lookup_expr="iexact")
    q = django_filters.CharFilter(method="search", label="SKU, title or FNSKU contains")
    size_tier = django_filters.ChoiceFilter(choices=SizeTier.choices)
    hs_chapter = django_filters.CharFilter(field_name="hs_code", lookup_expr="startswith")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Product
        fields = [
            "sku",
            "size_tier",
            "origin_country",
            "has_batteries",
            "has_liquids",
            "is_dangerous_goods",
            "is_active",
        ]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(sku__icontains=value) | Q(title__icontains=value) | Q(fnsku__iexact=value))
