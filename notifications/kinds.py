"""The registry of notification kinds: every kind is declared once, by the app it belongs to.

An app declares its kinds in its ``notification_kinds.py`` (found at start-up by
``NotificationsConfig.ready``, like ``admin.py``)::

    from notifications import kinds

    kinds.register(
        "booking_confirmed",
        description="A coach confirmed your booking.",
        in_app=True,
        email=True,
    )

then notifies with ``notifications.services.notify(user=..., kind="booking_confirmed", ...)``.

A kind says which channels are on by default (``in_app``, ``email``), which email templates
render it (``templates/emails/<email_template>/{subject.txt,body.txt,body.html}``, by
default the kind's own folder; ``"notification"`` is a generic one that shows the title,
the body and ``data["url"]``), and whether it is *essential*: account and security mail
that a member cannot switch off and that carries no unsubscribe link.

Two optional hooks keep kind-specific rules out of the dispatcher and the email task. Each
is the dotted path of a public function, called with keywords (``core.hooks``: imported at
first use; a system check, notifications.E002, fails at start-up when a path does not name
a function accepting those keywords)::

    kinds.register(..., skip_reason="coaching.services.tools.reminder_skip_reason")

- ``skip_reason(*, user, data) -> str | None``: asked just before a scheduled notification
  is sent and again just before its email goes out; a string means "no longer relevant"
  and is recorded as the reason (the verification reminder of a member who has verified
  since).
- ``email_context(*, notification) -> dict``: extra template context computed when the
  email is rendered, so links with expiring keys are fresh even after a retry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.hooks import Hook

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
GENERIC_TEMPLATE = "notification"

# The keywords each hook is called with.
SKIP_REASON_PARAMS = ("user", "data")
EMAIL_CONTEXT_PARAMS = ("notification",)


class UnknownKind(LookupError):
    """A notification was asked for with a kind nobody registered (a programming error)."""


@dataclass(frozen=True)
class Kind:
    name: str
    description: str
    essential: bool = False
    in_app: bool = True
    email: bool = False
    email_template: str = ""
    skip_reason: Hook | None = None
    email_context: Hook | None = None

    @property
    def template(self) -> str:
        """The folder under ``templates/emails/`` that renders this kind's email."""
        return self.email_template or self.name

    def channel_default(self, channel: str) -> bool:
        return bool(getattr(self, channel))


CHANNELS = ("in_app", "email")

_kinds: dict[str, Kind] = {}


def register(
    name: str,
    *,
    description: str,
    essential: bool = False,
    in_app: bool = True,
    email: bool = False,
    email_template: str = "",
    skip_reason: str | None = None,
    email_context: str | None = None,
) -> Kind:
    """Declare a kind. Names are short snake_case words: they are API keys and folder names."""
    if not NAME_PATTERN.match(name):
        raise ValueError(f"{name!r} is not a valid kind name (snake_case, at most 50 characters).")
    if name in _kinds:
        raise ValueError(f"The notification kind {name!r} is already registered.")
    if essential and not (in_app or email):
        raise ValueError(f"The essential kind {name!r} must use at least one channel.")
    kind = Kind(
        name=name,
        description=description,
        essential=essential,
        in_app=in_app,
        email=email,
        email_template=email_template,
        skip_reason=Hook.optional(skip_reason, params=SKIP_REASON_PARAMS),
        email_context=Hook.optional(email_context, params=EMAIL_CONTEXT_PARAMS),
    )
    _kinds[name] = kind
    return kind


def get(name: str) -> Kind:
    try:
        return _kinds[name]
    except KeyError:
        raise UnknownKind(f"No notification kind {name!r} is registered.") from None


def find(name: str) -> Kind | None:
    return _kinds.get(name)


def all_kinds() -> list[Kind]:
    """Every registered kind, by name."""
    return [_kinds[name] for name in sorted(_kinds)]
