"""Posts: the feed and one post (GET /community/posts, GET /community/posts/{id})."""

import uuid

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import errors_of
from community.models import Post

from .factories import CommentFactory, LikeFactory, PostFactory
from .posts_helpers import POSTS, age, ids, post_url, shape

pytestmark = pytest.mark.django_db


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
