from django import template

register = template.Library()


@register.filter
def attr(obj, name: str):
    """``{{ balance|attr:"fulfillable" }}``: an attribute named by a variable."""
    return getattr(obj, name, "")


@register.filter
def total_of(row: dict, bucket: str):
    """``{{ row|total_of:"fulfillable" }}``: the ``total_<bucket>`` key of an aggregate row."""
    return row.get(f"total_{bucket}", 0)


@register.filter
def stage_label(code: str) -> str:
    """The human label of a stage code (``origin_sorting`` → ``Origin sorting``)."""
    from warehouses.modes import Stage

    try:
        return Stage(code).label
    except ValueError:
        return code
