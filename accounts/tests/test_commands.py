import json
import re
import stat
from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import Onboarding, User
from accounts.services import tokens_for
from accounts.tasks import purge_expired
from analytics.models import Event
from analytics.services import track
from core import privacy
from core.models import AuditEntry

from .factories import UserFactory

pytestmark = pytest.mark.django_db

COUNT_LINE = re.compile(r"^\s+(\S+)\s+(\d+)(?:\s+\(.*\))?$", re.MULTILINE)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def printed_counts(text: str) -> dict[str, int]:
    return {label: int(count) for label, count in COUNT_LINE.findall(text)}


def table_sizes() -> dict[str, int]:
    return {p.label: p.model._default_manager.count() for p in privacy.registry.policies()}


def track_events(user, *names: str, capture) -> None:
    with capture(execute=True):
        for name in names:
            track(name, user)


# --- export_user_data ---------------------------------------------------------------------


def test_export_prints_the_api_document(member, django_capture_on_commit_callbacks):
    # given
    track_events(member, "login", "onboarding_step", capture=django_capture_on_commit_callbacks)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user=member)['access']}")
    api_document = client.get("/api/v1/me/export").json()

    # when
    out, err = run("export_user_data", str(member.pk))

    # then
    document = json.loads(out)
    assert {**document, "generated_at": None} == {**api_document, "generated_at": None}
    assert set(document["data"]) == {p.label for p in privacy.registry.policies()}
    assert document["user"] == {"id": str(member.pk), "email": member.email}
    assert document["data"]["account.emailaddress"] == [
        {"email": member.email, "verified": True, "primary": True}
    ]
    assert sorted(e["name"] for e in document["data"]["analytics.event"]) == [
        "login",
        "onboarding_step",
    ]
    assert err.startswith(f"Exported {member.pk}:\n")
    assert printed_counts(err) == {label: len(rows) for label, rows in document["data"].items()}


def test_export_finds_the_member_by_email_in_any_case(member, other_member):
    # when
    out, _ = run("export_user_data", member.email.upper())

    # then
    assert json.loads(out)["user"] == {"id": str(member.pk), "email": member.email}


def test_export_writes_a_private_file(member, tmp_path):
    # given
    path = tmp_path / "export.json"

    # when
    out, _ = run("export_user_data", member.email, "--output", str(path))

    # then
    document = json.loads(path.read_text())
    assert document["user"] == {"id": str(member.pk), "email": member.email}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert out.startswith(f"Exported {member.pk} to {path}:\n")
    assert printed_counts(out)["accounts.user"] == 1


@pytest.mark.parametrize("command", ["export_user_data", "purge_user"])
@pytest.mark.parametrize(
    "identifier", ["nobody@example.com", "0b9a4c1e-4b55-4c54-9a8c-0c9f6c1d2e3f"]
)
def test_an_unknown_user_is_a_command_error(member, command, identifier):
    # given
    before = table_sizes()

    # when
    with pytest.raises(CommandError) as raised:
        run(command, identifier)

    # then
    assert str(raised.value) == f"No user with id or email {identifier!r}."
    assert table_sizes() == before


# --- purge_user ---------------------------------------------------------------------------


def test_purge_user_dry_run_counts_and_changes_nothing(member, django_capture_on_commit_callbacks):
    # given
    track_events(member, "login", "login", capture=django_capture_on_commit_callbacks)
    tokens_for(user=member)
    expected = privacy.count_user_rows(member)
    before = table_sizes()

    # when
    out, _ = run("purge_user", member.email, "--dry-run")

    # then
    assert table_sizes() == before
    assert printed_counts(out) == expected
    assert {k: v for k, v in expected.items() if v} == {
        "accounts.user": 1,
        "accounts.profile": 1,
        "accounts.onboarding": 1,
        "account.emailaddress": 1,
        "analytics.event": 2,
        "token_blacklist.outstandingtoken": 1,
    }
    assert out.splitlines()[0] == (
        f"Dry run: erasing {member.email} ({member.pk}) would handle these rows:"
    )
    assert out.splitlines()[-1] == "Nothing was changed."
    assert AuditEntry.objects.count() == 0


def test_purge_user_erases_the_member_only(
    member, other_member, django_capture_on_commit_callbacks
):
    # given
    capture = django_capture_on_commit_callbacks
    track_events(member, "login", "onboarding_step", capture=capture)
    track_events(other_member, "login", capture=capture)
    tokens_for(user=member)
    tokens_for(user=other_member)
    member_id = member.pk
    others_before = privacy.count_user_rows(other_member)

    # when
    out, _ = run("purge_user", str(member_id), "--yes")

    # then
    assert privacy.references_to_user(member_id) == {}
    assert privacy.count_user_rows(other_member) == others_before
    pseudonymised = list(Event.objects.filter(user=None).values_list("name", "pseudonym"))
    assert sorted(name for name, _ in pseudonymised) == ["login", "onboarding_step"]
    pseudonyms = {pseudonym for _, pseudonym in pseudonymised}
    assert len(pseudonyms) == 1
    assert pseudonyms != {""}
    assert list(Event.objects.filter(user=other_member).values_list("name", flat=True)) == ["login"]
    counts = printed_counts(out)
    assert {k: v for k, v in counts.items() if v} == {
        "accounts.user": 1,
        "accounts.profile": 1,
        "accounts.onboarding": 1,
        "account.emailaddress": 1,
        "analytics.event": 2,
        "token_blacklist.outstandingtoken": 1,
    }
    assert out.splitlines()[-1] == f"Verified: no row references {member_id} any more."
    assert list(
        AuditEntry.objects.values(
            "actor", "action", "target_type", "target_id", "subject_id", "changes"
        )
    ) == [
        {
            "actor": None,
            "action": AuditEntry.Action.ACTION,
            "target_type": "accounts.user",
            "target_id": privacy.pseudonym_of(member_id),
            "subject_id": privacy.pseudonym_of(member_id),
            "changes": {"action": "purge_user"},
        }
    ]


