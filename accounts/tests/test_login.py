import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import User
from analytics.models import Event
from config.settings.base import redis_caches

from .factories import UserFactory
from .helpers import bearer, errors_of

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"


def test_login_returns_tokens_and_the_user(
    api, member, password, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(LOGIN, {"email": member.email.upper(), "password": password})

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert body["user"]["id"] == str(member.id)
    assert body["user"]["email_verified"] is True
    assert bearer(body["access"]).get(ME).json()["email"] == member.email
    member.refresh_from_db()
    assert member.last_login is not None
    assert Event.objects.filter(name="login", user=member).count() == 1


@pytest.mark.parametrize("email", ["member0@example.com", "nobody@example.com"])
def test_wrong_credentials_are_401_in_the_envelope(api, member, email):
    response = api.post(LOGIN, {"email": email, "password": "wrong password"})

    assert response.status_code == 401
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "authentication_failed",
                "detail": "No active account found with the given credentials.",
                "attr": None,
            }
        ],
    }


def test_an_inactive_member_cannot_sign_in(api, password):
    UserFactory(email="gone@example.com", is_active=False)

    response = api.post(LOGIN, {"email": "gone@example.com", "password": password})

    assert response.status_code == 401


def test_an_unverified_address_cannot_sign_in_when_verification_is_mandatory(api, password):
    UserFactory(email="new@example.com", verified=False)

    response = api.post(LOGIN, {"email": "new@example.com", "password": password})

    assert response.status_code == 403
    assert errors_of(response) == [{"code": "email_not_verified", "attr": None}]


def test_an_unverified_address_signs_in_when_verification_is_optional(api, password, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    UserFactory(email="new@example.com", verified=False)

    response = api.post(LOGIN, {"email": "new@example.com", "password": password})

    assert response.status_code == 200
    assert response.json()["user"]["email_verified"] is False


@pytest.mark.parametrize(
    ("body", "attrs"),
    [({}, ["email", "password"]), ({"email": "x", "password": "y"}, ["email"])],
)
def test_login_bad_input_names_the_fields(api, body, attrs):
    response = api.post(LOGIN, body)

    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == attrs


LOCKED = {
    "type": "client_error",
    "errors": [
        {
            "code": "login_locked",
            "detail": "Too many failed sign-ins for this email from this address; try again later.",
            "attr": None,
        }
    ],
}


def fail(client, email, times):
    return [
        client.post(LOGIN, {"email": email, "password": "wrong password"}).status_code
        for _ in range(times)
    ]


@pytest.fixture
def lockout(settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    settings.LOGIN_LOCKOUT_DURATION = 900
    return settings


@pytest.mark.usefixtures("lockout")
def test_failures_from_one_address_lock_the_email_out_there_even_with_the_right_password(
    member, password
):
    # given
    attacker = APIClient(REMOTE_ADDR="10.0.0.1")
    assert fail(attacker, member.email, 3) == [401, 401, 429]

    # when
    response = attacker.post(LOGIN, {"email": member.email, "password": password})

    # then
    assert response.status_code == 429
    assert response.json() == LOCKED
    assert 890 <= int(response["Retry-After"]) <= 900


@pytest.mark.usefixtures("lockout")
def test_an_attackers_failures_do_not_lock_the_owner_out_from_elsewhere(member, password):
    # given
    fail(APIClient(REMOTE_ADDR="10.0.0.1"), member.email.upper(), 5)

    # when
    response = APIClient(REMOTE_ADDR="10.0.0.2").post(
        LOGIN, {"email": member.email, "password": password}
    )

    # then
    assert response.status_code == 200


@pytest.mark.usefixtures("lockout")
def test_an_unknown_email_is_locked_out_like_a_known_one(member):
    client = APIClient(REMOTE_ADDR="10.0.0.1")

    known = fail(client, member.email, 4)
    unknown = fail(client, "nobody@example.com", 4)

    assert known == unknown == [401, 401, 429, 429]


@pytest.mark.usefixtures("lockout")
def test_the_lockout_ends_after_its_duration(member, password):
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False) as clock:
        client = APIClient(REMOTE_ADDR="10.0.0.1")
        fail(client, member.email, 3)
        clock.shift(899)
        assert client.post(LOGIN, {"email": member.email, "password": password}).status_code == 429

        clock.shift(2)
        response = client.post(LOGIN, {"email": member.email, "password": password})

    assert response.status_code == 200


@pytest.mark.usefixtures("lockout")
def test_a_success_resets_the_failure_count(api, member, password):
    assert fail(api, member.email, 2) == [401, 401]
    assert api.post(LOGIN, {"email": member.email, "password": password}).status_code == 200

    assert fail(api, member.email, 2) == [401, 401]
    response = api.post(LOGIN, {"email": member.email, "password": password})

    assert response.status_code == 200


def test_failures_spread_over_many_addresses_pace_new_addresses_but_not_the_owners(
    member, password, settings
):
    # given: the owner signed in from home once; then 4 addresses fail once each, slowly
    # enough to be let through
    settings.LOGIN_PACING_THRESHOLD = 2
    settings.LOGIN_PACING_MAX_DELAY = 60
    home = APIClient(REMOTE_ADDR="10.0.0.9")
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False) as clock:
        assert home.post(LOGIN, {"email": member.email, "password": password}).status_code == 200
        for n in range(4):
            clock.shift(10)
            assert fail(APIClient(REMOTE_ADDR=f"10.0.1.{n}"), member.email, 1) == [401]
        newcomer = APIClient(REMOTE_ADDR="10.0.2.1")

        # when: 2 failures past the threshold, a new address waits 2**2 s
        paced = newcomer.post(LOGIN, {"email": member.email, "password": password})
        from_home = home.post(LOGIN, {"email": member.email, "password": password})
        clock.shift(4)
        later = newcomer.post(LOGIN, {"email": member.email, "password": password})

    # then
    assert paced.status_code == 429
    assert errors_of(paced) == [{"code": "login_paced", "attr": None}]
    assert paced["Retry-After"] == "4"
    assert from_home.status_code == 200
    assert later.status_code == 200


