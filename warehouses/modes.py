"""The five fulfillment modes and the canonical shipment stages, as the other apps read them.

The ``FulfillmentMode`` table holds one row per mode (seeded by a data migration) with the
facts of BRIEF §2; these enumerations are the codes those rows and every other table use.
"""

from django.db import models


class Mode(models.TextChoices):
    DIRECT = "direct", "Direct shipping"
    GLOBAL_WAREHOUSE = "global_warehouse", "Global direct sales warehouse"
    ASIA_WAREHOUSE = "asia_warehouse", "Asia warehouse"
    FBA_CROSS_BORDER = "fba_cross_border", "FBA cross-border"
    VIRTUAL_WAREHOUSE = "virtual_warehouse", "Virtual warehouse"


class Speed(models.TextChoices):
    STANDARD = "standard", "Standard"
    EXPEDITED = "expedited", "Expedited"
    PRIORITY = "priority", "Priority"


class Stage(models.TextChoices):
    AWAITING_PICKUP = "awaiting_pickup", "Awaiting pickup"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    PICKING = "picking", "Picking"
    PACKING = "packing", "Packing"
    HANDED_TO_CARRIER = "handed_to_carrier", "Handed to carrier"
    ORIGIN_SORTING = "origin_sorting", "Origin sorting"
    EXPORT_CUSTOMS = "export_customs", "Export customs"
    LINE_HAUL = "line_haul", "Line haul"
    IMPORT_CUSTOMS = "import_customs", "Import customs"
    DESTINATION_SORTING = "destination_sorting", "Destination sorting"
    DC_RECEIVING = "dc_receiving", "DC receiving"
    LAST_MILE = "last_mile", "Last mile"
    DELIVERED = "delivered", "Delivered"
    # Exceptions
    CUSTOMS_HOLD = "customs_hold", "Customs hold"
    DELIVERY_ATTEMPTED = "delivery_attempted", "Delivery attempted"
    RETURNING = "returning", "Returning"
    RETURNED = "returned", "Returned"
    LOST = "lost", "Lost"
    DAMAGED = "damaged", "Damaged"
    CANCELLED = "cancelled", "Cancelled"


CUSTOMS_STAGES = frozenset({Stage.EXPORT_CUSTOMS, Stage.IMPORT_CUSTOMS})


class WarehouseRole(models.TextChoices):
    ORIGIN_FC = "origin_fc", "Origin fulfillment centre"
    DESTINATION_DC = "destination_dc", "Destination distribution centre"
    GLOBAL_WAREHOUSE = "global_warehouse", "Global warehouse"
    ASIA_WAREHOUSE = "asia_warehouse", "Asia warehouse"
    PARTNER_3PL = "partner_3pl", "Partner 3PL"


class Transport(models.TextChoices):
    AIR_EXPRESS = "air_express", "Air express"
    AIR_FREIGHT = "air_freight", "Air freight"
    OCEAN = "ocean", "Ocean"
    RAIL = "rail", "Rail"
    TRUCK = "truck", "Truck"
