"""Posts: editing within the window, and staff hiding (PATCH /community/posts/{id})."""

import pytest
from django.utils import timezone

from accounts.tests.helpers import errors_of
from community.models import Post
from core.models import AuditEntry

from .factories import PostFactory, ReportFactory
from .posts_helpers import POSTS, age, ids, post_url, shape

pytestmark = pytest.mark.django_db


def test_the_author_edits_within_the_window(member_api, member):
    # given
    post = age(PostFactory(author=member, title="Old title", content="Old"), 14)
    before = timezone.now()

    # when
    response = member_api.patch(post_url(post), {"content": " New <b>text</b> "})

    # then
    assert response.status_code == 200
    post.refresh_from_db()
    assert (post.title, post.content) == ("Old title", "New <b>text</b>")
    assert before <= post.edited_at <= timezone.now()
    assert response.json() == shape(post, can_edit=True)


def test_an_edit_that_changes_nothing_leaves_edited_at_unset(member_api, member):
    # given
    post = PostFactory(author=member, title="Same", content="Same")

    # when
    response = member_api.patch(post_url(post), {"title": "Same", "content": "Same"})

    # then
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.edited_at is None


def test_after_the_window_the_author_can_no_longer_edit(member_api, member, settings):
    # given
    settings.COMMUNITY_EDIT_WINDOW_MINUTES = 5
    post = age(PostFactory(author=member, content="Original"), 5.1)

    # when
    response = member_api.patch(post_url(post), {"content": "Changed"})

    # then
    assert response.status_code == 403
    assert errors_of(response) == [{"code": "edit_window_closed", "attr": None}]
    post.refresh_from_db()
    assert (post.content, post.edited_at) == ("Original", None)
    assert member_api.get(post_url(post)).json()["can_edit"] is False


def test_another_member_may_not_edit(other_api, member):
    # given
    post = PostFactory(author=member, content="Original")

    # when
    response = other_api.patch(post_url(post), {"content": "Vandalised"})

    # then
    assert response.status_code == 403
    assert errors_of(response) == [{"code": "permission_denied", "attr": None}]
    post.refresh_from_db()
    assert post.content == "Original"


def test_staff_may_not_edit_someone_elses_text(staff_api, member):
    # given
    post = PostFactory(author=member, content="Original")

    # when
    response = staff_api.patch(post_url(post), {"content": "Changed"})

    # then
    assert response.status_code == 403
    assert errors_of(response) == [{"code": "permission_denied", "attr": None}]
    assert Post.objects.get().content == "Original"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"content": "  "}, [{"code": "blank", "attr": "content"}]),
        ({"title": "t" * 201}, [{"code": "max_length", "attr": "title"}]),
        ({"hidden": "perhaps"}, [{"code": "invalid", "attr": "hidden"}]),
    ],
)
def test_a_bad_edit_is_a_400_naming_the_field(member_api, member, body, errors):
    # given
    post = PostFactory(author=member, content="Original")

    # when
    response = member_api.patch(post_url(post), body)

    # then
    assert response.status_code == 400
    assert errors_of(response) == errors
    assert Post.objects.get().content == "Original"


def test_a_member_may_not_hide_even_their_own_post(member_api, member):
    # given
    post = PostFactory(author=member)

    # when
    response = member_api.patch(post_url(post), {"hidden": True})

    # then
    assert response.status_code == 403
    assert errors_of(response) == [{"code": "permission_denied", "attr": None}]
    assert Post.objects.get().hidden_reason == ""


def test_editing_a_hidden_post_of_someone_else_is_a_404(member_api):
    post = PostFactory(hidden_reason=Post.HiddenReason.STAFF)

    assert member_api.patch(post_url(post), {"content": "x"}).status_code == 404


def test_staff_hide_a_post_resolving_its_reports_and_it_is_audited(
    staff_api, staff, member_api, member
):
    # given
    post = PostFactory(author=member)
    report = ReportFactory(post=post)
    before = timezone.now()

    # when
    response = staff_api.patch(post_url(post), {"hidden": True})

    # then
    assert response.status_code == 200
    assert response.json() == shape(post, hidden=True)
    post.refresh_from_db()
    assert post.hidden_reason == "staff"
    assert before <= post.hidden_at == post.reviewed_at <= timezone.now()
    report.refresh_from_db()
    assert (report.resolution, report.resolved_by, report.resolved_at) == (
        "removed",
        staff,
        post.reviewed_at,
    )
    assert list(
        AuditEntry.objects.values_list("actor", "action", "target_id", "subject_id", "changes")
    ) == [
        (
            staff.pk,
            "action",
            str(post.pk),
            str(member.pk),
            {"action": "post_hide", "reports_resolved": 1},
        )
    ]
    assert member_api.get(POSTS).json()["results"] == []


def test_staff_unhide_a_post_keeping_it_and_resolving_its_reports(staff_api, staff, member_api):
    # given
    post = PostFactory(hidden_reason=Post.HiddenReason.REPORTS, hidden_at=timezone.now())
    report = ReportFactory(post=post)

    # when
    response = staff_api.patch(post_url(post), {"hidden": False})

    # then
    assert response.status_code == 200
    assert response.json()["hidden"] is False
    post.refresh_from_db()
    assert (post.hidden_reason, post.hidden_at) == ("", None)
    assert post.reviewed_at is not None
    report.refresh_from_db()
    assert (report.resolution, report.resolved_by) == ("kept", staff)
    assert AuditEntry.objects.get().changes == {"action": "post_keep", "reports_resolved": 1}
    assert ids(member_api.get(POSTS)) == [str(post.pk)]


def test_hiding_what_is_already_hidden_by_staff_records_nothing(staff_api):
    # given
    post = PostFactory(hidden_reason=Post.HiddenReason.STAFF)

    # when
    response = staff_api.patch(post_url(post), {"hidden": True})

    # then
    assert response.status_code == 200
    assert not AuditEntry.objects.exists()


def test_editing_needs_authentication(api):
    post = PostFactory(content="Original")

    assert api.patch(post_url(post), {"content": "x"}).status_code == 401
    assert Post.objects.get().content == "Original"


def test_put_is_not_allowed(member_api, member):
    post = PostFactory(author=member)

    assert member_api.put(post_url(post), {"content": "x"}).status_code == 405
