"""AI features, each declared once, in the app that owns it.

An app declares its features in its ``ai_features.py`` (found at start-up, like
``admin.py``)::

    from pydantic import BaseModel, Field

    from ai import features

    class Plan(BaseModel):
        title: str = Field(max_length=120)
        phases: list[Phase] = Field(min_length=1, max_length=6)

    features.register(
        "coaching.plan",
        schema=Plan,         # structured output; None for a streamed text reply
        model="gpt-4.1",     # optional: AI_MODELS[name] overrides it, AI_MODEL is the default
        cost=2,              # quota units per generation
        description="A development plan from an assessment.",
        # optional: the dotted path of a function called as on_finish(generation=...)
        on_finish="coaching.services.plans.plan_generation_finished",
        # optional: the plan feature (accounts.entitlements) a member's plan must include
        entitlement="coaching.plans",
        # the prompts get the member's context (below); False for features not about them
        member_context=True,
        # optional: the dotted path of the offline provider's answer (below)
        offline="coaching.ai_offline.development_plan",
    )

Its prompts live in ``templates/prompts/<name>/system.txt`` and ``user.txt`` and are
rendered with Django's template engine from the generation's inputs, without HTML escaping
(prompts are text, not markup). A streamed feature (no schema) needs only ``system.txt``,
rendered with the stream's context; the conversation supplies the user's turns. The prompt version recorded on each generation is a short
hash of both templates, so editing a prompt changes the version without anyone having to
remember to. A system check (ai.E001) fails when a feature's templates are missing.

``entitlement`` makes the gateway refuse to start or retry a generation of the feature for a
member whose plan does not include it (403 ``plan_required``), whichever endpoint asks;
views that start one also declare the permission (``accounts.entitlements.Entitled``), so
the refusal comes before any input is read.

``on_finish`` is a dotted path, not a function, so the declaring module needs no import of
the service (which imports the models) and a reader's grep lands on it; it is imported at
the first generation that finishes (``core.hooks``), and a system check (ai.E002) fails at
start-up when it does not name a function that accepts ``generation`` by keyword.

A feature that serves a member declares ``member_context=True``: each generation then
carries the member's context (``ai.context.member_context``: assessment, goals, plan,
onboarding, preferences, time zone and today), recorded on the generation and rendered into
the prompts as ``member_context``, which the templates show with
``{% include "prompts/member_context.txt" %}``. Features that are not about the member
(a summary of a pasted text) leave it out: a prompt carries only what it needs.

``offline`` names the function the offline provider calls instead of filling the schema
generically, so that a laptop without a key gets answers that read like the feature's:
``offline(inputs=<the generation's input>, context=<its member context or None>)``
returns a dict valid for the schema, the same one for the same input. It lives in the
feature's own app, beside the schema it answers; a system check (ai.E003) fails when it
does not resolve.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pydantic
from django.conf import settings
from django.template import Context, engines

from core.hooks import Hook

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
MAX_NAME_LENGTH = 64
REPAIR_TEMPLATE = "prompts/repair.txt"
MEMBER_CONTEXT_TEMPLATE = "prompts/member_context.txt"
# on_finish is called as on_finish(generation=<the finished ai.Generation>).
ON_FINISH_PARAMS = ("generation",)
# offline is called as offline(inputs=<the generation's input>, context=<member context>).
OFFLINE_PARAMS = ("inputs", "context")


class UnknownFeature(LookupError):
    pass


class OutputInvalid(ValueError):
    """The model's answer is not JSON, or not JSON that the feature's schema accepts."""


@dataclass(frozen=True)
class Feature:
    name: str
    schema: type[pydantic.BaseModel] | None = None
    model: str | None = None
    cost: int = 1
    description: str = ""
    max_output_tokens: int | None = None
    temperature: float | None = None
    on_finish: Hook | None = field(default=None, compare=False)
    entitlement: str | None = None
    member_context: bool = False
    offline: Hook | None = field(default=None, compare=False)

    @property
    def structured(self) -> bool:
        return self.schema is not None

    @property
    def system_template(self) -> str:
        return f"prompts/{self.name}/system.txt"

    @property
    def user_template(self) -> str:
        return f"prompts/{self.name}/user.txt"

    def model_name(self) -> str:
        """``AI_MODELS[name]``, else the model the feature declares, else ``AI_MODEL``."""
        return settings.AI_MODELS.get(self.name) or self.model or settings.AI_MODEL

    @cached_property
    def json_schema(self) -> dict[str, Any] | None:
        """The output schema in the strict form structured outputs require."""
        return strict_json_schema(self.schema) if self.schema is not None else None

    @property
    def schema_name(self) -> str:
        # The API wants [a-zA-Z0-9_-]{1,64}.
        return self.name.replace(".", "_")

    def prompt_version(self) -> str:
        sources = [_template(self.system_template).source]
        if self.structured:
            sources.append(_template(self.user_template).source)
        if self.member_context:
            # Included by the templates: editing it changes what these prompts say.
            sources.append(_template(MEMBER_CONTEXT_TEMPLATE).source)
        return hashlib.sha256("\x00".join(sources).encode()).hexdigest()[:12]

    def render_system(
        self, context: dict[str, Any], member_context: dict[str, Any] | None = None
    ) -> str:
        return _render(self.system_template, _with_member(context, member_context))

    def render(
        self, inputs: dict[str, Any], member_context: dict[str, Any] | None = None
    ) -> list[dict[str, str]]:
        """The chat messages of a structured generation: system and user prompts, rendered
        from ``inputs`` and, as ``member_context``, the member's context."""
        context = _with_member(inputs, member_context)
        return [
            {"role": "system", "content": _render(self.system_template, context)},
            {"role": "user", "content": _render(self.user_template, context)},
        ]

    def parse(self, content: str | None) -> dict[str, Any]:
        """The validated answer as JSON-ready data; raises OutputInvalid."""
        if self.schema is None:
            raise TypeError(f"{self.name} has no output schema.")
        try:
            answer = self.schema.model_validate_json(content or "")
        except pydantic.ValidationError as exc:
            raise OutputInvalid(_describe(exc)) from exc
        return answer.model_dump(mode="json")


