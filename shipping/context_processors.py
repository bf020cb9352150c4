from django.conf import settings


def demo_clock(request) -> dict:
    """The accelerated demo clock, for the banner that states it (nothing on the real clock)."""
    speed = float(settings.CROSSDOCK_CLOCK_SPEED)
    if speed == 1:
        return {}
    hours = speed / 60  # simulated hours per real minute
    if hours >= 1:
        amount = f"{hours:g} simulated hour{'s' if hours != 1 else ''}"
    else:
        minutes = speed
        amount = f"{minutes:g} simulated minute{'s' if minutes != 1 else ''}"
    return {"demo_clock": {"speed": speed, "per_real_minute": amount}}
