"""The five fulfillment modes (BRIEF §2) as rows, and a database guard that keeps the ledger append-only."""

from django.db import migrations

from warehouses.mode_facts import ensure_modes

LEDGER = "warehouses_inventoryledgerentry"

POSTGRES_GUARD = f"""
CREATE OR REPLACE FUNCTION crossdock_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'inventory ledger entries are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {LEDGER}_append_only BEFORE UPDATE OR DELETE ON {LEDGER}
    FOR EACH ROW EXECUTE FUNCTION crossdock_ledger_append_only();
"""
POSTGRES_UNGUARD = f"""
DROP TRIGGER IF EXISTS {LEDGER}_append_only ON {LEDGER};
DROP FUNCTION IF EXISTS crossdock_ledger_append_only();
"""
# SQLite guards updates only: Django's test flush empties tables with DELETE there (PostgreSQL
# uses TRUNCATE, which row triggers do not see), and the model refuses deletes on its own.
SQLITE_GUARD = [
    f"CREATE TRIGGER {LEDGER}_no_update BEFORE UPDATE ON {LEDGER} "
    "BEGIN SELECT RAISE(ABORT, 'inventory ledger entries are append-only'); END;",
]
SQLITE_UNGUARD = [f"DROP TRIGGER IF EXISTS {LEDGER}_no_update;"]


def load_modes(apps, schema_editor):
    # Facts are loaded by code so that a test database flushed between tests can reload them.
    ensure_modes(apps.get_model("warehouses", "FulfillmentMode"))


def guard_ledger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_GUARD)
    elif vendor == "sqlite":
        for statement in SQLITE_GUARD:
            schema_editor.execute(statement)


def unguard_ledger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UNGUARD)
    elif vendor == "sqlite":
        for statement in SQLITE_UNGUARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("warehouses", "0001_initial")]

    operations = [
        migrations.RunPython(load_modes, migrations.RunPython.noop),
        migrations.RunPython(guard_ledger, unguard_ledger),
    ]
