"""Every user has a profile and an onboarding row, however they were created."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Onboarding, Profile, User
from accounts.services import user_register

from .helpers import client_for

pytestmark = pytest.mark.django_db

EMPTY_ONBOARDING = ["age_verification", "preferences", "skill_goals"]


def rows_of(user: User) -> tuple[int, int]:
    return (
        Profile.objects.filter(user=user).count(),
        Onboarding.objects.filter(user=user).count(),
    )


def test_createsuperuser_gets_a_working_profile_and_onboarding(monkeypatch):
    # given
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a sturdy admin passphrase")

    # when
    call_command("createsuperuser", "--noinput", "--email", "root@example.com", verbosity=0)

    # then
    admin = User.objects.get(email="root@example.com")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert rows_of(admin) == (1, 1)
    api = client_for(admin)
    shown = api.get("/api/v1/me/profile")
    assert shown.status_code == 200
    assert (shown.json()["email"], shown.json()["display_name"]) == ("root@example.com", "")
    changed = api.patch("/api/v1/me/profile", {"display_name": "Root"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["display_name"] == "Root"
    flow = api.get("/api/v1/onboarding/flow")
    assert flow.status_code == 200


def test_the_admin_add_form_creates_the_rows_once(admin_browser):
    # when
    response = admin_browser.post(
        reverse("admin:accounts_user_add"),
        {"email": "added@example.com", "password1": "x7!long-pass", "password2": "x7!long-pass"},
    )

    # then
    assert response.status_code == 302
    user = User.objects.get(email="added@example.com")
    assert rows_of(user) == (1, 1)
    assert client_for(user).get("/api/v1/me/profile").status_code == 200


@pytest.mark.parametrize(
    "create",
    [
        lambda: User.objects.create(email="orm@example.com"),
        lambda: User.objects.create_user(email="orm@example.com", password="pw-unused-here"),
        lambda: User.objects.create_superuser(email="orm@example.com", password="pw-unused"),
    ],
    ids=["objects.create", "create_user", "create_superuser"],
)
def test_the_orm_creates_the_rows(create):
    # when
    user = create()

    # then
    assert rows_of(user) == (1, 1)
    assert user.onboarding.pending_steps == EMPTY_ONBOARDING
    assert user.profile.display_name == ""


def test_registration_creates_each_row_once():
    # when
    user = user_register(email="new@example.com", password="a sturdy passphrase")

    # then
    assert rows_of(user) == (1, 1)


def test_saving_an_existing_user_adds_nothing(member):
    # given
    member.profile.display_name = "Kept"
    member.profile.save(update_fields=["display_name"])

    # when
    member.save()

    # then
    assert rows_of(member) == (1, 1)
    assert Profile.objects.get(user=member).display_name == "Kept"


def test_a_user_made_without_save_gets_a_profile_when_it_is_first_read():
    # given: bulk_create sends no post_save
    (user,) = User.objects.bulk_create([User(email="bulk@example.com")])

    # when
    response = client_for(user).get("/api/v1/me/profile")

    # then
    assert response.status_code == 200
    assert rows_of(user) == (1, 0)


def test_the_migration_creates_the_rows_existing_users_lack(member):
    # given
    (bare,) = User.objects.bulk_create([User(email="bare@example.com")])
    migration = importlib.import_module("accounts.migrations.0004_user_rows_backfill")

    # when
    migration.create_missing_rows(global_apps, None)

    # then
    assert rows_of(bare) == (1, 1)
    assert rows_of(member) == (1, 1)
