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

Erasure also reaches the rows of *other* members, and shared logs, that name the erased
member without pointing at them: the "New message from Ada" alert waiting for someone else,
an audit entry's free text, a stored idempotent response, an AI input listing candidates.
An app declares such columns with ``register_mentions(Model, fields=(...))``; at erasure
every declared column is searched for the member's identifiers (``Identity``: their id, as
text and hex, their email addresses, and the names other apps contribute through
``register_names``) and each hit is rewritten: an id that is a whole JSON value becomes
``null``, any other occurrence becomes ``ERASED`` (``"erased"`` for ids). Names match whole
words only, so "Al" does not eat "Also". An app may pass ``scrub=(queryset, identity) ->
int`` to do something else with the matching rows (the AI gateway clears their content).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

DELETE = "delete"
EXPORT_FORMAT = "platform-export/1"
# What a name or an email of an erased member becomes where it was mentioned; an id that is
# part of a longer string (a URL) becomes ERASED_ID.
ERASED = "erased member"
ERASED_ID = "erased"
# Names shorter than this are not searched for: "Jo" would match too much that is not them.
MIN_NAME_LENGTH = 3

Eraser = Callable[[models.QuerySet, Any], int]
Scrubber = Callable[[models.QuerySet, "Identity"], int]
NamesOf = Callable[[Any], Iterable[str]]
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


@dataclass(frozen=True)
class Mentions:
    """Columns of ``model`` that may name a member other than the row's owner."""

    model: type[models.Model]
    fields: tuple[str, ...]
    scrub: Scrubber | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


