"""The rule tables: seeding, versioning, the selector, and the admin that operators use."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from shipping.customs import customs_reference_load, customs_rule_add_version, customs_ruleset_for
from shipping.models import CustomsRule, DutyRate, ExchangeRate, VatRate
from tests.shipping.customs.conftest import assess, line

pytestmark = pytest.mark.django_db
D = Decimal  # short for the many amounts below
day = datetime.date.fromisoformat


def new_rule(**overrides) -> CustomsRule:
    fields = {
        "destination": "GB",
        "currency": "GBP",
        "duty_de_minimis": D("0"),
        "tax_de_minimis": D("0"),
        "standard_tax_rate_pct": D("20"),
        "low_value_regime": "none",
        "effective_from": day("2029-03-01"),
        "confidence": "low",
        "source": "test",
    }
    return CustomsRule(**(fields | overrides))


class TestSeed:
    def test_the_migration_loaded_every_reference_row(self):
        assert CustomsRule.objects.count() == 16
        assert VatRate.objects.count() == 12 + 24  # the file + the member states it leaves out
        assert DutyRate.objects.filter(hs_prefix="").count() == 14
        assert DutyRate.objects.exclude(hs_prefix="").count() == 30  # 15 codes × US and EU
        assert ExchangeRate.objects.count() == 26

    def test_seeded_rules_pass_validation(self):
        for rule in CustomsRule.objects.all():
            rule.full_clean()

    def test_every_eu_member_state_has_a_vat_rate(self):
        from merchants.geography import EU_MEMBER_STATES

        assert set(VatRate.objects.values_list("country", flat=True)) >= EU_MEMBER_STATES

    def test_load_again_creates_nothing(self):
        assert customs_reference_load() == {"customs_rules": 0, "vat_rates": 0, "duty_rates": 0, "exchange_rates": 0}

    def test_load_keeps_an_operators_closing_date_and_never_overwrites_a_rate(self):
        CustomsRule.objects.filter(destination="GB").update(effective_to=day("2029-02-28"))
        ExchangeRate.objects.filter(date=day("2026-01-01"), quote="EUR").update(rate=D("0.9"))
        customs_reference_load()
        assert CustomsRule.objects.get(destination="GB").effective_to == day("2029-02-28")
        assert ExchangeRate.objects.get(date=day("2026-01-01"), quote="EUR").rate == D("0.9")

    def test_load_after_a_flush(self):
        for model in (CustomsRule, VatRate, DutyRate, ExchangeRate):
            model.objects.all().delete()
        assert customs_reference_load()["customs_rules"] == 16
        assert assess("CN", "US", "2025-09-01", [line(20, "USD")]).duty == D("3.30")


class TestVersions:
    def test_overlapping_version_is_refused(self):
        with pytest.raises(ValidationError) as exc:
            new_rule(effective_from=day("2027-01-01")).full_clean()
        assert "overlaps another GB version (2021-01-01 – open)" in str(exc.value)

    def test_an_unknown_start_overlaps_everything_before(self):
        with pytest.raises(ValidationError, match="overlaps"):
            new_rule(
                destination="SA", currency="SAR", effective_from=day("1999-01-01"), effective_to=day("1999-12-31")
            ).full_clean()

    def test_add_version_closes_the_current_one(self):
        rule = customs_rule_add_version(rule=new_rule())
        old = CustomsRule.objects.get(destination="GB", effective_from=day("2021-01-01"))
        assert old.effective_to == day("2029-02-28")
        assert customs_ruleset_for("GB", day("2029-02-28")).rule.id == old.pk
        assert customs_ruleset_for("GB", day("2029-03-01")).rule.id == rule.pk
        # The new version (no relief) now prices a GBP 100 parcel with duty.
        assert assess("CN", "GB", "2029-03-01", [line(100, "GBP")]).regime == "standard"

    def test_add_version_without_closing_is_refused_and_writes_nothing(self):
        with pytest.raises(ValidationError):
            customs_rule_add_version(rule=new_rule(), close_current=False)
        assert CustomsRule.objects.get(destination="GB").effective_to is None
        assert CustomsRule.objects.filter(destination="GB").count() == 1

    def test_regime_needs_its_threshold_and_parameters(self):
        with pytest.raises(ValidationError) as exc:
            new_rule(destination="KR", currency="KRW", low_value_regime="cusma_courier").full_clean()
        assert set(exc.value.message_dict) == {"regime_threshold", "regime_parameters"}
        assert "'courier_origins' is missing." in exc.value.message_dict["regime_parameters"]

    def test_period_must_be_ordered(self):
        with pytest.raises(ValidationError) as exc:
            new_rule(destination="KR", currency="KRW", effective_to=day("2029-01-01")).full_clean()
        assert "effective_to" in exc.value.message_dict

    def test_the_eu_rule_changes_on_1_july_2026(self):
        assert customs_ruleset_for("DE", day("2026-06-30")).rule.flat_duty_per_item is None
        assert customs_ruleset_for("DE", day("2026-07-01")).rule.flat_duty_per_item == D("3.00")


class TestRates:
    def test_longest_prefix_wins_and_dated_versions_apply_from_their_date(self):
        DutyRate.objects.create(destination="US", hs_prefix="61", rate_pct=D("10"), source="test")
        DutyRate.objects.create(
            destination="US", hs_prefix="610910", rate_pct=D("20"), effective_from=day("2026-06-01"), source="test"
        )
        # 6110.30 matches only "61": 10 % × 100 = 10.00.
        assert assess("CN", "US", "2026-03-01", [line(100, "USD", hs="611030")]).duty == D("10.00")
        # 6109.10: the undated 16.5 % before 2026-06-01, the new 20 % from then.
        assert assess("CN", "US", "2026-05-31", [line(100, "USD")]).duty == D("16.50")
        assert assess("CN", "US", "2026-06-01", [line(100, "USD")]).duty == D("20.00")

    def test_vat_rate_in_force_on_the_date(self):
        assert customs_ruleset_for("FI", day("2024-08-31")).vat_rate.rate_pct == D("24")
        assert customs_ruleset_for("FI", day("2024-09-01")).vat_rate.rate_pct == D("25.5")

    def test_a_newer_exchange_rate_is_used_from_its_date(self):
        ExchangeRate.objects.create(date=day("2026-02-01"), base="USD", quote="EUR", rate=D("0.80"), source="test")
        # EUR 20 / 0.80 = 25.00 → duty 16.5 % = 4.125 → 4.13.
        assert assess("CN", "US", "2026-01-31", [line(20, "EUR")]).customs_value == D("23.26")
        assert assess("CN", "US", "2026-02-01", [line(20, "EUR")]).duty == D("4.13")


class TestAdmin:
    @pytest.fixture
    def admin_client(self, client, operator):
        client.force_login(operator)
        return client

    @pytest.mark.parametrize("model", ["customsrule", "vatrate", "dutyrate", "exchangerate"])
    def test_lists_filter_and_search(self, admin_client, model):
        url = reverse(f"admin:shipping_{model}_changelist")
        assert admin_client.get(url).status_code == 200
        assert admin_client.get(url, {"q": "EU"}).status_code == 200

    def test_forms_render(self, admin_client):
        rule = CustomsRule.objects.get(destination="GB")
        duty = DutyRate.objects.first()
        for url in (
            reverse("admin:shipping_customsrule_add"),
            reverse("admin:shipping_customsrule_change", args=[rule.pk]),
            reverse("admin:shipping_dutyrate_change", args=[duty.pk]),
            reverse("admin:shipping_exchangerate_add"),
        ):
            assert admin_client.get(url).status_code == 200, url

    def test_add_a_version_closes_the_current_one(self, admin_client):
        data = {
            "destination": "GB",
            "currency": "GBP",
            "duty_de_minimis": "0",
            "tax_de_minimis": "0",
            "standard_tax_rate_pct": "20",
            "low_value_regime": "none",
            "regime_parameters": "{}",
            "shipping_in_duty_base": "on",
            "shipping_in_tax_base": "on",
            "effective_from": "2029-03-01",
            "confidence": "medium",
            "source": "gov.uk",
            "close_current": "on",
        }
        response = admin_client.post(reverse("admin:shipping_customsrule_add"), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert CustomsRule.objects.get(destination="GB", effective_from=day("2021-01-01")).effective_to == day(
            "2029-02-28"
        )

        del data["close_current"]
        data["effective_from"] = "2030-01-01"
        response = admin_client.post(reverse("admin:shipping_customsrule_add"), data)
        assert response.status_code == 200
        assert "overlaps another GB version" in str(response.context["adminform"].form.errors)

    def test_a_version_in_force_can_only_be_closed(self, admin_client):
        rule = CustomsRule.objects.get(destination="GB")
        url = reverse("admin:shipping_customsrule_change", args=[rule.pk])
        today = timezone.localdate()
        response = admin_client.post(url, {"effective_to": str(today - datetime.timedelta(days=30))})
        assert response.status_code == 200  # refused: that would rewrite history
        response = admin_client.post(
            url, {"effective_to": str(today + datetime.timedelta(days=30)), "duty_de_minimis": "999"}
        )
        assert response.status_code == 302
        rule.refresh_from_db()
        assert rule.effective_to == today + datetime.timedelta(days=30)
        assert rule.duty_de_minimis == D("135")  # read-only once in force
        assert admin_client.post(reverse("admin:shipping_customsrule_delete", args=[rule.pk])).status_code == 403

    def test_exchange_rates_can_be_added_but_not_changed(self, admin_client):
        rate = ExchangeRate.objects.first()
        change = reverse("admin:shipping_exchangerate_change", args=[rate.pk])
        admin_client.post(change, {"date": str(rate.date), "base": rate.base, "quote": rate.quote, "rate": "1"})
        rate.refresh_from_db()
        assert rate.rate != D("1")
        response = admin_client.post(
            reverse("admin:shipping_exchangerate_add"),
            {"date": "2026-03-01", "base": "USD", "quote": "EUR", "rate": "0.85", "source": "ECB"},
        )
        assert response.status_code == 302
        assert ExchangeRate.objects.filter(date=day("2026-03-01")).count() == 1
