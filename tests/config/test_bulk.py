"""Set-based writes: what ``rows_update`` and ``rows_insert`` write is what is read back, on both
databases; on PostgreSQL every value crosses as text in an array literal, so the literal is
checked against PostgreSQL's own parser for any text."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from config.bulk import array_literal, rows_insert, rows_update
from merchants.models import Product
from tests.factories import ProductFactory, WarehouseFactory
from warehouses.models import InventoryLedgerEntry

AWKWARD = ["", "NULL", "null", "a,b", "{x}", 'say "hi"', "back\\slash", "tab\there", "new\nline", " padded ", "日本"]


def _parsed(literal: str, sql_type: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{sql_type}", [literal])
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db
class TestArrayLiteral:
    def test_awkward_text_and_nulls(self):
        assert _parsed(array_literal(AWKWARD), "text[]") == AWKWARD  # text only: the joined path
        values = [*AWKWARD, None]
        assert _parsed(array_literal(values), "text[]") == values

    def test_typed_values(self):
        at = datetime.datetime(2026, 11, 27, 14, 5, 6, 789000, tzinfo=datetime.UTC)
        assert _parsed(array_literal([1, None, -7]), "bigint[]") == [1, None, -7]
        assert _parsed(array_literal([True, False, None]), "boolean[]") == [True, False, None]
        assert _parsed(array_literal([Decimal("12.50"), Decimal("1E+2")]), "numeric[]") == [
            Decimal("12.50"),
            Decimal("100"),
        ]
        assert _parsed(array_literal([at, None]), "timestamptz[]") == [at, None]
        later = at.astimezone(datetime.timezone(datetime.timedelta(hours=8))) + datetime.timedelta(days=1)
        assert _parsed(array_literal([at, later]), "timestamptz[]") == [at, later]
        assert _parsed(array_literal([at.date()]), "date[]") == [at.date()]
        assert _parsed(array_literal([]), "text[]") == []

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.one_of(st.none(), st.text(alphabet=st.characters(exclude_characters="\x00"))), max_size=20))
    def test_any_text_round_trips(self, values):
        assert _parsed(array_literal(values), "text[]") == values


@pytest.mark.django_db
def test_rows_update_and_insert_write_what_is_read_back():
    products = [ProductFactory(), ProductFactory()]
    texts = ['held: "customs", ok', "back\\slash {x}"]
    for product, title, weight in zip(products, texts, [Decimal("1.250"), Decimal("0.001")], strict=True):
        product.title, product.weight_kg = title, weight
    rows_update(products, ["title", "weight_kg"])
    assert [(p.title, p.weight_kg) for p in Product.objects.filter(pk__in=[p.pk for p in products]).order_by("pk")] == [
        (texts[0], Decimal("1.250")),
        (texts[1], Decimal("0.001")),
    ]
    warehouse = WarehouseFactory()
    merchant = products[0].merchant
    fields = ["movement", "merchant", "product", "warehouse", "bucket", "quantity", "reason"]
    fields += ["reference_type", "reference_id", "actor", "note", "created_at"]
    movement, at = uuid.uuid4(), datetime.datetime(2026, 11, 27, 9, 30, tzinfo=datetime.UTC)
    rows_insert(
        InventoryLedgerEntry,
        fields,
        [
            (
                movement,
                merchant.pk,
                products[0].pk,
                warehouse.pk,
                "fulfillable",
                5,
                "adjustment",
                "",
                "NULL",
                None,
                "",
                at,
            ),
            (
                movement,
                merchant.pk,
                products[0].pk,
                warehouse.pk,
                "reserved",
                -5,
                "adjustment",
                "",
                "",
                None,
                "a,{b}",
                at,
            ),
        ],
    )
    entries = InventoryLedgerEntry.objects.filter(movement=movement).order_by("quantity")
    assert [(e.bucket, e.quantity, e.reference_id, e.actor_id, e.note, e.created_at) for e in entries] == [
        ("reserved", -5, "", None, "a,{b}", at),
        ("fulfillable", 5, "NULL", None, "", at),
    ]
