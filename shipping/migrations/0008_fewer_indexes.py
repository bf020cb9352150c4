"""Drop indexes every stage change pays for and nothing reads: ``merchant`` and ``mode`` lead
composite indexes already; ``destination_warehouse`` is set on transfers only, so its index
becomes partial. Only indexes change (``DROP INDEX``, ``CREATE INDEX``); the foreign keys stay as
they are, so no constraint is revalidated on a large table."""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [
    ("shipping_shipment_merchant_id_2adad5aa", "merchant_id"),
    ("shipping_shipment_mode_id_01c07287", "mode_id"),
    ("shipping_shipment_destination_warehouse_id_901f4ca7", "destination_warehouse_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0001_initial"),
        ("shipping", "0007_packages"),
        ("warehouses", "0004_api_keys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name, _ in DROPPED]
                    + ['DROP INDEX IF EXISTS "shipping_shipment_mode_id_01c07287_like"'],  # PostgreSQL's LIKE index
                    reverse_sql=[
                        f'CREATE INDEX IF NOT EXISTS "{name}" ON "shipping_shipment" ("{column}")'
                        for name, column in DROPPED
                    ],
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="shipment",
                    name="destination_warehouse",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incoming_shipments",
                        to="warehouses.warehouse",
                    ),
                ),
                migrations.AlterField(
                    model_name="shipment",
                    name="merchant",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="shipments",
                        to="merchants.merchant",
                    ),
                ),
                migrations.AlterField(
                    model_name="shipment",
                    name="mode",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="warehouses.fulfillmentmode",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="shipment",
            index=models.Index(
                condition=models.Q(("destination_warehouse__isnull", False)),
                fields=["destination_warehouse"],
                name="shipment_destination",
            ),
        ),
    ]
