"""core.cache.PooledRedisCache: Django's Redis cache, one client per pool."""

import os

import pytest

from core.cache import PooledRedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache():
    cache = PooledRedisCache(os.environ.get("REDIS_URL", ""), {"KEY_PREFIX": "core-cache-test"})
    yield cache
    cache.clear()
    cache.close()


def test_it_behaves_as_a_django_cache(redis_cache):
    # when
    redis_cache.set("answer", {"value": 42}, timeout=30)
    added = redis_cache.add("answer", "other")
    redis_cache.set("counter", 1)
    redis_cache.incr("counter", 2)

    # then
    assert redis_cache.get("answer") == {"value": 42}
    assert added is False
    assert redis_cache.get("counter") == 3
    assert redis_cache.delete("answer") is True
    assert redis_cache.get("answer", "gone") == "gone"


def test_it_reuses_one_client_per_pool(redis_cache):
    client = redis_cache._cache.get_client(write=True)

    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache._cache.get_client() is client
