"""Serializer fields shared by every app.

Related fields: DRF's ``PrimaryKeyRelatedField`` and ``SlugRelatedField`` hand whatever the
client sent to ``queryset.get(...)``. A list, a dict or a nested list there is walked by the
ORM (deep enough, past the recursion limit), a string the model field cannot convert (``"x"``
for a UUID) raises Django's ``ValidationError``, which DRF does not catch, and a NUL
character reaches PostgreSQL: each was a 500. These accept only a scalar that the lookup
field can convert, and refuse anything else with a 400 naming the field. Serializers use
them instead of DRF's (core/tests/test_hostile_input.py checks that every serializer does).
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .parsers import FORBIDDEN_CHARACTERS, refusal_for

_SCALARS = (str, int, uuid.UUID)


class ScalarLookupMixin:
    """Refuses, before any query, a value that cannot be a lookup: a list, a dict, a bool,
    a float, a string with NUL or a lone surrogate, or one the model field cannot convert."""

    incorrect_type_error = "incorrect_type"

    def lookup_field_name(self) -> str:
        return "pk"

    def to_internal_value(self, data):
        pk_field = getattr(self, "pk_field", None)
        if pk_field is not None:
            # A field that converts the pk first keeps its own errors ("Must be a valid UUID.").
            data = pk_field.to_internal_value(data)
        if isinstance(data, bool) or not isinstance(data, _SCALARS):
            self._fail_type(data)
        if isinstance(data, str):
            found = FORBIDDEN_CHARACTERS.search(data)
            if found is not None:
                code, detail = refusal_for(found.group())
                raise serializers.ValidationError(detail, code=code)
        model_field = self._model_field()
        if model_field is not None:
            # A string the model field cannot convert raises Django's ValidationError here,
            # which the serializer reports as "invalid" on this field (as it did before);
            # it must not reach the query, where PostgreSQL would fail on it.
            try:
                model_field.get_prep_value(model_field.to_python(data))
            except DjangoValidationError:
                raise
            except (ValueError, TypeError, OverflowError):
                self._fail_type(data)
        return super().to_internal_value(data)

    def _model_field(self):
        queryset = self.get_queryset()
        if queryset is None:
            return None
        name = self.lookup_field_name()
        if "__" in name:
            return None
        meta = queryset.model._meta
        return meta.pk if name == "pk" else meta.get_field(name)

    def _fail_type(self, data):
        self.fail(self.incorrect_type_error, data_type=type(data).__name__)


class PrimaryKeyRelatedField(ScalarLookupMixin, serializers.PrimaryKeyRelatedField):
    pass


class SlugRelatedField(ScalarLookupMixin, serializers.SlugRelatedField):
    default_error_messages = {
        "incorrect_type": "Incorrect type. Expected a slug, received {data_type}.",
    }

    def lookup_field_name(self) -> str:
        return self.slug_field
