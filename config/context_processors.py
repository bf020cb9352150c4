from warehouses.modes import Mode


def portal(request) -> dict:
    """What the portal layout needs on every page: the modes for the navigation."""
    return {"nav_modes": Mode.choices}
