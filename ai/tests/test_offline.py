"""The offline provider: deterministic, schema-valid answers built from the input."""

import pytest

from ai.ai_features import TEXT_SUMMARY, TextSummary
from ai.features import strict_json_schema
from ai.providers import OfflineProvider, ProviderRequest

from .schemas import Plan

TEXT = "Tea is grown on hills. It is picked by hand! Then it is dried and rolled."


def request_for(schema: dict, text: str) -> ProviderRequest:
    return ProviderRequest(
        model="ignored",
        messages=[{"role": "system", "content": "Plan."}, {"role": "user", "content": "Go."}],
        json_schema=schema,
        schema_name="plan",
        inputs={"goal": text, "weeks": 3},
    )


def test_a_summary_is_built_from_the_text_and_is_valid():
    # when
    completion = OfflineProvider().complete(request_for(TEXT_SUMMARY.json_schema, TEXT))

    # then
    assert TextSummary.model_validate_json(completion.content).model_dump() == {
        "title": "Tea is grown on hills",
        "bullets": [
            "It is picked by hand!",
            "Then it is dried and rolled.",
            "Tea is grown on hills.",
        ],
    }
    assert (completion.refusal, completion.finish_reason, completion.attempts) == (None, "stop", 1)


def test_the_same_input_gives_the_same_answer_and_another_input_another():
    schema = strict_json_schema(Plan)
    provider = OfflineProvider()

    first = provider.complete(request_for(schema, TEXT)).content
    again = provider.complete(request_for(schema, TEXT)).content
    other = provider.complete(request_for(schema, "Learn Spanish. Speak daily.")).content

    assert first == again
    assert other != first


@pytest.mark.parametrize(
    "text", [TEXT, "", "x", "A sentence that is long enough to need cutting. " * 20, "émoji 🚀!"]
)
def test_a_nested_schema_gets_a_valid_answer_whatever_the_text(text):
    # when
    completion = OfflineProvider().complete(request_for(strict_json_schema(Plan), text))

    # then
    plan = Plan.model_validate_json(completion.content)
    assert len(plan.milestones) == 3
    assert [len(m.actions) for m in plan.milestones] == [3, 3, 3]
    assert len(plan.tags) == 2
    assert plan.pace.value == "steady"
    assert {a.priority for m in plan.milestones for a in m.actions} == {"high"}
    assert all(a.note for m in plan.milestones for a in m.actions)


def test_without_inputs_the_answer_comes_from_the_last_user_message():
    request = ProviderRequest(
        model="ignored",
        messages=[
            {"role": "user", "content": "First question."},
            {"role": "assistant", "content": "An answer."},
            {"role": "user", "content": "Second question."},
        ],
    )

    completion = OfflineProvider().complete(request)

    assert completion.content.endswith("You said: Second question.")


def test_the_model_is_recorded_as_offline():
    assert OfflineProvider().model_for("gpt-4o-mini") == "offline"
