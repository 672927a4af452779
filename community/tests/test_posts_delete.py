"""Posts: deleting (DELETE /community/posts/{id})."""

import uuid

import pytest

from accounts.tests.helpers import errors_of
from community.models import Comment, Like, Post, Report

from .factories import CommentFactory, LikeFactory, PostFactory, ReportFactory
from .posts_helpers import POSTS, age, post_url

pytestmark = pytest.mark.django_db


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
