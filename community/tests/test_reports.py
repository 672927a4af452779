"""Reports: POST /community/posts/{id}/report, and the post hidden after enough of them."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework import serializers

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import client_for, errors_of
from analytics.models import Event
from community.models import Post, Report
from community.services.posts import post_keep

from .factories import PostFactory

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/community/posts"


def report_url(post) -> str:
    return f"{POSTS}/{post.pk}/report"


def iso(value: dt.datetime | None) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


def report_by(post, **extra):
    return client_for(UserFactory()).post(report_url(post), {"reason": "spam", **extra})


def test_a_member_reports_a_post(member_api, member, django_capture_on_commit_callbacks):
    # given
    post = PostFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(
            report_url(post), {"reason": "harassment", "note": " <b>Rude</b> to me "}
        )

    # then
    assert response.status_code == 201
    report = Report.objects.get()
    assert (report.post, report.reporter, report.reason, report.note, report.resolution) == (
        post,
        member,
        "harassment",
        "<b>Rude</b> to me",
        "",
    )
    assert response.json() == {
        "id": str(report.pk),
        "post": str(post.pk),
        "reason": "harassment",
        "note": "<b>Rude</b> to me",
        "created_at": iso(report.created_at),
    }
    assert list(Event.objects.values_list("name", "user", "properties")) == [
        ("post_reported", member.pk, {"post_id": str(post.pk), "reason": "harassment"})
    ]
    post.refresh_from_db()
    assert post.hidden_reason == ""


def test_reporting_again_returns_the_first_report_unchanged(member_api, member):
    # given
    post = PostFactory()
    first = member_api.post(report_url(post), {"reason": "spam"})

    # when
    second = member_api.post(report_url(post), {"reason": "other", "note": "Changed my mind"})

    # then
    assert second.status_code == 200
    assert second.json() == first.json()
    assert list(Report.objects.values_list("reason", "note")) == [("spam", "")]


def test_three_members_reports_hide_the_post_until_review(member_api, member):
    # given
    post = PostFactory(author=member)
    report_by(post)
    report_by(post)
    assert member_api.get(f"{POSTS}/{post.pk}").json()["hidden"] is False
    before = timezone.now()

    # when
    response = report_by(post)

    # then
    assert response.status_code == 201
    post.refresh_from_db()
    assert post.hidden_reason == "reports"
    assert before <= post.hidden_at <= timezone.now()
    assert post.reviewed_at is None
    someone = client_for(UserFactory())
    assert someone.get(f"{POSTS}/{post.pk}").status_code == 404
    assert someone.get(POSTS).json()["results"] == []
    assert someone.post(report_url(post), {"reason": "spam"}).status_code == 404
    assert member_api.get(f"{POSTS}/{post.pk}").json()["hidden"] is True


def test_the_threshold_follows_the_setting(settings):
    # given
    settings.COMMUNITY_REPORTS_TO_HIDE = 2
    post = PostFactory()
    report_by(post)

    # when
    report_by(post)

    # then
    post.refresh_from_db()
    assert post.hidden_reason == "reports"


def test_reports_already_reviewed_do_not_count_again(member):
    # given: three reports, then staff kept the post
    post = PostFactory()
    for _ in range(3):
        report_by(post)
    post_keep(post=post, moderator=UserFactory(is_staff=True))

    # when
    report_by(post)
    report_by(post)

    # then
    post.refresh_from_db()
    assert post.hidden_reason == ""
    assert Report.objects.filter(resolution="").count() == 2

    # and a third new report hides it again
    report_by(post)
    post.refresh_from_db()
    assert post.hidden_reason == "reports"


def test_reports_do_not_turn_a_staff_hidden_post_into_a_reported_one():
    # given: hidden by staff, so only staff (and its author) can still open and report it
    post = PostFactory(hidden_reason=Post.HiddenReason.STAFF, hidden_at=timezone.now())

    # when
    for _ in range(3):
        assert (
            client_for(UserFactory(is_staff=True))
            .post(report_url(post), {"reason": "spam"})
            .status_code
            == 201
        )

    # then
    post.refresh_from_db()
    assert post.hidden_reason == "staff"


def test_reporting_ones_own_post_is_a_400(member_api, member):
    # given
    post = PostFactory(author=member)

    # when
    response = member_api.post(report_url(post), {"reason": "spam"})

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "own_post", "attr": "non_field_errors"}]
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [{"code": "required", "attr": "reason"}]),
        ({"reason": "boring"}, [{"code": "invalid_choice", "attr": "reason"}]),
        (
            {"reason": "", "note": "n" * 1001},
            [{"code": "invalid_choice", "attr": "reason"}, {"code": "max_length", "attr": "note"}],
        ),
    ],
)
def test_a_bad_report_is_a_400_naming_each_field(member_api, body, errors):
    # given
    post = PostFactory()

    # when
    response = member_api.post(report_url(post), body)

    # then
    assert response.status_code == 400
    assert errors_of(response) == errors
    assert not Report.objects.exists()


def test_reporting_an_unknown_post_is_a_404(member_api):
    response = member_api.post(report_url(Post(pk=uuid.uuid4())), {"reason": "spam"})

    assert response.status_code == 404


def test_reporting_needs_authentication(api):
    post = PostFactory()

    assert api.post(report_url(post), {"reason": "spam"}).status_code == 401
    assert not Report.objects.exists()
