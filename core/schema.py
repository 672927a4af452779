"""The OpenAPI document says every answer an operation can give (docs/API.md, errors).

``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`` is :class:`AutoSchema`: drf-standardized-errors'
schema, which documents the errors DRF itself raises (400 from serializers and filtersets,
401, 403, 404, 405, 406, 415, 429, 500), extended with what this project adds:

- statuses every operation of a kind shares: 401 ``token_not_valid`` with a bearer token,
  413 ``request_too_large`` with a body (core.middleware, core.parsers), 400
  ``invalid_cursor`` naming ``cursor`` on cursor-paginated lists, 409 on
  ``Idempotency-Key`` writes, and the 400s of hostile input (unparseable or too deep JSON,
  NUL or lone surrogates in any field or query parameter);
- each operation's own refusals, declared next to the view as ``error_codes``::

      class BillingView(APIView):
          error_codes = {503: ["billing_unavailable", "stripe_unavailable"]}

      class PostViewSet(...):
          error_codes = {
              403: ["edit_window_closed"],                 # every operation of the view
              400: {"content": ["blank"], "project": ["invalid"]},   # attr -> codes
              "create": {429: ["throttled"]},              # one action (or method) only
          }

  A status maps to the ``code`` values it can carry; 400 maps attrs (a query parameter or
  a body field; ``"content.*"`` for any path under ``content``) to codes, or names a
  serializer whose fields' codes apply (a query-parameter serializer). Entries of the
  view's classes add up along the MRO.

A status named in ``extend_schema(responses=...)`` with an error serializer keeps its
description; its body is replaced by the envelope above, with the codes that serializer
listed added to the status' ``code`` enum. So every error body has one shape per status
and operation, and its ``code`` enum lists what the operation can answer.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer
from drf_standardized_errors import openapi as standardized
from drf_standardized_errors.openapi_serializers import (
    ClientErrorEnum,
    ServerErrorEnum,
    ValidationErrorEnum,
)
from drf_standardized_errors.openapi_utils import (
    get_flat_serializer_fields,
    get_serializer_fields_with_error_codes,
)
from drf_standardized_errors.settings import package_settings
from inflection import camelize
from rest_framework import serializers
from rest_framework.pagination import CursorPagination

# 400 ``client_error``: a body that is not JSON, or nested too deep (core.parsers), or a
# request Django refuses before any view (core.views.bad_request).
CLIENT_ERROR_400 = ("parse_error", "nesting_too_deep", "bad_request")
# 400 ``validation_error`` for NUL or a lone surrogate in any string of a body or in any
# query parameter (core.parsers, core.middleware): the attr is wherever it was found.
HOSTILE_CODES = ("null_characters_not_allowed", "surrogate_characters_not_allowed")
# A bearer token: missing, malformed or expired, of a user who is gone, or from before a
# password change (simplejwt, accounts).
CODES_401 = (
    "authentication_failed",
    "not_authenticated",
    "token_not_valid",
    "user_not_found",
    "user_inactive",
    "bad_authorization_header",
    "password_changed",
)
STOCK_CODES = {
    "403": ("permission_denied",),
    "404": ("not_found",),
    "405": ("method_not_allowed",),
    "406": ("not_acceptable",),
    "413": ("request_too_large",),
    "415": ("unsupported_media_type",),
    "429": ("throttled",),
    "500": ("error",),
}
GENERIC_CODES = {"409": ("conflict",), "503": ("service_unavailable",)}
IDEMPOTENCY_CONFLICTS = ("idempotency_in_progress", "idempotency_key_reused")
CURSOR_ERRORS = {"cursor": {"invalid_cursor"}}
# The item of HOSTILE_CODES, whatever the attr (not a name a field can have).
ANY_ATTR = "\x00any"

AttrCodes = dict[str | None, set[str]]


class AutoSchema(standardized.AutoSchema):
    # --- which statuses, with which codes ---------------------------------------------

    def _get_response_bodies(self, direction="response"):
        if direction != "response":
            return super()._get_response_bodies(direction)
        declared = self.get_response_serializers()
        self._declared_errors = {}
        if isinstance(declared, dict):
            kept = {}
            for key, value in declared.items():
                status = str(key[0] if isinstance(key, tuple) else key)
                if int(status) >= 400:
                    self._declared_errors[status] = value
                else:
                    kept[key] = value
            # The success responses go through drf-spectacular as declared; the errors
            # are made below, one envelope per status.
            self.get_response_serializers = lambda: kept
        try:
            responses = super()._get_response_bodies(direction)
        finally:
            self.__dict__.pop("get_response_serializers", None)
        for status, value in self._declared_errors.items():
            if isinstance(value, OpenApiResponse) and value.description and status in responses:
                responses[status]["description"] = value.description
        return dict(sorted(responses.items()))

    def _get_allowed_error_status_codes(self) -> list[str]:
        statuses = set(super()._get_allowed_error_status_codes())
        statuses |= {"409", "413", "503"}
        statuses |= set(self._declared_codes())
        statuses |= set(getattr(self, "_declared_errors", {}))
        return sorted(statuses)

    def _should_add_error_response(self, responses, status_code: str) -> bool:
        if status_code in responses:
            return False
        if status_code in getattr(self, "_declared_errors", {}) or self._declared_codes().get(
            status_code
        ):
            return True
        if status_code == "400":
            return True  # any query string can carry NUL: core.middleware's 400
        if status_code == "409":
            return self._is_idempotent()
        if status_code == "413":
            return self._has_body()
        if status_code == "503":
            return False
        return super()._should_add_error_response(responses, status_code)

    def _get_error_response_serializer(self, status_code: str):
        if status_code == "400":
            return self._get_http400_serializer()
        codes = self._codes_for(status_code)
        kind = ServerErrorEnum if int(status_code) >= 500 else ClientErrorEnum
        return error_response_serializer(status_code, kind, tuple(sorted(codes)))

    def _codes_for(self, status_code: str) -> set[str]:
        codes = set(CODES_401 if status_code == "401" else STOCK_CODES.get(status_code, ()))
        if status_code == "409" and self._is_idempotent():
            codes |= set(IDEMPOTENCY_CONFLICTS)
        codes |= set(self._declared_codes().get(status_code) or ())
        codes |= _codes_of(getattr(self, "_declared_errors", {}).get(status_code))
        # 409 and 503 have no code of their own: an operation names its conflicts and the
        # services it waits for; the generic code stands in when it names none.
        return codes or set(GENERIC_CODES.get(status_code, ()))

    def _declared_codes(self) -> dict[str, object]:
        """The view's ``error_codes`` for this operation, statuses as strings."""
        view = self.view
        merged: dict[str, object] = {}
        action = getattr(view, "action", None) or (self.method or "").lower()
        for klass in reversed(type(view).__mro__):
            spec = klass.__dict__.get("error_codes")
            if not spec:
                continue
            for part in (spec, spec.get(action) or {}):
                for status, codes in part.items():
                    if isinstance(status, str) and not status.isdigit():
                        continue
                    status = str(status)
                    if status == "400":
                        merged.setdefault("400", []).append(codes)
                    else:
                        merged.setdefault(status, set()).update(codes)
        return merged

    def _is_idempotent(self) -> bool:
        return any(
            isinstance(parameter, OpenApiParameter) and parameter.name == "Idempotency-Key"
            for parameter in self.get_override_parameters()
        )

    def _has_body(self) -> bool:
        if self.method not in ("PUT", "PATCH", "POST", "DELETE"):
            return False
        return self._get_request_body() is not None

    # --- 400 --------------------------------------------------------------------------

    def _should_add_validation_error_response(self) -> bool:
        return True

    def _get_http400_serializer(self):
        operation_id = self.get_operation_id()
        return PolymorphicProxySerializer(
            component_name=f"{camelize(operation_id)}ErrorResponse400",
            serializers={
                ValidationErrorEnum.VALIDATION_ERROR.value: (
                    self._get_serializer_for_validation_error_response()
                ),
                ClientErrorEnum.CLIENT_ERROR.value: error_response_serializer(
                    "400", ClientErrorEnum, CLIENT_ERROR_400
                ),
            },
            resource_type_field_name="type",
        )

    def _determine_fields_with_error_codes(self):
        fields = super()._determine_fields_with_error_codes()
        if self.method == "DELETE" and self._has_body():
            # A DELETE that documents a body (accounts' DeleteWithBodySchema) validates it.
            serializer = self.get_request_serializer()
            fields += get_serializer_fields_with_error_codes(get_flat_serializer_fields(serializer))
        return fields

    def _get_serializer_for_validation_error_response(self):
        by_attr: AttrCodes = defaultdict(set)
        for field in self._determine_fields_with_error_codes():
            by_attr[field.name].update(field.error_codes)
        for attr, codes in self._get_extra_validation_errors().items():
            by_attr[attr].update(codes)
        for spec in self._declared_codes().get("400", []):
            for attr, codes in _attr_codes(spec).items():
                by_attr[attr].update(codes)
        for parameter in self.get_override_parameters():
            if is_serializer_class(parameter):
                for attr, codes in _attr_codes(parameter).items():
                    by_attr[attr].update(codes)
        if isinstance(self._get_paginator(), CursorPagination) and self._is_list_view():
            for attr, codes in CURSOR_ERRORS.items():
                by_attr[attr].update(codes)
        if self._is_idempotent():
            by_attr["Idempotency-Key"].update({"invalid", "max_length", "blank"})
        return validation_error_serializer(self.get_operation_id(), by_attr)


