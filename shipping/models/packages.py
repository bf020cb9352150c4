"""Packages: the parcels a shipment travels as, each with its own carrier tracking number.

A shipment keeps its master tracking number (the one the buyer gets); each of its packages —
one box, made by cartonization (``shipping.packing``) when the shipment is created — has its
own number, printed on its label, that the public tracking page also finds. Shipments created
before packages existed have none.
"""

from decimal import Decimal

from django.db import models

from shipping.models.shipments import Shipment

# Carriers bill the greater of the actual weight and the volumetric weight: cm³ / 5000 = kg.
VOLUMETRIC_DIVISOR = Decimal(5000)


class Package(models.Model):
    """One box of a shipment: what a carrier label needs (tracking number, "n of m", weight,
    sides) and what is in it."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="packages")
    sequence = models.PositiveIntegerField(help_text="1 … n within the shipment.")
    tracking_number = models.CharField(max_length=20, unique=True)
    carton = models.CharField(
        max_length=10, help_text="The standard carton's code, 'custom' (a box sized around the units) or 'own'."
    )
    weight_kg = models.DecimalField(
        "gross weight (kg)", max_digits=8, decimal_places=3, help_text="Units and packaging."
    )
    length_cm = models.DecimalField("length (cm)", max_digits=7, decimal_places=1)
    width_cm = models.DecimalField("width (cm)", max_digits=7, decimal_places=1)
    height_cm = models.DecimalField("height (cm)", max_digits=7, decimal_places=1)
    units = models.PositiveIntegerField()
    contents = models.JSONField(default=list, help_text='[{"product_id": …, "sku": …, "quantity": …}, …]')
    oversize = models.BooleanField(
        default=False, help_text="One unit beyond the parcel carriers' limits, in its own packaging."
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["shipment_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "sequence"], name="package_sequence_once_per_shipment"),
            models.CheckConstraint(condition=models.Q(sequence__gte=1), name="package_sequence_from_1"),
            models.CheckConstraint(condition=models.Q(units__gte=1), name="package_units_gte_1"),
            models.CheckConstraint(condition=models.Q(weight_kg__gt=0), name="package_weight_gt_0"),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def volumetric_weight_kg(self) -> Decimal:
        volume = self.length_cm * self.width_cm * self.height_cm
        return (volume / VOLUMETRIC_DIVISOR).quantize(Decimal("0.001"))

    @property
    def billable_weight_kg(self) -> Decimal:
        return max(self.weight_kg, self.volumetric_weight_kg)
