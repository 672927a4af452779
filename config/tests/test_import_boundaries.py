"""Dependencies between the project's packages point one way (docs/ARCHITECTURE.md).

Read from the ``import`` statements (``ast``) of every project module outside migrations
and tests, at any depth (an import inside a function runs too):

- an app reads another app's tables through that app's selectors and services, never by
  importing its ``models`` (``get_user_model()`` for the user); an import under
  ``if TYPE_CHECKING:`` is only an annotation and is allowed. ``core.models.BaseModel``,
  the abstract base every model inherits (CONTRIBUTING.md), is the one exception;
- ``core`` is the bottom layer: it imports no other app and not ``config``;
- the platform apps (accounts, analytics, ai, notifications) import no domain app: a
  domain app is every project app that is not core or a platform app, so an app added to
  ``INSTALLED_APPS`` is covered the day it is added.

Project apps are the installed apps that are top-level packages of this checkout.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR).resolve()
CORE = "core"
PLATFORM = frozenset({"accounts", "analytics", "ai", "notifications"})
# Names of another app's models that any app may import.
SHARED_MODELS = frozenset({("core.models", "BaseModel")})
SKIPPED_DIRECTORIES = frozenset({"migrations", "tests", "__pycache__"})

# Known violations, each with its reason: {(path, imported module): why}. None today.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def project_apps() -> frozenset[str]:
    # A top-level package of the checkout (the virtualenv's apps may live below it too).
    return frozenset(
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT
    )


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    module: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.module}: {self.rule}"


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """The ids of every node inside an ``if TYPE_CHECKING:`` body (not its ``else``)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            for statement in node.body:
                inside.update(id(child) for child in ast.walk(statement))
    return inside


def _imports(tree: ast.AST, package: str):
    """``(line, module, name)`` of each import at run time, relative ones resolved against
    ``package``; ``name`` is the imported name of a ``from`` import, else None."""
    annotations_only = _type_checking_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in annotations_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                yield node.lineno, module, alias.name


def violations_in(path: str, source: str, known_apps: frozenset[str]) -> list[Violation]:
    """The boundary violations of the module at ``path`` (relative to the checkout)."""
    parts = Path(path).with_suffix("").parts
    package = ".".join(parts if parts[-1] == "__init__" else parts[:-1]).removesuffix(".__init__")
    own = parts[0]
    domain = known_apps - PLATFORM - {CORE}
    found = []
    for line, module, name in _imports(ast.parse(source), package):
        pieces = module.split(".")
        if name is not None:
            pieces = [*pieces, name]
        top = pieces[0]
        if top == own or top not in known_apps | {"config"}:
            continue
        imported = ".".join(pieces)
        if own == CORE:
            found.append(Violation(path, line, imported, "core imports no app nor config"))
        elif own in PLATFORM and top in domain:
            found.append(Violation(path, line, imported, f"{own} imports no domain app"))
        elif own in known_apps and pieces[1:2] == ["models"]:
            if (module, name) not in SHARED_MODELS:
                found.append(
                    Violation(path, line, imported, "read another app through its selectors")
                )
    return found


def project_modules():
    for package in sorted(project_apps() | {"config"}):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if SKIPPED_DIRECTORIES.isdisjoint(relative.parts):
                yield relative.as_posix(), path.read_text(encoding="utf-8")


def test_the_scan_covers_every_project_app():
    assert {"core", "accounts", "ai", "community", "coaching", "billing"} <= project_apps()


@pytest.mark.parametrize(
    ("path", "source", "rule"),
    [
        ("community/filters.py", "from accounts.models import User", "selectors"),
        ("community/filters.py", "from accounts import models", "selectors"),
        ("coaching/services/x.py", "def f():\n    import ai.models\n", "selectors"),
        ("core/health.py", "from config import celery_app", "core imports"),
        ("core/health.py", "from accounts import selectors", "core imports"),
        ("ai/services/x.py", "from coaching.selectors import plans", "domain app"),
        ("notifications/x.py", "import billing.services", "domain app"),
    ],
)
def test_a_wrong_import_is_found(path, source, rule):
    # given: a project with the usual apps
    known = frozenset({"core", "accounts", "analytics", "ai", "notifications", "billing"})
    known |= {"community", "coaching"}

    # when
    found = violations_in(path, source, known)

    # then
    assert len(found) == 1
    assert rule in found[0].rule


@pytest.mark.parametrize(
    ("path", "source"),
    [
        (
            "community/x.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from accounts.models import User\n",
        ),
        ("community/x.py", "from core.models import BaseModel"),
        ("community/selectors/x.py", "from ..models import Tier"),
        ("coaching/x.py", "from ai import selectors"),
        ("ai/x.py", "from accounts.selectors import plan_for"),
    ],
)
def test_an_allowed_import_is_not_reported(path, source):
    known = frozenset({"core", "accounts", "analytics", "ai", "notifications", "billing"})
    known |= {"community", "coaching"}

    assert violations_in(path, source, known) == []


def test_imports_respect_the_boundaries_between_apps():
    # given
    known = project_apps()

    # when
    found = [
        violation
        for path, source in project_modules()
        for violation in violations_in(path, source, known)
    ]

    # then: nothing beyond the listed exceptions, and every exception still needed
    unexpected = [str(v) for v in found if (v.path, v.module) not in EXCEPTIONS]
    assert unexpected == []
    assert {(v.path, v.module) for v in found} == set(EXCEPTIONS)
