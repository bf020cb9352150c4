from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from merchants.models import Product


class ProductSerializer(serializers.ModelSerializer):
    origin_country = CountryField()
    # Wider than the stored column: codes written with dots are normalised by the service.
    hs_code = serializers.CharField(max_length=20)
    hs_description = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "fnsku",
            "title",
            "hs_code",
            "hs_description",
            "origin_country",
            "declared_value",
            "declared_currency",
            "weight_kg",
            "length_cm",
            "width_cm",
            "height_cm",
            "size_tier",
            "has_batteries",
            "has_liquids",
            "is_dangerous_goods",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "fnsku", "size_tier", "created_at", "updated_at"]

    def get_hs_description(self, product: Product) -> str:
        from merchants import hs

        return hs.describe(product.hs_code)
