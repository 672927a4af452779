"""The marketplace's admin: lists and pages answer, publishing actions are audited, and
opening a member's row is audited."""

import pytest
from django.urls import reverse

from core.models import AuditEntry
from marketplace.models import BookingEvent

from .factories import (
    BookingFactory,
    CoachFactory,
    CourseFactory,
    DateOverrideFactory,
    WeeklyRuleFactory,
)

pytestmark = pytest.mark.django_db


def changelist(model: str) -> str:
    return reverse(f"admin:marketplace_{model}_changelist")


def change(model: str, pk) -> str:
    return reverse(f"admin:marketplace_{model}_change", args=[pk])


def audit_rows():
    return list(
        AuditEntry.objects.order_by("at").values_list(
            "actor", "action", "target_type", "subject_id", "changes"
        )
    )


@pytest.fixture
def booked(member):
    coach = CoachFactory(user=member)
    course = CourseFactory(coach=coach)
    WeeklyRuleFactory(coach=coach)
    DateOverrideFactory(coach=coach)
    booking = BookingFactory(course=course)
    BookingEvent.objects.create(booking=booking, actor="client", action="created")
    return booking


@pytest.mark.parametrize("model", ["coach", "course", "booking", "feedback"])
def test_the_lists_answer(admin_browser, booked, model):
    # when
    response = admin_browser.get(changelist(model))

    # then
    assert response.status_code == 200


def test_opening_a_coach_shows_the_inlines_and_is_audited(admin_browser, superuser, booked):
    # given
    coach = booked.coach

    # when
    response = admin_browser.get(change("coach", coach.pk))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert booked.course.title in content
    assert "weekly_rules" in content and "date_overrides" in content
    assert audit_rows() == [(superuser.pk, "view", "marketplace.coach", str(coach.user_id), {})]


def test_opening_a_booking_shows_its_history_read_only_and_is_audited(
    admin_browser, superuser, booked
):
    # when
    response = admin_browser.get(change("booking", booked.pk))

    # then
    assert response.status_code == 200
    assert "Created" in response.content.decode()
    assert audit_rows() == [
        (superuser.pk, "view", "marketplace.booking", str(booked.client_id), {})
    ]
    assert admin_browser.post(change("booking", booked.pk), {}).status_code == 403


def test_the_publish_action_lists_coaches_and_is_audited(admin_browser, superuser):
    # given
    coach = CoachFactory(published=False, published_at=None)

    # when
    response = admin_browser.post(
        changelist("coach"),
        {"action": "publish_coaches", "_selected_action": [coach.pk]},
        follow=True,
    )

    # then
    assert response.status_code == 200
    coach.refresh_from_db()
    assert (coach.published, coach.published_at is not None) == (True, True)
    assert audit_rows() == [
        (
            superuser.pk,
            "change",
            "marketplace.coach",
            str(coach.user_id),
            {"fields": ["published"], "published": True},
        )
    ]


def test_the_unpublish_action_withdraws_coaches(admin_browser, superuser):
    # given
    coach = CoachFactory()

    # when
    admin_browser.post(
        changelist("coach"), {"action": "unpublish_coaches", "_selected_action": [coach.pk]}
    )

    # then
    coach.refresh_from_db()
    assert (coach.published, coach.published_at) == (False, None)
    assert [row[1] for row in audit_rows()] == ["change"]


def test_an_erased_coach_is_not_published_by_the_action(admin_browser):
    # given
    coach = CoachFactory(user=None, published=False)

    # when
    response = admin_browser.post(
        changelist("coach"),
        {"action": "publish_coaches", "_selected_action": [coach.pk]},
        follow=True,
    )

    # then
    assert "erased" in response.content.decode()
    coach.refresh_from_db()
    assert coach.published is False
