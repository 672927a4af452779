"""The AI tools' artifacts: generate, edit (with a version history), delete, and schedule a
piece of content.

- ``artifact_generate`` makes the row at once (``status=pending``) and queues the tool's
  generation through the AI gateway; the feature's ``on_finish``
  (:func:`artifact_generation_finished`) fills ``content`` and ``title`` and marks it
  ``ready``, or marks it ``failed``. Every artifact made from that generation is filled (a
  project duplicated while one was pending carries the same generation).
- ``artifact_update`` validates new content against the tool's schema, keeps the replaced
  state as an ``ArtifactVersion`` numbered by the version it had, and bumps ``version``.
  The row is locked (``SELECT ... FOR UPDATE``) so two concurrent edits make two versions,
  never one lost update or a duplicate version number.
- ``content_schedule`` reminds the member at ``publish_at`` with a ``coaching_content_publish``
  notification; scheduling again cancels the previous reminder.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pydantic
from django.db import transaction
from django.utils import timezone

from ai import selectors as ai_selectors
from ai import services as ai_services
from analytics.services import track
from core.exceptions import Conflict, DomainError
from notifications import services as notifications

from ..ai_features import TOOL_FEATURES
from ..models import TITLE_MAX_LENGTH, Artifact, ArtifactVersion, GenerationStatus, Project
from .progress import evaluate_badges

if TYPE_CHECKING:
    from accounts.models import User
    from ai.models import Generation

CONTENT_REMINDER_KIND = "coaching_content_publish"
# The option that also appears in the tool's output: the member's choice wins over the model's.
PINNED_OPTIONS = {"content": "channel", "document": "doc_type"}


def schema_for(kind: str) -> type[pydantic.BaseModel]:
    return TOOL_FEATURES[kind].schema


@transaction.atomic
def artifact_generate(
    *,
    user: User,
    kind: str,
    prompt: str,
    options: dict[str, Any] | None = None,
    project: Project | None = None,
) -> Artifact:
    """Queue the ``kind`` tool on ``prompt`` and ``options`` (validated by the caller) and
    return the pending artifact. Raises ``QuotaExceeded`` (429) when the plan's quota is used
    up (nothing is created then), and a 400 naming ``project`` when the project is not the
    caller's."""
    if kind not in TOOL_FEATURES:
        raise DomainError(f"Unknown tool {kind!r}.", code="invalid_choice", attr="kind")
    if project is not None and project.user_id != user.pk:
        raise DomainError("No such project.", code="does_not_exist", attr="project")
    options = dict(options or {})
    generation = ai_services.generate(
        user=user,
        feature=TOOL_FEATURES[kind].name,
        inputs={"kind": kind, "prompt": prompt, "options": options},
    )
    artifact = Artifact.objects.create(
        user=user,
        project=project,
        kind=kind,
        prompt=prompt,
        options=options,
        generation=generation,
    )
    if project is not None:
        _touch(project)
    track("tool_generation_requested", user, kind=kind, artifact_id=str(artifact.pk))
    return artifact


def artifact_generation_finished(*, generation: Generation) -> None:
    """``on_finish`` of the four tools: fill the generation's pending artifacts."""
    pending = Artifact.objects.filter(generation=generation, status=GenerationStatus.PENDING)
    now = timezone.now()
    if generation.status != ai_selectors.SUCCEEDED or not generation.output:
        pending.update(status=GenerationStatus.FAILED, updated_at=now)
        return
    for artifact in pending.select_for_update():
        content = dict(generation.output)
        pinned = PINNED_OPTIONS.get(artifact.kind)
        if pinned and artifact.options.get(pinned):
            content[pinned] = artifact.options[pinned]
        artifact.content = content
        artifact.title = str(content.get("title", ""))[:TITLE_MAX_LENGTH]
        artifact.status = GenerationStatus.READY
        artifact.save(update_fields=["content", "title", "status", "updated_at"])
    evaluate_badges(user=generation.user)