def _with_member(context: dict[str, Any], member_context: dict[str, Any] | None) -> dict[str, Any]:
    if member_context is None:
        return context
    return {**context, "member_context": member_context}


def _template(name: str):
    return engines["django"].get_template(name).template


def _render(name: str, context: dict[str, Any]) -> str:
    return _template(name).render(Context(context, autoescape=False)).strip()


def _describe(exc: pydantic.ValidationError) -> str:
    problems = []
    for error in exc.errors(include_url=False, include_input=False)[:10]:
        where = ".".join(str(part) for part in error["loc"]) or "(root)"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)


def repair_messages(
    messages: list[dict[str, str]], bad_output: str | None, problem: str
) -> list[dict[str, str]]:
    """The conversation that asks the model to correct its answer: the original messages,
    its answer, and what was wrong with it."""
    request = _render(REPAIR_TEMPLATE, {"problem": problem})
    return [
        *messages,
        {"role": "assistant", "content": bad_output or ""},
        {"role": "user", "content": request},
    ]


# --- strict JSON schema -------------------------------------------------------------------


def strict_json_schema(schema: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The model's JSON schema as strict structured outputs accept it: every object closed
    (``additionalProperties: false``) with every property required (optional fields stay
    nullable), single-entry ``allOf`` and ``$ref`` with siblings inlined, defaults dropped
    (every field is required, so they mean nothing). Free-form maps (``dict[str, X]``)
    cannot be expressed in strict mode and are refused."""
    root = schema.model_json_schema()
    return _strict(root, root=root, path="")


def _strict(node: Any, *, root: dict[str, Any], path: str) -> Any:
    if isinstance(node, list):
        return [_strict(item, root=root, path=f"{path}[{n}]") for n, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    if "$ref" in node and len(node) > 1:
        resolved = _resolve(root, node["$ref"])
        node = {**resolved, **{k: v for k, v in node.items() if k != "$ref"}}
    all_of = node.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1:
        node = {**{k: v for k, v in node.items() if k != "allOf"}, **all_of[0]}
        return _strict(node, root=root, path=path)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "default":
            continue
        if key in ("properties", "$defs"):
            out[key] = {
                name: _strict(sub, root=root, path=f"{path}.{name}") for name, sub in value.items()
            }
        else:
            out[key] = _strict(value, root=root, path=path)
    if out.get("type") == "object":
        extra = out.get("additionalProperties")
        if extra not in (None, False):
            raise ValueError(
                f"{path or 'the schema'}: free-form maps cannot be expressed in strict mode; "
                "use a list of objects with named fields."
            )
        out.setdefault("properties", {})
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise ValueError(f"Only local references are supported, not {ref!r}.")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


# --- the registry -------------------------------------------------------------------------

_features: dict[str, Feature] = {}


def register(
    name: str,
    *,
    schema: type[pydantic.BaseModel] | None = None,
    model: str | None = None,
    cost: int = 1,
    description: str = "",
    max_output_tokens: int | None = None,
    temperature: float | None = None,
    on_finish: str | None = None,
    entitlement: str | None = None,
    member_context: bool = False,
    offline: str | None = None,
) -> Feature:
    """Declare a feature; see the module docstring. Names are ``<app>.<feature>``."""
    if not NAME_PATTERN.match(name) or len(name) > MAX_NAME_LENGTH:
        raise ValueError(
            f"Feature names look like 'app.feature' (lowercase, at most "
            f"{MAX_NAME_LENGTH} characters), not {name!r}."
        )
    if name in _features:
        raise ValueError(f"The AI feature {name!r} is already registered.")
    if cost < 1:
        raise ValueError("A feature costs at least one quota unit.")
    feature = Feature(
        name=name,
        schema=schema,
        model=model,
        cost=cost,
        description=description,
        max_output_tokens=max_output_tokens,
        temperature=temperature,
        on_finish=Hook.optional(on_finish, params=ON_FINISH_PARAMS),
        entitlement=entitlement,
        member_context=member_context,
        offline=Hook.optional(offline, params=OFFLINE_PARAMS),
    )
    # Refuse a schema strict mode cannot express now, not at the first generation.
    json.dumps(feature.json_schema)
    _features[name] = feature
    return feature


def unregister(name: str) -> None:
    """Withdraw a feature (an app switching one off, a test's own feature)."""
    _features.pop(name, None)


def get(name: str) -> Feature:
    try:
        return _features[name]
    except KeyError:
        raise UnknownFeature(f"No AI feature is registered as {name!r}.") from None


def all_features() -> list[Feature]:
    return sorted(_features.values(), key=lambda feature: feature.name)
