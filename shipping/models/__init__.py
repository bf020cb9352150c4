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
from shipping.models.packages import Package
from shipping.models.shipments import Shipment, ShipmentLine, TrackingEvent

__all__ = [
    "Package",
    "Shipment",
    "ShipmentLine",
    "TrackingEvent",
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
