"""Projects: a member's folders of AI-tool artifacts.

Duplicating copies the project and every artifact in it, with each artifact's current
title, content, prompt, options and status, in a constant number of queries (one
``bulk_create``). The copies start a history of their own: version 1, no
``ArtifactVersion`` rows (the original keeps its history; copying it would multiply rows
for a state nobody edits), no publishing schedule (a reminder belongs to the original). A
copy of an artifact still being generated keeps its generation, so the same ``on_finish``
fills both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from analytics.services import track
from notifications import services as notifications

from ..models import TITLE_MAX_LENGTH, Artifact, Project

if TYPE_CHECKING:
    from accounts.models import User

COPY_SUFFIX = " (copy)"


@transaction.atomic
def project_create(*, user: User, name: str, description: str = "") -> Project:
    project = Project.objects.create(user=user, name=name, description=description)
    track("project_created", user, project_id=str(project.pk))
    return project


@transaction.atomic
def project_update(
    *, project: Project, name: str | None = None, description: str | None = None
) -> Project:
    fields = []
    if name is not None:
        project.name = name
        fields.append("name")
    if description is not None:
        project.description = description
        fields.append("description")
    if fields:
        project.save(update_fields=[*fields, "updated_at"])
    return project


@transaction.atomic
def project_delete(*, project: Project) -> None:
    """Delete the project with its artifacts; their pending reminders are cancelled."""
    reminders = Artifact.objects.filter(project=project, reminder__isnull=False).values_list(
        "reminder_id", flat=True
    )
    for reminder_id in reminders:
        notifications.cancel(scheduled=reminder_id, reason="project deleted")
    project.delete()


@transaction.atomic
def project_duplicate(*, project: Project) -> Project:
    """A deep copy named "<name> (copy)" with ``duplicated_from`` set (module docstring)."""
    name = project.name[: TITLE_MAX_LENGTH - len(COPY_SUFFIX)] + COPY_SUFFIX
    copy = Project.objects.create(
        user_id=project.user_id,
        name=name,
        description=project.description,
        duplicated_from=project,
    )
    Artifact.objects.bulk_create(
        [
            Artifact(
                user_id=artifact.user_id,
                project=copy,
                kind=artifact.kind,
                title=artifact.title,
                prompt=artifact.prompt,
                options=artifact.options,
                content=artifact.content,
                status=artifact.status,
                generation_id=artifact.generation_id,
            )
            for artifact in Artifact.objects.filter(project=project).order_by("created_at", "id")
        ]
    )
    track("project_duplicated", project.user, project_id=str(copy.pk))
    return copy
