"""Merchants (the tenants), their users' memberships and their product catalog."""

import secrets
import string
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Upper
from django_countries.fields import CountryField

from merchants.geography import Currency
from merchants.sizing import SizeTier, size_tier_for, volume_m3
from merchants.validators import validate_eori, validate_hs_code, validate_ioss, validate_vat_number


class Address(models.Model):
    """A postal address, embedded in the models that need one."""

    contact_name = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address_line1 = models.CharField("address line 1", max_length=200)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("state / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = CountryField()

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        city_line = " ".join(p for p in (self.postal_code, self.city) if p)
        lines = [self.contact_name, self.address_line1, self.address_line2, city_line, self.region]
        return [line for line in lines if line] + [self.country.name]


class Merchant(Address):
    """A seller: the tenant that owns products, stock, inbound plans and orders."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    home_country = CountryField()
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    eori_number = models.CharField(
        "EORI number",
        max_length=17,
        blank=True,
        validators=[validate_eori],
        help_text="Needed to import into the EU or the UK.",
    )
    ioss_number = models.CharField(
        "IOSS number",
        max_length=12,
        blank=True,
        validators=[validate_ioss],
        help_text="EU Import One-Stop Shop number, for DDP parcels up to EUR 150.",
    )
    vat_number = models.CharField(
        "VAT number",
        max_length=20,
        blank=True,
        validators=[validate_vat_number],
        help_text="With its country prefix, e.g. DE136695976.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role at a merchant. Owners and staff may change data; viewers only read."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["merchant__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "merchant"], name="membership_unique_user_merchant")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role in {self.Role.OWNER, self.Role.STAFF}


_FNSKU_ALPHABET = string.ascii_uppercase + string.digits


def generate_fnsku() -> str:
    """A platform barcode in the shape of an Amazon FNSKU: ``X00`` and seven letters/digits."""
    return "X00" + "".join(secrets.choice(_FNSKU_ALPHABET) for _ in range(7))


class Product(models.Model):
    """One merchant SKU. Its platform barcode (FNSKU) identifies units in every warehouse."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField(
        "merchant SKU",
        max_length=40,
        validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$", "Use letters, digits, '.', '_', '-' or '/'.")],
    )
    fnsku = models.CharField(
        "platform barcode (FNSKU)", max_length=10, unique=True, editable=False, default=generate_fnsku
    )
    title = models.CharField(max_length=200)
    hs_code = models.CharField(
        "HS code",
        max_length=10,
        validators=[validate_hs_code],
        help_text="6 to 10 digits; the first six must be an HS 2022 subheading.",
    )
    origin_country = CountryField("country of origin")
    declared_value = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Customs value of one unit.",
    )
    declared_currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    weight_kg = models.DecimalField(
        "weight (kg)", max_digits=8, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    length_cm = models.DecimalField(
        "length (cm)", max_digits=7, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )
    width_cm = models.DecimalField(
        "width (cm)", max_digits=7, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )
    height_cm = models.DecimalField(
        "height (cm)", max_digits=7, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))]
    )
    size_tier = models.CharField(max_length=20, choices=SizeTier.choices, editable=False)
    has_batteries = models.BooleanField("contains batteries", default=False)
    has_liquids = models.BooleanField("contains liquids", default=False)
    is_dangerous_goods = models.BooleanField("dangerous goods", default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["merchant", "sku"]
        constraints = [
            models.UniqueConstraint(
                Upper("sku"),
                "merchant",
                name="product_unique_sku_per_merchant",
                violation_error_message="This merchant already has a product with this SKU.",
            ),
            models.CheckConstraint(condition=models.Q(declared_value__gt=0), name="product_declared_value_gt_0"),
            models.CheckConstraint(condition=models.Q(weight_kg__gt=0), name="product_weight_gt_0"),
        ]
        indexes = [models.Index(fields=["merchant", "size_tier"]), models.Index(fields=["merchant", "hs_code"])]

    def __str__(self) -> str:
        return f"{self.sku} — {self.title}"

    def save(self, *args, **kwargs):
        # The tier is derived from the measurements, stored only so that lists can filter on it.
        self.size_tier = size_tier_for(
            length_cm=self.length_cm, width_cm=self.width_cm, height_cm=self.height_cm, weight_kg=self.weight_kg
        )
        super().save(*args, **kwargs)

    @property
    def volume_m3(self) -> Decimal:
        return volume_m3(length_cm=self.length_cm, width_cm=self.width_cm, height_cm=self.height_cm)
