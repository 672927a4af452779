from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile, User
from accounts.services import profile_update
from analytics.models import Event
from core import privacy
from core.models import AuditEntry

from .factories import UserFactory

pytestmark = pytest.mark.django_db

USERS = reverse("admin:accounts_user_changelist")
AUDIT_FIELDS = [
    "actor",
    "actor_email",
    "action",
    "target_type",
    "target_id",
    "subject_id",
    "changes",
    "ip_address",
]


@pytest.fixture
def staff(db) -> User:
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_browser(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def user_change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def audit_log() -> list[dict]:
    return list(AuditEntry.objects.order_by("at").values(*AUDIT_FIELDS))


def entry(staff, action, target, *, changes=None) -> dict:
    return {
        "actor": staff.pk,
        "actor_email": staff.email,
        "action": action,
        "target_type": "accounts.user",
        "target_id": str(target.pk),
        "subject_id": str(target.pk),
        "changes": changes or {},
        "ip_address": "127.0.0.1",
    }


def change_form_data(response) -> dict:
    """What the browser would post back unchanged: the user form and every inline form."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if field.disabled or value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
            if field.show_hidden_initial:
                data[form.add_initial_prefix(name)] = value
    return data


def changelist_queries(client, url: str) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), list(response.context["cl"].result_list)


# --- The user changelist ------------------------------------------------------------------


def test_changelist_query_count_does_not_grow_with_rows(admin_browser, staff):
    # given
    UserFactory.create_batch(2)
    UserFactory(verified=False)
    small, rows = changelist_queries(admin_browser, USERS)
    assert len(rows) == 4
    UserFactory.create_batch(20)
    UserFactory.create_batch(10, verified=False)

    # when
    large, rows = changelist_queries(admin_browser, USERS)

    # then
    assert len(rows) == 34
    assert large == small


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=UNVERIFIED@Example", ["unverified@example.com"]),
        ("verified=yes", ["staff@example.com", "verified@example.com"]),
        ("verified=no", ["old@example.com", "unverified@example.com"]),
        ("is_staff__exact=1", ["staff@example.com"]),
        ("is_active__exact=0", ["old@example.com"]),
        ("date_joined__lt=2020-01-01T00:00:00%2B00:00", ["old@example.com"]),
    ],
)
def test_changelist_searches_and_filters(admin_browser, staff, query, expected):
    # given
    User.objects.filter(pk=staff.pk).update(email="staff@example.com")
    UserFactory(email="verified@example.com")
    UserFactory(email="unverified@example.com", verified=False)
    UserFactory(
        email="old@example.com",
        verified=False,
        is_active=False,
        date_joined=timezone.now().replace(year=2019),
    )

    # when
    few, rows = changelist_queries(admin_browser, f"{USERS}?{query}")

    # then
    assert sorted(user.email for user in rows) == expected
    UserFactory.create_batch(5, is_staff=True)
    UserFactory.create_batch(5, verified=False, is_active=False)
    many, _ = changelist_queries(admin_browser, f"{USERS}?{query}")
    assert many == few


def test_changelist_shows_whether_the_address_is_verified(admin_browser, staff):
    # given
    UserFactory(email="unverified@example.com", verified=False)

    # when
    _, rows = changelist_queries(admin_browser, USERS)

    # then
    assert {user.email: user.email_verified for user in rows} == {
        staff.email: True,
        "unverified@example.com": False,
    }


# --- Viewing and changing a member --------------------------------------------------------


def test_viewing_a_member_is_audited_and_shows_the_phone(admin_browser, staff, member):
    # given
    profile_update(user=member, phone="+44 20 7946 0018")
    blind_index = Profile.objects.get(user=member).phone_index

    # when
    response = admin_browser.get(user_change_url(member))

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "+44 20 7946 0018" in page
    assert blind_index not in page
    assert audit_log() == [entry(staff, "view", member)]


def test_changing_a_member_records_the_fields_not_their_values(admin_browser, staff, member):
    # given
    data = change_form_data(admin_browser.get(user_change_url(member)))
    AuditEntry.objects.all().delete()
    del data["is_active"]
    data["profile-0-company"] = "Analytical Engines Ltd"

    # when
    response = admin_browser.post(user_change_url(member), data)

    # then
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.is_active, member.profile.company) == (False, "Analytical Engines Ltd")
    assert audit_log() == [
        entry(staff, "change", member, changes={"fields": ["is_active", "profile.company"]})
    ]
    assert "Analytical Engines" not in str(AuditEntry.objects.get().changes)


def test_saving_without_changes_records_nothing(admin_browser, member):
    # given
    data = change_form_data(admin_browser.get(user_change_url(member)))
    AuditEntry.objects.all().delete()

    # when
    response = admin_browser.post(user_change_url(member), data)

    # then
    assert response.status_code == 302
    assert audit_log() == []


def test_setting_a_password_is_audited_without_the_password(admin_browser, staff, member):
    # given
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    new_password = "a brand new passphrase"

    # when
    response = admin_browser.post(
        url, {"password1": new_password, "password2": new_password, "usable_password": "true"}
    )

    # then
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(new_password)
    assert audit_log() == [entry(staff, "change", member, changes={"fields": ["password"]})]


def test_adding_a_user_takes_an_email_and_a_password(
    admin_browser, staff, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post(
            reverse("admin:accounts_user_add"),
            {
                "email": " New.Member@Example.com ",
                "password1": "x7!long-pass",
                "password2": "x7!long-pass",
            },
        )

    # then
    assert response.status_code == 302
    user = User.objects.get(email="new.member@example.com")
    assert user.check_password("x7!long-pass")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert Profile.objects.filter(user=user).exists()
    assert user.onboarding.pending_steps == ["age_verification", "preferences", "skill_goals"]
    assert list(user.emailaddress_set.values_list("email", "verified", "primary")) == [
        ("new.member@example.com", False, True)
    ]
    assert [m.to for m in mail.outbox] == [["new.member@example.com"]]
    assert audit_log() == [
        entry(staff, "add", user, changes={"fields": ["email", "password1", "password2"]})
    ]


def test_the_plain_delete_is_refused_in_favour_of_erasure(admin_browser, member):
    # when
    response = admin_browser.post(
        reverse("admin:accounts_user_delete", args=[member.pk]), {"post": "yes"}
    )

    # then
    assert response.status_code == 403
    assert User.objects.filter(pk=member.pk).exists()
    assert audit_log() == []


# --- Erasing ------------------------------------------------------------------------------


def test_erase_action_erases_members_and_refuses_superusers(
    admin_browser, staff, member, other_member, django_capture_on_commit_callbacks
):
    # given
    other_superuser = UserFactory(is_staff=True, is_superuser=True)
    member_id = member.pk
    others_rows = privacy.count_user_rows(other_member)
    with django_capture_on_commit_callbacks(execute=True):
        Event.objects.create(name="login", user=member)
    history = LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(member.pk),
        object_repr=member.email,
        action_flag=CHANGE,
        change_message="Changed is_active.",
    )

    # when
    response = admin_browser.post(
        USERS,
        {"action": "erase_accounts", "_selected_action": [member.pk, staff.pk, other_superuser.pk]},
    )

    # then
    assert response.status_code == 302
    assert not User.objects.filter(pk=member_id).exists()
    assert privacy.references_to_user(member_id) == {}
    assert privacy.count_user_rows(other_member) == others_rows
    assert set(User.objects.values_list("pk", flat=True)) == {
        staff.pk,
        other_superuser.pk,
        other_member.pk,
    }
    assert Event.objects.filter(user=None, name="login").exclude(pseudonym="").count() == 1
    assert audit_log() == [
        {
            **entry(staff, "action", member, changes={"action": "erase_accounts"}),
            # the entry outlives the member under a pseudonym of their id
            "target_id": privacy.pseudonym_of(member_id),
            "subject_id": privacy.pseudonym_of(member_id),
        }
    ]
    assert AuditEntry.objects.get().target_repr == "erased member"
    history.refresh_from_db()
    assert (history.object_repr, history.change_message) == ("erased member", "")
    assert history.object_id == privacy.pseudonym_of(member_id)
    messages = sorted(str(m) for m in get_messages(response.wsgi_request))
    assert messages == sorted(
        [
            f"{staff.email}: you cannot erase your own account.",
            f"{other_superuser.email} is a superuser and was not erased; remove superuser "
            "status first.",
            "Erased 1 account(s). Rows handled: "
            + ", ".join(
                f"{label}: {count}"
                for label, count in sorted(
                    {
                        **{p.label: 0 for p in privacy.registry.policies()},
                        "accounts.user": 1,
                        "accounts.profile": 1,
                        "accounts.onboarding": 1,
                        "account.emailaddress": 1,
                        "analytics.event": 1,
                    }.items()
                )
            )
            + ".",
        ]
    )


# --- The audit log admin ------------------------------------------------------------------


@pytest.fixture
def audit_entry(staff, member) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=staff,
        actor_email=staff.email,
        action=AuditEntry.Action.VIEW,
        target_type="accounts.user",
        target_id=str(member.pk),
        target_repr=member.email,
        subject_id=str(member.pk),
    )


def test_the_audit_log_can_be_read(admin_browser, audit_entry):
    # when
    listing = admin_browser.get(reverse("admin:core_auditentry_changelist"))
    detail = admin_browser.get(reverse("admin:core_auditentry_change", args=[audit_entry.pk]))

    # then
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [audit_entry]
    assert listing.context["has_add_permission"] is False
    assert detail.status_code == 200
    assert detail.context["has_change_permission"] is False
    assert detail.context["has_delete_permission"] is False


@pytest.mark.parametrize(
    ("url_name", "with_pk", "data"),
    [
        ("admin:core_auditentry_add", False, {"action": "view", "target_type": "x"}),
        ("admin:core_auditentry_change", True, {"action": "delete", "reason": "edited"}),
        ("admin:core_auditentry_delete", True, {"post": "yes"}),
    ],
)
def test_the_audit_log_cannot_be_written_even_by_a_superuser(
    admin_browser, audit_entry, url_name, with_pk, data
):
    # given
    before = list(AuditEntry.objects.values())

    # when
    response = admin_browser.post(reverse(url_name, args=[audit_entry.pk] if with_pk else []), data)

    # then
    assert response.status_code == 403
    assert list(AuditEntry.objects.values()) == before


def test_the_audit_log_offers_no_bulk_delete(admin_browser, audit_entry):
    # when
    response = admin_browser.post(
        reverse("admin:core_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [audit_entry.pk], "post": "yes"},
    )

    # then
    assert response.status_code == 200
    assert response.context["action_form"] is None
    assert list(AuditEntry.objects.all()) == [audit_entry]


# --- Read-only lists of members' records --------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["admin:accounts_consent_changelist", "admin:analytics_event_changelist"]
)
def test_record_lists_do_not_grow_in_queries(admin_browser, url_name):
    # given
    def records(count: int) -> None:
        for user in UserFactory.create_batch(count):
            user.consents.create(kind="terms", version="2026-01", granted=True)
            Event.objects.create(name="login", user=user, occurred_at=timezone.now() - timedelta(1))

    records(2)
    few, _ = changelist_queries(admin_browser, reverse(url_name))
    records(15)

    # when
    many, rows = changelist_queries(admin_browser, reverse(url_name))

    # then
    assert len(rows) == 17
    assert many == few
