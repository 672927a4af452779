"""Hooks named by their dotted path, for the registries through which one app calls another
(``ai.features``, ``notifications.kinds``, ``billing.payments``).

A registration names the public function it calls, as a string::

    features.register("coaching.development_plan", ...,
                      on_finish="coaching.services.plans.plan_generation_finished")

so grep and a reader land on the function, and the declaring module imports nothing of the
service it points at (no wrapper, no late import, no import cycle between ``ai_features.py``
and the services that import the models). The function is imported at its first call and
kept. Callers pass keywords only, the names the registry declares in ``params``; the owning
app's system check (:func:`errors`) fails at start-up when a path does not import, is not
callable or does not accept those keywords.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

from django.core import checks
from django.utils.module_loading import import_string


class Hook:
    """A function given by its dotted path: resolved once, on first use."""

    __slots__ = ("_function", "params", "path")

    def __init__(self, path: str, *, params: tuple[str, ...]):
        # A callable here would bring back the wrappers this module exists to remove.
        if not isinstance(path, str) or "." not in path:
            raise TypeError(
                f"A hook is the dotted path of a function ('app.services.module.function'), "
                f"not {path!r}."
            )
        self.path = path
        self.params = params
        self._function: Callable[..., Any] | None = None

    @classmethod
    def optional(cls, path: str | None, *, params: tuple[str, ...]) -> Hook | None:
        return None if path is None else cls(path, params=params)

    def resolve(self) -> Callable[..., Any]:
        if self._function is None:
            function = import_string(self.path)
            if not callable(function):
                raise TypeError(f"The hook {self.path} is not callable.")
            self._function = function
        return self._function

    def __call__(self, **kwargs: Any) -> Any:
        return self.resolve()(**kwargs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hook) and (other.path, other.params) == (self.path, self.params)

    def __hash__(self) -> int:
        return hash((self.path, self.params))

    def __repr__(self) -> str:
        return f"Hook({self.path!r})"


def problem(hook: Hook) -> str | None:
    """Why ``hook`` cannot be called with its keywords, or None when it can."""
    try:
        function = hook.resolve()
    except ImportError as exc:
        return f"{hook.path} does not import: {exc}"
    except TypeError as exc:
        return str(exc)
    try:
        inspect.signature(function).bind(**dict.fromkeys(hook.params))
    except TypeError:
        return f"{hook.path} does not accept the keywords ({', '.join(hook.params)})"
    except ValueError:
        pass  # a builtin without a signature: nothing to verify
    return None


def errors(owned: Iterable[tuple[str, Hook | None]], *, check_id: str) -> list[checks.Error]:
    """System check errors for ``(owner, hook)`` pairs, e.g. ``("feature 'x' on_finish", hook)``."""
    found = []
    for owner, hook in owned:
        if hook is None:
            continue
        reason = problem(hook)
        if reason is not None:
            found.append(
                checks.Error(
                    f"The {owner} hook is unusable: {reason}.",
                    hint="Name a public function by its dotted path (see core/hooks.py).",
                    id=check_id,
                )
            )
    return found
