"""Import customs for parcels: when a shipment's ``import_customs`` stage is due, the customs
engine assesses its declaration; a hold reason stops the parcel in ``customs_hold`` for the
customs desk, otherwise it clears (random inspections are drawn by the tick).

Set-based: the declarations of a whole batch are built from one query, and the rule sets of all
its destinations from four.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from merchants.geography import EU_MEMBER_STATES
from merchants.models import Merchant
from shipping.customs import Declaration, DeclarationLine, customs_assess, customs_rulesets_for
from shipping.models import Shipment, ShipmentLine
from warehouses.modes import Stage

_OF = ("self",) if connection.features.has_select_for_update_of else ()


def assess_import(shipments: list[Shipment], *, on) -> dict[int, str]:
    """Assess each shipment (setting its customs fields); returns {shipment id: hold reason} for the held ones."""
    if not shipments:
        return {}
    lines = defaultdict(list)
    for line in ShipmentLine.objects.filter(shipment__in=shipments).select_related("product"):
        lines[line.shipment_id].append(line)
    merchants = Merchant.objects.in_bulk({s.merchant_id for s in shipments})
    rulesets = customs_rulesets_for({s.country.code for s in shipments}, on)
    held: dict[int, str] = {}
    for shipment in shipments:
        destination = shipment.country.code
        ioss = merchants[shipment.merchant_id].ioss_number if destination in EU_MEMBER_STATES else ""
        declaration = Declaration(
            origin_country=shipment.origin_country,
            destination_country=destination,
            date=on,
            incoterm=shipment.incoterm,
            ioss_number=ioss,
            lines=tuple(
                DeclarationLine(
                    hs_code=line.product.hs_code,
                    description=line.product.title,
                    quantity=line.quantity,
                    unit_value=line.unit_value,
                    currency=line.currency,
                    origin_country=line.product.origin_country.code,
                    restricted=line.product.is_dangerous_goods,
                )
                for line in lines[shipment.pk]
            ),
        )
        assessment = customs_assess(declaration, rulesets[destination])
        shipment.customs_duty, shipment.customs_tax = assessment.duty, assessment.tax
        shipment.customs_currency = assessment.currency
        if assessment.hold_reasons:
            shipment.customs_status = Shipment.CustomsStatus.HELD
            shipment.customs_notes = "; ".join(reason.message for reason in assessment.hold_reasons)[:2000]
            held[shipment.pk] = assessment.hold_reasons[0].tracking_reason or "documentation"
        else:
            shipment.customs_status = Shipment.CustomsStatus.CLEARED
            shipment.customs_notes = (
                f"{assessment.regime}: duty {assessment.duty}, tax {assessment.tax} {assessment.currency}, "
                f"{assessment.payer} pays"
            )[:2000]
    return held


def shipment_customs_reassess(*, shipment: Shipment, actor=None) -> tuple[bool, str]:
    """The merchant fixed what held the parcel (a product's HS code, its IOSS number …): assess
    it again. Cleared → the parcel resumes its plan; still held → the remaining reasons.

    Only for holds the engine raised; an inspection or a desk decision is the desk's to release.
    """
    from shipping.services.shipments import shipment_transition  # noqa: PLC0415 - that module imports this one

    with transaction.atomic():
        locked = Shipment.objects.select_for_update(of=_OF).select_related("merchant").get(pk=shipment.pk)
        if locked.stage != Stage.CUSTOMS_HOLD or locked.customs_status != Shipment.CustomsStatus.HELD:
            raise ValidationError({"customs": f"Shipment {locked.tracking_number} is not held by customs."})
        if locked.exception_reason == "inspection":
            raise ValidationError({"customs": "Customs is inspecting this parcel; the customs desk releases it."})
        held = assess_import([locked], on=timezone.localdate())
        Shipment.objects.filter(pk=locked.pk).update(
            customs_status=locked.customs_status,
            customs_duty=locked.customs_duty,
            customs_tax=locked.customs_tax,
            customs_currency=locked.customs_currency,
            customs_notes=locked.customs_notes,
        )
        if held:
            return False, locked.customs_notes
        following = locked.route[locked.stage_index + 1]["stage"]
        shipment_transition(
            shipment=locked, to=following, source="api", actor=actor, location="Declaration corrected; customs cleared"
        )
        return True, locked.customs_notes
