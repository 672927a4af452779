"""The community's admin: lists and filters, tier actions, the moderation queue, and the
audited read-only message views."""

import pytest
from django.urls import reverse
from django.utils import timezone

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
def test_the_lists_and_their_filters_answer(admin_browser, member, model, query):
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
    response = admin_browser.get(changelist(model), query)

    # then
    assert response.status_code == 200
    assert (tier.name if model == "tier" else member.email) in response.content.decode()


def test_the_awaiting_review_filter_lists_only_posts_hidden_after_reports(admin_browser):
    # given
    awaiting = PostFactory(title="Awaiting", hidden_reason=Post.HiddenReason.REPORTS)
    PostFactory(title="Visible")
    PostFactory(title="Hidden by staff", hidden_reason=Post.HiddenReason.STAFF)

    # when
    response = admin_browser.get(changelist("post"), {"moderation": "awaiting"})

    # then
    assert list(response.context["cl"].result_list) == [awaiting]


def test_keep_shows_the_post_again_and_resolves_its_reports_as_kept(
    admin_browser, superuser, member
):
    # given
    post = PostFactory(
        author=member, hidden_reason=Post.HiddenReason.REPORTS, hidden_at=timezone.now()
    )
    reports = ReportFactory.create_batch(3, post=post)

    # when
    response = admin_browser.post(
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
    } == {("kept", superuser.pk)}
    assert audit_rows() == [
        (
            superuser.pk,
            "action",
            "community.post",
            str(member.pk),
            {"action": "post_keep", "reports_resolved": 3},
        )
    ]


def test_hide_keeps_the_post_hidden_by_staff_and_resolves_reports_as_removed(
    admin_browser, superuser, member
):
    # given
    post = PostFactory(author=member, hidden_reason=Post.HiddenReason.REPORTS)
    report = ReportFactory(post=post)

    # when
    admin_browser.post(changelist("post"), {"action": "hide_posts", "_selected_action": [post.pk]})

    # then
    post.refresh_from_db()
    assert post.hidden_reason == "staff"
    report.refresh_from_db()
    assert (report.resolution, report.resolved_by) == ("removed", superuser)
    assert audit_rows() == [
        (
            superuser.pk,
            "action",
            "community.post",
            str(member.pk),
            {"action": "post_hide", "reports_resolved": 1},
        )
    ]


def test_a_post_is_never_edited_nor_added_here_and_opening_it_is_audited(
    admin_browser, superuser, member
):
    # given
    post = PostFactory(author=member)

    # when
    response = admin_browser.get(reverse("admin:community_post_change", args=[post.pk]))

    # then
    assert response.status_code == 200
    assert b'name="content"' not in response.content
    assert audit_rows() == [(superuser.pk, "view", "community.post", str(member.pk), {})]
    assert admin_browser.get(reverse("admin:community_post_add")).status_code == 403


def test_the_set_tier_actions_set_and_remove_tiers_audited(admin_browser, superuser, member):
    # given
    pro = TierFactory(name="Pro", slug="pro")
    membership = MembershipFactory(user=member, tier=None)
    unchanged = MembershipFactory(tier=pro)

    # when
    admin_browser.post(
        changelist("membership"),
        {"action": "set_tier_pro", "_selected_action": [membership.pk, unchanged.pk]},
    )

    # then
    membership.refresh_from_db()
    assert membership.tier == pro
    assert membership.tier_changed_at is not None
    assert audit_rows() == [
        (superuser.pk, "change", "community.membership", str(member.pk), {"fields": ["tier"]})
    ]

    # and removing it
    admin_browser.post(
        changelist("membership"),
        {"action": "set_tier_none", "_selected_action": [membership.pk]},
    )
    membership.refresh_from_db()
    assert membership.tier is None
    assert len(audit_rows()) == 2


def test_changing_a_tier_on_the_form_goes_through_the_service_once(
    admin_browser, superuser, member
):
    # given
    pro = TierFactory(slug="pro")
    membership = MembershipFactory(user=member, tier=None)
    url = reverse("admin:community_membership_change", args=[membership.pk])

    # when
    response = admin_browser.post(url, {"tier": str(pro.pk)})

    # then
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.tier == pro
    assert membership.tier_changed_at is not None
    assert [row[1:] for row in audit_rows()] == [
        ("change", "community.membership", str(member.pk), {"fields": ["tier"]})
    ]
    assert not Membership.objects.exclude(pk=membership.pk).exists()


def test_comments_are_hidden_and_shown_with_audited_actions(admin_browser, superuser, member):
    # given
    comment = CommentFactory(author=member)

    # when
    admin_browser.post(
        changelist("comment"), {"action": "hide_comments", "_selected_action": [comment.pk]}
    )

    # then
    assert Comment.objects.get().is_hidden is True
    assert audit_rows() == [
        (superuser.pk, "action", "community.comment", str(member.pk), {"action": "comment_hide"})
    ]
    admin_browser.post(
        changelist("comment"), {"action": "show_comments", "_selected_action": [comment.pk]}
    )
    assert Comment.objects.get().is_hidden is False
    assert len(audit_rows()) == 2


def test_the_message_list_shows_no_content(admin_browser, member):
    # given
    MessageFactory(sender=member, content="A private sentence")

    # when
    response = admin_browser.get(changelist("message"))

    # then
    assert response.status_code == 200
    assert "A private sentence" not in response.content.decode()


def test_opening_a_message_is_read_only_and_audited_for_both_parties(
    admin_browser, superuser, member, other_member
):
    # given
    message = MessageFactory(sender=member, recipient=other_member, content="Private")
    url = reverse("admin:community_message_change", args=[message.pk])

    # when
    response = admin_browser.get(url)

    # then
    assert response.status_code == 200
    assert "Private" in response.content.decode()
    assert b'name="content"' not in response.content
    assert sorted(audit_rows(), key=lambda row: row[3]) == sorted(
        [
            (superuser.pk, "view", "community.message", str(member.pk), {}),
            (superuser.pk, "view", "community.message", str(other_member.pk), {}),
        ],
        key=lambda row: row[3],
    )
    assert admin_browser.post(url, {"content": "Edited"}).status_code == 403
    assert admin_browser.get(reverse("admin:community_message_add")).status_code == 403


def test_opening_a_conversation_is_audited_for_both_parties(admin_browser, member, other_member):
    # given
    message = MessageFactory(sender=member, recipient=other_member)

    # when
    response = admin_browser.get(
        reverse("admin:community_conversation_change", args=[message.conversation_id])
    )

    # then
    assert response.status_code == 200
    assert {row[3] for row in audit_rows()} == {str(member.pk), str(other_member.pk)}


def test_a_report_is_read_only(admin_browser):
    report = ReportFactory()

    response = admin_browser.get(reverse("admin:community_report_change", args=[report.pk]))

    assert response.status_code == 200
    assert b'name="note"' not in response.content
