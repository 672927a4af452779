"""Posts: the feed, publishing, one post, editing within the window, deleting, and staff
hiding (GET, POST /community/posts; GET, PATCH, DELETE /community/posts/{id})."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework import serializers

from accounts.models import Profile
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from analytics.models import Event
from community.models import Comment, Like, Post, Report
from core.models import AuditEntry

from .factories import CommentFactory, LikeFactory, PostFactory, ReportFactory

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/community/posts"
MARKUP = '<script>alert("hi")</script> &amp; <b>bold</b> \u00e9\u00e8 \U0001f600'


def post_url(post) -> str:
    return f"{POSTS}/{post.pk}"


def iso(value: dt.datetime | None) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


def shape(post: Post, **overrides) -> dict:
    post.refresh_from_db()
    body = {
        "id": str(post.pk),
        "author": {
            "id": str(post.author_id),
            "display_name": Profile.objects.get(user_id=post.author_id).display_name,
        },
        "title": post.title,
        "content": post.content,
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at),
        "like_count": 0,
        "comment_count": 0,
        "liked_by_me": False,
        "can_edit": False,
        "hidden": post.is_hidden,
    }
    return {**body, **overrides}


def age(post: Post, minutes: float) -> Post:
    """Move the post's creation ``minutes`` into the past."""
    Post.objects.filter(pk=post.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=minutes)
    )
    post.refresh_from_db()
    return post


def ids(response) -> list[str]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def other_api(other_member):
    return client_for(other_member)


# --- GET /community/posts -----------------------------------------------------------------


def test_the_feed_lists_visible_posts_newest_first_with_counts(member_api, member):
    # given
    older = age(PostFactory(author=member), 60)
    newer = PostFactory(title="")
    LikeFactory(post=newer, user=member)
    LikeFactory(post=newer)
    CommentFactory.create_batch(2, post=newer)
    CommentFactory(post=newer, is_hidden=True)
    CommentFactory(post=newer, author=UserFactory(is_active=False))
    LikeFactory(post=older)
    PostFactory(hidden_reason=Post.HiddenReason.STAFF, hidden_at=timezone.now())
    PostFactory(author=member, hidden_reason=Post.HiddenReason.REPORTS)
    PostFactory(author=UserFactory(is_active=False))

    # when
    response = member_api.get(POSTS)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [
            shape(newer, like_count=2, comment_count=2, liked_by_me=True),
            shape(older, like_count=1),
        ],
    }


def test_the_callers_own_recent_post_can_be_edited(member_api, member):
    # given
    post = PostFactory(author=member)

    # when
    response = member_api.get(POSTS)

    # then
    assert response.json()["results"] == [shape(post, can_edit=True)]


def test_the_feed_is_cursor_paginated(member_api):
    # given
    posts = [age(PostFactory(), minutes) for minutes in (3, 2, 1)]

    # when
    first = member_api.get(POSTS, {"page_size": 2})
    second = member_api.get(first.json()["next"])

    # then
    assert ids(first) == [str(posts[2].pk), str(posts[1].pk)]
    assert ids(second) == [str(posts[0].pk)]
    assert second.json()["next"] is None


def test_the_feed_needs_authentication(api):
    response = api.get(POSTS)

    assert response.status_code == 401
    assert errors_of(response) == [{"code": "not_authenticated", "attr": None}]


def test_the_feed_query_count_does_not_grow(member_api, member, django_assert_num_queries):
    # given: the token's user, then one page with its counts
    PostFactory()
    with django_assert_num_queries(2):
        member_api.get(POSTS)
    for post in PostFactory.create_batch(25):
        LikeFactory.create_batch(2, post=post)
        LikeFactory(post=post, user=member)
        CommentFactory.create_batch(2, post=post)

    # when / then
    with django_assert_num_queries(2):
        response = member_api.get(POSTS)
    assert len(response.json()["results"]) == 20
    assert {row["like_count"] for row in response.json()["results"]} == {3}
    assert {row["comment_count"] for row in response.json()["results"]} == {2}


# --- POST /community/posts ----------------------------------------------------------------


def test_a_member_publishes_a_post(member_api, member, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(POSTS, {"title": "  Hello  ", "content": "\n First post \n"})

    # then
    assert response.status_code == 201
    post = Post.objects.get()
    assert (post.author, post.title, post.content) == (member, "Hello", "First post")
    assert response.json() == shape(post, can_edit=True)
    assert list(Event.objects.values_list("name", "user", "properties")) == [
        ("post_created", member.pk, {"post_id": str(post.pk)})
    ]


def test_a_title_is_optional(member_api):
    response = member_api.post(POSTS, {"content": "No title"})

    assert response.status_code == 201
    assert response.json()["title"] == ""
    assert Post.objects.get().title == ""


def test_text_is_stored_and_served_exactly_as_typed(member_api):
    # when
    created = member_api.post(POSTS, {"title": "<i>x</i>", "content": MARKUP})
    listed = member_api.get(POSTS)

    # then
    assert created.status_code == 201
    assert Post.objects.get().content == MARKUP
    assert Post.objects.get().title == "<i>x</i>"
    assert created.json()["content"] == MARKUP
    assert listed.json()["results"][0]["content"] == MARKUP
    assert listed.json()["results"][0]["title"] == "<i>x</i>"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [{"code": "required", "attr": "content"}]),
        ({"content": " \n\t "}, [{"code": "blank", "attr": "content"}]),
        ({"content": None}, [{"code": "null", "attr": "content"}]),
        ({"content": "x" * 5001}, [{"code": "max_length", "attr": "content"}]),
        ({"content": "a\x00b"}, [{"code": "null_characters_not_allowed", "attr": "content"}]),
        (
            {"title": "t" * 201, "content": ""},
            [{"code": "max_length", "attr": "title"}, {"code": "blank", "attr": "content"}],
        ),
    ],
)
def test_bad_posts_are_a_400_naming_each_field(member_api, body, errors):
    response = member_api.post(POSTS, body)

    assert response.status_code == 400
    assert errors_of(response) == errors
    assert not Post.objects.exists()


