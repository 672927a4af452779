"""Helpers of the post tests: the URLs, a post as the API shows it, and ageing a post."""

import datetime as dt

from django.utils import timezone
from rest_framework import serializers

from accounts.models import Profile
from community.models import Post

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
