"""Features declared once: registry, prompts and their version, strict schemas, models."""

import copy
from pathlib import Path

import pytest
from django.core import checks

from ai import features
from ai.ai_features import ASSISTANT, TEXT_SUMMARY
from ai.checks import every_feature_has_its_prompts, every_price_is_a_number
from ai.features import strict_json_schema

from .schemas import Plan, Settings


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_the_built_in_features_are_registered_from_ai_features_modules():
    # Other apps declare theirs in their own ai_features.py; these are the gateway's.
    gateway = [f.name for f in features.all_features() if f.name.startswith("ai.")]
    assert gateway == ["ai.assistant", "ai.text_summary"]
    assert features.get("ai.text_summary") is TEXT_SUMMARY
    assert (TEXT_SUMMARY.structured, ASSISTANT.structured) == (True, False)


def test_an_unknown_feature_is_a_lookup_error():
    with pytest.raises(features.UnknownFeature, match="'nope.nothing'"):
        features.get("nope.nothing")


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("summary", {}, "Feature names look like 'app.feature'"),
        ("AI.Summary", {}, "Feature names look like 'app.feature'"),
        ("ai." + "x" * 62, {}, "at most 64 characters"),
        ("ai.text_summary", {}, "already registered"),
        ("aitest.free", {"cost": 0}, "at least one quota unit"),
        ("aitest.maps", {"schema": Settings}, "free-form maps cannot be expressed"),
    ],
)
def test_a_bad_declaration_is_refused(test_features, name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        test_features(name, **kwargs)
    assert "aitest.free" not in [f.name for f in features.all_features()]
    assert "aitest.maps" not in [f.name for f in features.all_features()]


def test_the_model_is_the_setting_then_the_declared_one_then_the_default(test_features, settings):
    # given
    declared = test_features("aitest.modelled", model="declared-model")
    plain = test_features("aitest.plain")
    settings.AI_MODEL = "default-model"

    # then
    assert (declared.model_name(), plain.model_name()) == ("declared-model", "default-model")
    settings.AI_MODELS = {"aitest.modelled": "operator-model"}
    assert (declared.model_name(), plain.model_name()) == ("operator-model", "default-model")


def test_prompts_are_rendered_as_text_without_html_escaping():
    messages = TEXT_SUMMARY.render({"text": 'Fish & "chips" <b>now</b>'})

    assert messages[1] == {
        "role": "user",
        "content": 'Summarise this text:\n\n<text>\nFish & "chips" <b>now</b>\n</text>',
    }


def test_the_prompt_version_is_a_hash_of_the_templates(settings, tmp_path: Path):
    # given
    before = TEXT_SUMMARY.prompt_version()
    edited = tmp_path / "prompts" / "ai.text_summary"
    edited.mkdir(parents=True)
    (edited / "system.txt").write_text("Summarise, but shorter.")
    (edited / "user.txt").write_text("{{ text }}")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]

    # when
    settings.TEMPLATES = templates

    # then
    after = TEXT_SUMMARY.prompt_version()
    assert len(before) == len(after) == 12
    assert after != before
    assert TEXT_SUMMARY.render({"text": "Hi"})[1]["content"] == "Hi"


def test_a_strict_schema_closes_every_object_and_requires_every_property():
    schema = strict_json_schema(Plan)

    objects = [node for node in _walk(schema) if node.get("type") == "object"]
    assert len(objects) == 3
    for node in objects:
        assert node["additionalProperties"] is False
        assert node["required"] == list(node["properties"])
    assert not [node for node in _walk(schema) if "default" in node]
    assert schema["$defs"]["Action"]["properties"]["note"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "title": "Note",
    }
    # A reference with a default beside it is inlined, without the default.
    assert schema["properties"]["pace"] == {
        "type": "string",
        "title": "Pace",
        "enum": ["steady", "intense"],
    }
    assert schema["properties"]["milestones"]["items"] == {"$ref": "#/$defs/Milestone"}


def test_the_system_check_names_a_feature_without_its_prompts(test_features):
    # given
    test_features("aitest.missing", schema=Plan)

    # when
    errors = every_feature_has_its_prompts()

    # then
    assert [(e.id, e.msg) for e in errors] == [
        (
            "ai.E001",
            "The AI feature 'aitest.missing' has no usable prompt template "
            "prompts/aitest.missing/system.txt: TemplateDoesNotExist.",
        ),
        (
            "ai.E001",
            "The AI feature 'aitest.missing' has no usable prompt template "
            "prompts/aitest.missing/user.txt: TemplateDoesNotExist.",
        ),
    ]
    assert all(isinstance(e, checks.Error) for e in errors)


def test_the_built_in_features_pass_the_system_check():
    assert every_feature_has_its_prompts() == []


@pytest.mark.parametrize(
    "prices",
    [
        {"gpt-4.1": {"input_per_million": "2"}},
        {"gpt-4.1": {"input_per_million": "two", "output_per_million": "8"}},
        {"gpt-4.1": {"input_per_million": "-1", "output_per_million": "8"}},
        {"gpt-4.1": "2/8"},
    ],
)
def test_a_malformed_price_fails_the_system_check(settings, prices):
    # given
    settings.AI_PRICES = prices

    # when
    errors = every_price_is_a_number()

    # then
    assert [(error.id, "'gpt-4.1'" in error.msg) for error in errors] == [("ai.E005", True)]


def test_prices_as_numbers_or_strings_pass_the_system_check(settings):
    settings.AI_PRICES = {
        "gpt-4.1": {"input_per_million": 2, "output_per_million": "8.00"},
        "gpt-4o-mini": {"input_per_million": 0.15, "output_per_million": 0.6},
    }

    assert every_price_is_a_number() == []
