"""Writes for merchants and their catalog. Bad input raises ``ValidationError`` keyed by field."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from merchants import hs
from merchants.models import Membership, Merchant, Product
from merchants.validators import normalize_identifier

PRODUCT_FIELDS = (
    "sku",
    "title",
    "hs_code",
    "origin_country",
    "declared_value",
    "declared_currency",
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "has_batteries",
    "has_liquids",
    "is_dangerous_goods",
    "is_active",
)
_IDENTIFIER_FIELDS = ("eori_number", "ioss_number", "vat_number")


def _assign(instance, data: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be set."))
    for name, value in data.items():
        setattr(instance, name, value)


def _check_sku_free(*, merchant: Merchant, sku: str, exclude_pk: int | None = None) -> None:
    clash = Product.objects.filter(merchant=merchant, sku__iexact=sku)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"sku": ValidationError(f"You already have a product with SKU {sku}.", code="duplicate_sku")}
        )


@transaction.atomic
def product_create(*, merchant: Merchant, **data) -> Product:
    product = Product(merchant=merchant)
    _assign(product, data, PRODUCT_FIELDS)
    product.hs_code = hs.normalize(product.hs_code)
    product.full_clean(exclude=["merchant"])
    _check_sku_free(merchant=merchant, sku=product.sku)
    _save_product(product)
    return product


@transaction.atomic
def product_update(*, product: Product, **data) -> Product:
    _assign(product, data, PRODUCT_FIELDS)
    product.hs_code = hs.normalize(product.hs_code)
    product.full_clean(exclude=["merchant"])
    _check_sku_free(merchant=product.merchant, sku=product.sku, exclude_pk=product.pk)
    _save_product(product)
    return product


def _save_product(product: Product) -> None:
    """Save; a concurrent request that took the same SKU first loses on the unique constraint."""
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as error:
        if "sku" not in str(error).lower():
            raise
        raise ValidationError(
            {"sku": ValidationError(f"You already have a product with SKU {product.sku}.", code="duplicate_sku")}
        ) from error


@transaction.atomic
def merchant_create(*, owner=None, **data) -> Merchant:
    """Create a merchant; ``owner`` (a user) becomes its first owner."""
    merchant = Merchant()
    for name in _IDENTIFIER_FIELDS:
        if data.get(name):
            data[name] = normalize_identifier(data[name])
    for name, value in data.items():
        setattr(merchant, name, value)
    merchant.full_clean()
    merchant.save()
    if owner is not None:
        Membership.objects.create(user=owner, merchant=merchant, role=Membership.Role.OWNER)
    return merchant


def membership_add(*, merchant: Merchant, user, role: str = Membership.Role.STAFF) -> Membership:
    membership, _ = Membership.objects.update_or_create(user=user, merchant=merchant, defaults={"role": role})
    return membership