# --- the serializers behind the error components ------------------------------------------


@functools.cache
def error_response_serializer(status: str, kind: type, codes: tuple[str, ...]):
    """The envelope of one status with these codes; one component per set of codes."""
    suffix = package_settings.ERROR_COMPONENT_NAME_SUFFIX
    name = "".join(camelize(code) for code in codes)
    if status == "400":
        name = f"ClientErrorResponse400{name}"
    else:
        name = f"ErrorResponse{status}{name}"

    class Error(serializers.Serializer):
        code = serializers.ChoiceField(choices=[(code, code) for code in codes])
        detail = serializers.CharField()
        attr = serializers.CharField(allow_null=True)

        class Meta:
            ref_name = f"{name}{suffix}"

    class Response(serializers.Serializer):
        type = serializers.ChoiceField(choices=kind.choices)
        errors = Error(many=True)

        class Meta:
            ref_name = name

    return Response


def validation_error_serializer(operation_id: str, by_attr: AttrCodes):
    """drf-standardized-errors' 400 ``validation_error`` body, with three changes:

    - attrs with a list index or a dict key (``answers.INDEX.choice``) or a wildcard
      (``content.*``) match by pattern, as the errors name the real index or key;
    - NUL and lone surrogates may be reported for any attr (``HOSTILE_CODES``), so they
      have one item schema of their own, with any attr;
    - the items are told apart by their ``attr`` and ``code`` (``oneOf``) without a
      discriminator, which would refuse the attrs no schema can list in advance.
    """
    operation = camelize(operation_id)
    suffix = package_settings.ERROR_COMPONENT_NAME_SUFFIX
    items = {}
    for attr, codes in sorted(by_attr.items(), key=lambda item: str(item[0])):
        codes = sorted(set(codes) - set(HOSTILE_CODES))
        if not codes:
            continue
        component = f"{operation}{camelize(_component_part(attr))}{suffix}"
        items[attr] = _item_serializer(component, attr, tuple(codes))
    items[ANY_ATTR] = _item_serializer(f"{operation}AnyAttr{suffix}", ANY_ATTR, HOSTILE_CODES)

    class ValidationError(serializers.Serializer):
        type = serializers.ChoiceField(choices=ValidationErrorEnum.choices)
        errors = PolymorphicProxySerializer(
            component_name=f"{operation}Error",
            serializers=list(items.values()),
            resource_type_field_name=None,
            many=True,
        )

        class Meta:
            ref_name = f"{operation}ValidationError"

    return ValidationError


