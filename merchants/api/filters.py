import django_filters

from merchants.models import Product
from merchants.sizing import SizeTier


class ProductFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(field_name="sku", lookup_expr="iexact")
    q = django_filters.CharFilter(method="search", label="SKU, title or FNSKU contains")
    size_tier = django_filters.ChoiceFilter(choices=SizeTier.choices)
    hs_chapter = django_filters.CharFilter(field_name="hs_code", lookup_expr="startswith")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

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
