import pytest
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import Consent, Profile, User
from accounts.services import tokens_for
from analytics.models import Event
from analytics.services import track
from core import privacy

from .factories import UserFactory
from .helpers import errors_of

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/me/export"
ACCOUNT = "/api/v1/me/account"


def test_export_holds_every_registered_model_and_only_the_callers_rows(
    member_api, member, other_member, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        track("login", member)
        track("login", other_member)
    Consent.objects.create(user=member, kind="marketing", granted=True)

    # when
    response = member_api.get(EXPORT)

    # then
    assert response.status_code == 200
    document = response.json()
    assert document["format"] == "platform-export/1"
    assert document["user"] == {"id": str(member.id), "email": member.email}
    assert set(document["data"]) == {p.label for p in privacy.registry.policies()}
    assert document["data"]["accounts.user"][0]["email"] == member.email
    assert document["data"]["accounts.profile"][0]["display_name"] == member.profile.display_name
    assert [c["kind"] for c in document["data"]["accounts.consent"]] == ["marketing"]
    assert [e["name"] for e in document["data"]["analytics.event"]] == ["login"]
    assert document["data"]["account.emailaddress"] == [
        {"email": member.email, "verified": True, "primary": True}
    ]
    assert len(document["data"]["token_blacklist.outstandingtoken"]) == 1
    assert other_member.email not in response.content.decode()


def test_export_requires_authentication(api):
    assert api.get(EXPORT).status_code == 401


def test_delete_erases_the_account_and_every_row_pointing_at_it(
    member_api, member, password, other_member, django_capture_on_commit_callbacks
):
    # given
    member_id = member.id
    with django_capture_on_commit_callbacks(execute=True):
        track("login", member)
    other_rows = privacy.count_user_rows(other_member)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.delete(ACCOUNT, {"password": password})

    # then
    assert response.status_code == 204
    assert not User.objects.filter(pk=member_id).exists()
    assert privacy.references_to_user(member_id) == {}
    assert Event.objects.filter(name="login", user=None).exclude(pseudonym="").count() == 1
    assert Event.objects.filter(name="account_deleted", user=None).count() == 1
    assert privacy.count_user_rows(other_member) == other_rows
    assert member_api.get("/api/v1/auth/me").status_code == 401


def test_delete_with_a_grace_period_closes_the_account_first(
    member_api, member, password, settings
):
    # given
    settings.ACCOUNT_ERASURE_GRACE_DAYS = 14
    refresh = tokens_for(user=member)["refresh"]

    # when
    response = member_api.delete(ACCOUNT, {"password": password})

    # then
    assert response.status_code == 204
    member.refresh_from_db()
    assert member.is_active is False
    assert member.erasure_requested_at is not None
    assert Profile.objects.filter(user=member).exists()
    assert not OutstandingToken.objects.filter(user=member, blacklistedtoken__isnull=True).exists()
    assert member_api.post("/api/v1/auth/refresh", {"refresh": refresh}).status_code == 401


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"password": "not it"}, [{"code": "incorrect", "attr": "password"}]),
        ({}, [{"code": "required", "attr": "password"}]),
    ],
)
def test_delete_needs_the_password(member_api, member, body, expected):
    response = member_api.delete(ACCOUNT, body)

    assert response.status_code == 400
    assert errors_of(response) == expected
    assert User.objects.filter(pk=member.pk, is_active=True).exists()


def test_delete_requires_authentication(api):
    assert api.delete(ACCOUNT, {"password": "x"}).status_code == 401


def test_every_model_pointing_at_the_user_is_registered():
    registered = {p.model for p in privacy.registry.policies()}

    assert {model for model, _ in privacy.user_foreign_keys()} <= registered


def test_erasure_leaves_other_members_alone():
    # given
    keep, drop = UserFactory(), UserFactory()

    # when
    counts = privacy.erase_user(drop)

    # then
    assert counts["accounts.user"] == 1
    assert counts["accounts.profile"] == 1
    assert User.objects.filter(pk=keep.pk).exists()
    assert Profile.objects.filter(user=keep).exists()
