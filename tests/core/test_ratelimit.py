from django.test import RequestFactory

from coalition.core.ratelimit import client_ip, rate_limit_hit


def _request(remote="203.0.113.9", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_a_forged_forwarded_header_is_ignored(settings):
    settings.COALITION_TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="1.2.3.4")) == "203.0.113.9"


def test_with_one_trusted_proxy_the_address_it_appended_is_the_client(settings):
    settings.COALITION_TRUSTED_PROXY_COUNT = 1
    # The client wrote "1.2.3.4" itself; our proxy appended the address it saw.
    assert client_ip(_request(remote="10.0.0.2", forwarded="1.2.3.4, 198.51.100.7")) == "198.51.100.7"


def test_a_header_shorter_than_the_proxy_count_falls_back_to_the_socket(settings):
    settings.COALITION_TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(remote="10.0.0.2", forwarded="198.51.100.7")) == "10.0.0.2"


def test_the_limit_counts_per_key_and_scope():
    hits = [rate_limit_hit(scope="s", key="a", limit=3, window_seconds=60) for _ in range(5)]
    assert hits == [False, False, False, True, True]
    assert rate_limit_hit(scope="s", key="b", limit=3, window_seconds=60) is False
    assert rate_limit_hit(scope="other", key="a", limit=3, window_seconds=60) is False


def test_the_window_counter_stays_a_plain_integer_the_cache_can_read(settings):
    """On Redis the hit is counted in one pipelined round trip; the key stays usable by the cache API."""
    import hashlib

    from django.core.cache import cache

    assert [rate_limit_hit(scope="t", key="k", limit=2, window_seconds=60) for _ in range(3)] == [False, False, True]
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:t:k".encode()).hexdigest()[:32]
    assert cache.get(f"rl:t:{digest}") == 3
    assert cache.incr(f"rl:t:{digest}") == 4


def test_several_limits_are_counted_together_each_against_its_own_limit():
    from coalition.core.ratelimit import Limit, rate_limits_hit

    ip, domain = Limit("multi-ip", "a", 1, 60), Limit("multi-domain", "b", 2, 60)
    assert rate_limits_hit([ip, domain]) == [False, False]
    assert rate_limits_hit([ip, domain]) == [True, False]
    assert rate_limits_hit([ip, domain]) == [True, True]
    assert rate_limits_hit([]) == []


def test_the_redis_cache_keeps_one_client_per_connection_pool():
    """Django's backend builds a redis.Redis per call; ours reuses it (no connection is opened here)."""
    from coalition.core.cache import RedisCache

    backend = RedisCache("redis://127.0.0.1:6379/15", {})
    first = backend._cache.get_client("k", write=True)
    assert backend._cache.get_client("other") is first
