"""Writing many rows' fields at once, faster than ``QuerySet.bulk_update``.

Django's ``bulk_update`` builds one ``CASE WHEN`` per row and field, which costs milliseconds per
row to compile and to execute. On PostgreSQL one ``UPDATE … FROM (VALUES …)`` does the same
work set-based; elsewhere (SQLite) an ``executemany`` of one prepared ``UPDATE`` is fast.
"""

from django.db import connection


def rows_update(objects: list, fields: list[str], *, batch_size: int = 5000) -> None:
    """Write ``fields`` of ``objects`` (model instances with primary keys) to their rows."""
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    table = connection.ops.quote_name(meta.db_table)
    pk = meta.pk

    def values(obj) -> list:
        return [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            casts = [pk.db_type(connection), *(field.db_type(connection) for field in columns)]
            names = ["id", *(field.column for field in columns)]
            assignments = ", ".join(
                f"{connection.ops.quote_name(f.column)} = v.{connection.ops.quote_name(f.column)}" for f in columns
            )
            for start in range(0, len(objects), batch_size):
                chunk = objects[start : start + batch_size]
                row = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
                # Identifiers come from model metadata, every value is a parameter.
                rows = ", ".join([row] * len(chunk))
                aliases = ", ".join(connection.ops.quote_name(n) for n in names)
                key = connection.ops.quote_name(pk.column)
                sql = f"UPDATE {table} AS t SET {assignments} FROM (VALUES {rows}) AS v({aliases}) WHERE t.{key} = v.id"  # noqa: S608
                params = [p for obj in chunk for p in (obj.pk, *values(obj))]
                cursor.execute(sql, params)
        else:
            assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in columns)
            sql = f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name(pk.column)} = %s"  # noqa: S608
            cursor.executemany(sql, [[*values(obj), obj.pk] for obj in objects])