def _item_serializer(component: str, attr: str | None, codes: tuple[str, ...]):
    if attr == ANY_ATTR:
        attr_field = serializers.CharField(allow_null=True)
    elif attr is None:
        attr_field = serializers.ChoiceField(choices=[("non_field_errors",) * 2], allow_null=True)
    elif _is_pattern(attr):
        attr_field = serializers.RegexField(_attr_pattern(attr))
    else:
        attr_field = serializers.ChoiceField(choices=[(attr, attr)])

    class Item(serializers.Serializer):
        attr = attr_field
        code = serializers.ChoiceField(choices=[(code, code) for code in codes])
        detail = serializers.CharField()

        class Meta:
            ref_name = component

    return Item


def _is_pattern(attr: str) -> bool:
    parts = attr.split(".")
    placeholders = {
        package_settings.LIST_INDEX_IN_API_SCHEMA,
        package_settings.DICT_KEY_IN_API_SCHEMA,
        "*",
    }
    return any(part in placeholders for part in parts)


def _attr_pattern(attr: str) -> str:
    pieces = []
    for part in attr.split("."):
        if part == package_settings.LIST_INDEX_IN_API_SCHEMA:
            pieces.append(r"\d+")
        elif part == "*":
            # Any key a client may send: empty, dotted, or with a line break in it.
            pieces.append(r"[\s\S]*")
        elif part == package_settings.DICT_KEY_IN_API_SCHEMA:
            pieces.append(r"[\s\S]*")
        else:
            pieces.append(re.escape(part))
    return "^" + r"\.".join(pieces) + "$"


