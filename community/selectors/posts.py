"""Reads of posts and comments, annotated so a page costs one query whatever its size.

A post hidden by staff or by reports is left out of the feed for everyone, and is a 404
on its own to everyone but its author and staff. Posts of deactivated accounts are not
shown at all.
"""

import datetime as dt

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Comment, Like, Post


def edit_window_start(now: dt.datetime | None = None) -> dt.datetime:
    """Posts created before this moment can no longer be edited or deleted by their author."""
    return (now or timezone.now()) - dt.timedelta(minutes=settings.COMMUNITY_EDIT_WINDOW_MINUTES)


def _count(rows: QuerySet) -> Coalesce:
    counted = rows.order_by().values("post").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def visible_comments() -> QuerySet[Comment]:
    """Comments not hidden by staff, by members whose account is active."""
    return Comment.objects.filter(is_hidden=False, author__is_active=True)


def _annotated(viewer) -> QuerySet[Post]:
    can_edit = Case(
        When(author_id=viewer.pk, created_at__gte=edit_window_start(), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return Post.objects.select_related("author__profile").annotate(
        like_count=_count(Like.objects.filter(post=OuterRef("pk"))),
        comment_count=_count(visible_comments().filter(post=OuterRef("pk"))),
        liked_by_me=Exists(Like.objects.filter(post=OuterRef("pk"), user_id=viewer.pk)),
        can_edit=can_edit,
    )


def feed(*, viewer) -> QuerySet[Post]:
    """Visible posts with their counts and the viewer's like; the view's cursor orders them
    newest first."""
    return _annotated(viewer).filter(hidden_reason="", author__is_active=True)


def _visible_to(posts: QuerySet[Post], viewer) -> QuerySet[Post]:
    posts = posts.filter(author__is_active=True)
    if viewer.is_staff:
        return posts
    return posts.filter(Q(hidden_reason="") | Q(author_id=viewer.pk))


def posts_visible_to(*, viewer) -> QuerySet[Post]:
    """Every post ``viewer`` may open, annotated: visible posts, their own hidden ones and,
    for staff, every post."""
    return _visible_to(_annotated(viewer), viewer)


def post_for(*, viewer, post_id) -> Post | None:
    """One post as ``posts_visible_to`` shows it, or ``None``."""
    return posts_visible_to(viewer=viewer).filter(pk=post_id).first()


def post_to_act_on(*, viewer, post_id) -> Post | None:
    """The bare post a like, comment or report refers to, when ``viewer`` may open it."""
    return _visible_to(Post.objects.all(), viewer).filter(pk=post_id).first()


def like_count(post: Post) -> int:
    return Like.objects.filter(post=post).count()


def comments_of(*, post: Post) -> QuerySet[Comment]:
    """The post's visible comments by active members, with their authors' names."""
    return visible_comments().filter(post=post).select_related("author__profile")
