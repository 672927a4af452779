import pytest
from django.core import mail
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.services import tokens_for

from .factories import UserFactory
from .helpers import bearer, errors_of, key_from_last_email

pytestmark = pytest.mark.django_db

FORGOT = "/api/v1/auth/password/forgot"
RESET = "/api/v1/auth/password/reset"
CHANGE = "/api/v1/auth/password/change"
REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/auth/me"
NEW = "a brand new passphrase 7"


def request_reset(api, email, capture):
    with capture(execute=True):
        return api.post(FORGOT, {"email": email})


def test_forgot_answers_alike_and_mails_only_an_existing_active_account(
    api, member, django_capture_on_commit_callbacks
):
    # given
    UserFactory(email="inactive@example.com", is_active=False)

    # when
    responses = [
        request_reset(api, email, django_capture_on_commit_callbacks)
        for email in (member.email, "nobody@example.com", "inactive@example.com")
    ]

    # then
    assert [r.status_code for r in responses] == [202, 202, 202]
    assert len({r.content for r in responses}) == 1
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "http://testserver/account/reset-password/" in mail.outbox[0].body


def test_forgot_does_the_same_work_in_the_request_with_or_without_an_account(
    api, member, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # when
    answers = []
    for email in (member.email, "nobody@example.com"):
        with django_assert_num_queries(0), django_capture_on_commit_callbacks() as tasks:
            response = api.post(FORGOT, {"email": email})
        answers.append((response.status_code, response.content, len(tasks)))

    # then: the lookup and the email are the task's, after the response
    assert answers[0] == answers[1] == (202, answers[0][1], 1)
    assert mail.outbox == []


def test_the_emailed_key_resets_the_password_and_ends_every_session(
    api, member, password, django_capture_on_commit_callbacks
):
    # given
    sessions = [tokens_for(user=member), tokens_for(user=member)]
    request_reset(api, member.email, django_capture_on_commit_callbacks)
    key = key_from_last_email()

    # when
    response = api.post(RESET, {"key": key, "new_password": NEW})

    # then
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.check_password(NEW)
    assert not member.check_password(password)
    for session in sessions:
        assert api.post(REFRESH, {"refresh": session["refresh"]}).status_code == 401
        assert bearer(session["access"]).get(ME).status_code == 401
    assert not OutstandingToken.objects.filter(user=member, blacklistedtoken__isnull=True).exists()
    assert (
        api.post("/api/v1/auth/login", {"email": member.email, "password": NEW}).status_code == 200
    )


def test_a_reset_key_works_once(api, member, django_capture_on_commit_callbacks):
    request_reset(api, member.email, django_capture_on_commit_callbacks)
    key = key_from_last_email()
    api.post(RESET, {"key": key, "new_password": NEW})

    response = api.post(RESET, {"key": key, "new_password": "yet another passphrase 9"})

    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid_key", "attr": "key"}]
    member.refresh_from_db()
    assert member.check_password(NEW)


def test_reset_accepts_uid_and_token(api, member, django_capture_on_commit_callbacks):
    request_reset(api, member.email, django_capture_on_commit_callbacks)
    uid, token = key_from_last_email().split("-", 1)

    response = api.post(RESET, {"uid": uid, "token": token, "new_password": NEW})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"new_password": NEW}, [{"code": "required", "attr": "key"}]),
        ({"key": "nothex-badtoken", "new_password": NEW}, [{"code": "invalid_key", "attr": "key"}]),
        ({"key": "garbage", "new_password": NEW}, [{"code": "invalid_key", "attr": "key"}]),
        ({"key": "x-y"}, [{"code": "required", "attr": "new_password"}]),
    ],
)
def test_reset_bad_input(api, body, expected):
    response = api.post(RESET, body)

    assert response.status_code == 400
    assert errors_of(response) == expected


def test_reset_refuses_a_weak_password_and_keeps_the_old_one(
    api, member, password, django_capture_on_commit_callbacks
):
    request_reset(api, member.email, django_capture_on_commit_callbacks)

    response = api.post(RESET, {"key": key_from_last_email(), "new_password": "password"})

    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"new_password"}
    member.refresh_from_db()
    assert member.check_password(password)


def test_change_ends_other_sessions_and_returns_fresh_tokens(api, member, password):
    # given
    current, other = tokens_for(user=member), tokens_for(user=member)

    # when
    response = bearer(current["access"]).post(
        CHANGE, {"old_password": password, "new_password": NEW}
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"detail", "access", "refresh"}
    assert bearer(body["access"]).get(ME).status_code == 200
    assert api.post(REFRESH, {"refresh": body["refresh"]}).status_code == 200
    for session in (current, other):
        assert bearer(session["access"]).get(ME).status_code == 401
        assert api.post(REFRESH, {"refresh": session["refresh"]}).status_code == 401


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"old_password": "wrong", "new_password": NEW},
            [{"code": "incorrect", "attr": "old_password"}],
        ),
        ({"new_password": NEW}, [{"code": "required", "attr": "old_password"}]),
        ({"old_password": "x"}, [{"code": "required", "attr": "new_password"}]),
    ],
)
def test_change_bad_input(member_api, member, password, body, expected):
    response = member_api.post(CHANGE, body)

    assert response.status_code == 400
    assert errors_of(response) == expected
    member.refresh_from_db()
    assert member.check_password(password)


def test_change_refuses_a_weak_password(member_api, password):
    response = member_api.post(CHANGE, {"old_password": password, "new_password": "123"})

    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"new_password"}


def test_change_requires_authentication(api):
    assert api.post(CHANGE, {"old_password": "x", "new_password": NEW}).status_code == 401
