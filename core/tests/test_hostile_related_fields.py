"""Hostile ids never give a 500: related fields (core.fields)."""

import pytest
from django.urls import get_resolver
from rest_framework import serializers as drf_serializers

from community.tests.factories import TierFactory
from core import fields as core_fields

from .hostile_helpers import (
    incorrect_type,
    null_in,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("tier", "detail"),
    [
        ([[["gold"]]], "Incorrect type. Expected a slug, received list."),
        ({"slug": "gold"}, "Incorrect type. Expected a slug, received dict."),
        (True, "Incorrect type. Expected a slug, received bool."),
        (1.5, "Incorrect type. Expected a slug, received float."),
    ],
)
def test_a_slug_field_given_a_wrong_type_is_a_400_naming_it(staff_api, member, tier, detail):
    # given
    TierFactory(slug="gold")

    # when
    response = staff_api.patch(f"/api/v1/community/members/{member.pk}/tier", {"tier": tier})

    # then
    assert response.status_code == 400
    assert response.json() == incorrect_type("tier", detail)


def test_a_nul_in_a_tier_change_is_a_400_naming_the_field(staff_api, member):
    # when
    response = staff_api.patch(
        f"/api/v1/community/members/{member.pk}/tier",
        '{"tier": "gold\\u0000"}',
        content_type="application/json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == null_in("tier")


@pytest.mark.parametrize(
    ("project", "code", "detail"),
    [
        ([[["x"]]], "incorrect_type", "Incorrect type. Expected pk value, received list."),
        ({"id": "x"}, "incorrect_type", "Incorrect type. Expected pk value, received dict."),
        (1.5, "incorrect_type", "Incorrect type. Expected pk value, received float."),
        ("not-a-uuid", "invalid", "\u201cnot-a-uuid\u201d is not a valid UUID."),
    ],
)
def test_a_primary_key_field_given_a_wrong_type_is_a_400_naming_it(
    member_api, premium_member, offline_ai, project, code, detail
):
    # when
    response = member_api.post(
        "/api/v1/coaching/tools/roadmap/generate",
        {"prompt": "Become a data analyst", "project": project},
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [{"code": code, "detail": detail, "attr": "project"}],
    }


def _project_serializers():
    pending = [drf_serializers.BaseSerializer]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        module = cls.__module__.split(".")[0]
        if module in {"accounts", "ai", "billing", "coaching", "community", "notifications"}:
            yield cls


def test_every_declared_related_field_refuses_what_cannot_be_a_lookup():
    # given: every serializer is imported with the URLconf
    assert get_resolver().url_patterns

    # when
    raw = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _project_serializers()
        for name, field in getattr(cls, "_declared_fields", {}).items()
        if isinstance(field, drf_serializers.RelatedField)
        and not field.read_only
        and not isinstance(field, core_fields.ScalarLookupMixin)
    ]

    # then: use core.fields.PrimaryKeyRelatedField / SlugRelatedField
    assert raw == []
