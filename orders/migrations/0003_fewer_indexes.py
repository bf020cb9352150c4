"""Drop the single-column indexes on ``merchant`` and ``mode``: composite indexes lead with the
merchant, and each index costs every status change. Only the indexes go (``DROP INDEX``); the
foreign keys stay as they are, so no constraint is revalidated on a large table."""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [
    ("orders_order_merchant_id_ab634f2d", "merchant_id"),
    ("orders_order_mode_id_8614ed35", "mode_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0001_initial"),
        ("orders", "0002_order_updated_at_index"),
        ("warehouses", "0004_api_keys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name, _ in DROPPED]
                    + ['DROP INDEX IF EXISTS "orders_order_mode_id_8614ed35_like"'],  # PostgreSQL's LIKE index
                    reverse_sql=[
                        f'CREATE INDEX IF NOT EXISTS "{name}" ON "orders_order" ("{column}")'
                        for name, column in DROPPED
                    ],
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="merchant",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="orders",
                        to="merchants.merchant",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="mode",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="warehouses.fulfillmentmode",
                    ),
                ),
            ],
        )
    ]
