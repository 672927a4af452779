"""Comments: GET, POST /community/posts/{id}/comments."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework import serializers

from accounts.models import Profile
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import errors_of
from analytics.models import Event
from community.models import Comment, Post

from .factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db

MARKUP = "<img src=x onerror=alert(1)> &lt;ok&gt;"


def comments_url(post) -> str:
    return f"/api/v1/community/posts/{post.pk}/comments"


def iso(value: dt.datetime | None) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


def shape(comment: Comment) -> dict:
    return {
        "id": str(comment.pk),
        "author": {
            "id": str(comment.author_id),
            "display_name": Profile.objects.get(user_id=comment.author_id).display_name,
        },
        "content": comment.content,
        "created_at": iso(comment.created_at),
        "edited_at": iso(comment.edited_at),
    }


def later(comment: Comment, minutes: int) -> Comment:
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() + dt.timedelta(minutes=minutes)
    )
    comment.refresh_from_db()
    return comment


# --- GET ----------------------------------------------------------------------------------


def test_a_posts_visible_comments_oldest_first(member_api):
    # given
    post = PostFactory()
    first = CommentFactory(post=post)
    second = later(CommentFactory(post=post), 1)
    later(CommentFactory(post=post, is_hidden=True), 2)
    later(CommentFactory(post=post, author=UserFactory(is_active=False)), 3)
    CommentFactory()  # another post's

    # when
    response = member_api.get(comments_url(post))

    # then
    assert response.status_code == 200
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [shape(first), shape(second)],
    }


def test_comments_are_cursor_paginated(member_api):
    # given
    post = PostFactory()
    comments = [later(CommentFactory(post=post), n) for n in range(3)]

    # when
    first = member_api.get(comments_url(post), {"page_size": 2})
    second = member_api.get(first.json()["next"])

    # then
    assert [c["id"] for c in first.json()["results"]] == [str(c.pk) for c in comments[:2]]
    assert [c["id"] for c in second.json()["results"]] == [str(comments[2].pk)]


def test_the_comments_query_count_does_not_grow(member_api, django_assert_num_queries):
    # given: the token's user, the post, the page
    post = PostFactory()
    CommentFactory(post=post)
    with django_assert_num_queries(3):
        member_api.get(comments_url(post))
    CommentFactory.create_batch(25, post=post)

    # when / then
    with django_assert_num_queries(3):
        response = member_api.get(comments_url(post))
    assert len(response.json()["results"]) == 20


# --- POST ---------------------------------------------------------------------------------


def test_a_member_comments(member_api, member, django_capture_on_commit_callbacks):
    # given
    post = PostFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(comments_url(post), {"content": f"  {MARKUP}\n"})

    # then
    assert response.status_code == 201
    comment = Comment.objects.get()
    assert (comment.post, comment.author, comment.content) == (post, member, MARKUP)
    assert response.json() == shape(comment)
    assert list(Event.objects.values_list("name", "user", "properties")) == [
        ("comment_created", member.pk, {"post_id": str(post.pk), "comment_id": str(comment.pk)})
    ]
    assert member_api.get(f"/api/v1/community/posts/{post.pk}").json()["comment_count"] == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "required"),
        ({"content": "   "}, "blank"),
        ({"content": "x" * 2001}, "max_length"),
        ({"content": ["a list"]}, "invalid"),
    ],
)
def test_a_bad_comment_is_a_400_naming_content(member_api, body, code):
    # given
    post = PostFactory()

    # when
    response = member_api.post(comments_url(post), body)

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": code, "attr": "content"}]
    assert not Comment.objects.exists()


# --- both ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_hidden_or_unknown_posts_comments_are_a_404(member_api, method):
    # given
    hidden = PostFactory(hidden_reason=Post.HiddenReason.STAFF, hidden_at=timezone.now())

    # when
    responses = [
        getattr(member_api, method)(
            comments_url(post), {"content": "Hi"} if method == "post" else None
        )
        for post in (hidden, Post(pk=uuid.uuid4()))
    ]

    # then
    assert [r.status_code for r in responses] == [404, 404]
    assert not Comment.objects.exists()


def test_the_author_of_a_hidden_post_still_reads_its_comments(member_api, member):
    # given
    post = PostFactory(author=member, hidden_reason=Post.HiddenReason.REPORTS)
    comment = CommentFactory(post=post)

    # when
    response = member_api.get(comments_url(post))

    # then
    assert response.json()["results"] == [shape(comment)]


@pytest.mark.parametrize("method", ["get", "post"])
def test_comments_need_authentication(api, method):
    post = PostFactory()

    assert getattr(api, method)(comments_url(post)).status_code == 401
    assert not Comment.objects.exists()
