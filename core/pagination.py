"""Pagination for every list (docs/API.md): page numbers where a count is cheap, cursors for
feeds and history. ``?page_size=`` is honoured up to 100."""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from rest_framework import pagination, serializers
from rest_framework.exceptions import ErrorDetail, NotFound

from .parsers import FORBIDDEN_CHARACTERS

MAX_PAGE_SIZE = 100


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class CursorPagination(pagination.CursorPagination):
    """Newest first by default; a view sets ``ordering`` for another key.

    ``?cursor=`` takes only what this class itself handed out in ``next``/``previous``: a
    cursor that does not decode, or whose position does not fit the type of the first
    ordering field (``p=2024`` where a timestamp belongs, a NUL character), is a 400
    ``invalid_cursor`` with ``attr`` ``cursor``, never a database error. (DRF answers a
    cursor it cannot decode with a 404 and lets a position of the wrong type reach the
    query.)
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-created_at", "-id")
    invalid_cursor_message = "Invalid cursor."

    def paginate_queryset(self, queryset, request, view=None):
        # decode_cursor checks the position against the ordering field's type, which only
        # the queryset (its model, its annotations) can tell.
        self._queryset = queryset
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise self._invalid() from None
        if cursor is None or cursor.position is None:
            return cursor
        if FORBIDDEN_CHARACTERS.search(cursor.position):
            raise self._invalid()
        field = _ordering_field(self._queryset, self.ordering[0].lstrip("-"))
        if field is not None:
            try:
                field.get_prep_value(field.to_python(cursor.position))
            except (ValidationError, ValueError, TypeError, OverflowError):
                raise self._invalid() from None
        return cursor

    def _invalid(self) -> serializers.ValidationError:
        return serializers.ValidationError(
            {
                self.cursor_query_param: [
                    ErrorDetail(self.invalid_cursor_message, code="invalid_cursor")
                ]
            }
        )


def _ordering_field(queryset, name: str):
    """The model field (or annotation's output field) a cursor position is compared with."""
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    try:
        return queryset.model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
