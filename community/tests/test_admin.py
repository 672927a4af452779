"""The community's admin: lists and filters, tier actions, the moderation queue, and the
audited read-only message views."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from community.models import Comment, Membership, Post, Report
from core.models import AuditEntry

from .factories import (
    BlockFactory,
    CommentFactory,
    MembershipFactory,
    MessageFactory,
    PostFactory,
    ReportFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def browser(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def changelist(model: str) -> str:
    return reverse(f"admin:community_{model}_changelist")


def audit_rows():
    return list(
        AuditEntry.objects.order_by("at").values_list(
            "actor", "action", "target_type", "subject_id", "changes"
        )
    )


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("tier", {}),
        ("membership", {"tier__id__exact": "x"}),
        ("post", {"moderation": "awaiting"}),
        ("post", {"moderation": "reported"}),
        ("comment", {"is_hidden__exact": "0"}),
        ("report", {"resolution__exact": ""}),
        ("block", {}),
        ("conversation", {}),
        ("message", {}),
    ],
)
def test_the_lists_and_their_filters_answer(browser, member, model, query):
    # given
    tier = TierFactory()
    MembershipFactory(user=member, tier=tier)
    post = PostFactory(author=member, hidden_reason=Post.HiddenReason.REPORTS)
    ReportFactory(post=post, reporter=member)
    CommentFactory(post=post, author=member)
    BlockFactory(blocker=member)
    MessageFactory(sender=member)
    if "tier__id__exact" in query:
        query = {"tier__id__exact": str(tier.pk)}

    # when
    response = browser.get(changelist(model), query)

    # then
    assert response.status_code == 200
    assert (tier.name if model == "tier" else member.email) in response.content.decode()


def test_the_awaiting_review_filter_lists_only_posts_hidden_after_reports(browser):
    # given
    awaiting = PostFactory(title="Awaiting", hidden_reason=Post.HiddenReason.REPORTS)
    PostFactory(title="Visible")
    PostFactory(title="Hidden by staff", hidden_reason=Post.HiddenReason.STAFF)

    # when
    response = browser.get(changelist("post"), {"moderation": "awaiting"})

    # then
    assert list(response.context["cl"].result_list) == [awaiting]


def test_keep_shows_the_post_again_and_resolves_its_reports_as_kept(browser, staff, member):
    # given
    post = PostFactory(
        author=member, hidden_reason=Post.HiddenReason.REPORTS, hidden_at=timezone.now()
    )
    reports = ReportFactory.create_batch(3, post=post)

    # when
    response = browser.post(
        changelist("post"),
        {"action": "keep_posts", "_selected_action": [post.pk]},
        follow=True,
    )

    # then
    assert response.status_code == 200
    post.refresh_from_db()
    assert (post.hidden_reason, post.hidden_at) == ("", None)
    assert post.reviewed_at is not None
    assert {
        (r.resolution, r.resolved_by_id)
        for r in Report.objects.filter(pk__in=[r.pk for r in reports])
    } == {("kept", staff.pk)}
    assert audit_rows() == [
        (
            staff.pk,
            "action",
            "community.post",
            str(member.pk),
            {"action": "post_keep", "reports_resolved": 3},
        )
    ]


def test_hide_keeps_the_post_hidden_by_staff_and_resolves_reports_as_removed(
    browser, staff, member
):
    # given
    post = PostFactory(author=member, hidden_reason=Post.HiddenReason.REPORTS)
    report = ReportFactory(post=post)

    # when
    browser.post(changelist("post"), {"action": "hide_posts", "_selected_action": [post.pk]})

    # then
    post.refresh_from_db()
    assert post.hidden_reason == "staff"
    report.refresh_from_db()
    assert (report.resolution, report.resolved_by) == ("removed", staff)
    assert audit_rows() == [
        (
            staff.pk,
            "action",
            "community.post",
            str(member.pk),
            {"action": "post_hide", "reports_resolved": 1},
        )
    ]


def test_a_post_is_never_edited_nor_added_here_and_opening_it_is_audited(browser, staff, member):
    # given
    post = PostFactory(author=member)

    # when
    response = browser.get(reverse("admin:community_post_change", args=[post.pk]))

    # then
    assert response.status_code == 200
    assert b'name="content"' not in response.content
    assert audit_rows() == [(staff.pk, "view", "community.post", str(member.pk), {})]
    assert browser.get(reverse("admin:community_post_add")).status_code == 403


def test_the_set_tier_actions_set_and_remove_tiers_audited(browser, staff, member):
    # given
    pro = TierFactory(name="Pro", slug="pro")
    membership = MembershipFactory(user=member, tier=None)
    unchanged = MembershipFactory(tier=pro)

    # when
    browser.post(
        changelist("membership"),
        {"action": "set_tier_pro", "_selected_action": [membership.pk, unchanged.pk]},
    )

    # then
    membership.refresh_from_db()
    assert membership.tier == pro
    assert membership.tier_changed_at is not None
    assert audit_rows() == [
        (staff.pk, "change", "community.membership", str(member.pk), {"fields": ["tier"]})
    ]

    # and removing it
    browser.post(
        changelist("membership"),
        {"action": "set_tier_none", "_selected_action": [membership.pk]},
    )
    membership.refresh_from_db()
    assert membership.tier is None
    assert len(audit_rows()) == 2


def test_changing_a_tier_on_the_form_goes_through_the_service_once(browser, staff, member):
    # given
    pro = TierFactory(slug="pro")
    membership = MembershipFactory(user=member, tier=None)
    url = reverse("admin:community_membership_change", args=[membership.pk])

    # when
    response = browser.post(url, {"tier": str(pro.pk)})

    # then
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.tier == pro
    assert membership.tier_changed_at is not None
    assert [row[1:] for row in audit_rows()] == [
        ("change", "community.membership", str(member.pk), {"fields": ["tier"]})
    ]
    assert not Membership.objects.exclude(pk=membership.pk).exists()


def test_comments_are_hidden_and_shown_with_audited_actions(browser, staff, member):
    # given
    comment = CommentFactory(author=member)

    # when
    browser.post(
        changelist("comment"), {"action": "hide_comments", "_selected_action": [comment.pk]}
    )

    # then
    assert Comment.objects.get().is_hidden is True
    assert audit_rows() == [
        (staff.pk, "action", "community.comment", str(member.pk), {"action": "comment_hide"})
    ]
    browser.post(
        changelist("comment"), {"action": "show_comments", "_selected_action": [comment.pk]}
    )
    assert Comment.objects.get().is_hidden is False
    assert len(audit_rows()) == 2


def test_the_message_list_shows_no_content(browser, member):
    # given
    MessageFactory(sender=member, content="A private sentence")

    # when
    response = browser.get(changelist("message"))

    # then
    assert response.status_code == 200
    assert "A private sentence" not in response.content.decode()


def test_opening_a_message_is_read_only_and_audited_for_both_parties(
    browser, staff, member, other_member
):
    # given
    message = MessageFactory(sender=member, recipient=other_member, content="Private")
    url = reverse("admin:community_message_change", args=[message.pk])

    # when
    response = browser.get(url)

    # then
    assert response.status_code == 200
    assert "Private" in response.content.decode()
    assert b'name="content"' not in response.content
    assert sorted(audit_rows(), key=lambda row: row[3]) == sorted(
        [
            (staff.pk, "view", "community.message", str(member.pk), {}),
            (staff.pk, "view", "community.message", str(other_member.pk), {}),
        ],
        key=lambda row: row[3],
    )
    assert browser.post(url, {"content": "Edited"}).status_code == 403
    assert browser.get(reverse("admin:community_message_add")).status_code == 403


def test_opening_a_conversation_is_audited_for_both_parties(browser, member, other_member):
    # given
    message = MessageFactory(sender=member, recipient=other_member)

    # when
    response = browser.get(
        reverse("admin:community_conversation_change", args=[message.conversation_id])
    )

    # then
    assert response.status_code == 200
    assert {row[3] for row in audit_rows()} == {str(member.pk), str(other_member.pk)}


def test_a_report_is_read_only(browser):
    report = ReportFactory()

    response = browser.get(reverse("admin:community_report_change", args=[report.pk]))

    assert response.status_code == 200
    assert b'name="note"' not in response.content
