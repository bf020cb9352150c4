"""Properties of the engine over random declarations to every seeded destination."""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipping.customs import Declaration, DeclarationLine, customs_assess, customs_ruleset_for
from tests.shipping.customs.conftest import VALID_IOSS

pytestmark = pytest.mark.django_db

DESTINATIONS = ["US", "DE", "FR", "GB", "AU", "JP", "CA", "CN", "SG", "IN", "AE", "SA", "BR", "MX", "TR"]
DATES = [datetime.date(2025, 3, 1), datetime.date(2025, 9, 1), datetime.date(2026, 3, 1), datetime.date(2026, 8, 1)]
CURRENCIES = ["USD", "EUR", "GBP", "CNY", "JPY", "AUD", "CAD", "INR", "BRL"]
HS_CODES = ["610910", "691200", "847130", "950300", "640411", "", "999999"]

money = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2)
lines = st.builds(
    DeclarationLine,
    hs_code=st.sampled_from(HS_CODES),
    description=st.just("goods"),
    quantity=st.integers(min_value=1, max_value=5),
    unit_value=money,
    currency=st.sampled_from(CURRENCIES),
    origin_country=st.sampled_from(["", "CN", "US", "DE", "MX"]),
    restricted=st.booleans(),
)
declarations = st.builds(
    Declaration,
    origin_country=st.sampled_from(["CN", "US", "DE", "GB", "MX", "IN"]),
    destination_country=st.sampled_from(DESTINATIONS),
    date=st.sampled_from(DATES),
    lines=st.lists(lines, min_size=1, max_size=3).map(tuple),
    incoterm=st.just("DAP"),
    transport=st.sampled_from(["courier", "postal"]),
    shipping_cost=st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2),
    shipping_currency=st.sampled_from(["", "USD", "EUR"]),
    ioss_number=st.sampled_from(["", VALID_IOSS, "IM123"]),
    seller_registered_for_point_of_sale_tax=st.booleans(),
    platform_certified=st.booleans(),
)


@pytest.fixture
def rulesets():
    return {(d, day): customs_ruleset_for(d, day) for d in DESTINATIONS for day in DATES}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(declaration=declarations)
def test_charges_are_never_negative_and_the_incoterm_only_changes_who_pays(rulesets, declaration):
    ruleset = rulesets[(declaration.destination_country, declaration.date)]
    dap = customs_assess(declaration, ruleset)
    ddp = customs_assess(dataclasses.replace(declaration, incoterm="DDP"), ruleset)

    for a in (dap, ddp):
        assert a.duty >= 0 and a.tax >= 0
        assert a.total == a.duty + a.tax
        assert 0 <= a.collected_at_sale <= a.total
        assert a.due_at_border == a.total - a.collected_at_sale
    amounts = ("customs_value", "duty", "tax", "total", "collected_at_sale", "due_at_border", "regime")
    assert [getattr(dap, f) for f in amounts] == [getattr(ddp, f) for f in amounts]
    assert (dap.payer, ddp.payer) == ("buyer", "merchant")
    # Only the EU's missing-IOSS hold depends on who pays.
    assert set(ddp.hold_codes) - set(dap.hold_codes) <= {"missing_ioss"}
