"""After erasure, nothing in the database names the member: every column of every table is
searched for their email, display name and id.

The member leaves rows in every app, and other members' rows name them (an alert "New
message from ..." waiting for someone else, a reply quoting them, a stored response, an AI
input listing them as a candidate, an audit entry about them). The name and email are
made up so that no other row can contain them by chance.
"""

import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from djstripe.models import Customer, Invoice
from djstripe.models import Event as StripeEvent
from rest_framework.test import APIClient

from accounts.services import account_erase, tokens_for
from ai.tests.factories import GenerationFactory, QuotaUsageFactory
from analytics.services import track
from coaching.tests import factories as coaching
from community.services.blocks import block_create
from community.services.messages import message_send
from community.services.posts import comment_create, post_create, post_like, post_report
from community.tests.factories import MembershipFactory
from core.audit import Action, audit_record
from core.models import IdempotencyRecord
from notifications import services as notifications
from notifications.models import Notification, ScheduledNotification
from notifications.tests.factories import (
    NotificationFactory,
    NotificationPreferenceFactory,
    ScheduledNotificationFactory,
)

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.quillfeather@erasure-scan.example"

# Where the law (or the audit trail) keeps something about the member after erasure, and
# why. Each entry is (table, column). Empty: audit entries and the admin's history keep a
# keyed pseudonym of the id (core.privacy.pseudonym_of), which the scan does not match.
KEPT_BY_LAW: set[tuple[str, str]] = set()


def columns_naming(needles: list[str]) -> dict[tuple[str, str], str]:
    """Every (table, column) of the database whose text holds one of ``needles``
    (case-insensitive), with the first needle found."""
    found = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            for column in connection.introspection.get_table_description(cursor, table):
                text = f"LOWER(CAST({quote(column.name)} AS TEXT))"
                for needle in needles:
                    cursor.execute(
                        f"SELECT 1 FROM {quote(table)} WHERE {text} LIKE %s LIMIT 1",  # noqa: S608
                        [f"%{needle.lower()}%"],
                    )
                    if cursor.fetchone():
                        found[(table, column.name)] = needle
                        break
    return found


