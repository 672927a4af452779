"""What the offline answers of features are written with: deterministic choice and tidy
English, for the ``offline`` functions features declare (ai/features.py) and for the
offline provider's generic answer.

Everything is a function of the generation's input: a :class:`Writer` draws from its own
``random.Random`` seeded with a hash of the input (never the module's global state), so the
same input gives the same answer on every machine, and another input another one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_SLUG = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")
_NUMBER = re.compile(r"^[\d.,\s%+-]+$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def seed_of(*values: Any) -> int:
    """A stable integer for ``values`` (JSON-ready data): the same on every run."""
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return int(hashlib.sha256(canonical.encode()).hexdigest()[:16], 16)


class Writer:
    """Choices that depend only on what it was seeded with."""

    def __init__(self, *seeded_with: Any):
        self._random = random.Random(seed_of(*seeded_with))  # noqa: S311 (not security)

    def pick(self, options: Sequence[T]) -> T:
        return options[self._random.randrange(len(options))]

    def between(self, low: int, high: int) -> int:
        return self._random.randint(low, high)

    def fraction(self, low: float, high: float, places: int = 2) -> float:
        return round(low + (high - low) * self._random.random(), places)

    def several(self, options: Sequence[T], count: int) -> list[T]:
        """``count`` distinct options (all of them when there are fewer), in drawn order."""
        return self._random.sample(list(options), min(count, len(options)))


# --- words ----------------------------------------------------------------------------------


def is_prose(text: str) -> bool:
    """Whether ``text`` reads as words for a person: not a date, an id, a number or a slug."""
    text = text.strip()
    if not text:
        return False
    return not (
        _ISO_DATE.match(text) or _UUID.match(text) or _NUMBER.match(text) or _SLUG.match(text)
    )


def humanise(value: Any) -> str:
    """A stored value as words: ``strategic_builder`` -> ``strategic builder``."""
    text = str(value or "").strip()
    if _SLUG.match(text):
        return text.replace("_", " ").replace("-", " ")
    return text


def cut(text: Any, limit: int, *, lines: bool = False) -> str:
    """``text`` in at most ``limit`` characters, cut at a word when one ends in the second
    half, without a dangling comma; on one line unless ``lines`` keeps its line breaks."""
    raw = str(text or "")
    if lines:
        text = "\n".join(" ".join(line.split()) for line in raw.strip().splitlines())
    else:
        text = " ".join(raw.split())
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:-–—")


def sentence(text: Any, limit: int | None = None) -> str:
    """``text`` as a sentence: first letter up, a full stop unless it ends with one."""
    text = " ".join(str(text or "").split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    if text[-1] not in ".!?…":
        text += "."
    if limit is not None and len(text) > limit:
        text = cut(text, limit - 1).rstrip(".") + "."
    return text


def paragraph(*sentences: str, limit: int | None = None) -> str:
    """The non-empty ``sentences`` joined, keeping whole sentences within ``limit``."""
    kept: list[str] = []
    for text in (sentence(s) for s in sentences):
        if not text:
            continue
        if limit is not None and len(" ".join([*kept, text])) > limit:
            if not kept:
                kept.append(sentence(text, limit))
            break
        kept.append(text)
    return " ".join(kept)


def label(text: Any, limit: int) -> str:
    """A short heading from ``text``: its first clause, up to ``limit``, no final stop."""
    text = " ".join(str(text or "").split())
    first = re.split(r"(?<=[.!?;:])\s", text, maxsplit=1)[0]
    first = cut(first, limit).rstrip(".!?;:")
    return first[:1].upper() + first[1:] if first else ""


def topic(text: Any) -> str:
    """``text`` placed inside a sentence: a word or two in lower case ("public speaking"),
    anything longer in quotes (“Become a team lead”)."""
    text = label(humanise(text), 120)
    if not text:
        return ""
    words = text.split()
    if len(words) <= 2:
        return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return f"“{text}”"


def listing(items: Iterable[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def spread(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` whole numbers as even as possible, the larger last;
    they add up to ``total``."""
    base, extra = divmod(total, parts)
    return [base + (1 if n >= parts - extra else 0) for n in range(parts)]


def strings_in(value: Any) -> Iterator[str]:
    """Every string in ``value`` (nested dicts and lists), in order."""
    if isinstance(value, str):
        if value.strip():
            yield value.strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def sentences_in(value: Any) -> list[str]:
    """The sentences of the prose strings in ``value``, in order, each once."""
    found: list[str] = []
    for text in strings_in(value):
        if not is_prose(text):
            continue
        for part in _SENTENCE_END.split(text):
            part = part.strip()
            if part and part not in found:
                found.append(part)
    return found


def date_from(value: Any, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return default
