"""Server-side sortable, paginated tables: ``?sort=<column>`` (``-`` first: descending), ``?page=``."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import F, QuerySet


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    field: str = ""  # the queryset's field (or annotation) to order by; default: ``key``
    numeric: bool = False
    value: Callable | None = None  # for lists: the value to sort by; default: ``row[key]``


@dataclass(frozen=True)
class Header:
    label: str
    url: str
    aria_sort: str  # "ascending", "descending" or "none"
    numeric: bool


class SortedTable:
    """Orders ``rows`` (a queryset or a list) by the requested column and pages it."""

    def __init__(self, request, rows, columns: list[Column], *, default: str, per_page: int = 25):
        self.columns = {c.key: c for c in columns}
        wanted = request.GET.get("sort") or default
        key = wanted.lstrip("-")
        if key not in self.columns:
            wanted, key = default, default.lstrip("-")
        self.sort, self.descending = key, wanted.startswith("-")
        column = self.columns[key]
        if isinstance(rows, QuerySet):
            expression = F(column.field or column.key)
            order = expression.desc(nulls_last=True) if self.descending else expression.asc(nulls_last=True)
            rows = rows.order_by(order, "pk")
        else:
            value = column.value or (lambda row, k=key: row[k] if isinstance(row, dict) else getattr(row, k))
            present = [r for r in rows if value(r) is not None]
            missing = [r for r in rows if value(r) is None]
            rows = sorted(present, key=value, reverse=self.descending) + missing
        self.paginator = Paginator(rows, per_page)
        self.page_obj = self.paginator.get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        self.querystring = params.urlencode()
        self.headers = []
        for c in columns:
            params = {k: v for k, v in request.GET.items() if k not in ("page", "sort")}
            if c.key == self.sort:
                params["sort"] = c.key if self.descending else f"-{c.key}"
                aria = "descending" if self.descending else "ascending"
            else:
                params["sort"] = f"-{c.key}" if c.numeric else c.key
                aria = "none"
            self.headers.append(Header(c.label, "?" + urlencode(params), aria, c.numeric))

    @property
    def rows(self):
        return self.page_obj.object_list

    @property
    def is_paginated(self) -> bool:
        return self.paginator.num_pages > 1
