"""Likes: POST and DELETE /community/posts/{id}/like, both idempotent."""

import uuid

import pytest
from django.utils import timezone

from accounts.tests.helpers import errors_of
from analytics.models import Event
from community.models import Like, Post
from community.services.posts import post_like

from .factories import LikeFactory, PostFactory

pytestmark = pytest.mark.django_db


def like_url(post) -> str:
    return f"/api/v1/community/posts/{post.pk}/like"


def test_a_member_likes_a_post(member_api, member, django_capture_on_commit_callbacks):
    # given
    post = PostFactory()
    LikeFactory(post=post)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(like_url(post))

    # then
    assert response.status_code == 201
    assert response.json() == {"liked": True, "like_count": 2}
    assert Like.objects.filter(post=post, user=member).count() == 1
    assert list(Event.objects.values_list("name", "user", "properties")) == [
        ("post_liked", member.pk, {"post_id": str(post.pk)})
    ]


def test_liking_again_is_a_200_without_a_second_like(
    member_api, member, django_capture_on_commit_callbacks
):
    # given
    post = PostFactory()
    member_api.post(like_url(post))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(like_url(post))

    # then
    assert response.status_code == 200
    assert response.json() == {"liked": True, "like_count": 1}
    assert Like.objects.filter(post=post, user=member).count() == 1
    assert not Event.objects.exists()


def test_a_like_lost_to_the_unique_constraint_reports_already_liked(member):
    # given: the like a concurrent request stored first
    post = PostFactory()
    LikeFactory(post=post, user=member)

    # when
    created = post_like(post=post, user=member)

    # then
    assert created is False
    assert Like.objects.count() == 1


def test_a_member_likes_their_own_post(member_api, member):
    post = PostFactory(author=member)

    assert member_api.post(like_url(post)).status_code == 201


def test_taking_a_like_back_is_idempotent(member_api, member):
    # given
    post = PostFactory()
    LikeFactory(post=post, user=member)
    other = LikeFactory(post=post)

    # when
    first = member_api.delete(like_url(post))
    second = member_api.delete(like_url(post))

    # then
    assert first.status_code == second.status_code == 204
    assert list(Like.objects.all()) == [other]


@pytest.mark.parametrize("method", ["post", "delete"])
def test_a_hidden_or_unknown_post_is_a_404(member_api, method):
    # given
    hidden = PostFactory(hidden_reason=Post.HiddenReason.REPORTS, hidden_at=timezone.now())

    # when
    responses = [
        getattr(member_api, method)(like_url(hidden)),
        getattr(member_api, method)(like_url(Post(pk=uuid.uuid4()))),
    ]

    # then
    assert [r.status_code for r in responses] == [404, 404]
    assert errors_of(responses[0]) == [{"code": "not_found", "attr": None}]
    assert not Like.objects.exists()


@pytest.mark.parametrize("method", ["post", "delete"])
def test_likes_need_authentication(api, method):
    post = PostFactory()

    assert getattr(api, method)(like_url(post)).status_code == 401
    assert not Like.objects.exists()


def test_the_feed_shows_the_callers_like(member_api, member):
    # given
    liked, other = PostFactory(), PostFactory()
    member_api.post(like_url(liked))

    # when
    response = member_api.get("/api/v1/community/posts")

    # then
    rows = {row["id"]: row for row in response.json()["results"]}
    assert (rows[str(liked.pk)]["liked_by_me"], rows[str(liked.pk)]["like_count"]) == (True, 1)
    assert (rows[str(other.pk)]["liked_by_me"], rows[str(other.pk)]["like_count"]) == (False, 0)
