"""The assessment's admin: questionnaire versions with their questions and choices, the
copy and publish actions, answered versions locked, and members' results read-only and
audited."""

import pytest
from django.urls import reverse

from accounts.tests.helpers import client_for
from coaching.models import Choice, Question, Questionnaire
from core.models import AuditEntry

from .factories import AssessmentResultFactory, ChoiceFactory, QuestionFactory, QuestionnaireFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def questionnaire():
    q = QuestionnaireFactory(title="Profile")
    start = QuestionFactory(questionnaire=q, key="start", order=1, type="single_choice")
    ChoiceFactory(question=start, value="plan", order=1, scores={"strategic_builder": 3})
    ChoiceFactory(question=start, value="story", order=2, scores={"creative_storyteller": 3})
    QuestionFactory(questionnaire=q, key="vision", order=2, type="scale", weight=2)
    return q


def url(name: str, *args) -> str:
    return reverse(f"admin:coaching_{name}", args=args)


def act(admin_browser, action: str, *questionnaires):
    return admin_browser.post(
        url("questionnaire_changelist"),
        {"action": action, "_selected_action": [str(q.pk) for q in questionnaires]},
    )


def test_the_lists_and_pages_open(admin_browser, questionnaire):
    # given
    question = questionnaire.questions.get(key="start")
    result = AssessmentResultFactory(questionnaire=questionnaire)

    # then
    for page in (
        url("questionnaire_changelist"),
        url("questionnaire_change", questionnaire.pk),
        url("question_changelist"),
        url("question_change", question.pk),
        url("assessmentresult_changelist"),
        url("assessmentresult_change", result.pk),
    ):
        assert admin_browser.get(page).status_code == 200, page


def test_copy_as_a_new_draft_version_copies_questions_and_choices(admin_browser, questionnaire):
    # given
    latest = QuestionnaireFactory()

    # when
    response = act(admin_browser, "copy_as_draft", questionnaire)

    # then
    assert response.status_code == 302
    draft = Questionnaire.objects.get(version=latest.version + 1)
    assert (draft.title, draft.is_published, draft.published_at) == ("Profile", False, None)
    copied = [
        (q.key, q.order, q.type, q.required, q.dimension, q.weight)
        for q in draft.questions.order_by("order")
    ]
    original = [
        (q.key, q.order, q.type, q.required, q.dimension, q.weight)
        for q in questionnaire.questions.order_by("order")
    ]
    assert copied == original
    assert list(
        Choice.objects.filter(question__questionnaire=draft)
        .order_by("order")
        .values_list("question__key", "value", "scores")
    ) == [
        ("start", "plan", {"strategic_builder": 3}),
        ("start", "story", {"creative_storyteller": 3}),
    ]
    assert questionnaire.questions.count() == 2


def test_publish_makes_a_draft_current(admin_browser, questionnaire, member):
    # given
    draft = QuestionnaireFactory(version=questionnaire.version + 1, is_published=False)
    QuestionFactory(questionnaire=draft, key="vision", type="scale")

    # when
    act(admin_browser, "publish", draft)

    # then
    draft.refresh_from_db()
    assert draft.is_published and draft.published_at is not None
    assert client_for(member).get("/api/v1/coaching/assessment").json()["version"] == (
        draft.version
    )


@pytest.mark.parametrize("broken", ["no_questions", "no_choices"])
def test_publish_refuses_an_incomplete_draft(admin_browser, broken):
    # given
    draft = QuestionnaireFactory(is_published=False)
    if broken == "no_choices":
        QuestionFactory(questionnaire=draft, type="single_choice")

    # when
    response = act(admin_browser, "publish", draft)

    # then
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published is False


def test_unpublish(admin_browser, questionnaire):
    act(admin_browser, "unpublish", questionnaire)

    questionnaire.refresh_from_db()
    assert questionnaire.is_published is False


def test_an_unanswered_version_can_be_edited(admin_browser, questionnaire):
    # given
    page = url("questionnaire_change", questionnaire.pk)

    # when
    response = admin_browser.get(page)

    # then
    assert response.context["has_change_permission"] is True
    assert [f.opts.model for f in response.context["inline_admin_formsets"]] == [Question]
    assert response.context["inline_admin_formsets"][0].has_add_permission is True


def test_an_answered_version_is_read_only(admin_browser, questionnaire):
    # given
    AssessmentResultFactory(questionnaire=questionnaire)
    question = questionnaire.questions.get(key="start")
    text = question.text

    # when
    page = admin_browser.get(url("questionnaire_change", questionnaire.pk))
    post = admin_browser.post(url("questionnaire_change", questionnaire.pk), {"title": "Changed"})
    question_post = admin_browser.post(url("question_change", question.pk), {"text": "Changed"})
    delete = admin_browser.post(url("question_delete", question.pk), {"post": "yes"})

    # then
    assert page.context["has_change_permission"] is False
    inline = page.context["inline_admin_formsets"][0]
    assert (inline.has_add_permission, inline.has_change_permission) == (False, False)
    assert (post.status_code, question_post.status_code, delete.status_code) == (403, 403, 403)
    questionnaire.refresh_from_db()
    question.refresh_from_db()
    assert (questionnaire.title, question.text) == ("Profile", text)
    assert Question.objects.filter(pk=question.pk).exists()


def test_an_answered_version_can_still_be_copied(admin_browser, questionnaire):
    # given
    AssessmentResultFactory(questionnaire=questionnaire)

    # when
    act(admin_browser, "copy_as_draft", questionnaire)

    # then
    assert Questionnaire.objects.filter(is_published=False, title="Profile").count() == 1


def test_results_are_read_only_and_audited(admin_browser, questionnaire):
    # given
    result = AssessmentResultFactory(questionnaire=questionnaire)

    # when
    page = admin_browser.get(url("assessmentresult_change", result.pk))
    post = admin_browser.post(url("assessmentresult_change", result.pk), {"archetype": "x"})

    # then
    assert page.context["has_change_permission"] is False
    assert post.status_code == 403
    assert admin_browser.get(url("assessmentresult_add")).status_code == 403
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_id, entry.subject_id) == (
        "view",
        str(result.pk),
        str(result.user_id),
    )
