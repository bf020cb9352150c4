"""Cursor pagination for every list of the API.

A page is ``{"next": url | null, "previous": url | null, "results": [...]}``: follow ``next``
until it is null. Cursors stay valid while rows are added (no row is skipped or repeated, unlike
page numbers), and no page counts the whole table. ``page_size`` (default 25) is capped at 200:
a small default keeps the common request (an integration polling the newest rows) cheap, and a
client that wants more asks for it.
"""

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    page_size = 25  # REST_FRAMEWORK["PAGE_SIZE"] is not read: this class sets its own
    page_size_query_param = "page_size"
    max_page_size = 200
    # Newest first. A viewset whose rows have no ``created_at`` names its own ``cursor_ordering``
    # (or ``get_cursor_ordering()``): unique or nearly unique, unchanging columns, the first one
    # the cursor's position.
    ordering = ("-created_at", "-id")

    def get_ordering(self, request, queryset, view):
        if hasattr(view, "get_cursor_ordering"):
            return tuple(view.get_cursor_ordering())
        return tuple(getattr(view, "cursor_ordering", self.ordering))

    def get_paginated_response_schema(self, schema):
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next page; null on the last one."},
                "previous": {**link, "description": "The previous page; null on the first one."},
                "results": schema,
            },
        }
