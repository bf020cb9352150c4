"""Customs tests read the seeded rule tables; a flush by a transactional test is repaired here."""

import datetime
from decimal import Decimal

import pytest

from shipping.customs import Declaration, DeclarationLine, customs_assess, customs_reference_load, customs_ruleset_for
from shipping.models import CustomsRule, ExchangeRate

TEE = "610910"  # cotton T-shirts: US 16.5 %, EU 12 %
MUG = "691200"  # ceramic tableware: no rate on file in the US or the EU
LAPTOP = "847130"
VALID_IOSS = "IM2760000018"


@pytest.fixture(autouse=True)
def customs_reference(request):
    """Test modules here are marked ``django_db``; a module without the mark needs no rules."""
    if not request.node.get_closest_marker("django_db"):
        return
    if not CustomsRule.objects.exists() or not ExchangeRate.objects.exists():
        customs_reference_load()


def line(value, currency, *, hs=TEE, quantity=1, description="Cotton T-shirt", origin="", restricted=False):
    return DeclarationLine(
        hs_code=hs,
        description=description,
        quantity=quantity,
        unit_value=None if value is None else Decimal(str(value)),
        currency=currency,
        origin_country=origin,
        restricted=restricted,
    )


def assess(origin, destination, day, lines, **kwargs):
    """Build the declaration, read the rule set for it, and assess it."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    declaration = Declaration(
        origin_country=origin, destination_country=destination, date=day, lines=tuple(lines), **kwargs
    )
    return customs_assess(declaration, customs_ruleset_for(destination, day))
