"""Which papers a cross-border parcel needs, and what in its data makes customs hold it.

Crossdock's choices (the rules table is per destination; these depend on the origin and the
carrier, so they are constants here and in ``docs/customs.md``):

- a **commercial invoice** for every consignment that crosses a customs border;
- a **packing list** when it holds more than one unit;
- by post, a **CN22** up to 300 SDR, which Crossdock approximates as EUR 300, and a **CN23**
  above (UPU Letter Post Regulations);
- an **export declaration** above EUR 1,000 (the EU's limit for declaring exports orally or
  "by any other act"), or above USD 2,500 from the US (the EEI filing threshold, which is per
  Schedule B number; Crossdock applies it to the consignment).
"""

from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError

from merchants.validators import validate_hs_code
from shipping.customs.codes import HOLD_TRACKING_REASON, Document, HoldCode, TransportKind
from shipping.customs.types import Declaration, HoldReason

CN22_LIMIT = ("EUR", Decimal("300"))
EXPORT_DECLARATION_LIMIT = ("EUR", Decimal("1000"))
EXPORT_DECLARATION_LIMIT_BY_ORIGIN = {"US": ("USD", Decimal("2500"))}


def _hold(code: str, message: str, line: int | None = None) -> HoldReason:
    return HoldReason(code, message, HOLD_TRACKING_REASON[code], line)


def declaration_holds(declaration: Declaration) -> list[HoldReason]:
    """Holds that follow from the declaration's own data, whatever the destination's rules."""
    holds = []
    if not declaration.lines:
        holds.append(_hold(HoldCode.MISSING_VALUE, "The declaration has no lines."))
    for number, line in enumerate(declaration.lines, start=1):
        label = f"Line {number} ({line.description or 'no description'})"
        if not line.hs_code:
            holds.append(_hold(HoldCode.MISSING_HS_CODE, f"{label} has no HS code.", number))
        else:
            try:
                validate_hs_code(line.hs_code)
            except ValidationError as exc:
                holds.append(_hold(HoldCode.INVALID_HS_CODE, f"{label}: {' '.join(exc.messages)}", number))
        if line.unit_value is None or line.unit_value <= 0:
            holds.append(_hold(HoldCode.MISSING_VALUE, f"{label} has no value (customs will not accept zero).", number))
        if line.restricted:
            holds.append(
                _hold(
                    HoldCode.RESTRICTED_GOODS,
                    f"{label} is flagged as restricted goods: customs must inspect it.",
                    number,
                )
            )
    return holds


def documents_for(
    declaration: Declaration, *, goods_value_in: Callable[[str], Decimal | None]
) -> tuple[tuple[str, ...], list[str], list[str]]:
    """(documents, notes, assumptions) for a consignment that crosses a customs border.

    ``goods_value_in(currency)`` gives the goods value in that currency, or ``None`` when no
    exchange rate converts it; a limit that cannot be checked is treated as exceeded, which
    asks for the fuller document.
    """
    documents = [Document.COMMERCIAL_INVOICE]
    notes, assumptions = [], []
    if sum(line.quantity for line in declaration.lines) > 1:
        documents.append(Document.PACKING_LIST)

    def above(limit: tuple[str, Decimal], what: str) -> bool:
        currency, amount = limit
        value = goods_value_in(currency)
        if value is None:
            assumptions.append(f"No exchange rate into {currency}: assumed above the {currency} {amount:,} {what}.")
            return True
        return value > amount

    if declaration.transport == TransportKind.POSTAL:
        if above(CN22_LIMIT, "CN22 limit"):
            documents.append(Document.CN23)
            notes.append("Postal consignment above 300 SDR (about EUR 300): CN23 declaration.")
        else:
            documents.append(Document.CN22)
            notes.append("Postal consignment up to 300 SDR (about EUR 300): CN22 declaration.")
    limit = EXPORT_DECLARATION_LIMIT_BY_ORIGIN.get(declaration.origin_country, EXPORT_DECLARATION_LIMIT)
    if above(limit, "export declaration limit"):
        documents.append(Document.EXPORT_DECLARATION)
        notes.append(f"Goods worth more than {limit[0]} {limit[1]:,}: an export declaration is filed at origin.")
    return tuple(str(d) for d in documents), notes, assumptions