def leave_traces_everywhere(member, other, staff, capture) -> None:
    """Rows of every app for ``member``, and rows of ``other`` and staff that name them."""
    # accounts: a failed and a successful sign-in leave axes' records under the email
    client = APIClient()
    for password in (PASSWORD, "not-the-password"):
        client.post("/api/v1/auth/login", {"email": EMAIL, "password": password})
    with capture(execute=True):
        tokens_for(user=member)
        track("login", member)
        # another member's event that names them
        track("member_viewed", other, member_id=str(member.pk), member_name=NAME)

        # community: a message each way (the first schedules an alert for the other, naming
        # the member), posts, comments both ways, a like, a report, a block, a tier
        message_send(sender=member, recipient_id=str(other.pk), content="Hello from me")
        message_send(
            sender=other, recipient_id=str(member.pk), content=f"Hi {NAME}, write to {EMAIL}"
        )
        own_post = post_create(author=member, title=f"By {NAME}", content="My first post")
        comment_create(post=own_post, author=other, content=f"Welcome {NAME}!")
        others_post = post_create(author=other, title="Introductions", content="Say hello")
        comment_create(post=others_post, author=member, content="Hello all")
        comment_create(post=others_post, author=other, content=f"Thanks {NAME}")
        post_like(post=others_post, user=member)
        post_report(post=own_post, reporter=other, reason="spam", note=f"{NAME} again")
        block_create(blocker=member, blocked_id=str(UserFactory().pk))
        MembershipFactory(user=member)

        # notifications: the member's own, and another member's inbox entry naming them
        NotificationFactory(user=member)
        ScheduledNotificationFactory(user=member)
        NotificationPreferenceFactory(user=member)
        notifications.notify(
            user=other,
            kind="community_message",
            title=f"New message from {NAME}",
            data={"sender_id": str(member.pk), "url": f"/messages/{member.pk}"},
        )

        # AI: the member's generation, and another member's that lists them as a candidate
        GenerationFactory(user=member)
        QuotaUsageFactory(user=member)
        GenerationFactory(
            user=other,
            feature="community.connection_reasons",
            input={"candidates": [{"member_id": str(member.pk), "headline": "Cartographer"}]},
            output={"reasons": [{"member_id": str(member.pk), "reason": "Maps."}]},
        )

        # coaching: one of everything the member can own
        goal = coaching.GoalFactory(user=member)
        coaching.GoalProgressEntryFactory(goal=goal, user=member)
        coaching.XPAwardFactory(user=member)
        coaching.BadgeAwardFactory(user=member)
        coaching.AssessmentResultFactory(user=member, notes=f"Notes of {NAME}")
        coaching.DevelopmentPlanFactory(user=member)
        coaching.RecommendationFactory(user=member)
        coaching.ArtifactFactory(user=member, project=coaching.ProjectFactory(user=member))

        # core: staff looked at the member's profile; another member's stored response
        audit_record(actor=staff, action=Action.VIEW, target=member.profile, subject_id=member.pk)
        audit_record(actor=staff, action=Action.VIEW, target=member, subject_id=member.pk)
        IdempotencyRecord.objects.create(
            user=other,
            key="send-1",
            method="POST",
            path="/api/v1/community/messages",
            request_hash="0" * 64,
            status=IdempotencyRecord.Status.DONE,
            response_status=201,
            response_body={"recipient_id": str(member.pk), "recipient_name": NAME},
            response_headers={"Location": f"/api/v1/community/members/{member.pk}"},
        )
        IdempotencyRecord.objects.create(
            user=member, key="own", method="POST", path="/x", request_hash="1" * 64
        )

        # the admin's history of the member's profile and account
        for obj in (member.profile, member):
            LogEntry.objects.create(
                user=staff,
                content_type=ContentType.objects.get_for_model(obj),
                object_id=str(obj.pk),
                object_repr=str(obj),
                action_flag=CHANGE,
                change_message=f"Changed {NAME}'s settings.",
            )

        # billing: the Stripe mirror of the member's customer, an invoice, a webhook event
        customer_data = {
            "id": "cus_scan",
            "object": "customer",
            "email": EMAIL,
            "name": NAME,
            "metadata": {"user_id": str(member.pk)},
        }
        customer = Customer.objects.create(
            id="cus_scan",
            livemode=False,
            subscriber=member,
            email=EMAIL,
            metadata={"user_id": str(member.pk)},
            stripe_data=customer_data,
        )
        Invoice.objects.create(
            id="in_scan",
            customer=customer,
            livemode=False,
            stripe_data={"id": "in_scan", "customer_email": EMAIL, "customer_name": NAME},
        )
        StripeEvent.objects.create(
            id="evt_scan",
            livemode=False,
            type="customer.updated",
            data={"object": customer_data},
            stripe_data={"id": "evt_scan", "data": {"object": customer_data}},
        )


def test_erasure_leaves_no_trace_of_the_member_in_any_column(
    django_capture_on_commit_callbacks, superuser
):
    # given
    member = UserFactory(email=EMAIL, profile__display_name=NAME)
    other = UserFactory()
    leave_traces_everywhere(member, other, superuser, django_capture_on_commit_callbacks)
    needles = [EMAIL, NAME, str(member.pk), member.pk.hex]
    before = columns_naming(needles)
    assert ("notifications_schedulednotification", "payload") in before  # the alert
    assert ("community_comment", "content") in before
    assert ("coaching_assessmentresult", "notes") in before
    assert ("axes_accessattempt", "username") in before
    assert ("axes_accesslog", "username") in before

    # when (Stripe's side of the erasure runs after commit: not here)
    with django_capture_on_commit_callbacks(execute=False):
        account_erase(user=member, source="test")

    # then
    leftovers = {
        f"{table}.{column}": needle
        for (table, column), needle in columns_naming(needles).items()
        if (table, column) not in KEPT_BY_LAW
    }
    assert leftovers == {}


def test_the_erased_senders_pending_alert_is_skipped_when_due(
    django_capture_on_commit_callbacks, member, other_member
):
    # given: an alert for the other member names the member
    member.profile.display_name = NAME
    member.profile.save(update_fields=["display_name"])
    message_send(sender=member, recipient_id=str(other_member.pk), content="Hello")
    alert = ScheduledNotification.objects.get(user=other_member)

    # when
    with django_capture_on_commit_callbacks(execute=False):
        account_erase(user=member, source="test")
    notifications.dispatch_due(now=timezone.now() + dt.timedelta(days=1))

    # then
    alert.refresh_from_db()
    assert alert.payload["title"] == "New message from erased member"
    assert alert.payload["data"]["sender_id"] is None
    assert alert.status == ScheduledNotification.Status.CANCELLED
    assert not Notification.objects.filter(user=other_member).exists()
