"""Seed the customs tables from shipping/data (customs rules, VAT and duty rates, demo exchange rates)."""

from django.db import migrations

from shipping.customs.reference import customs_reference_load


def load_customs_reference(apps, schema_editor):
    # Loaded by code so that a test database flushed between tests can reload the same rows.
    customs_reference_load(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("shipping", "0002_customs_rules")]

    operations = [migrations.RunPython(load_customs_reference, migrations.RunPython.noop)]
