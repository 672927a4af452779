"""GET and PATCH /notifications/preferences: per kind, in_app and email."""

import pytest

from accounts.tests.helpers import errors_of
from notifications import kinds
from notifications.models import NotificationPreference

from .factories import NotificationPreferenceFactory

pytestmark = pytest.mark.django_db

PREFERENCES = "/api/v1/notifications/preferences"

DEFAULTS = {
    "verify_email_reminder": {
        "in_app": False,
        "email": True,
        "essential": True,
        "description": "A reminder to confirm your email address, a day after signing up.",
    },
    "welcome": {
        "in_app": True,
        "email": True,
        "essential": False,
        "description": "A welcome when you join, with how to get started.",
    },
}


def lifecycle(document: dict) -> dict:
    """The two kinds these tests use; every registered kind is in the document."""
    assert set(document) == {kind.name for kind in kinds.all_kinds()}
    return {name: document[name] for name in DEFAULTS}


def stored(member) -> list[tuple]:
    return list(
        NotificationPreference.objects.filter(user=member).values_list("kind", "in_app", "email")
    )


def test_every_kind_is_listed_with_its_defaults(member_api):
    response = member_api.get(PREFERENCES)

    assert response.status_code == 200
    assert lifecycle(response.json()) == DEFAULTS


def test_a_stored_choice_overrides_only_its_own_channel(member_api, member, other_member):
    # given
    NotificationPreferenceFactory(user=member, kind="welcome", email=False)
    NotificationPreferenceFactory(user=other_member, kind="welcome", in_app=False)

    # when
    response = member_api.get(PREFERENCES)

    # then
    assert response.json()["welcome"] == {**DEFAULTS["welcome"], "email": False}


def test_patch_changes_the_given_channels_only(member_api, member):
    # when
    response = member_api.patch(PREFERENCES, {"welcome": {"email": False}}, format="json")

    # then
    assert response.status_code == 200
    assert lifecycle(response.json()) == {
        **DEFAULTS,
        "welcome": {**DEFAULTS["welcome"], "email": False},
    }
    assert stored(member) == [("welcome", None, False)]


def test_patch_twice_updates_the_same_row(member_api, member):
    member_api.patch(PREFERENCES, {"welcome": {"email": False}}, format="json")

    response = member_api.patch(
        PREFERENCES, {"welcome": {"in_app": False, "email": True}}, format="json"
    )

    assert response.status_code == 200
    assert stored(member) == [("welcome", False, True)]


def test_an_essential_kind_cannot_be_switched_off(member_api, member):
    # when
    response = member_api.patch(
        PREFERENCES,
        {"welcome": {"email": False}, "verify_email_reminder": {"email": False}},
        format="json",
    )

    # then: refused, naming the field, and nothing changed (welcome neither)
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "essential", "attr": "verify_email_reminder.email"}]
    assert stored(member) == []


def test_sending_an_essential_kind_its_own_values_back_is_accepted(member_api, member):
    response = member_api.patch(
        PREFERENCES, {"verify_email_reminder": {"in_app": False, "email": True}}, format="json"
    )

    assert response.status_code == 200
    assert lifecycle(response.json()) == DEFAULTS
    assert stored(member) == []


def test_an_unknown_kind_is_a_400_naming_it(member_api, member):
    response = member_api.patch(PREFERENCES, {"no_such_kind": {"email": False}}, format="json")

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "unknown_kind", "attr": "no_such_kind"}]
    assert stored(member) == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"welcome": {"email": "sometimes"}}, {"code": "invalid", "attr": "welcome.email"}),
        ({"welcome": "off"}, {"code": "invalid", "attr": "welcome.non_field_errors"}),
        (["welcome"], {"code": "invalid", "attr": "non_field_errors"}),
    ],
)
def test_a_malformed_body_is_a_400_naming_the_field(member_api, member, body, error):
    response = member_api.patch(PREFERENCES, body, format="json")

    assert response.status_code == 400
    assert errors_of(response) == [error]
    assert stored(member) == []


@pytest.mark.parametrize("method", ["get", "patch"])
def test_preferences_need_authentication(api, method):
    response = getattr(api, method)(PREFERENCES, {"welcome": {"email": False}}, format="json")

    assert response.status_code == 401
    assert NotificationPreference.objects.count() == 0


def test_preferences_query_count_does_not_grow(member_api, member, django_assert_num_queries):
    # the token's user and the member's stored choices
    with django_assert_num_queries(2):
        member_api.get(PREFERENCES)
    NotificationPreferenceFactory(user=member, kind="welcome", email=False)
    NotificationPreferenceFactory(user=member, kind="retired_kind", email=False)

    with django_assert_num_queries(2):
        response = member_api.get(PREFERENCES)
    assert response.json()["welcome"]["email"] is False
