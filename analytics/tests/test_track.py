import logging

import pytest
from django.db import transaction

from accounts.services import account_erase
from accounts.tests.factories import UserFactory
from analytics.models import Event
from analytics.services import track

pytestmark = pytest.mark.django_db


def events() -> list[dict]:
    return list(
        Event.objects.order_by("occurred_at").values("name", "user", "properties", "pseudonym")
    )


@pytest.mark.django_db(transaction=True)
def test_track_writes_once_the_transaction_commits():
    # given
    member = UserFactory()

    # when
    with transaction.atomic():
        track("login", member, method="password")
        inside = Event.objects.count()

    # then
    assert inside == 0
    assert events() == [
        {"name": "login", "user": member.pk, "properties": {"method": "password"}, "pseudonym": ""}
    ]


@pytest.mark.django_db(transaction=True)
def test_track_writes_nothing_when_the_transaction_rolls_back():
    # given
    member = UserFactory()

    # when
    with pytest.raises(RuntimeError), transaction.atomic():
        track("login", member)
        raise RuntimeError("the write that the event describes failed")

    # then
    assert events() == []


@pytest.mark.django_db(transaction=True)
def test_track_writes_at_once_outside_a_transaction():
    # when
    track("login_failed", None)

    # then
    assert events() == [{"name": "login_failed", "user": None, "properties": {}, "pseudonym": ""}]


@pytest.mark.django_db(transaction=True)
def test_a_failing_write_is_logged_and_never_raised(caplog):
    # given
    member = UserFactory()
    caplog.set_level(logging.ERROR, logger="analytics.services")

    # when
    with transaction.atomic():
        track("login", member, unserialisable=object())
        track("logout", member)

    # then
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("analytics.services", logging.ERROR, "Could not record analytics event login")
    ]
    assert caplog.records[0].exc_info[0] is TypeError
    assert [e["name"] for e in events()] == ["logout"]


def test_an_erased_members_events_share_one_pseudonym(django_capture_on_commit_callbacks):
    # given
    member, other_member = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        track("login", member)
        track("onboarding_step", member, step="preferences")
        track("login", other_member)
    members_events = list(Event.objects.filter(user=member).values_list("pk", flat=True))
    others_events = list(Event.objects.filter(user=other_member).values_list("pk", flat=True))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=member, source="admin")
        account_erase(user=other_member, source="admin")

    # then
    def subjects(pks) -> set[tuple]:
        return set(Event.objects.filter(pk__in=pks).values_list("user", "pseudonym"))

    [(members_user, members_pseudonym)] = subjects(members_events)
    [(others_user, others_pseudonym)] = subjects(others_events)
    assert (members_user, others_user) == (None, None)
    assert len(members_pseudonym) == len(others_pseudonym) == 64
    assert members_pseudonym != others_pseudonym
    assert str(member.pk) not in members_pseudonym
    assert sorted(
        Event.objects.filter(pk__in=members_events).values_list("name", "properties")
    ) == [("login", {}), ("onboarding_step", {"step": "preferences"})]
    assert (
        list(
            Event.objects.filter(name="account_deleted").values_list(
                "user", "pseudonym", "properties"
            )
        )
        == [(None, "", {"source": "admin"})] * 2
    )
