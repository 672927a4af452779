"""The reset endpoint under the names some clients use: the whole key as ``token``, the
new password as ``password``, and a ``confirm_password`` that must match."""

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str

from .helpers import errors_of

pytestmark = pytest.mark.django_db

RESET = "/api/v1/auth/password/reset"
NEW = "a brand new passphrase 7"


def reset_key(user) -> str:
    """The key a reset email carries: the user's id and a token, joined by a dash."""
    return f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"


@pytest.mark.parametrize(
    "body",
    [
        {"token": "{key}", "password": NEW},
        {"key": "{key}", "token": "{key}", "new_password": NEW, "password": NEW},
        {"key": "{key}", "new_password": NEW, "confirm_password": NEW},
        {"token": "{key}", "password": NEW, "confirm_password": NEW},
    ],
)
def test_the_aliases_reset_the_password(api, member, password, body):
    # given
    key = reset_key(member)

    # when
    response = api.post(RESET, {name: value.format(key=key) for name, value in body.items()})

    # then
    assert response.status_code == 200
    assert response.json() == {"detail": "Password updated; sign in with the new password."}
    member.refresh_from_db()
    assert member.check_password(NEW)
    assert not member.check_password(password)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"key": "{key}", "token": "x-y", "password": NEW},
            [{"code": "mismatch", "attr": "token"}],
        ),
        (
            {"token": "{key}", "new_password": NEW, "password": NEW + "!"},
            [{"code": "mismatch", "attr": "password"}],
        ),
        (
            {"token": "{key}", "password": NEW, "confirm_password": NEW + "!"},
            [{"code": "mismatch", "attr": "confirm_password"}],
        ),
        ({"token": "{key}"}, [{"code": "required", "attr": "new_password"}]),
        (
            {"uid": "x"},
            [{"code": "required", "attr": "key"}, {"code": "required", "attr": "new_password"}],
        ),
        ({"token": "x-y", "password": NEW}, [{"code": "invalid_key", "attr": "key"}]),
        (
            {"token": "{key}", "password": "password"},
            [{"code": "password_invalid", "attr": "new_password"}],
        ),
    ],
)
def test_bad_aliases_name_the_field_and_keep_the_password(api, member, password, body, expected):
    # given
    key = reset_key(member)

    # when
    response = api.post(RESET, {name: value.format(key=key) for name, value in body.items()})

    # then
    assert response.status_code == 400
    assert errors_of(response) == expected
    member.refresh_from_db()
    assert member.check_password(password)
