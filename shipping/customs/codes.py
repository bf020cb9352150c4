"""The vocabulary of the customs engine: regimes, incoterms, documents and hold reasons.

Plain ``TextChoices`` with no database behind them, so that both the rule models and the pure
engine can use them.
"""

from django.db import models


class Confidence(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class LowValueRegime(models.TextChoices):
    """How a destination treats low-value consignments; the engine has one treatment per code."""

    NONE = "none", "None (de minimis only)"
    SECTION_321 = "section_321", "US Section 321 de minimis"
    IOSS = "ioss", "EU Import One-Stop Shop"
    UK_POINT_OF_SALE_VAT = "uk_point_of_sale_vat", "UK VAT at the point of sale"
    AU_POINT_OF_SALE_GST = "au_point_of_sale_gst", "Australian GST at the point of sale"
    SG_OVERSEAS_VENDOR_GST = "sg_overseas_vendor_gst", "Singapore overseas-vendor GST"
    CN_CBEC_RETAIL_IMPORT = "cn_cbec_retail_import", "China cross-border e-commerce retail import"
    CUSMA_COURIER = "cusma_courier", "Canada CUSMA courier thresholds"
    COURIER_SIMPLIFIED = "courier_simplified", "Mexico courier simplified regime"
    BR_REMESSA_CONFORME = "br_remessa_conforme", "Brazil Remessa Conforme"


POINT_OF_SALE_REGIMES = frozenset(
    {
        LowValueRegime.UK_POINT_OF_SALE_VAT,
        LowValueRegime.AU_POINT_OF_SALE_GST,
        LowValueRegime.SG_OVERSEAS_VENDOR_GST,
    }
)

# Parameters a regime needs in ``CustomsRule.regime_parameters`` (strings for amounts, so
# that JSON never rounds them). ``clean()`` refuses a rule that lacks one.
REGIME_PARAMETERS: dict[str, tuple[str, ...]] = {
    LowValueRegime.CUSMA_COURIER: ("courier_origins", "courier_tax_threshold"),
    LowValueRegime.CN_CBEC_RETAIL_IMPORT: ("tax_factor_pct",),
    LowValueRegime.COURIER_SIMPLIFIED: (
        "fta_origins",
        "fta_exempt_limit",
        "fta_low_band_limit",
        "fta_low_band_rate_pct",
        "fta_high_band_rate_pct",
        "global_rate_pct",
    ),
    LowValueRegime.BR_REMESSA_CONFORME: (
        "low_band_limit",
        "low_band_rate_pct",
        "high_band_rate_pct",
        "high_band_deduction",
        "non_certified_rate_pct",
    ),
}
# Optional parameters: section_321 ``excluded_origins`` + ``excluded_origins_from`` (ISO date);
# point-of-sale regimes ``unregistered_seller`` (``border_collects`` | ``relief``); BR
# ``tax_inclusive`` (ICMS "por dentro"); MX ``global_rate_replaces_tax``.
UNREGISTERED_SELLER_CHOICES = ("border_collects", "relief")


class Incoterm(models.TextChoices):
    DAP = "DAP", "Delivered at place (the buyer pays import charges)"
    DDP = "DDP", "Delivered duty paid (the merchant pays import charges)"


class TransportKind(models.TextChoices):
    COURIER = "courier", "Courier / express"
    POSTAL = "postal", "Postal"


class Payer(models.TextChoices):
    BUYER = "buyer", "Buyer"
    MERCHANT = "merchant", "Merchant"


class Collector(models.TextChoices):
    """Who collected charges at the point of sale, before the parcel left."""

    NOBODY = "", "Nobody (everything is due at the border)"
    SELLER = "seller", "The seller"
    PLATFORM = "platform", "The platform"


class Document(models.TextChoices):
    COMMERCIAL_INVOICE = "commercial_invoice", "Commercial invoice"
    PACKING_LIST = "packing_list", "Packing list"
    CN22 = "cn22", "CN22 customs declaration (postal, low value)"
    CN23 = "cn23", "CN23 customs declaration (postal)"
    EXPORT_DECLARATION = "export_declaration", "Export declaration"


class HoldCode(models.TextChoices):
    MISSING_HS_CODE = "missing_hs_code", "Missing HS code"
    INVALID_HS_CODE = "invalid_hs_code", "Invalid HS code"
    MISSING_VALUE = "missing_value", "Value missing or zero"
    MISSING_IOSS = "missing_ioss", "Missing IOSS number"
    RESTRICTED_GOODS = "restricted_goods", "Restricted goods"
    NO_CUSTOMS_RULE = "no_customs_rule", "No customs rule on file"
    MISSING_EXCHANGE_RATE = "missing_exchange_rate", "No exchange rate on file"


# The Karrio-style exception reason a tracking event carries when customs holds the parcel.
HOLD_TRACKING_REASON: dict[str, str] = {
    HoldCode.MISSING_HS_CODE: "documentation",
    HoldCode.INVALID_HS_CODE: "documentation",
    HoldCode.MISSING_VALUE: "documentation",
    HoldCode.MISSING_IOSS: "documentation",
    HoldCode.RESTRICTED_GOODS: "prohibited",
    HoldCode.NO_CUSTOMS_RULE: "documentation",
    HoldCode.MISSING_EXCHANGE_RATE: "documentation",
}

# Regime labels in the assessment besides the ``LowValueRegime`` codes.
REGIME_DE_MINIMIS = "de_minimis"
REGIME_STANDARD = "standard"
REGIME_NOT_CROSSING = "no_customs_border"
