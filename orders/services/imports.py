"""CSV order import: upload once, processed by a Celery task in chunks, with a row-by-row report.

One row per order line; rows sharing a ``merchant_order_id`` make one order (its order-level
columns are read from its first row). Good orders land even when others fail; uploading the
same file again returns the first import (same checksum), and an order id already used is
reported as a duplicate, so a second run never creates anything.
"""

import csv
import hashlib
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from merchants.models import Merchant
from orders.models import Order, OrderImport
from orders.services.intake import ADDRESS_FIELDS, orders_intake

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
CHUNK_ORDERS = 250
ORDER_COLUMNS = ("merchant_order_id", "mode", "speed", "fulfillment_policy", "buyer_email", "currency")
LINE_COLUMNS = ("sku", "quantity", "unit_value")
REQUIRED_COLUMNS = ("merchant_order_id", "mode", "address_line1", "city", "country", "sku", "quantity")
ALL_COLUMNS = (*ORDER_COLUMNS, *ADDRESS_FIELDS, *LINE_COLUMNS)
TEMPLATE_HEADER = ",".join(ALL_COLUMNS)


def _rows(content: str) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(content))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    return header, list(reader)


@transaction.atomic
def order_import_create(*, merchant: Merchant, filename: str, data: bytes, user=None) -> tuple[OrderImport, bool]:
    """Store an upload and queue it; returns (import, created). The same file twice: the first import."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError({"file": f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."})
    checksum = hashlib.sha256(data).hexdigest()
    existing = OrderImport.objects.filter(merchant=merchant, checksum=checksum).first()
    if existing is not None:
        return existing, False
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError({"file": "The file is not UTF-8 text; save it as CSV UTF-8."}) from error
    try:
        header, rows = _rows(content)
    except csv.Error as error:
        raise ValidationError({"file": f"The file is not valid CSV: {error}."}) from error
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ValidationError({"file": f"Missing columns: {', '.join(missing)}. Expected: {TEMPLATE_HEADER}"})
    if not rows:
        raise ValidationError({"file": "The file has a header but no rows."})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": f"At most {MAX_ROWS:,} rows a file; split it."})
    order_import = OrderImport.objects.create(
        merchant=merchant,
        filename=filename[:200],
        checksum=checksum,
        content=content,
        total_rows=len(rows),
        created_by=user if getattr(user, "pk", None) else None,
    )
    from orders.tasks import process_order_import  # noqa: PLC0415 - tasks import services, not the reverse

    transaction.on_commit(lambda: process_order_import.delay(order_import.pk))
    return order_import, True


def _group(rows: list[dict]) -> list[tuple[list[int], dict]]:
    """(row numbers, order payload) per merchant order id, in first-seen order; row 1 is the header."""
    orders: dict[str, tuple[list[int], dict]] = {}
    for number, row in enumerate(rows, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        key = row.get("merchant_order_id", "") or f"(row {number})"
        if key not in orders:
            payload = {column: row.get(column, "") for column in ORDER_COLUMNS}
            payload["destination"] = {column: row.get(column, "") for column in ADDRESS_FIELDS}
            payload["lines"] = []
            orders[key] = ([], payload)
        numbers, payload = orders[key]
        numbers.append(number)
        payload["lines"].append({column: row.get(column, "") for column in LINE_COLUMNS})
    return list(orders.values())


def _report_errors(errors: dict[str, list[str]], rows: list[int]) -> list[str]:
    messages = []
    for key, texts in errors.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(rows):
            where = f"row {rows[int(parts[1])]}, {'.'.join(parts[2:]) or 'line'}"
        else:
            where = ".".join(parts[1:]) if parts[0] == "destination" else key or "order"
        messages.extend(f"{where}: {text}" for text in texts)
    return messages


def order_import_process(*, import_id: int) -> OrderImport:
    """Process an import in chunks (safe to run twice: finished imports are left alone)."""
    claimed = OrderImport.objects.filter(
        pk=import_id, status__in=[OrderImport.Status.PENDING, OrderImport.Status.PROCESSING]
    ).update(status=OrderImport.Status.PROCESSING)
    order_import = OrderImport.objects.select_related("merchant", "created_by").get(pk=import_id)
    if not claimed:
        return order_import
    _, rows = _rows(order_import.content)
    groups = _group(rows)
    # A resumed import (its worker died) starts after the orders it already reported.
    done = len(order_import.report)
    for start in range(done, len(groups), CHUNK_ORDERS):
        chunk = groups[start : start + CHUNK_ORDERS]
        results = orders_intake(
            merchant=order_import.merchant,
            payloads=[payload for _, payload in chunk],
            source=Order.Source.CSV,
            user=order_import.created_by,
            order_import=order_import,
        )
        report = []
        for (numbers, _), result in zip(chunk, results, strict=True):
            report.append(
                {
                    "rows": numbers,
                    "merchant_order_id": result.merchant_order_id,
                    "outcome": result.outcome,
                    "order_id": result.order.pk if result.order else result.existing_id,
                    "status": result.order.status if result.order else "",
                    "errors": _report_errors(result.errors, numbers),
                }
            )
        counts = {o: sum(1 for r in report if r["outcome"] == o) for o in ("created", "duplicate", "rejected")}
        with transaction.atomic():
            current = OrderImport.objects.select_for_update().get(pk=import_id)
            OrderImport.objects.filter(pk=import_id).update(
                report=current.report + report,
                processed_rows=F("processed_rows") + sum(len(numbers) for numbers, _ in chunk),
                created_orders=F("created_orders") + counts["created"],
                duplicate_orders=F("duplicate_orders") + counts["duplicate"],
                failed_rows=F("failed_rows") + sum(len(r["rows"]) for r in report if r["outcome"] == "rejected"),
            )
    OrderImport.objects.filter(pk=import_id).update(status=OrderImport.Status.DONE, finished_at=timezone.now())
    order_import.refresh_from_db()
    return order_import