@transaction.atomic
def artifact_update(
    *, artifact: Artifact, title: str | None = None, content: dict[str, Any] | None = None
) -> Artifact:
    """Edit a ready artifact's ``title`` and/or ``content``. New content must match the
    tool's schema (400 naming ``content.<path>``); without a new ``title`` the title follows
    the content's. The replaced state is kept as version ``artifact.version``. A pending or
    failed artifact: 409 ``not_ready``."""
    artifact = Artifact.objects.select_for_update().get(pk=artifact.pk)
    _require_ready(artifact)
    if content is not None:
        content = validate_content(artifact.kind, content)
        if title is None:
            title = str(content["title"])[:TITLE_MAX_LENGTH]
    if title is None and content is None:
        return artifact
    ArtifactVersion.objects.create(
        artifact=artifact, version=artifact.version, title=artifact.title, content=artifact.content
    )
    if title is not None:
        artifact.title = title
    if content is not None:
        artifact.content = content
    artifact.version += 1
    artifact.save(update_fields=["title", "content", "version", "updated_at"])
    if artifact.project_id:
        Project.objects.filter(pk=artifact.project_id).update(updated_at=timezone.now())
    return artifact


def validate_content(kind: str, content: Any) -> dict[str, Any]:
    """``content`` as the tool's schema normalises it; a 400 naming each faulty path."""
    try:
        return schema_for(kind).model_validate(content).model_dump(mode="json")
    except pydantic.ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors(include_url=False, include_input=False):
            path = ".".join(str(part) for part in error["loc"])
            fields.setdefault(f"content.{path}" if path else "content", error["msg"])
        raise DomainError("The content does not match the tool's schema.", fields=fields) from None


@transaction.atomic
def artifact_delete(*, artifact: Artifact) -> None:
    """Delete the artifact, its versions and its pending publishing reminder."""
    if artifact.reminder_id:
        notifications.cancel(scheduled=artifact.reminder_id, reason="artifact deleted")
    if artifact.project_id:
        Project.objects.filter(pk=artifact.project_id).update(updated_at=timezone.now())
    artifact.delete()


@transaction.atomic
def content_schedule(*, artifact: Artifact, publish_at: dt.datetime) -> Artifact:
    """Plan a ready piece of content for ``publish_at`` (in the future, else 400 naming
    ``publish_at``): its owner is reminded then (notification ``coaching_content_publish``).
    Scheduling again moves the reminder: the previous one is cancelled."""
    artifact = Artifact.objects.select_for_update().get(pk=artifact.pk)
    if artifact.kind != Artifact.Kind.CONTENT:
        raise DomainError(
            "Only content can be scheduled.", code="invalid_kind", attr="non_field_errors"
        )
    _require_ready(artifact)
    if publish_at <= timezone.now():
        raise DomainError("publish_at must be in the future.", code="past", attr="publish_at")
    if artifact.reminder_id:
        notifications.cancel(scheduled=artifact.reminder_id, reason="rescheduled")
    title = artifact.title or "your content"
    artifact.reminder = notifications.schedule(
        user=artifact.user,
        kind=CONTENT_REMINDER_KIND,
        when=publish_at,
        title=f"Time to publish: {title}",
        body=f"You planned to publish this on {artifact.content.get('channel', 'your channel')} now.",
        data={
            "artifact_id": str(artifact.pk),
            "url": f"/api/v1/coaching/tools/content/{artifact.pk}",
        },
    )
    artifact.publish_at = publish_at
    artifact.save(update_fields=["publish_at", "reminder", "updated_at"])
    track("content_scheduled", artifact.user, artifact_id=str(artifact.pk))
    return artifact


def reminder_skip_reason(*, user: User, data: dict[str, Any]) -> str | None:
    """The reminder is stale when its artifact is gone or now points at another reminder."""
    artifact_id = data.get("artifact_id")
    if not artifact_id or not Artifact.objects.filter(pk=artifact_id, user=user).exists():
        return "artifact deleted"
    return None


def _require_ready(artifact: Artifact) -> None:
    if artifact.status != GenerationStatus.READY:
        raise Conflict(
            f"This artifact is {artifact.status}; it can be used once it is ready.",
            code="not_ready",
        )


def _touch(project: Project) -> None:
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