def _component_part(attr: str | None) -> str:
    if attr is None:
        return "non_field_errors"
    return re.sub(r"[^0-9A-Za-z]+", "_", attr.replace("*", "any")).strip("_")


def _attr_codes(spec) -> AttrCodes:
    """``{attr: codes}``, a list of codes (no attr: ``non_field_errors``) or a serializer."""
    result: AttrCodes = defaultdict(set)
    if is_serializer_class(spec) or isinstance(spec, serializers.BaseSerializer):
        fields = get_flat_serializer_fields(spec if not inspect.isclass(spec) else spec())
        for field in get_serializer_fields_with_error_codes(fields):
            result[field.name].update(field.error_codes)
    elif isinstance(spec, Mapping):
        for attr, codes in spec.items():
            result[attr].update(codes)
    elif isinstance(spec, Iterable) and not isinstance(spec, str):
        result["non_field_errors"].update(spec)
    return result


def _codes_of(declared) -> set[str]:
    """The ``code`` choices of an error serializer given in ``extend_schema(responses=)``."""
    if isinstance(declared, OpenApiResponse):
        declared = declared.response
    if declared is None:
        return set()
    serializer = declared() if inspect.isclass(declared) else declared
    if not isinstance(serializer, serializers.BaseSerializer):
        return set()
    errors = getattr(serializer, "fields", {}).get("errors")
    child = getattr(errors, "child", None)
    code = getattr(child, "fields", {}).get("code") if child is not None else None
    return set(getattr(code, "choices", {}) or ())


def is_serializer_class(value) -> bool:
    return inspect.isclass(value) and issubclass(value, serializers.BaseSerializer)


# --- responses views share --------------------------------------------------------------

# 429 of an operation that takes AI quota (ai.quotas, core.throttles.AIThrottle): the body is
# the one envelope of AutoSchema, its ``code`` enum gains ``quota_exceeded``.
AI_QUOTA_EXCEEDED = OpenApiResponse(
    error_response_serializer("429", ClientErrorEnum, ("quota_exceeded", "throttled")),
    "`throttled`: too many AI requests a minute; `quota_exceeded`: the plan's daily quota "
    "of the feature is used up. `Retry-After` says when to try again.",
)
