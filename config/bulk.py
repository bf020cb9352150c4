"""Writing many rows at once, faster than ``QuerySet.bulk_update`` and ``bulk_create``.

Django's ``bulk_update`` builds one ``CASE WHEN`` per row and field, which costs milliseconds per
row to compile and to execute. On PostgreSQL one statement per batch does the same work
set-based, with one array parameter per column (``UPDATE … FROM unnest(%s, %s, …)``,
``INSERT … SELECT FROM unnest(…)``): the statement is the same whatever the batch size, so it is
planned at once and binds a handful of parameters instead of one per value. Elsewhere (SQLite)
an ``executemany`` of one prepared statement is fast.

Each array goes to PostgreSQL as one string in its text form (``{"a","b",NULL}``), built here
with string joins: psycopg adapts a Python list element by element, which for a few thousand rows
costs many times what the statement itself does.
"""

from django.db import connection, models

# Fields whose Python value the driver adapts as it is (no per-value preparation needed).
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateTimeField,
    models.DecimalField,
    models.ForeignKey,
)


def _preparer(field):
    """``None`` when the driver takes the Python value as it is (PostgreSQL, plain fields)."""
    if connection.vendor == "postgresql" and isinstance(field, _PLAIN):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _array_type(field) -> str:
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    if isinstance(field, models.AutoField | models.BigAutoField):
        return "bigint[]"
    return f"{field.db_type(connection)}[]"


def _columns(model, names: list[str]):
    return [model._meta.get_field(name) for name in names]


# Markers no value can contain: PostgreSQL text never holds a NUL character.
_SEPARATOR, _NULL = "\x00,", "\x00N"


def array_literal(values) -> str:
    """PostgreSQL's text form of an array of ``values`` (str, int, Decimal, float, bool, date,
    datetime or None, each written as ``str()`` writes it), for a parameter cast to the column's
    array type: every element quoted, backslashes and quotes escaped, ``None`` as NULL — with
    string operations over the whole array rather than a call per element."""
    texts = [_NULL if value is None else str(value) for value in values]
    if not texts:
        return "{}"
    body = _SEPARATOR.join(texts).replace("\\", "\\\\").replace('"', '\\"')
    return ('{"' + body.replace(_SEPARATOR, '","') + '"}').replace(f'"{_NULL}"', "NULL")


def _prepared(fields, columns) -> list:
    """Each column's values, ready for the driver: an array literal on PostgreSQL for the fields
    whose values need no preparation, else a list of prepared values."""
    prepared = []
    for field, values in zip(fields, columns, strict=True):
        prepare = _preparer(field)
        if prepare is None:
            prepared.append(array_literal(values))
        else:
            prepared.append([prepare(v) for v in values])
    return prepared


def _column_values(objects: list, fields) -> list[list]:
    return _prepared(fields, [[getattr(obj, field.attname) for obj in objects] for field in fields])


def rows_update(objects: list, fields: list[str], *, batch_size: int = 10000) -> None:
    """Write ``fields`` of ``objects`` (model instances with primary keys) to their rows."""
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    quote = connection.ops.quote_name
    columns = _columns(model, fields)
    table = quote(meta.db_table)
    key = quote(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(["id", *(quote(f.column) for f in columns)])
            arrays = ", ".join(f"%s::{_array_type(f)}" for f in [meta.pk, *columns])
            assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns)
            # Identifiers come from model metadata, every value is a parameter.
            sql = f"UPDATE {table} AS t SET {assignments} FROM unnest({arrays}) AS v({names}) WHERE t.{key} = v.id"  # noqa: S608
            for start in range(0, len(objects), batch_size):
                chunk = objects[start : start + batch_size]
                cursor.execute(sql, [array_literal(obj.pk for obj in chunk), *_column_values(chunk, columns)])
        else:
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in columns)
            sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608
            rows = zip(*_column_values(objects, columns), strict=True)
            cursor.executemany(sql, [[*row, obj.pk] for row, obj in zip(rows, objects, strict=True)])


def rows_insert(model, fields: list[str], rows: list[tuple], *, batch_size: int = 10000) -> None:
    """Insert ``rows`` (tuples of ``fields`` values; ids for foreign keys) into ``model``'s table:
    for append-only rows whose instances nobody reads back."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = _columns(model, fields)
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{_array_type(f)}" for f in columns)
            sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608
            for start in range(0, len(rows), batch_size):
                chunk = rows[start : start + batch_size]
                cursor.execute(sql, _prepared(columns, zip(*chunk, strict=True)))
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, list(zip(*_prepared(columns, zip(*rows, strict=True)), strict=True)))
