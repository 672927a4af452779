"""Every example body of docs/products.md is accepted as written.

The page maps each product's requests to the platform's, and shows bodies a client team
can send as they are. Each body follows a line ``<!-- example: METHOD /api/v1/path
[premium] -->``; this module reads them all and sends each one, verbatim, as a fresh member
prepared for it: onboarding steps done in order, the shipped questionnaire present, the
premium plan granted where the line says ``premium``, and the objects its path or body names
made for that member. Every answer must be a 2xx.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.urls import resolve
from django.utils import timezone

from accounts import services
from coaching.tests.factories import AssessmentResultFactory, GoalFactory

from .factories import UserFactory
from .helpers import client_for

pytestmark = pytest.mark.django_db

DOC = Path(settings.BASE_DIR) / "docs" / "products.md"
MARKER = re.compile(
    r"^<!-- example: (?P<method>POST|PUT|PATCH|DELETE) (?P<path>/api/v1/\S+)"
    r"(?P<flags>(?: [a-z]+)*) -->$"
)
FLAGS = {"premium"}
ADULT_YEAR = timezone.now().year - 30
# The conversation-practice product's own onboarding bodies: the page shows them unchanged.
PRODUCT_ONBOARDING_BODIES = [
    (
        "POST",
        "/api/v1/onboarding/preferences",
        {
            "target_gender": "female",
            "target_age_min": 22,
            "target_age_max": 30,
            "relationship_goal": "dating",
        },
    ),
    (
        "POST",
        "/api/v1/onboarding/skill-goals",
        {
            "primary_skills": ["conversation_starters", "flow_maintenance"],
            "specific_challenges": ["approach_anxiety", "maintaining_interest"],
            "experience_level": "beginner",
            "practice_frequency": "daily",
        },
    ),
]


@dataclass(frozen=True)
class Example:
    line: int
    method: str
    path: str
    flags: frozenset[str]
    body: Any

    @property
    def id(self) -> str:
        flags = "".join(f" {flag}" for flag in sorted(self.flags))
        return f"line {self.line}: {self.method} {self.path}{flags}"


def read_examples(text: str) -> list[Example]:
    """The marked examples of ``text``: each marker line, then a fenced ``json`` block."""
    lines = text.splitlines()
    examples = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith("<!-- example:"):
            continue
        match = MARKER.match(line)
        assert match, f"line {number}: not a well-formed example marker: {line}"
        assert lines[number] == "```json", f"line {number + 1}: a ```json block must follow"
        end = lines.index("```", number + 1)
        examples.append(
            Example(
                line=number,
                method=match["method"],
                path=match["path"],
                flags=frozenset(match["flags"].split()),
                body=json.loads("\n".join(lines[number + 1 : end])),
            )
        )
    return examples


EXAMPLES = read_examples(DOC.read_text(encoding="utf-8"))


# --- preparing the member ---------------------------------------------------------------


@dataclass
class Caller:
    """Who sends the example, and the values of its path's parameters."""

    member: Any
    anonymous: bool = False
    path_kwargs: dict[str, str] | None = None


def _past_age_check(member) -> None:
    services.onboarding_verify_age(user=member, birth_year=ADULT_YEAR)


def _past_preferences(member) -> None:
    _past_age_check(member)
    services.onboarding_set_preferences(user=member, relationship_goal="dating")


def _with_questionnaire(member) -> None:
    # The questionnaire the platform ships (coaching's data migration), which a database
    # built without migrations lacks; loading it twice changes nothing.
    shipped = importlib.import_module("coaching.migrations.0002_default_questionnaire")
    shipped.load_questionnaire(django_apps, None)


def prepare(example: Example, member) -> Caller:
    """Ready ``member`` for ``example``: what a client would have done before sending it."""
    path, body = example.path, example.body
    if path == "/api/v1/auth/login":
        # The account the body signs in to, with its address verified.
        account = UserFactory(email=body["email"])
        account.set_password(body["password"])
        account.save(update_fields=["password"])
        return Caller(member=account, anonymous=True)
    if path.startswith("/api/v1/auth/"):
        return Caller(member=member, anonymous=True)
    if path == "/api/v1/onboarding/preferences":
        _past_age_check(member)
    elif path == "/api/v1/onboarding/skill-goals":
        _past_preferences(member)
    elif path == "/api/v1/coaching/assessment/submit":
        _with_questionnaire(member)
    elif path == "/api/v1/coaching/assessment/results/{id}":
        return Caller(member=member, path_kwargs={"id": AssessmentResultFactory(user=member).pk})
    elif path == "/api/v1/coaching/plans":
        AssessmentResultFactory(user=member, analysis_status="ready")
    elif path == "/api/v1/coaching/goals/{id}":
        return Caller(member=member, path_kwargs={"id": GoalFactory(user=member).pk})
    elif path == "/api/v1/coaching/progress":
        GoalFactory(user=member, id=body["goal"])
    elif path == "/api/v1/messages":
        UserFactory(id=body["recipient"])
    return Caller(member=member)


# --- the tests ----------------------------------------------------------------------------


def test_the_page_has_examples_for_the_products_built_today():
    marked = {(example.method, example.path) for example in EXAMPLES}

    assert len(EXAMPLES) >= 20
    assert {
        ("POST", "/api/v1/onboarding/preferences"),
        ("POST", "/api/v1/onboarding/skill-goals"),
        ("PUT", "/api/v1/me/profile"),
        ("POST", "/api/v1/coaching/assessment/submit"),
        ("PUT", "/api/v1/coaching/assessment/results/{id}"),
        ("POST", "/api/v1/messages"),
    } <= marked
    assert all(example.flags <= FLAGS for example in EXAMPLES)


@pytest.mark.parametrize(("method", "path", "body"), PRODUCT_ONBOARDING_BODIES)
def test_the_conversation_practice_products_own_bodies_are_examples(method, path, body):
    assert any(
        (example.method, example.path, example.body) == (method, path, body) for example in EXAMPLES
    )


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.id)
def test_each_example_names_a_route_of_the_api(example):
    match = resolve(example.path.format(id="00000000-0000-0000-0000-000000000000"))

    assert match.url_name != "api-not-found", example.id


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.id)
def test_each_example_is_accepted_as_written(
    example, member, api, grant_plan, offline_ai, django_capture_on_commit_callbacks
):
    # given: a fresh member, prepared as the example needs
    caller = prepare(example, member)
    if "premium" in example.flags:
        grant_plan(caller.member)
    client = api if caller.anonymous else client_for(caller.member)
    path = example.path.format(**(caller.path_kwargs or {}))

    # when: the body exactly as the page shows it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.generic(
            example.method, path, json.dumps(example.body), content_type="application/json"
        )

    # then
    assert 200 <= response.status_code < 300, (example.id, response.status_code, response.content)
