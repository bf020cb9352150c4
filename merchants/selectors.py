"""Reads for merchants and their catalog. Every product read is scoped to one merchant."""

from django.db.models import Q, QuerySet

from merchants.models import Membership, Merchant, Product


def memberships_for_user(*, user) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user, merchant__is_active=True).select_related("merchant")


def product_list(*, merchant: Merchant, filters: dict | None = None) -> QuerySet[Product]:
    """The merchant's products, narrowed by ``q`` (SKU, title, FNSKU, HS code) and field filters."""
    filters = filters or {}
    products = Product.objects.filter(merchant=merchant)
    query = (filters.get("q") or "").strip()
    if query:
        products = products.filter(
            Q(sku__icontains=query) | Q(title__icontains=query) | Q(fnsku__iexact=query) | Q(hs_code__startswith=query)
        )
    if filters.get("size_tier"):
        products = products.filter(size_tier=filters["size_tier"])
    if filters.get("origin_country"):
        products = products.filter(origin_country=filters["origin_country"])
    if filters.get("hs_chapter"):
        products = products.filter(hs_code__startswith=filters["hs_chapter"])
    for flag in ("has_batteries", "has_liquids", "is_dangerous_goods", "is_active"):
        if filters.get(flag) in (True, False):
            products = products.filter(**{flag: filters[flag]})
    return products.order_by("sku")
