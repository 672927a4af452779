"""Idempotency-Key: a retried write runs once, and a key cannot be reused for another write."""

import datetime as dt

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.urls import path
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import User
from core import privacy
from core.idempotency import IDEMPOTENCY_KEY_PARAMETER, body_hash
from core.models import AuditEntry, IdempotencyRecord
from core.tests.urls import NoteView

pytestmark = [pytest.mark.django_db, pytest.mark.urls("core.tests.urls")]

KEY = "3f1c2a9e-5b7d-4c1e-9a8f-0d6b2e4c7a10"


@pytest.fixture
def member():
    return User.objects.create_user(email="member@example.com", password="pw-not-used-here")


@pytest.fixture
def member_api(api, member) -> APIClient:
    api.force_authenticate(member)
    return api


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _note_response(entry: AuditEntry) -> dict:
    return {"id": str(entry.id), "target": entry.target_id, "at": _iso(entry.at)}


def _conflict(code: str, detail: str) -> dict:
    return {"type": "client_error", "errors": [{"code": code, "detail": detail, "attr": None}]}


REUSED = _conflict(
    "idempotency_key_reused", "This Idempotency-Key was already used for a different request."
)
IN_PROGRESS = _conflict(
    "idempotency_in_progress",
    "A request with this Idempotency-Key is still being processed; retry later.",
)


def test_without_the_header_every_request_runs(member_api):
    # when
    first = member_api.post("/notes/", {"target": "coffee"})
    second = member_api.post("/notes/", {"target": "coffee"})

    # then
    assert [first.status_code, second.status_code] == [201, 201]
    assert AuditEntry.objects.count() == 2
    assert "Idempotent-Replayed" not in second.headers
    assert not IdempotencyRecord.objects.exists()


def test_first_use_runs_the_view_and_stores_its_response(member_api, member):
    # when
    response = member_api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # then
    entry = AuditEntry.objects.get()
    assert response.status_code == 201
    assert response.json() == _note_response(entry)
    assert response.headers["Location"] == f"/notes/{entry.id}/"
    assert "Idempotent-Replayed" not in response.headers
    assert list(
        IdempotencyRecord.objects.values(
            "user_id",
            "key",
            "method",
            "path",
            "request_hash",
            "status",
            "response_status",
            "response_body",
            "response_headers",
        )
    ) == [
        {
            "user_id": member.id,
            "key": KEY,
            "method": "POST",
            "path": "/notes/",
            "request_hash": body_hash({"target": "coffee"}),
            "status": "done",
            "response_status": 201,
            "response_body": _note_response(entry),
            "response_headers": {"Location": f"/notes/{entry.id}/"},
        }
    ]


