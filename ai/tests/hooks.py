"""Hooks the tests register by dotted path, as apps do (``core.hooks``); what they hear is
kept here for the test to read, and cleared by the fixture that registers them."""

from ai.models import Generation

finished: list[tuple[str, str, dict | None]] = []


def record_finish(*, generation: Generation) -> None:
    finished.append((str(generation.pk), generation.status, generation.output))
    if generation.input.get("goal") == "explode":
        raise RuntimeError("the owning app failed")
