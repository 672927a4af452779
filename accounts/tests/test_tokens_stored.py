"""Refresh tokens are recorded for revocation by their digest, never whole."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.urls import reverse
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.services import refresh_tokens_revoke_all, tokens_for
from accounts.tokens import RefreshToken, token_digest

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


def stored_tokens() -> list[str]:
    return list(
        OutstandingToken.objects.order_by("created_at", "id").values_list("token", flat=True)
    )


def test_sign_in_and_rotation_store_only_digests_and_refresh_still_works(api, member, password):
    # when
    signed_in = api.post(LOGIN, {"email": member.email, "password": password}).json()["refresh"]
    rotated = api.post(REFRESH, {"refresh": signed_in})
    again = api.post(REFRESH, {"refresh": rotated.json()["refresh"]})

    # then
    assert rotated.status_code == 200
    assert again.status_code == 200
    issued = [signed_in, rotated.json()["refresh"], again.json()["refresh"]]
    assert stored_tokens() == [token_digest(token) for token in issued]
    for token in issued:
        assert not OutstandingToken.objects.filter(token__contains=token).exists()
        assert not OutstandingToken.objects.filter(token__contains=token.split(".")[2]).exists()
    # the rotated-away tokens are blacklisted by jti, as before
    assert BlacklistedToken.objects.count() == 2
    assert api.post(REFRESH, {"refresh": signed_in}).status_code == 401


def test_logout_blacklists_the_token_it_only_knows_by_digest(api, member):
    # given
    refresh = tokens_for(user=member)["refresh"]

    # when
    response = api.post(LOGOUT, {"refresh": refresh})

    # then
    assert response.status_code == 204
    assert BlacklistedToken.objects.get().token.token == token_digest(refresh)
    assert api.post(REFRESH, {"refresh": refresh}).status_code == 401


def test_a_token_blacklisted_before_it_was_recorded_is_recorded_by_digest(member):
    # given: issued without a row (as by a library path that never outstands)
    token = RefreshToken()
    token["user_id"] = str(member.pk)

    # when
    token.blacklist()

    # then
    assert stored_tokens() == [token_digest(str(token))]


def test_revoke_all_still_ends_every_session(api, member):
    # given
    first, second = tokens_for(user=member)["refresh"], tokens_for(user=member)["refresh"]

    # when
    revoked = refresh_tokens_revoke_all(user=member)

    # then
    assert revoked == 2
    assert api.post(REFRESH, {"refresh": first}).status_code == 401
    assert api.post(REFRESH, {"refresh": second}).status_code == 401


def test_the_admin_does_not_show_the_stored_token(admin_browser, member):
    # given
    tokens_for(user=member)
    row = OutstandingToken.objects.get(user=member)

    # when
    page = admin_browser.get(
        reverse("admin:token_blacklist_outstandingtoken_change", args=[row.pk])
    )

    # then
    assert page.status_code == 200
    assert row.jti in page.content.decode()
    assert row.token not in page.content.decode()


def test_the_migration_replaces_stored_tokens_by_their_digest(member):
    # given: a row as simplejwt wrote it before this change
    whole = str(RefreshToken.for_user(member))
    OutstandingToken.objects.update(token=whole)
    migration = importlib.import_module("accounts.migrations.0005_outstanding_token_digest")

    # when
    migration.hash_stored_tokens(global_apps, None)
    migration.hash_stored_tokens(global_apps, None)  # twice: already hashed rows stay

    # then
    assert stored_tokens() == [token_digest(whole)]
