import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import Consent, Onboarding, Profile, User
from analytics.models import Event

from .factories import UserFactory
from .helpers import errors_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/register"


def payload(**overrides):
    return {
        "email": "New.Member@Example.com",
        "password": "a sturdy passphrase 42",
        "confirm_password": "a sturdy passphrase 42",
        "agreed_to_terms": True,
        "agreed_to_privacy": True,
        "marketing_opt_in": True,
        **overrides,
    }


def test_register_creates_the_member_and_sends_the_verification_email(
    api, settings, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, payload())

    # then
    assert response.status_code == 201
    user = User.objects.get()
    assert response.json() == {
        "id": str(user.id),
        "email": "new.member@example.com",
        "email_verified": False,
        "plan": "free",
        "onboarding": {
            "completed": False,
            "current_step": "age_verification",
            "pending_steps": ["age_verification", "preferences", "skill_goals"],
        },
        "is_staff": False,
        "date_joined": user.date_joined.isoformat().replace("+00:00", "Z"),
    }
    assert user.check_password("a sturdy passphrase 42")
    assert EmailAddress.objects.filter(user=user, verified=False, primary=True).count() == 1
    assert Profile.objects.filter(user=user).exists()
    assert Onboarding.objects.filter(user=user).exists()
    consents = {(c.kind, c.version, c.granted) for c in Consent.objects.filter(user=user)}
    assert consents == {
        ("terms", settings.TERMS_VERSION, True),
        ("privacy", settings.PRIVACY_VERSION, True),
        ("marketing", "", True),
    }
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.member@example.com"]
    assert "http://testserver/account/verify-email/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"
    assert list(Event.objects.values_list("name", flat=True)) == ["signup"]


def test_a_taken_email_is_a_field_error_whatever_its_case(api):
    # given
    UserFactory(email="taken@example.com")

    # when
    response = api.post(URL, payload(email="Taken@Example.com"))

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "unique", "attr": "email"}]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"email": "not-an-email"}, [{"code": "invalid", "attr": "email"}]),
        ({"email": ""}, [{"code": "blank", "attr": "email"}]),
        (
            {"confirm_password": "something else 42"},
            [{"code": "mismatch", "attr": "confirm_password"}],
        ),
        (
            {"password": "12345678", "confirm_password": "12345678"},
            [{"code": "password_invalid", "attr": "password"}] * 2,
        ),
        ({"agreed_to_terms": False}, [{"code": "required", "attr": "agreed_to_terms"}]),
        ({"agreed_to_privacy": False}, [{"code": "required", "attr": "agreed_to_privacy"}]),
        ({"agreed_to_terms": "maybe"}, [{"code": "invalid", "attr": "agreed_to_terms"}]),
    ],
)
def test_bad_input_names_the_field_and_creates_nothing(api, overrides, expected):
    # when
    response = api.post(URL, payload(**overrides))

    # then
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert errors_of(response) == expected
    assert User.objects.count() == 0


def test_missing_fields_are_each_named(api):
    response = api.post(URL, {})

    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {
        "email",
        "password",
        "confirm_password",
        "agreed_to_terms",
        "agreed_to_privacy",
    }


def test_register_ignores_a_stale_bearer_token(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api.post(URL, payload())

    assert response.status_code == 201


def test_registration_is_throttled_per_client(api, settings):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": "2/min",
        },
    }
    api.post(URL, payload(email="a@example.com"))
    api.post(URL, payload(email="b@example.com"))

    # when
    response = api.post(URL, payload(email="c@example.com"))

    # then
    assert response.status_code == 429
    assert errors_of(response) == [{"code": "throttled", "attr": None}]
    assert int(response["Retry-After"]) > 0
    assert not User.objects.filter(email="c@example.com").exists()
