from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from warehouses.models import BUCKETS, InventoryBalance, Warehouse


class WarehouseSerializer(serializers.ModelSerializer):
    country = CountryField()
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Warehouse
        fields = [
            "id",
            "code",
            "name",
            "operator",
            "partner",
            "role",
            "country",
            "city",
            "postal_code",
            "time_zone",
            "capacity_units",
            "capacity_m3",
            "handling_time_hours",
            "is_active",
        ]


class InventoryBalanceSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    fnsku = serializers.CharField(source="product.fnsku")
    warehouse = serializers.CharField(source="warehouse.code")

    class Meta:
        model = InventoryBalance
        fields = ["id", "sku", "fnsku", "warehouse", *BUCKETS, "updated_at"]
