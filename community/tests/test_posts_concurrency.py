"""Races on posts are settled by the database: simultaneous likes by one member make one
like, and simultaneous reports hide the post exactly when the threshold is reached."""

import pytest

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for
from community.models import Like, Post, Report
from core.tests.concurrency import at_once

from .factories import PostFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_likes_by_one_member_make_one_like(member):
    # given
    post = PostFactory()
    clients = [client_for(member) for _ in range(4)]
    url = f"/api/v1/community/posts/{post.pk}/like"

    # when
    responses = at_once([lambda client=client: client.post(url) for client in clients])

    # then
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    assert {r.json()["like_count"] for r in responses} == {1}
    assert Like.objects.filter(post=post, user=member).count() == 1


def test_simultaneous_reports_hide_the_post_once_the_threshold_is_reached(settings):
    # given
    settings.COMMUNITY_REPORTS_TO_HIDE = 3
    post = PostFactory()
    clients = [client_for(UserFactory()) for _ in range(3)]
    url = f"/api/v1/community/posts/{post.pk}/report"

    # when
    responses = at_once(
        [lambda client=client: client.post(url, {"reason": "spam"}) for client in clients]
    )

    # then
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert Report.objects.filter(post=post).count() == 3
    post = Post.objects.get(pk=post.pk)
    assert post.hidden_reason == "reports"
    assert post.hidden_at is not None
