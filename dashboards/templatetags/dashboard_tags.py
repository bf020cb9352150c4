from django import template

register = template.Library()


def _missing(value) -> bool:
    # A missing variable reaches a filter as "" (the template engine's ``string_if_invalid``).
    return value is None or value == ""


@register.filter
def percent(share) -> str:
    """0.873 → "87.3 %"; nothing to measure → "—"."""
    return "—" if _missing(share) else f"{share * 100:.1f} %"


@register.filter
def days(value) -> str:
    return "—" if _missing(value) else f"{value:.1f} d"


@register.filter
def hours(value) -> str:
    return "—" if _missing(value) else f"{value:,.1f} h"


@register.filter
def money(value) -> str:
    return "—" if _missing(value) else f"{value:,.2f}"
