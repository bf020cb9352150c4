"""Local development: the embedded defaults, debug on, and the demo (accelerated clock, simulator)."""

import os

from .base import *  # noqa: F403
from .base import CELERY_BEAT_SCHEDULE, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

# --- The demo (docs/simulator.md) -------------------------------------------------------
# 1 real minute = 12 simulated hours, so parcels visibly move within minutes; the pages say so.
CROSSDOCK_CLOCK_SPEED = float(os.environ.get("CROSSDOCK_CLOCK_SPEED", "720"))
# The hold window is wall-clock minutes: 30 of them would be 15 simulated days at that speed.
# Two minutes still leave time to try cancelling an order before it is released.
CROSSDOCK_ORDER_HOLD_MINUTES = float(os.environ.get("CROSSDOCK_ORDER_HOLD_MINUTES", "2"))
# The simulator creates a few buyers' orders per demo merchant every 20 seconds and moves time
# on; CROSSDOCK_SIMULATOR=0 turns it off (and `make run` then loads no history either).
CROSSDOCK_SIMULATOR = env_bool("CROSSDOCK_SIMULATOR", True)
CROSSDOCK_SIMULATOR_SEED = os.environ.get("CROSSDOCK_SIMULATOR_SEED", "crossdock")
if CROSSDOCK_SIMULATOR:
    CELERY_BEAT_SCHEDULE = {
        **CELERY_BEAT_SCHEDULE,
        "simulate-demand": {
            "task": "orders.tasks.simulate_demand",
            "schedule": float(os.environ.get("CROSSDOCK_SIMULATOR_SECONDS", "20")),
        },
    }
