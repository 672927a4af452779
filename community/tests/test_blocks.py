"""POST, DELETE /community/blocks/{user_id} and GET /community/blocks."""

import uuid

import pytest
from django.core.cache import cache

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import errors_of
from community.models import Block
from community.selectors.messages import messaging_refusal_cached, permission_cache_key
from community.serializers.messages import timestamp

from .factories import BlockFactory

pytestmark = pytest.mark.django_db

BLOCKS = "/api/v1/community/blocks"


def block_url(user_id) -> str:
    return f"{BLOCKS}/{user_id}"


def test_a_member_blocks_another(member_api, member, other_member):
    # when
    response = member_api.post(block_url(other_member.pk))

    # then
    assert response.status_code == 201
    block = Block.objects.get()
    assert (block.blocker, block.blocked) == (member, other_member)
    assert response.json() == {
        "user": {"id": str(other_member.pk), "display_name": other_member.profile.display_name},
        "created_at": timestamp(block.created_at),
    }


def test_blocking_again_changes_nothing(member_api, other_member):
    # given
    first = member_api.post(block_url(other_member.pk))

    # when
    again = member_api.post(block_url(other_member.pk))

    # then
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Block.objects.count() == 1


def test_blocking_yourself_is_a_400(member_api, member):
    # when
    response = member_api.post(block_url(member.pk))

    # then
    assert response.status_code == 400
    assert errors_of(response) == [{"code": "invalid", "attr": "user_id"}]
    assert Block.objects.count() == 0


@pytest.mark.parametrize("method", ["post", "delete"])
def test_an_unknown_member_is_a_404(member_api, method):
    # when
    response = getattr(member_api, method)(block_url(uuid.uuid4()))

    # then
    assert response.status_code == 404
    assert errors_of(response) == [{"code": "not_found", "attr": None}]
    assert Block.objects.count() == 0


@pytest.mark.parametrize("method", ["post", "delete"])
def test_a_malformed_user_id_is_a_404(member_api, method):
    # when
    response = getattr(member_api, method)(block_url("nobody"))

    # then
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["post", "delete", "get"])
def test_blocks_need_authentication(api, other_member, method):
    # when
    url = BLOCKS if method == "get" else block_url(other_member.pk)
    response = getattr(api, method)(url)

    # then
    assert response.status_code == 401


def test_unblocking_removes_only_the_callers_block(member_api, member, other_member):
    # given
    BlockFactory(blocker=member, blocked=other_member)
    theirs = BlockFactory(blocker=other_member, blocked=member)

    # when
    response = member_api.delete(block_url(other_member.pk))
    again = member_api.delete(block_url(other_member.pk))

    # then
    assert (response.status_code, again.status_code) == (204, 204)
    assert list(Block.objects.all()) == [theirs]


def test_blocking_and_unblocking_clear_the_cached_permission_at_once(
    member, other_member, member_api, django_capture_on_commit_callbacks
):
    # given: typing indicators remember that member may write to other_member
    assert messaging_refusal_cached(sender_id=member.pk, recipient_id=other_member.pk) is None
    assert cache.get(permission_cache_key(member.pk, other_member.pk)) == ""

    # when
    with django_capture_on_commit_callbacks(execute=True):
        member_api.post(block_url(other_member.pk))

    # then
    refusal = messaging_refusal_cached(sender_id=member.pk, recipient_id=other_member.pk)
    assert refusal.code == "messaging_blocked"
    with django_capture_on_commit_callbacks(execute=True):
        member_api.delete(block_url(other_member.pk))
    assert messaging_refusal_cached(sender_id=member.pk, recipient_id=other_member.pk) is None


def test_the_list_shows_the_callers_blocks_newest_first(member_api, member, other_member):
    # given
    first = BlockFactory(blocker=member, blocked=other_member)
    second = BlockFactory(blocker=member)
    BlockFactory(blocked=member)  # someone else's block

    # when
    response = member_api.get(BLOCKS)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "user": {
                    "id": str(block.blocked_id),
                    "display_name": block.blocked.profile.display_name,
                },
                "created_at": timestamp(block.created_at),
            }
            for block in (second, first)
        ],
    }


def test_the_list_costs_the_same_queries_however_long(
    member_api, member, django_assert_num_queries
):
    # given
    BlockFactory(blocker=member)
    with django_assert_num_queries(3):  # the caller, the count, the page
        member_api.get(BLOCKS)
    for _ in range(25):
        BlockFactory(blocker=member, blocked=UserFactory())

    # when / then
    with django_assert_num_queries(3):
        response = member_api.get(BLOCKS)
    assert len(response.json()["results"]) == 20