@pytest.mark.usefixtures("lockout")
def test_sign_in_works_and_locks_out_with_the_cache_down(member, password, settings):
    # given: a Redis that refuses connections
    settings.CACHES = redis_caches("redis://127.0.0.1:1/0")

    # when
    signed_in = APIClient(REMOTE_ADDR="10.0.0.2").post(
        LOGIN, {"email": member.email, "password": password}
    )
    failures = fail(APIClient(REMOTE_ADDR="10.0.0.1"), member.email, 3)

    # then
    assert signed_in.status_code == 200
    assert failures == [401, 401, 429]


def test_login_is_throttled_per_client_address(member, password, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "auth": "2/min"},
    }
    client = APIClient(REMOTE_ADDR="10.0.0.9")
    for n in range(2):
        client.post(LOGIN, {"email": f"x{n}@example.com", "password": "x"})

    response = client.post(LOGIN, {"email": member.email, "password": password})

    assert response.status_code == 429


# --- Refresh, rotation, logout ------------------------------------------------------------


def test_refresh_rotates_and_the_rotated_token_is_refused(api, tokens):
    # when
    first = api.post(REFRESH, {"refresh": tokens["refresh"]})

    # then
    assert first.status_code == 200
    assert set(first.json()) == {"access", "refresh"}
    assert first.json()["refresh"] != tokens["refresh"]
    assert bearer(first.json()["access"]).get(ME).status_code == 200

    reused = api.post(REFRESH, {"refresh": tokens["refresh"]})
    assert reused.status_code == 401
    assert errors_of(reused) == [{"code": "token_not_valid", "attr": None}]

    assert api.post(REFRESH, {"refresh": first.json()["refresh"]}).status_code == 200


@pytest.mark.parametrize("token", ["garbage", ""])
def test_refresh_bad_input(api, token):
    response = api.post(REFRESH, {"refresh": token})

    assert response.status_code in (400, 401)
    if response.status_code == 400:
        assert errors_of(response) == [{"code": "blank", "attr": "refresh"}]
    else:
        assert errors_of(response) == [{"code": "token_not_valid", "attr": None}]


def test_refresh_with_an_access_token_is_refused(api, tokens):
    assert api.post(REFRESH, {"refresh": tokens["access"]}).status_code == 401


def test_refresh_of_a_deleted_member_is_401_not_500(api, member, tokens):
    User.objects.filter(pk=member.pk).delete()

    response = api.post(REFRESH, {"refresh": tokens["refresh"]})

    assert response.status_code == 401


def test_logout_blacklists_the_refresh_token(api, tokens):
    # when
    response = api.post(LOGOUT, {"refresh": tokens["refresh"]})

    # then
    assert response.status_code == 204
    assert api.post(REFRESH, {"refresh": tokens["refresh"]}).status_code == 401


def test_logout_bad_input(api):
    assert errors_of(api.post(LOGOUT, {})) == [{"code": "required", "attr": "refresh"}]
    assert api.post(LOGOUT, {"refresh": "garbage"}).status_code == 401


# --- Me -----------------------------------------------------------------------------------


def test_me_requires_authentication(api):
    response = api.get(ME)

    assert response.status_code == 401
    assert errors_of(response) == [{"code": "not_authenticated", "attr": None}]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_with_a_forged_token_is_401(api):
    response = bearer("eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.forged").get(ME)

    assert response.status_code == 401


def test_me_describes_the_member(member_api, member, django_assert_num_queries):
    # the member with their onboarding, and their plan (their grants: billing, then cached)
    with django_assert_num_queries(3):
        response = member_api.get(ME)
    with django_assert_num_queries(2):
        member_api.get(ME)

    assert response.status_code == 200
    assert response.json() == {
        "id": str(member.id),
        "email": member.email,
        "email_verified": True,
        "plan": "free",
        "onboarding": {
            "completed": False,
            "current_step": "age_verification",
            "pending_steps": ["age_verification", "preferences", "skill_goals"],
        },
        "is_staff": False,
        "date_joined": member.date_joined.isoformat().replace("+00:00", "Z"),
    }


def test_ws_ticket_is_issued_to_a_signed_in_member(member_api, api):
    response = member_api.post("/api/v1/auth/ws-ticket")

    assert response.status_code == 200
    assert set(response.json()) == {"ticket", "expires_in"}
    assert response.json()["expires_in"] == 60
    assert len(response.json()["ticket"]) >= 32
    assert api.post("/api/v1/auth/ws-ticket").status_code == 401