def test_a_retry_replays_the_first_response_and_writes_nothing(member_api):
    # given
    first = member_api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # when
    retry = member_api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # then
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert AuditEntry.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_the_same_json_in_another_key_order_and_spacing_is_the_same_request(member_api):
    # given
    member_api.post(
        "/notes/",
        '{"target": "coffee", "note": "x"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )

    # when
    retry = member_api.post(
        "/notes/",
        '{ "note":"x",\n  "target":"coffee" }',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )

    # then
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert AuditEntry.objects.count() == 1


def test_a_viewset_create_is_replayed_too(member_api):
    # given
    first = member_api.post("/note-set/", {"target": "tea"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # when
    retry = member_api.post("/note-set/", {"target": "tea"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # then
    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry.json() == first.json() == _note_response(AuditEntry.objects.get())
    assert retry.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_refused(member_api):
    # given
    member_api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # when
    response = member_api.post("/notes/", {"target": "tea"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # then
    assert response.status_code == 409
    assert response.json() == REUSED
    assert list(AuditEntry.objects.values_list("target_id", flat=True)) == ["coffee"]


def test_the_same_key_on_another_path_is_refused(member_api):
    # given
    member_api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # when
    response = member_api.post("/notes/other/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # then
    assert response.status_code == 409
    assert response.json() == REUSED
    assert AuditEntry.objects.count() == 1


def test_a_retry_while_the_first_request_runs_is_told_to_wait(member_api, member):
    # given: the first request has reserved the key and not finished yet
    IdempotencyRecord.objects.create(
        user=member,
        key=KEY,
        method="POST",
        path="/notes/",
        request_hash=body_hash({"target": "coffee"}),
    )

    # when
    response = member_api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # then
    assert response.status_code == 409
    assert response.json() == IN_PROGRESS
    assert not AuditEntry.objects.exists()
    assert IdempotencyRecord.objects.get().status == IdempotencyRecord.Status.PENDING


def test_a_reservation_abandoned_by_a_dead_request_is_taken_over(member_api, member, settings):
    # given: a request reserved the key long ago and died before storing its response
    record = IdempotencyRecord.objects.create(
        user=member,
        key=KEY,
        method="POST",
        path="/notes/",
        request_hash=body_hash({"target": "coffee"}),
    )
    stale = timezone.now() - dt.timedelta(seconds=settings.IDEMPOTENCY_PENDING_TIMEOUT + 1)
    IdempotencyRecord.objects.filter(pk=record.pk).update(updated_at=stale)

    # when
    response = member_api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # then
    assert response.status_code == 201
    assert AuditEntry.objects.count() == 1
    assert IdempotencyRecord.objects.get().status == IdempotencyRecord.Status.DONE


def test_the_database_admits_one_reservation_per_user_and_key(member):
    # given
    fields = {"method": "POST", "path": "/notes/", "request_hash": "0" * 64}
    IdempotencyRecord.objects.create(user=member, key=KEY, **fields)

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        IdempotencyRecord.objects.create(user=member, key=KEY, **fields)
    assert IdempotencyRecord.objects.count() == 1


def test_a_refused_request_frees_the_key_for_a_corrected_retry(member_api):
    # given
    refused = member_api.post("/notes/", {"target": ""}, HTTP_IDEMPOTENCY_KEY=KEY)
    assert refused.status_code == 400
    assert not IdempotencyRecord.objects.exists()

    # when
    retry = member_api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # then
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert AuditEntry.objects.count() == 1
    assert IdempotencyRecord.objects.get().status == IdempotencyRecord.Status.DONE


def test_a_crash_frees_the_key(member):
    # given
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(member)
    crashed = client.post("/notes/", {"target": "boom"}, HTTP_IDEMPOTENCY_KEY=KEY)
    assert crashed.status_code == 500
    assert not IdempotencyRecord.objects.exists()

    # when
    retry = client.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # then
    assert retry.status_code == 201
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("key", "code", "detail"),
    [
        ("k" * 256, "max_length", "Idempotency-Key must be at most 255 characters."),
        ("", "blank", "Idempotency-Key must not be empty."),
    ],
)
def test_an_invalid_key_is_a_400_naming_the_header(member_api, key, code, detail):
    # when
    response = member_api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=key)

    # then
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [{"code": code, "detail": detail, "attr": "Idempotency-Key"}],
    }
    assert not AuditEntry.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_key_of_255_characters_is_accepted(member_api):
    # when
    response = member_api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY="k" * 255)

    # then
    assert response.status_code == 201
    assert IdempotencyRecord.objects.get().key == "k" * 255


def test_anonymous_requests_ignore_the_key(api):
    # when
    first = api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)
    second = api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # then
    assert [first.status_code, second.status_code] == [201, 201]
    assert AuditEntry.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_keys_belong_to_one_user(member_api):
    # given
    member_api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)
    other = APIClient()
    other.force_authenticate(User.objects.create_user(email="other@example.com"))

    # when
    response = other.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)

    # then
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert AuditEntry.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 2


def test_records_are_exported_and_erased_with_the_member(member_api, member):
    # given
    member_api.post("/notes/", {"target": "coffee"}, HTTP_IDEMPOTENCY_KEY=KEY)
    record = IdempotencyRecord.objects.get()

    # when
    exported = privacy.export_user(member)["data"]["core.idempotencyrecord"]
    erased = privacy.erase_user(member)

    # then
    assert exported == [
        {
            "key": KEY,
            "method": "POST",
            "path": "/notes/",
            "response_status": 201,
            "created_at": DjangoJSONEncoder().default(record.created_at),
        }
    ]
    assert erased["core.idempotencyrecord"] == 1
    assert not IdempotencyRecord.objects.exists()


def test_records_past_the_retention_period_are_purged(member, settings):
    # given
    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 24
    now = timezone.now()
    old = IdempotencyRecord.objects.create(
        user=member, key="old", method="POST", path="/notes/", request_hash="0" * 64
    )
    recent = IdempotencyRecord.objects.create(
        user=member, key="recent", method="POST", path="/notes/", request_hash="0" * 64
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(hours=25))
    IdempotencyRecord.objects.filter(pk=recent.pk).update(created_at=now - dt.timedelta(hours=23))

    # when
    counts = privacy.purge_expired(now=now)

    # then
    assert counts["core.idempotencyrecord"] == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]


def test_the_header_is_documented_in_the_schema():
    # given
    generator = SchemaGenerator(patterns=[path("notes/", NoteView.as_view())])

    # when
    schema = generator.get_schema(request=None, public=True)

    # then
    assert schema["paths"]["/notes/"]["post"]["parameters"] == [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "schema": {"type": "string"},
            "description": IDEMPOTENCY_KEY_PARAMETER.description,
        }
    ]
