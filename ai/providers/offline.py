"""The ``offline`` provider: answers without any network, so every AI flow works on a laptop
and in tests with no key.

Answers are deterministic (the same input gives the same answer), fast, and valid for the
feature's schema. A feature that declares an ``offline`` function (ai/features.py) gets
that function's answer, written from its input and the member's context like a model's
would be. Any other feature gets the schema filled generically: every string is taken from
the prose of the input (sentences, cut to the field's length limits; dates, ids and slugs
are not prose), a heading (``title``, ``name``...) gets a sentence's first clause, numbers
sit inside their bounds near the lower one, enums take their first value, arrays get their
minimum length (three items when that is allowed and no minimum is set). Generations are
recorded with provider and model "offline", so nobody mistakes them for a model's work.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

from .. import offline as writing
from .base import Completion, Delta, ProviderRequest, ProviderStream

NAME = "offline"
DEFAULT_ARRAY_LENGTH = 3
# Deeper than this, a recursive schema gets the smallest answer it allows.
MAX_DEPTH = 6
# Generic numbers stay within this many steps of their lower bound: a duration, a count or
# an effort of a model's answer is rarely near its maximum.
NUMBER_SPAN = 10
FORMATS = {
    "date": "2030-01-01",
    "date-time": "2030-01-01T09:00:00Z",
    "time": "09:00:00",
    "duration": "P1D",
    "email": "offline@example.com",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uri": "https://example.com/",
}
# Fields that name something rather than say it: a clause, not a sentence.
HEADING_FIELDS = frozenset({"title", "name", "heading", "label", "headline", "tagline"})
REPLY_WORDS = 40


class OfflineProvider:
    name = NAME

    def model_for(self, configured: str) -> str:
        return NAME

    def complete(self, request: ProviderRequest) -> Completion:
        if request.json_schema is None:
            content = reply_to(source_text(request))
        elif request.offline is not None:
            answer = request.offline(inputs=request.inputs or {}, context=request.member_context)
            content = json.dumps(answer, ensure_ascii=False)
        else:
            content = json.dumps(
                answer_for(request.json_schema, source_text(request)), ensure_ascii=False
            )
        return Completion(
            content=content,
            refusal=None,
            finish_reason="stop",
            tokens_in=_count_tokens(request),
            tokens_out=len(content.split()),
            attempts=1,
        )

    def stream(self, request: ProviderRequest) -> ProviderStream:
        reply = reply_to(source_text(request))
        return ProviderStream(_stream(reply, _count_tokens(request)), attempts=1)


def _stream(reply: str, tokens_in: int) -> Iterator[Delta]:
    pieces = re.findall(r"\S+\s*", reply)
    for piece in pieces:
        yield Delta(text=piece)
    yield Delta(finish_reason="stop", tokens_in=tokens_in, tokens_out=len(pieces))


def _count_tokens(request: ProviderRequest) -> int:
    return sum(len(message.get("content", "").split()) for message in request.messages)


def source_text(request: ProviderRequest) -> str:
    """The text an answer is built from: the prose of the inputs, else their other strings
    as words (``hands_on`` -> ``hands on``), else the last user message."""
    strings = list(writing.strings_in(request.inputs)) if request.inputs else []
    prose = [text for text in strings if writing.is_prose(text)]
    if prose:
        return "\n".join(prose)
    words = [writing.humanise(text) for text in strings if writing.is_prose(writing.humanise(text))]
    if words:
        return "\n".join(words)
    for message in reversed(request.messages):
        if message.get("role") == "user":
            return message.get("content", "")
    return ""


def reply_to(text: str) -> str:
    words = text.split()
    echo = " ".join(words[:REPLY_WORDS]) + (" ..." if len(words) > REPLY_WORDS else "")
    return (
        "This is the offline assistant: no AI provider is configured, so this reply is "
        f"not a model's. You said: {echo or '(nothing)'}"
    )


def answer_for(schema: dict[str, Any], text: str) -> Any:
    """A value valid for ``schema``, built from ``text``; the same text gives the same value."""
    return _Builder(schema, text).build(schema, depth=0)


class _Builder:
    def __init__(self, root: dict[str, Any], text: str):
        self.root = root
        self.text = text
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
        self.sentences = sentences or ["A draft written offline, without an AI model."]
        self.seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
        self.strings_used = 0

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def build(self, node: dict[str, Any], *, depth: int, name: str = "") -> Any:
        node = self.resolve(node)
        if "const" in node:
            return node["const"]
        if node.get("enum"):
            return node["enum"][0]
        options = node.get("anyOf") or node.get("oneOf")
        if options:
            return self.build(self._pick(options, depth), depth=depth, name=name)
        if node.get("allOf"):
            merged: dict[str, Any] = {}
            for part in node["allOf"]:
                merged.update(self.resolve(part))
            return self.build(merged, depth=depth, name=name)
        kind = node.get("type")
        if isinstance(kind, list):
            concrete = [k for k in kind if k != "null"]
            kind = concrete[0] if concrete and depth < MAX_DEPTH else "null"
        if kind == "object":
            return {
                name: self.build(sub, depth=depth + 1, name=name)
                for name, sub in node.get("properties", {}).items()
            }
        if kind == "array":
            return [
                self.build(node.get("items", {}), depth=depth + 1, name=name)
                for _ in range(self._length(node, depth))
            ]
        if kind == "string":
            return self.string(node, name)
        if kind == "integer":
            return self.integer(node)
        if kind == "number":
            return self.number(node)
        if kind == "boolean":
            return True
        return None

    def _pick(self, options: list[dict[str, Any]], depth: int) -> dict[str, Any]:
        """The first option that is not null (more useful), unless too deep to recurse."""
        resolved = [self.resolve(option) for option in options]
        non_null = [option for option in resolved if option.get("type") != "null"]
        if depth >= MAX_DEPTH and len(non_null) < len(resolved):
            return {"type": "null"}
        return non_null[0] if non_null else resolved[0]

    def _length(self, node: dict[str, Any], depth: int) -> int:
        low = node.get("minItems", 0)
        if depth >= MAX_DEPTH:
            return low
        high = node.get("maxItems", DEFAULT_ARRAY_LENGTH)
        return max(low, min(high, DEFAULT_ARRAY_LENGTH))

    def string(self, node: dict[str, Any], name: str = "") -> str:
        fmt = node.get("format")
        if fmt == "uuid":
            return str(uuid.UUID(int=self.seed + self.strings_used))
        if fmt in FORMATS:
            return FORMATS[fmt]
        value = self.sentences[self.strings_used % len(self.sentences)]
        value = value[:1].upper() + value[1:]
        self.strings_used += 1
        low, high = node.get("minLength", 0), node.get("maxLength")
        if name in HEADING_FIELDS:
            value = writing.label(value, high or 120) or value
        if high is not None and len(value) > high:
            cut = value[:high]
            # At a word boundary when there is one in the second half of the limit.
            space = cut.rfind(" ")
            value = cut[:space] if space > high // 2 else cut
            value = value.rstrip()
        while len(value) < low:
            value = f"{value} {value}" if value else "offline"
        return value[:high] if high is not None else value

    def _bounds(self, node: dict[str, Any], step: float) -> tuple[float | None, float | None]:
        low = node.get("minimum")
        if "exclusiveMinimum" in node:
            low = node["exclusiveMinimum"] + step
        high = node.get("maximum")
        if "exclusiveMaximum" in node:
            high = node["exclusiveMaximum"] - step
        return low, high

    def integer(self, node: dict[str, Any]) -> int:
        low, high = self._bounds(node, 1)
        if low is not None and high is not None:
            return int(low) + self.seed % min(int(high) - int(low) + 1, NUMBER_SPAN)
        if low is not None:
            return int(low)
        if high is not None:
            return int(high)
        return self.seed % 100

    def number(self, node: dict[str, Any]) -> float:
        low, high = self._bounds(node, 0.01)
        if low is not None and high is not None:
            fraction = (self.seed % 1000) / 1000
            return round(low + (high - low) * fraction, 2) if high > low else low
        if low is not None:
            return float(low)
        if high is not None:
            return float(high)
        return round((self.seed % 1000) / 10, 1)
