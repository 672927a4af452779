"""One error envelope for every failure (API.md): ``{type, errors: [{code, detail, attr}]}``.

Services raise :class:`DomainError` (or a subclass) with a code, a human message and,
when a field is at fault, its name; the handler below turns it into the envelope. Views
never build error responses by hand.
"""

from typing import Any

from drf_standardized_errors.handler import ExceptionHandler as BaseExceptionHandler
from drf_standardized_errors.handler import exception_handler as standardized_handler
from rest_framework import exceptions, status
from rest_framework.response import Response


class DomainError(Exception):
    """A refusal by a service: 400 by default, naming the field in ``attr`` when there is one."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        attr: str | None = None,
        fields: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.code
        self.attr = attr
        # Several fields at fault at once: {attr: detail}, one error each in the envelope.
        self.fields = fields or {}


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class ServiceUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class _DomainAPIException(exceptions.APIException):
    def __init__(self, error: DomainError):
        self.status_code = error.status_code
        super().__init__(detail=error.detail, code=error.code)


class ExceptionHandler(BaseExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DomainError):
            if exc.status_code == status.HTTP_400_BAD_REQUEST:
                fields = exc.fields or {exc.attr or "non_field_errors": exc.detail}
                return exceptions.ValidationError(
                    {
                        attr: [exceptions.ErrorDetail(detail, code=exc.code)]
                        for attr, detail in fields.items()
                    }
                )
            return _DomainAPIException(exc)
        return super().convert_known_exceptions(exc)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    return standardized_handler(exc, context)


def error_body(code: str, detail: str, *, attr: str | None = None, kind: str = "client_error"):
    """The envelope for the few responses made outside DRF (Django 404/500, health, socket)."""
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}
