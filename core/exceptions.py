"""One error envelope for every failure (docs/API.md): ``{type, errors: [{code, detail, attr}]}``.

Services raise :class:`DomainError` (or a subclass) with a code, a human message and,
when a field is at fault, its name; the handler below turns it into the envelope. Views
never build error responses by hand.
"""

import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_standardized_errors.handler import ExceptionHandler as BaseExceptionHandler
from rest_framework import exceptions, status

# Defined beside the parser, which DRF's settings import while this module is loading.
from .parsers import RequestTooLarge


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
        wait: float | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.code
        self.attr = attr
        # Several fields at fault at once: {attr: detail}, one error each in the envelope.
        self.fields = fields or {}
        # Seconds until trying again makes sense: sent as Retry-After.
        self.wait = wait


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class FieldConflict(Conflict):
    """A 409 caused by one field's value (a duplicate email): ``attr`` names that field in
    the envelope, which drf-standardized-errors otherwise leaves empty for non-400s."""


class TooManyRequests(DomainError):
    """429: a limit of the caller's is used up for now; ``wait`` says for how long."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "throttled"


class ServiceUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class _DomainAPIException(exceptions.APIException):
    def __init__(
        self,
        detail: str,
        code: str,
        status_code: int,
        wait: float | None = None,
        attr: str | None = None,
    ):
        self.status_code = status_code
        self.attr = attr
        # drf-standardized-errors turns ``wait`` into the Retry-After header.
        self.wait = None if wait is None else math.ceil(wait)
        super().__init__(detail=detail, code=code)


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
            attr = exc.attr if isinstance(exc, FieldConflict) else None
            return _DomainAPIException(exc.detail, exc.code, exc.status_code, exc.wait, attr)
        if _is_detail_and_code(exc):
            # simplejwt reports token errors as {"detail", "code", "messages"}: one error,
            # not one per key.
            flat = _DomainAPIException(
                str(exc.detail["detail"]), str(exc.detail["code"]), exc.status_code
            )
            flat.auth_header = getattr(exc, "auth_header", None)
            return flat
        if isinstance(exc, RequestDataTooBig):
            # Django's own check of request.body (DATA_UPLOAD_MAX_MEMORY_SIZE, kept equal to
            # REQUEST_MAX_BODY_BYTES): a 413 like the middleware's, not a crash.
            return RequestTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return super().convert_known_exceptions(exc)

    def format_exception(self, exc):
        data = super().format_exception(exc)
        attr = getattr(exc, "attr", None)
        if isinstance(exc, _DomainAPIException) and attr:
            data["errors"][0]["attr"] = attr
        return data

    def report_exception(self, exc, response) -> None:
        # A refusal a service chose (a 503 "billing is not configured") is an answer, not a
        # crash: it is not sent to error monitoring as a server error.
        if isinstance(self.exc, DomainError):
            return
        super().report_exception(exc, response)


def _is_detail_and_code(exc: Exception) -> bool:
    return (
        isinstance(exc, exceptions.APIException)
        and not isinstance(exc, exceptions.ValidationError)
        and isinstance(exc.detail, dict)
        and {"detail", "code"} <= exc.detail.keys()
    )


def error_body(code: str, detail: str, *, attr: str | None = None, kind: str = "client_error"):
    """The envelope for the few responses made outside DRF (Django 404/500, health, socket)."""
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}
