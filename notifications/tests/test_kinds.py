"""The kind registry: names, duplicates, and the templates every emailed kind needs."""

import pytest

from notifications import kinds
from notifications.checks import every_kind_has_its_email_templates


@pytest.mark.parametrize("name", ["Welcome", "two words", "x" * 51, "1st", ""])
def test_a_kind_name_must_be_a_short_snake_case_word(name):
    with pytest.raises(ValueError, match="not a valid kind name"):
        kinds.register(name, description="Nope.")


def test_a_kind_is_registered_once():
    with pytest.raises(ValueError, match="already registered"):
        kinds.register("welcome", description="Again.")


def test_an_essential_kind_needs_a_channel():
    with pytest.raises(ValueError, match="at least one channel"):
        kinds.register("silent_essential", description="Nope.", essential=True, in_app=False)
    assert kinds.find("silent_essential") is None


def test_the_lifecycle_kinds_are_declared():
    declared = [kinds.get("verify_email_reminder"), kinds.get("welcome")]

    assert [(k.name, k.essential, k.in_app, k.email, k.template) for k in declared] == [
        ("verify_email_reminder", True, False, True, "verify_email_reminder"),
        ("welcome", False, True, True, "welcome"),
    ]


def test_every_registered_kind_has_its_email_templates():
    assert every_kind_has_its_email_templates() == []
