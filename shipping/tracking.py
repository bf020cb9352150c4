"""Tracking event codes: which Amazon event code each stage change writes.

The codes and their descriptions are ``shipping/data/tracking_event_codes.csv`` (Amazon's
Fulfillment Outbound API ``EventCode``).
"""

import csv
from functools import cache
from pathlib import Path

from warehouses.modes import Stage

DATA_FILE = Path(__file__).resolve().parent / "data" / "tracking_event_codes.csv"

STAGE_CODES: dict[str, str] = {
    Stage.AWAITING_PICKUP: "EVENT_101",
    Stage.ACKNOWLEDGED: "EVENT_101",
    Stage.PICKING: "EVENT_101",
    Stage.PACKING: "EVENT_101",
    Stage.HANDED_TO_CARRIER: "EVENT_102",
    Stage.ORIGIN_SORTING: "EVENT_102",
    Stage.EXPORT_CUSTOMS: "EVENT_201",
    Stage.LINE_HAUL: "EVENT_202",
    Stage.IMPORT_CUSTOMS: "EVENT_204",
    Stage.DESTINATION_SORTING: "EVENT_203",
    Stage.DC_RECEIVING: "EVENT_201",
    Stage.LAST_MILE: "EVENT_302",
    Stage.DELIVERED: "EVENT_301",
    Stage.CUSTOMS_HOLD: "EVENT_402",
    Stage.DELIVERY_ATTEMPTED: "EVENT_304",
    Stage.RETURNING: "EVENT_408",
    Stage.RETURNED: "EVENT_309",
    Stage.LOST: "EVENT_409",
    Stage.DAMAGED: "EVENT_405",
    Stage.CANCELLED: "EVENT_416",
}
CUSTOMS_CLEARED = "EVENT_205"


@cache
def descriptions() -> dict[str, str]:
    with DATA_FILE.open(encoding="utf-8", newline="") as fh:
        return {row["code"]: row["description"] for row in csv.DictReader(fh)}


def event_for(*, from_stage: str, to_stage: str) -> tuple[str, str]:
    """(Amazon event code, description) for a change; leaving import customs, or a customs hold,
    onwards is "Completed customs clearance process"."""
    exits = (Stage.CUSTOMS_HOLD, Stage.RETURNING, Stage.LOST, Stage.DAMAGED)
    if from_stage in (Stage.IMPORT_CUSTOMS, Stage.CUSTOMS_HOLD) and to_stage not in exits:
        code = CUSTOMS_CLEARED
    else:
        code = STAGE_CODES[to_stage]
    return code, descriptions()[code]
