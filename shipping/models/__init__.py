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
    "InboundBox",
    "InboundBoxContent",
    "InboundPlan",
    "InboundPlanItem",
    "InboundShipment",
    "InboundShipmentEvent",
    "InboundShipmentLine",
    "PlacementOption",
]