def test_the_longest_post_is_accepted(member_api):
    response = member_api.post(POSTS, {"title": "t" * 200, "content": "x" * 5000})

    assert response.status_code == 201


def test_publishing_needs_authentication(api):
    assert api.post(POSTS, {"content": "Hi"}).status_code == 401
    assert not Post.objects.exists()


# --- GET /community/posts/{id} ------------------------------------------------------------


def test_a_post_with_its_counts(member_api, member):
    # given
    post = PostFactory()
    LikeFactory(post=post, user=member)
    CommentFactory(post=post)

    # when
    response = member_api.get(post_url(post))

    # then
    assert response.status_code == 200
    assert response.json() == shape(post, like_count=1, comment_count=1, liked_by_me=True)


def test_a_hidden_post_is_a_404_to_other_members(member_api):
    # given
    post = PostFactory(hidden_reason=Post.HiddenReason.REPORTS, hidden_at=timezone.now())

    # when
    response = member_api.get(post_url(post))

    # then
    assert response.status_code == 404
    assert errors_of(response) == [{"code": "not_found", "attr": None}]


def test_its_author_and_staff_still_see_a_hidden_post(member_api, member, staff_api):
    # given
    post = PostFactory(author=member, hidden_reason=Post.HiddenReason.STAFF)

    # when
    mine = member_api.get(post_url(post))
    staffs = staff_api.get(post_url(post))

    # then
    assert mine.status_code == staffs.status_code == 200
    assert mine.json() == shape(post, can_edit=True, hidden=True)
    assert staffs.json() == shape(post, hidden=True)


@pytest.mark.parametrize(
    "make",
    [lambda: PostFactory(author=UserFactory(is_active=False)), lambda: Post(pk=uuid.uuid4())],
    ids=["deactivated-author", "nonexistent"],
)
def test_an_unknown_post_is_a_404(member_api, make):
    assert member_api.get(post_url(make())).status_code == 404


def test_a_post_needs_authentication(api):
    assert api.get(post_url(PostFactory())).status_code == 401


def test_a_post_costs_two_queries(member_api, django_assert_num_queries):
    # given
    post = PostFactory()
    LikeFactory.create_batch(3, post=post)
    CommentFactory.create_batch(3, post=post)

    # when / then
    with django_assert_num_queries(2):
        response = member_api.get(post_url(post))
    assert response.json()["like_count"] == 3


# --- PATCH /community/posts/{id} ----------------------------------------------------------


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


# --- DELETE /community/posts/{id} ---------------------------------------------------------


def test_the_author_deletes_within_the_window(member_api, member):
    # given
    post = age(PostFactory(author=member), 14)
    LikeFactory(post=post)
    CommentFactory(post=post)
    ReportFactory(post=post)

    # when
    response = member_api.delete(post_url(post))

    # then
    assert response.status_code == 204
    assert not Post.objects.exists()
    assert not Like.objects.exists()
    assert not Comment.objects.exists()
    assert not Report.objects.exists()


def test_after_the_window_the_author_can_no_longer_delete(member_api, member):
    # given
    post = age(PostFactory(author=member), 16)

    # when
    response = member_api.delete(post_url(post))

    # then
    assert response.status_code == 403
    assert errors_of(response) == [{"code": "edit_window_closed", "attr": None}]
    assert Post.objects.exists()


@pytest.mark.parametrize("who", ["other", "staff"])
def test_nobody_else_deletes_a_post(other_api, staff_api, member, who):
    # given
    post = PostFactory(author=member)
    client = other_api if who == "other" else staff_api

    # when
    response = client.delete(post_url(post))

    # then
    assert response.status_code == 403
    assert errors_of(response) == [{"code": "permission_denied", "attr": None}]
    assert Post.objects.exists()


def test_deleting_an_unknown_post_is_a_404(member_api):
    assert member_api.delete(f"{POSTS}/{uuid.uuid4()}").status_code == 404


def test_deleting_needs_authentication(api):
    post = PostFactory()

    assert api.delete(post_url(post)).status_code == 401
    assert Post.objects.exists()


# --- throttling ---------------------------------------------------------------------------


def test_writes_are_throttled_per_member(member_api, other_api, settings):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "community_write": "2/min",
        },
    }
    post = PostFactory()
    assert member_api.post(POSTS, {"content": "one"}).status_code == 201
    assert member_api.post(f"{post_url(post)}/like").status_code == 201

    # when
    throttled = member_api.post(f"{post_url(post)}/comments", {"content": "three"})

    # then
    assert throttled.status_code == 429
    assert errors_of(throttled) == [{"code": "throttled", "attr": None}]
    assert int(throttled["Retry-After"]) > 0
    assert member_api.get(POSTS).status_code == 200
    assert other_api.post(POSTS, {"content": "another member"}).status_code == 201
    assert Post.objects.count() == 3
