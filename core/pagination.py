"""Pagination for every list (API.md): page numbers where a count is cheap, cursors for
feeds and history. ``?page_size=`` is honoured up to 100."""

from rest_framework import pagination

MAX_PAGE_SIZE = 100


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class CursorPagination(pagination.CursorPagination):
    """Newest first by default; a view sets ``ordering`` for another key."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-created_at", "-id")