class Identity:
    """What identifies an erased member in text: their id (as text and hex), their email
    addresses and their names, each found case-insensitively."""

    def __init__(self, user_id, *, emails: Iterable[str] = (), names: Iterable[str] = ()):
        ids = {str(user_id)}
        if isinstance(user_id, uuid.UUID):
            ids.add(user_id.hex)
        self.ids = frozenset(ids)
        self.emails = frozenset(e.strip().lower() for e in emails if e and e.strip())
        self.names = frozenset(n.strip() for n in names if n and len(n.strip()) >= MIN_NAME_LENGTH)
        self._lowered_ids = {i.lower() for i in self.ids}
        self._patterns = [
            (
                re.compile("|".join(map(re.escape, sorted(self.ids, key=len, reverse=True))), re.I),
                ERASED_ID,
            ),
        ]
        if self.emails:
            self._patterns.append(
                (re.compile("|".join(map(re.escape, sorted(self.emails))), re.I), ERASED)
            )
        if self.names:
            alternatives = "|".join(map(re.escape, sorted(self.names, key=len, reverse=True)))
            self._patterns.append((re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I), ERASED))

    def needles(self) -> set[str]:
        """Substrings to look for in the database, as stored: JSON columns may hold a
        non-ASCII name as a ``\\u`` escape, so that form is searched for too."""
        found = set()
        for text in (*self.ids, *self.emails, *self.names):
            found.add(text)
            found.add(json.dumps(text)[1:-1])
        return found

    def scrub_text(self, text: str) -> str:
        for pattern, replacement in self._patterns:
            text = pattern.sub(replacement, text)
        return text

    def scrub(self, value: Any) -> Any:
        """``value`` (text or decoded JSON) without the member: an id standing alone in JSON
        becomes None, every other mention is replaced."""
        if isinstance(value, str):
            if value.strip().lower() in self._lowered_ids:
                return None
            return self.scrub_text(value)
        if isinstance(value, dict):
            return {
                (self.scrub_text(k) if isinstance(k, str) else k): self.scrub(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.scrub(item) for item in value]
        return value


class PrivacyRegistry:
    def __init__(self) -> None:
        self._policies: dict[type[models.Model], Policy] = {}
        self._mentions: dict[type[models.Model], Mentions] = {}
        self._names: list[NamesOf] = []

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

    def register_mentions(
        self,
        model: type[models.Model],
        *,
        fields: Iterable[str],
        scrub: Scrubber | None = None,
    ) -> None:
        if model in self._mentions:
            raise ValueError(f"{model._meta.label}'s mentions are already registered.")
        self._mentions[model] = Mentions(model=model, fields=tuple(fields), scrub=scrub)

    def register_names(self, names_of: NamesOf) -> None:
        """``names_of(user)``: what the member is called where other members see them."""
        self._names.append(names_of)

    def policies(self) -> list[Policy]:
        return list(self._policies.values())

    def mentions(self) -> list[Mentions]:
        return list(self._mentions.values())

    def names_of(self, user) -> list[str]:
        return [name for names_of in self._names for name in names_of(user)]

    def is_registered(self, model: type[models.Model]) -> bool:
        return model in self._policies


registry = PrivacyRegistry()
register = registry.register
register_mentions = registry.register_mentions
register_names = registry.register_names


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
    # Read before anything is deleted: the names live in rows erased below.
    identity = identity_of(user)
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
    # string that named them and under a pseudonym of their id: entries about one erased
    # member still read as one subject, and no longer say who.
    pseudonym = pseudonym_of(user_id)
    AuditEntry.objects.filter(subject_id=str(user_id)).update(
        target_repr=ERASED, subject_id=pseudonym
    )
    AuditEntry.objects.filter(target_id=str(user_id)).update(target_id=pseudonym)
    scrub_mentions(identity)
    leftovers = references_to_user(user_id)
    if leftovers:
        raise ErasureIncomplete(f"Rows still reference user {user_id}: {leftovers}")
    return counts


def identity_of(user) -> Identity:
    """The erased member's identifiers: id, login email and the names apps register."""
    return Identity(user.pk, emails=[user.email], names=registry.names_of(user))


def pseudonym_of(user_id) -> str:
    """A keyed hash of a user id, the same for every record of one erased member."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"erased-subject:{user_id}".encode(), hashlib.sha256
    ).hexdigest()


def scrub_mentions(identity: Identity) -> dict[str, int]:
    """Rewrite every registered mention column that names ``identity``; returns the rows
    changed per model. Each column is searched in the database first (a substring match on
    its text), and only the rows found are rewritten."""
    changed: dict[str, int] = {}
    needles = identity.needles()
    for mention in registry.mentions():
        manager = mention.model._default_manager
        match = models.Q()
        annotations = {}
        for field in mention.fields:
            alias = f"_mention_{field}"
            annotations[alias] = Cast(field, models.TextField())
            for needle in needles:
                match |= models.Q(**{f"{alias}__icontains": needle})
        rows = manager.annotate(**annotations).filter(match)
        if mention.scrub is not None:
            changed[mention.label] = mention.scrub(
                manager.filter(pk__in=rows.values("pk")), identity
            )
            continue
        count = 0
        for row in rows.only("pk", *mention.fields):
            values = {field: getattr(row, field) for field in mention.fields}
            scrubbed = {
                field: _scrub_column(row, field, value, identity) for field, value in values.items()
            }
            if scrubbed != values:
                # update(), not save(): no model hooks, no auto_now, only these columns.
                manager.filter(pk=row.pk).update(**scrubbed)
                count += 1
        changed[mention.label] = count
    return changed


def _scrub_column(row, field: str, value: Any, identity: Identity) -> Any:
    if value is None:
        return None
    if isinstance(value, str) and not isinstance(row._meta.get_field(field), models.JSONField):
        # A text column cannot hold None where it is not nullable: the id becomes text.
        return identity.scrub_text(value)
    return identity.scrub(value)


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
    # Entries about a member (and their free text) outlive them; erase_user pseudonymises
    # subject and target ids first, this catches any other mention.
    register_mentions(
        AuditEntry, fields=("actor_email", "target_id", "target_repr", "changes", "reason")
    )
    # Another member's stored response may name the member (a message sent to them).
    register_mentions(IdempotencyRecord, fields=("path", "response_body", "response_headers"))


_register_core_tables()
