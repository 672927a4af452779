import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail

from analytics.models import Event

from .factories import UserFactory
from .helpers import errors_of, key_from_last_email

pytestmark = pytest.mark.django_db


def register(api, email="fresh@example.com"):
    return api.post(
        "/api/v1/auth/register",
        {
            "email": email,
            "password": "a sturdy passphrase 42",
            "confirm_password": "a sturdy passphrase 42",
            "agreed_to_terms": True,
            "agreed_to_privacy": True,
        },
    )


def test_the_key_in_the_verification_email_verifies_the_address(
    api, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        register(api)
    key = key_from_last_email()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/auth/verify-email", {"key": key})

    # then
    assert response.status_code == 200
    assert response.json() == {"detail": "Email address verified."}
    assert EmailAddress.objects.get(email="fresh@example.com").verified is True
    assert Event.objects.filter(name="email_verified").count() == 1


def test_a_used_key_is_refused(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(api)
    key = key_from_last_email()
    api.post("/api/v1/auth/verify-email", {"key": key})

    response = api.post("/api/v1/auth/verify-email", {"key": key})

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid_key", "attr": "key"}]


@pytest.mark.parametrize("body", [{"key": "forged:key"}, {"key": ""}, {}])
def test_a_bad_key_is_a_400_naming_key(api, body):
    response = api.post("/api/v1/auth/verify-email", body)

    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["key"]


def test_an_expired_key_is_refused(api, settings, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        register(api)
    key = key_from_last_email()
    settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = -1

    # when
    response = api.post("/api/v1/auth/verify-email", {"key": key})

    # then
    assert response.status_code == 400
    assert EmailAddress.objects.get(email="fresh@example.com").verified is False


def test_resend_mails_an_unverified_address_and_answers_the_same_for_anyone(
    api, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        register(api)
    UserFactory(email="verified@example.com")
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            api.post("/api/v1/auth/verify-email/resend", {"email": email})
            for email in ("FRESH@example.com", "verified@example.com", "nobody@example.com")
        ]

    # then
    assert [r.status_code for r in responses] == [202, 202, 202]
    assert len({r.content for r in responses}) == 1
    assert [m.to for m in mail.outbox] == [["fresh@example.com"]]
    key = key_from_last_email()
    assert api.post("/api/v1/auth/verify-email", {"key": key}).status_code == 200


def test_resend_does_the_same_work_in_the_request_with_or_without_an_account(
    api, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        register(api)
    mail.outbox.clear()

    # when
    answers = []
    for email in ("fresh@example.com", "nobody@example.com"):
        with django_assert_num_queries(0), django_capture_on_commit_callbacks() as tasks:
            response = api.post("/api/v1/auth/verify-email/resend", {"email": email})
        answers.append((response.status_code, response.content, len(tasks)))

    # then: the lookup and the email are the task's, after the response
    assert answers[0] == answers[1] == (202, answers[0][1], 1)
    assert mail.outbox == []


def test_resend_needs_a_valid_email(api):
    response = api.post("/api/v1/auth/verify-email/resend", {"email": "nope"})

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid", "attr": "email"}]


# --- token, the name some clients send the key by ------------------------------------------


def unverified_key() -> tuple[EmailAddress, str]:
    """A member's unverified address and the key its verification email carries."""
    user = UserFactory(verified=False)
    address = EmailAddress.objects.get(user=user)
    return address, EmailConfirmationHMAC(address).key


@pytest.mark.parametrize("names", [("token",), ("key", "token")])
def test_token_is_accepted_in_place_of_key(api, names):
    # given
    address, key = unverified_key()

    # when
    response = api.post("/api/v1/auth/verify-email", dict.fromkeys(names, key))

    # then
    assert response.status_code == 200
    assert response.json() == {"detail": "Email address verified."}
    address.refresh_from_db()
    assert address.verified is True


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"key": "{key}", "token": "forged:key"}, [{"code": "mismatch", "attr": "token"}]),
        ({"token": "forged:key"}, [{"code": "invalid_key", "attr": "key"}]),
        ({"token": ""}, [{"code": "blank", "attr": "token"}]),
        ({"token": None}, [{"code": "null", "attr": "token"}]),
        ({}, [{"code": "required", "attr": "key"}]),
    ],
)
def test_a_bad_token_is_a_400_and_verifies_nothing(api, body, expected):
    # given
    address, key = unverified_key()

    # when
    response = api.post(
        "/api/v1/auth/verify-email",
        {name: value.format(key=key) if value else value for name, value in body.items()},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert errors_of(response) == expected
    address.refresh_from_db()
    assert address.verified is False
