"""Hostile requests are refused at the door, in the error envelope, before any view, DRF or
not (dj-stripe's webhook, the admin), gets to read them:

- a body declared larger than ``REQUEST_MAX_BODY_BYTES`` is a 413 ``request_too_large``
  without being read (one streamed without a length is caught where it is read: Django's
  ``RequestDataTooBig``, below and in core.exceptions, and core.parsers);
- a NUL character or a lone surrogate in the path is a 404 (no route has one), and in a
  query parameter (name or value) a 400 naming the parameter: PostgreSQL refuses NUL in
  text, so every filter and lookup fed from the query string would otherwise be a 500.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

from .exceptions import error_body
from .parsers import (
    FORBIDDEN_CHARACTERS,
    max_body_bytes,
    printable,
    refusal_for,
    too_large_detail,
)

TOO_LARGE = "request_too_large"


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return _too_large()
        return None

    def _refusal(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_body_bytes():
            return _too_large()
        if FORBIDDEN_CHARACTERS.search(request.path_info):
            return JsonResponse(error_body("not_found", "Not found."), status=404)
        for name, values in request.GET.lists():
            for text in (name, *values):
                found = FORBIDDEN_CHARACTERS.search(text)
                if found is not None:
                    return _bad_parameter(name, found.group())
        return None


def _too_large() -> JsonResponse:
    return JsonResponse(error_body(TOO_LARGE, too_large_detail(max_body_bytes())), status=413)


def _bad_parameter(name: str, character: str) -> JsonResponse:
    code, detail = refusal_for(character)
    body = error_body(code, detail, attr=printable(name), kind="validation_error")
    return JsonResponse(body, status=400)
