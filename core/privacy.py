"""The privacy registry: every app declares, per model, how a user's rows are exported,
erased and expired, so GDPR export, erasure and retention never need to know the apps.

An app registers its models in its ``privacy.py`` (found at start-up, like ``admin.py``)::

    from core import privacy

    privacy.register(
        Post,
        user_field="author",
        export_fields=("id", "title", "content", "created_at"),
        erase=privacy.DELETE,
        retention=lambda now: Post.objects.filter(hidden_at__lt=now - timedelta(days=90)),
    )

``user_field`` may be a tuple of fields for rows that involve the user from more than one
side (a message's sender and recipient): the user's rows are those where any of them match.

``erase`` is ``DELETE`` or a function ``(queryset, user) -> int`` that pseudonymises the
rows in place (for records that must outlive the member, like analytics events). Rows past
``retention`` are deleted, unless ``expire`` is a function ``(queryset) -> int`` that strips
them in place instead (a log whose content expires but whose counts stay). A system
check (core/checks.py) fails when a model that points at the user is not registered, so a
new app cannot forget. ``export_user``, ``erase_user`` and ``purge_expired`` are what the
endpoints and management commands call.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

DELETE = "delete"
EXPORT_FORMAT = "platform-export/1"

Eraser = Callable[[models.QuerySet, Any], int]
Expirer = Callable[[models.QuerySet], int]
RetentionRule = Callable[[dt.datetime], models.QuerySet]


@dataclass(frozen=True)
class Policy:
    model: type[models.Model]
    user_field: str | tuple[str, ...]
    export_fields: tuple[str, ...]
    erase: str | Eraser
    retention: RetentionRule | None
    retention_note: str
    expire: str | Expirer = DELETE

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def rows_of(self, user) -> models.QuerySet:
        fields = (self.user_field,) if isinstance(self.user_field, str) else self.user_field
        match = models.Q()
        for field in fields:
            match |= models.Q(**{field: user.pk})
        return self.model._default_manager.filter(match)


class PrivacyRegistry:
    def __init__(self) -> None:
        self._policies: dict[type[models.Model], Policy] = {}

    def register(
        self,
        model: type[models.Model],
        *,
        user_field: str | tuple[str, ...] = "user",
        export_fields: Iterable[str] | None = None,
        erase: str | Eraser = DELETE,
        retention: RetentionRule | None = None,
        retention_note: str = "",
        expire: str | Expirer = DELETE,
    ) -> None:
        if model in self._policies:
            raise ValueError(f"{model._meta.label} is already registered for privacy.")
        if export_fields is None:
            export_fields = [
                f.attname
                for f in model._meta.concrete_fields
                if f.name not in ((user_field,) if isinstance(user_field, str) else user_field)
            ]
        self._policies[model] = Policy(
            model=model,
            user_field=user_field,
            export_fields=tuple(export_fields),
            erase=erase,
            retention=retention,
            retention_note=retention_note,
            expire=expire,
        )

    def policies(self) -> list[Policy]:
        return list(self._policies.values())

    def is_registered(self, model: type[models.Model]) -> bool:
        return model in self._policies


registry = PrivacyRegistry()
register = registry.register


def _user_model():
    return apps.get_model(settings.AUTH_USER_MODEL)


def export_user(user: AbstractBaseUser) -> dict[str, Any]:
    """Every registered row of ``user`` as one JSON-ready document (GDPR portability)."""
    data = {}
    for policy in sorted(registry.policies(), key=lambda p: p.label):
        rows = policy.rows_of(user).order_by("pk").values(*policy.export_fields)
        data[policy.label] = [_jsonable(row) for row in rows]
    return {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "user": {"id": str(user.pk), "email": user.email},
        "data": data,
    }


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    encoder = DjangoJSONEncoder()
    out = {}
    for key, value in row.items():
        if value is None or isinstance(value, str | int | float | bool | list | dict):
            out[key] = value
        else:
            out[key] = encoder.default(value)
    return out


def count_user_rows(user: AbstractBaseUser) -> dict[str, int]:
    """Rows per registered model that erasure would touch (``--dry-run``)."""
    return {p.label: p.rows_of(user).count() for p in registry.policies()}


class ErasureIncomplete(Exception):
    """Raised (and the erasure rolled back) when rows still point at the user afterwards."""


@transaction.atomic
def erase_user(user: AbstractBaseUser) -> dict[str, int]:
    """Erase ``user`` through every registered policy, then the user row itself, then check
    that no row anywhere still references them. Returns rows handled per model."""
    from .models import AuditEntry

    user_model = _user_model()
    user_id = user.pk
    counts: dict[str, int] = {}
    for policy in registry.policies():
        if policy.model is user_model:
            continue
        rows = policy.rows_of(user)
        if policy.erase == DELETE:
            counts[policy.label] = rows.count()
            rows.delete()
        else:
            counts[policy.label] = policy.erase(rows, user)
    _, deleted = user_model._default_manager.filter(pk=user_id).delete()
    counts[user_model._meta.label_lower] = deleted.get(user_model._meta.label, 0)
    # Staff audit entries about the member stay (who looked at what, when), without the
    # string that named them.
    AuditEntry.objects.filter(subject_id=str(user_id)).update(target_repr="erased member")
    leftovers = references_to_user(user_id)
    if leftovers:
        raise ErasureIncomplete(f"Rows still reference user {user_id}: {leftovers}")
    return counts


def user_foreign_keys() -> list[tuple[type[models.Model], str]]:
    """Every (model, field) in the project that points at the user model, through tables
    excepted (they go with the user)."""
    user_model = _user_model()
    found = []
    for model in apps.get_models(include_auto_created=False):
        for field in model._meta.get_fields():
            if (
                field.concrete
                and field.is_relation
                and (field.many_to_one or field.one_to_one)
                and field.related_model is user_model
            ):
                found.append((model, field.name))
    return found


def references_to_user(user_id) -> dict[str, int]:
    leftovers = {}
    for model, field in user_foreign_keys():
        count = model._default_manager.filter(**{field: user_id}).count()
        if count:
            leftovers[f"{model._meta.label_lower}.{field}"] = count
    user_model = _user_model()
    if user_model._default_manager.filter(pk=user_id).exists():
        leftovers[user_model._meta.label_lower] = 1
    return leftovers


def expired_rows(now: dt.datetime | None = None) -> dict[Policy, models.QuerySet]:
    now = now or timezone.now()
    return {p: p.retention(now) for p in registry.policies() if p.retention is not None}


def purge_expired(
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    erase: Callable[[Any], Any] | None = None,
) -> dict[str, int]:
    """Apply every retention rule. Users past a rule are erased through ``erase`` (by
    default ``erase_user``; accounts passes its fuller erasure) so their other rows follow
    their own policies; other rows are deleted, or stripped by their policy's ``expire``."""
    erase = erase or erase_user
    user_model = _user_model()
    counts: dict[str, int] = {}
    for policy, rows in expired_rows(now).items():
        if dry_run:
            counts[policy.label] = rows.count()
        elif policy.model is user_model:
            users = list(rows)
            for user in users:
                erase(user)
            counts[policy.label] = len(users)
        elif policy.expire != DELETE:
            counts[policy.label] = policy.expire(rows)
        else:
            counts[policy.label] = rows.count()
            rows.delete()
    return counts


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, cls=DjangoJSONEncoder, indent=2, sort_keys=True)


def _register_core_tables() -> None:
    from .models import AuditEntry, IdempotencyRecord

    # The audit log outlives the staff member who wrote it: their name goes, the entry stays.
    register(
        AuditEntry,
        user_field="actor",
        export_fields=("at", "action", "target_type", "target_id", "target_repr", "changes"),
        erase=lambda rows, user: rows.update(actor=None, actor_email=""),
        retention=lambda now: AuditEntry.objects.filter(
            at__lt=now - dt.timedelta(days=settings.AUDIT_LOG_RETENTION_DAYS)
        ),
        retention_note="audit entries older than AUDIT_LOG_RETENTION_DAYS",
    )
    # A key only has to outlive the client's retries; after that it is noise.
    register(
        IdempotencyRecord,
        user_field="user",
        export_fields=("key", "method", "path", "response_status", "created_at"),
        erase=DELETE,
        retention=lambda now: IdempotencyRecord.objects.filter(
            created_at__lt=now - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_RETENTION_HOURS)
        ),
        retention_note="idempotency keys older than IDEMPOTENCY_KEY_RETENTION_HOURS",
    )


_register_core_tables()
