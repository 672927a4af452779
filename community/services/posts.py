"""Writes of posts, comments, likes and reports, and their moderation.

Authors edit and delete their post within ``COMMUNITY_EDIT_WINDOW_MINUTES`` of publishing
it; staff hide and unhide. A post reported by ``COMMUNITY_REPORTS_TO_HIDE`` members whose
reports are still pending is hidden (``hidden_reason = "reports"``) until staff review it:
keeping it resolves those reports as ``kept`` (and later reports count afresh), hiding it
resolves them as ``removed``. Every moderation decision is written to the audit log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from analytics.services import track
from core.audit import Action, audit_record
from core.exceptions import DomainError

from ..models import Comment, Like, Post, Report
from ..selectors.posts import edit_window_start

if TYPE_CHECKING:
    from accounts.models import User


class PermissionDenied(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


class EditWindowClosed(PermissionDenied):
    code = "edit_window_closed"


def _require_author_in_window(post: Post, user, verb: str) -> None:
    if post.author_id != user.pk:
        raise PermissionDenied(f"Only the author may {verb} a post.")
    if post.created_at < edit_window_start():
        minutes = settings.COMMUNITY_EDIT_WINDOW_MINUTES
        raise EditWindowClosed(
            f"A post can be {verb}d only within {minutes} minutes of publishing it."
        )


@transaction.atomic
def post_create(*, author, content: str, title: str = "") -> Post:
    """Publish a post; ``title`` and ``content`` are stored as given (plain text)."""
    post = Post.objects.create(author=author, title=title, content=content)
    track("post_created", author, post_id=str(post.pk))
    return post


@transaction.atomic
def post_update(
    *,
    post: Post,
    user: User,
    title: str | None = None,
    content: str | None = None,
    hidden: bool | None = None,
    request=None,
) -> Post:
    """Change what is given. ``title``/``content``: the author only, within the edit window
    (``edited_at`` is set when the text changes). ``hidden``: staff only (see
    :func:`post_hide` and :func:`post_keep`). Anyone else: ``PermissionDenied``."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.author_id != user.pk and not user.is_staff:
        raise PermissionDenied("Only the author may edit a post.")
    if hidden is not None and not user.is_staff:
        raise PermissionDenied("Only staff may hide or unhide a post.")
    text = {"title": title, "content": content}
    text = {name: value for name, value in text.items() if value is not None}
    if text:
        _require_author_in_window(post, user, "edit")
    changed = [name for name, value in text.items() if getattr(post, name) != value]
    if changed:
        for name in changed:
            setattr(post, name, text[name])
        post.edited_at = timezone.now()
        post.save(update_fields=[*changed, "edited_at", "updated_at"])
    if hidden is True and post.hidden_reason != Post.HiddenReason.STAFF:
        post = post_hide(post=post, moderator=user, request=request)
    elif hidden is False and post.is_hidden:
        post = post_keep(post=post, moderator=user, request=request)
    return post


