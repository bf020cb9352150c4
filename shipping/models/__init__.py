from shipping.models.customs import CustomsRule, DutyRate, ExchangeRate, VatRate
from shipping.models.inbound import (
    InboundBox,
    InboundBoxContent,
    InboundPlan,
    InboundPlanItem,
    InboundShipment,
    InboundShipmentEvent,
    InboundShipmentLine,
    PlacementOption,
)

__all__ = [
    "CustomsRule",
    "DutyRate",
    "ExchangeRate",
    "VatRate",
    "InboundBox",
    "InboundBoxContent",
    "InboundPlan",
    "InboundPlanItem",
    "InboundShipment",
    "InboundShipmentEvent",
    "InboundShipmentLine",
    "PlacementOption",
]
