"""Writing customs rules: a new dated version, never an edit of history."""

import datetime

from django.db import transaction

from shipping.models import CustomsRule


@transaction.atomic
def customs_rule_add_version(*, rule: CustomsRule, close_current: bool = True) -> CustomsRule:
    """Save ``rule`` (unsaved) as a new version of its destination's rules.

    With ``close_current``, the version in force on the new one's first day, if it started
    earlier, ends the day before. Everything is validated (no overlapping versions) and
    written in one transaction; a ``ValidationError`` leaves the table as it was.
    """
    if rule.pk is not None:
        raise ValueError("customs_rule_add_version takes a new, unsaved rule.")
    rule.supersede_current = close_current
    rule.full_clean()
    if close_current:
        current = rule.superseded_version()
        if current is not None:
            current = CustomsRule.objects.select_for_update().get(pk=current.pk)
            current.effective_to = rule.effective_from - datetime.timedelta(days=1)
            current.full_clean()
            current.save(update_fields=["effective_to"])
    rule.supersede_current = False
    rule.full_clean()
    rule.save()
    return rule