# --- purge_expired and its Celery task ----------------------------------------------------


@pytest.fixture
def expiry(settings):
    """Accounts on both sides of each retention rule, and refresh tokens on both sides of
    their expiry."""
    settings.UNVERIFIED_ACCOUNT_RETENTION_DAYS = 30
    settings.ACCOUNT_ERASURE_GRACE_DAYS = 7
    now = timezone.now()
    accounts = {
        "old_unverified": UserFactory(verified=False, date_joined=now - timedelta(days=31)),
        "recent_unverified": UserFactory(verified=False, date_joined=now - timedelta(days=29)),
        "old_verified": UserFactory(date_joined=now - timedelta(days=400)),
        "past_grace": UserFactory(is_active=False, erasure_requested_at=now - timedelta(days=8)),
        "in_grace": UserFactory(is_active=False, erasure_requested_at=now - timedelta(days=6)),
    }
    OutstandingToken.objects.create(
        user=accounts["old_verified"],
        jti="expired",
        token="expired-token",
        created_at=now - timedelta(days=8),
        expires_at=now - timedelta(minutes=1),
    )
    tokens_for(user=accounts["old_verified"])
    return accounts


def expected_purge_counts() -> dict[str, int]:
    counts = {p.label: 0 for p in privacy.registry.policies() if p.retention is not None}
    return {**counts, "accounts.user": 2, "token_blacklist.outstandingtoken": 1}


def assert_purged(accounts) -> None:
    remaining = set(User.objects.values_list("email", flat=True))
    assert remaining == {
        accounts[name].email for name in ("recent_unverified", "old_verified", "in_grace")
    }
    for name in ("old_unverified", "past_grace"):
        assert privacy.references_to_user(accounts[name].pk) == {}
    assert list(OutstandingToken.objects.values_list("user", flat=True)) == [
        accounts["old_verified"].pk
    ]


def test_purge_expired_erases_what_is_past_retention(expiry):
    # when
    out, _ = run("purge_expired")

    # then
    assert_purged(expiry)
    assert printed_counts(out) == expected_purge_counts()
    assert (
        "  accounts.user" in out
        and "(unverified accounts and accounts past their erasure grace period)" in out
    )
    assert out.splitlines()[-1] == "3 row(s) purged."


def test_purge_expired_erases_accounts_like_any_erasure(expiry, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        run("purge_expired")

    # then
    assert (
        list(Event.objects.filter(name="account_deleted").values_list("user", "properties"))
        == [(None, {"source": "retention"})] * 2
    )


def test_purge_expired_dry_run_changes_nothing(expiry):
    # given
    before = table_sizes()

    # when
    out, _ = run("purge_expired", "--dry-run")

    # then
    assert table_sizes() == before
    assert printed_counts(out) == expected_purge_counts()
    assert out.splitlines()[-1] == "3 row(s) past retention; nothing was changed."


def test_purge_expired_task_does_the_same_and_can_run_twice(expiry):
    # when
    first = purge_expired.delay().get()
    second = purge_expired.delay().get()

    # then
    assert_purged(expiry)
    assert first == expected_purge_counts()
    assert second == {label: 0 for label in expected_purge_counts()}


# --- seed_demo ----------------------------------------------------------------------------

BOX_ROW = re.compile(r"^\| (\S+@example\.com) +\| (\S+) +\| ([a-z ]+?) +\|$", re.MULTILINE)


def test_seed_demo_creates_the_demo_accounts_once():
    # when
    first, _ = run("seed_demo")

    # then
    rows = BOX_ROW.findall(first)
    assert [(email, role) for email, _, role in rows] == [
        ("admin@example.com", "staff superuser"),
        ("ada@example.com", "member"),
        ("grace@example.com", "member"),
        ("linus@example.com", "member"),
    ]
    for email, password, _ in rows:
        assert User.objects.get(email=email).check_password(password)
    assert len({password for _, password, _ in rows}) == 4
    assert list(
        User.objects.order_by("email").values_list("email", "is_staff", "is_superuser")
    ) == [
        ("ada@example.com", False, False),
        ("admin@example.com", True, True),
        ("grace@example.com", False, False),
        ("linus@example.com", False, False),
    ]
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 4
    assert sorted(
        Onboarding.objects.filter(completed_at__isnull=False).values_list("user__email", flat=True)
    ) == ["ada@example.com", "grace@example.com"]
    ada = User.objects.get(email="ada@example.com")
    assert (ada.profile.display_name, ada.profile.company) == (
        "Ada Lovelace",
        "Analytical Engines Ltd",
    )
    assert sorted(ada.consents.values_list("kind", "granted")) == [
        ("marketing", False),
        ("privacy", True),
        ("terms", True),
    ]


def test_seed_demo_again_changes_and_prints_no_password():
    # given
    first, _ = run("seed_demo")
    hashes = dict(User.objects.values_list("email", "password"))

    # when
    second, _ = run("seed_demo")

    # then
    assert second == (
        "Demo accounts already exist (ada@example.com, admin@example.com, grace@example.com, "
        "linus@example.com); their passwords are not shown again.\n"
    )
    assert dict(User.objects.values_list("email", "password")) == hashes
    for _, password, _ in BOX_ROW.findall(first):
        assert password not in second
