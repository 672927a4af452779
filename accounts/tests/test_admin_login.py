"""The admin's login form shares the API's sign-in defences: the lockout per email and
client address (django-axes) and the per-IP ``auth`` throttle."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def lockout(settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 3
    settings.LOGIN_LOCKOUT_DURATION = 900


def sign_in(client, email, password):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password, "next": "/admin/"})


def fail(client, email, times):
    return [sign_in(client, email, "wrong password").status_code for _ in range(times)]


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.mark.usefixtures("lockout")
def test_failures_lock_the_admin_out_from_that_address_even_with_the_right_password(
    superuser, password
):
    # given
    attacker = Client(REMOTE_ADDR="10.0.0.1")
    assert fail(attacker, superuser.email, 3) == [200, 200, 429]

    # when
    response = sign_in(attacker, superuser.email, password)

    # then
    assert response.status_code == 429
    assert 890 <= int(response["Retry-After"]) <= 900
    assert "Try again in 15 minutes." in response.content.decode()
    assert not signed_in(attacker)


@pytest.mark.usefixtures("lockout")
def test_the_same_admin_signs_in_from_another_address(superuser, password):
    # given
    fail(Client(REMOTE_ADDR="10.0.0.1"), superuser.email, 5)
    owner = Client(REMOTE_ADDR="10.0.0.2")

    # when
    response = sign_in(owner, superuser.email, password)

    # then
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert signed_in(owner)


@pytest.mark.usefixtures("lockout")
def test_failures_through_the_api_count_against_the_admin_login(superuser, password):
    # given: the form's "username" and the API's "email" are one key, in any case
    api = APIClient(REMOTE_ADDR="10.0.0.1")
    for _ in range(3):
        api.post("/api/v1/auth/login", {"email": superuser.email.upper(), "password": "x"})

    # when
    response = sign_in(Client(REMOTE_ADDR="10.0.0.1"), superuser.email, password)

    # then
    assert response.status_code == 429


def test_admin_login_attempts_share_the_auth_throttle_per_address(superuser, password, settings):
    # given
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "auth": "2/min"},
    }
    client = Client(REMOTE_ADDR="10.0.0.1")
    APIClient(REMOTE_ADDR="10.0.0.1").post(
        "/api/v1/auth/login", {"email": "a@b.co", "password": "x"}
    )
    sign_in(client, "someone@example.com", "wrong password")

    # when
    response = sign_in(client, superuser.email, password)

    # then
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert client.get(ADMIN_LOGIN).status_code == 200
    assert sign_in(Client(REMOTE_ADDR="10.0.0.2"), superuser.email, password).status_code == 302