@transaction.atomic
def post_delete(*, post: Post, user: User) -> None:
    """The author deletes their post, within the edit window; its comments, likes and
    reports go with it."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    _require_author_in_window(post, user, "delete")
    post.delete()


def _resolve_reports(post: Post, resolution: str, moderator, now) -> int:
    return Report.objects.filter(post=post, resolution=Report.Resolution.PENDING).update(
        resolution=resolution, resolved_at=now, resolved_by=moderator, updated_at=now
    )


@transaction.atomic
def post_hide(*, post: Post, moderator, request=None) -> Post:
    """Staff hide the post (``hidden_reason = "staff"``); its pending reports are resolved
    as ``removed``. Audited."""
    now = timezone.now()
    post = Post.objects.select_for_update().get(pk=post.pk)
    post.hidden_reason = Post.HiddenReason.STAFF
    post.hidden_at = post.hidden_at or now
    post.reviewed_at = now
    post.save(update_fields=["hidden_reason", "hidden_at", "reviewed_at", "updated_at"])
    resolved = _resolve_reports(post, Report.Resolution.REMOVED, moderator, now)
    audit_record(
        actor=moderator,
        action=Action.ACTION,
        target=post,
        subject_id=post.author_id,
        changes={"action": "post_hide", "reports_resolved": resolved},
        request=request,
    )
    return post


@transaction.atomic
def post_keep(*, post: Post, moderator, request=None) -> Post:
    """Staff keep the post: it is shown again and its pending reports are resolved as
    ``kept``. Audited."""
    now = timezone.now()
    post = Post.objects.select_for_update().get(pk=post.pk)
    post.hidden_reason = ""
    post.hidden_at = None
    post.reviewed_at = now
    post.save(update_fields=["hidden_reason", "hidden_at", "reviewed_at", "updated_at"])
    resolved = _resolve_reports(post, Report.Resolution.KEPT, moderator, now)
    audit_record(
        actor=moderator,
        action=Action.ACTION,
        target=post,
        subject_id=post.author_id,
        changes={"action": "post_keep", "reports_resolved": resolved},
        request=request,
    )
    return post


def post_like(*, post: Post, user: User) -> bool:
    """Like the post; ``False`` when the member already liked it (nothing changes)."""
    try:
        with transaction.atomic():
            Like.objects.create(post=post, user=user)
    except IntegrityError:
        # A concurrent like by the same member won the unique constraint; anything else
        # (the post deleted meanwhile) is not ours to hide.
        if not Like.objects.filter(post=post, user=user).exists():
            raise
        return False
    track("post_liked", user, post_id=str(post.pk))
    return True


def post_unlike(*, post: Post, user: User) -> bool:
    """Take the member's like back; ``False`` when there was none."""
    deleted, _ = Like.objects.filter(post=post, user=user).delete()
    return bool(deleted)


@transaction.atomic
def comment_create(*, post: Post, author, content: str) -> Comment:
    comment = Comment.objects.create(post=post, author=author, content=content)
    track("comment_created", author, post_id=str(post.pk), comment_id=str(comment.pk))
    return comment


@transaction.atomic
def comment_set_hidden(*, comment: Comment, hidden: bool, moderator, request=None) -> Comment:
    """Staff hide or show a comment again (admin). Audited."""
    if comment.is_hidden != hidden:
        comment.is_hidden = hidden
        comment.save(update_fields=["is_hidden", "updated_at"])
        audit_record(
            actor=moderator,
            action=Action.ACTION,
            target=comment,
            subject_id=comment.author_id,
            changes={"action": "comment_hide" if hidden else "comment_show"},
            request=request,
        )
    return comment


@transaction.atomic
def post_report(*, post: Post, reporter, reason: str, note: str = "") -> tuple[Report, bool]:
    """Report the post for the staff's moderation queue; one report per member and post,
    so a second returns the first unchanged (``created`` is ``False``). The report that
    brings the post's pending reports to ``COMMUNITY_REPORTS_TO_HIDE`` hides it until
    staff review it."""
    if post.author_id == reporter.pk:
        raise DomainError("You cannot report your own post.", code="own_post")
    # The post's row lock makes concurrent reports count one after the other.
    post = Post.objects.select_for_update().get(pk=post.pk)
    report, created = Report.objects.get_or_create(
        post=post, reporter=reporter, defaults={"reason": reason, "note": note}
    )
    if not created:
        return report, False
    pending = Report.objects.filter(post=post, resolution=Report.Resolution.PENDING).count()
    if not post.is_hidden and pending >= settings.COMMUNITY_REPORTS_TO_HIDE:
        post.hidden_reason = Post.HiddenReason.REPORTS
        post.hidden_at = timezone.now()
        post.save(update_fields=["hidden_reason", "hidden_at", "updated_at"])
    track("post_reported", reporter, post_id=str(post.pk), reason=reason)
    return report, True
