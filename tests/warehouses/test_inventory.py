"""The inventory service: every change through the ledger, never below zero, never oversold."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from tests.factories import MerchantFactory, ProductFactory, WarehouseFactory
from warehouses.models import BUCKETS, Bucket, InventoryBalance, InventoryLedgerEntry, LedgerReason
from warehouses.selectors import inventory_discrepancies
from warehouses.services.inventory import (
    InsufficientStock,
    InventoryError,
    StockChange,
    inventory_adjust,
    inventory_apply,
    inventory_move,
)


def balance_of(product, warehouse) -> InventoryBalance:
    return InventoryBalance.objects.get(product=product, warehouse=warehouse)


@pytest.mark.django_db
class TestInventoryApply:
    def test_adjust_creates_balance_and_ledger_entry(self, product, warehouse, operator):
        movement = inventory_adjust(
            product=product,
            warehouse=warehouse,
            bucket=Bucket.FULFILLABLE,
            quantity=12,
            reason=LedgerReason.OPENING_BALANCE,
            reference_type="import",
            reference_id="42",
            actor=operator,
        )
        assert balance_of(product, warehouse).fulfillable == 12
        entry = InventoryLedgerEntry.objects.get(movement=movement)
        assert (entry.bucket, entry.quantity, entry.reason) == ("fulfillable", 12, "opening_balance")
        assert (entry.reference_type, entry.reference_id, entry.actor) == ("import", "42", operator)
        assert entry.merchant_id == product.merchant_id

    def test_move_writes_a_pair_with_one_movement(self, product, warehouse):
        inventory_adjust(product=product, warehouse=warehouse, bucket="fulfillable", quantity=5, reason="adjustment")
        movement = inventory_move(
            product=product,
            warehouse=warehouse,
            quantity=3,
            from_bucket="fulfillable",
            to_bucket="reserved",
            reason=LedgerReason.ORDER_RESERVED,
        )
        balance = balance_of(product, warehouse)
        assert (balance.fulfillable, balance.reserved) == (2, 3)
        pair = sorted(InventoryLedgerEntry.objects.filter(movement=movement).values_list("bucket", "quantity"))
        assert pair == [("fulfillable", -3), ("reserved", 3)]

    def test_insufficient_stock_names_the_bucket_and_writes_nothing(self, product, warehouse):
        inventory_adjust(product=product, warehouse=warehouse, bucket="fulfillable", quantity=2, reason="adjustment")
        entries_before = InventoryLedgerEntry.objects.count()
        with pytest.raises(InsufficientStock) as excinfo:
            inventory_move(
                product=product,
                warehouse=warehouse,
                quantity=3,
                from_bucket="fulfillable",
                to_bucket="reserved",
                reason="order_reserved",
            )
        assert excinfo.value.available == 2 and excinfo.value.requested == 3
        assert product.sku in str(excinfo.value) and warehouse.code in str(excinfo.value)
        assert "fulfillable" in str(excinfo.value)
        balance = balance_of(product, warehouse)
        assert (balance.fulfillable, balance.reserved) == (2, 0)
        assert InventoryLedgerEntry.objects.count() == entries_before

    def test_a_failure_in_a_later_row_rolls_back_the_earlier_ones(self, merchant, warehouse):
        first, second = ProductFactory(merchant=merchant), ProductFactory(merchant=merchant)
        inventory_adjust(product=first, warehouse=warehouse, bucket="fulfillable", quantity=10, reason="adjustment")
        with pytest.raises(InsufficientStock):
            inventory_apply(
                merchant_id=merchant.pk,
                changes=[
                    StockChange(first.pk, warehouse.pk, "fulfillable", -4),
                    StockChange(second.pk, warehouse.pk, "fulfillable", -1),
                ],
                reason="adjustment",
            )
        assert balance_of(first, warehouse).fulfillable == 10
        assert not inventory_discrepancies()

    def test_product_of_another_merchant_is_refused(self, product, warehouse):
        stranger = MerchantFactory()
        with pytest.raises(InventoryError, match="does not belong"):
            inventory_apply(
                merchant_id=stranger.pk,
                changes=[StockChange(product.pk, warehouse.pk, "fulfillable", 1)],
                reason="adjustment",
            )
        assert not InventoryBalance.objects.exists()

    @pytest.mark.parametrize(
        ("bucket", "quantity", "reason", "message"),
        [
            ("nowhere", 1, "adjustment", "Unknown inventory bucket"),
            ("fulfillable", 0, "adjustment", "non-zero whole number"),
            ("fulfillable", 1.5, "adjustment", "non-zero whole number"),
            ("fulfillable", 1, "because", "Unknown ledger reason"),
        ],
    )
    def test_bad_changes_are_refused(self, product, warehouse, bucket, quantity, reason, message):
        with pytest.raises(InventoryError, match=message):
            inventory_apply(
                merchant_id=product.merchant_id,
                changes=[StockChange(product.pk, warehouse.pk, bucket, quantity)],
                reason=reason,
            )
        assert not InventoryLedgerEntry.objects.exists()

    def test_database_refuses_a_negative_bucket_even_bypassing_the_service(self, product, warehouse):
        inventory_adjust(product=product, warehouse=warehouse, bucket="reserved", quantity=1, reason="adjustment")
        with pytest.raises(IntegrityError), transaction.atomic():
            InventoryBalance.objects.filter(product=product).update(reserved=-1)

    def test_ledger_is_append_only(self, product, warehouse):
        inventory_adjust(product=product, warehouse=warehouse, bucket="fulfillable", quantity=1, reason="adjustment")
        entry = InventoryLedgerEntry.objects.get()
        with pytest.raises(ValueError, match="append-only"):
            entry.save()
        with pytest.raises(ValueError, match="append-only"):
            entry.delete()
        # The database itself refuses an update that skips the model.
        with pytest.raises(DatabaseError), transaction.atomic():
            InventoryLedgerEntry.objects.filter(pk=entry.pk).update(quantity=99)
        assert InventoryLedgerEntry.objects.get().quantity == 1

    @pytest.mark.postgres
    def test_postgres_refuses_deleting_ledger_rows(self, product, warehouse):
        inventory_adjust(product=product, warehouse=warehouse, bucket="fulfillable", quantity=1, reason="adjustment")
        with pytest.raises(DatabaseError), transaction.atomic():
            InventoryLedgerEntry.objects.all().delete()
        assert InventoryLedgerEntry.objects.count() == 1


@pytest.mark.django_db
class TestVerifyInventory:
    def test_passes_when_balances_equal_the_ledger(self, product, warehouse, capsys):
        inventory_adjust(product=product, warehouse=warehouse, bucket="fulfillable", quantity=7, reason="adjustment")
        call_command("verify_inventory")
        assert "OK: 1 balances" in capsys.readouterr().out

    def test_fails_naming_the_bucket_when_a_balance_was_changed_behind_the_ledger(self, product, warehouse, capsys):
        inventory_adjust(product=product, warehouse=warehouse, bucket="fulfillable", quantity=7, reason="adjustment")
        InventoryBalance.objects.filter(product=product).update(fulfillable=9)
        with pytest.raises(CommandError, match="1 inventory discrepancies"):
            call_command("verify_inventory")
        assert "fulfillable: balance 9 != ledger 7" in capsys.readouterr().err


# --- Property: random operation sequences keep balances = ledger and never negative ---------

operation = st.tuples(
    st.sampled_from(["add", "remove", "move"]),
    st.integers(min_value=0, max_value=1),  # product index
    st.integers(min_value=0, max_value=1),  # warehouse index
    st.sampled_from(BUCKETS),
    st.sampled_from(BUCKETS),
    st.integers(min_value=1, max_value=20),
)


class InventoryPropertyTests(HypothesisTestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operations=st.lists(operation, min_size=1, max_size=25))
    def test_random_operations_keep_balances_equal_to_ledger_and_non_negative(self, operations):
        merchant = MerchantFactory()
        products = [ProductFactory(merchant=merchant) for _ in range(2)]
        warehouses = [WarehouseFactory() for _ in range(2)]
        expected: dict[tuple[int, int, str], int] = {}

        for op, p, w, bucket, other_bucket, quantity in operations:
            product, warehouse = products[p], warehouses[w]
            key = (product.pk, warehouse.pk)
            have = expected.get((*key, bucket), 0)
            try:
                if op == "add":
                    inventory_adjust(
                        product=product, warehouse=warehouse, bucket=bucket, quantity=quantity, reason="adjustment"
                    )
                    expected[(*key, bucket)] = have + quantity
                elif op == "remove":
                    inventory_adjust(
                        product=product, warehouse=warehouse, bucket=bucket, quantity=-quantity, reason="adjustment"
                    )
                    expected[(*key, bucket)] = have - quantity
                else:
                    inventory_move(
                        product=product,
                        warehouse=warehouse,
                        quantity=quantity,
                        from_bucket=bucket,
                        to_bucket=other_bucket,
                        reason="adjustment",
                    )
                    expected[(*key, bucket)] = have - quantity
                    expected[(*key, other_bucket)] = expected.get((*key, other_bucket), 0) + quantity
                assert have - quantity >= 0 or op == "add", "the service let a bucket go negative"
            except InsufficientStock:
                assert op != "add" and have < quantity, "refused a change the stock could take"
            except InventoryError:
                assert op == "move" and bucket == other_bucket, "refused a valid change"

        assert inventory_discrepancies() == []
        for balance in InventoryBalance.objects.filter(merchant=merchant):
            for bucket in BUCKETS:
                value = getattr(balance, bucket)
                assert value >= 0
                assert value == expected.get((balance.product_id, balance.warehouse_id, bucket), 0)


# --- Concurrency: real transactions on PostgreSQL -------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_oversell(merchant, warehouse):
    product = ProductFactory(merchant=merchant)
    inventory_adjust(product=product, warehouse=warehouse, bucket="fulfillable", quantity=15, reason="adjustment")
    threads_count, wanted = 24, 1
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def reserve():
        try:
            barrier.wait()
            inventory_move(
                product=product,
                warehouse=warehouse,
                quantity=wanted,
                from_bucket="fulfillable",
                to_bucket="reserved",
                reason="order_reserved",
            )
            result = "ok"
        except InsufficientStock:
            result = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=reserve) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    balance = balance_of(product, warehouse)
    assert outcomes.count("ok") == 15 and outcomes.count("refused") == threads_count - 15
    assert (balance.fulfillable, balance.reserved) == (0, 15)
    assert inventory_discrepancies() == []


@pytest.mark.django_db
def test_inventory_apply_runs_the_same_queries_for_one_row_or_fifty(merchant):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    warehouse = WarehouseFactory()
    products = [ProductFactory(merchant=merchant) for _ in range(50)]

    def apply(count: int) -> int:
        with CaptureQueriesContext(conn) as queries:
            inventory_apply(
                merchant_id=merchant.pk,
                changes=[StockChange(p.pk, warehouse.pk, "fulfillable", 3) for p in products[:count]],
                reason="adjustment",
            )
        return len(queries)

    assert apply(1) == apply(50)
    assert InventoryBalance.objects.filter(fulfillable=3).count() == 49
    assert InventoryBalance.objects.filter(fulfillable=6).count() == 1
