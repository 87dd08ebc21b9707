"""Client addresses and simple fixed-window rate limits, kept in the cache.

Addresses are hashed before they become cache keys, and nothing here logs them.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the entry our own proxies added to X-Forwarded-For.

    Only the last COALITION_TRUSTED_PROXY_COUNT hops are trusted; anything to their
    left was written by the client and may be forged.
    """
    trusted = settings.COALITION_TRUSTED_PROXY_COUNT
    if trusted > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return request.META.get("REMOTE_ADDR", "")


@dataclass(frozen=True)
class Limit:
    """At most `limit` hits per `window_seconds` for `key` in `scope`."""

    scope: str
    key: str
    limit: int
    window_seconds: int

    @property
    def cache_key(self) -> str:
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:{self.scope}:{self.key}".encode()).hexdigest()[:32]
        return f"rl:{self.scope}:{digest}"


def _redis_counts(limits: list[Limit]) -> list[int] | None:
    """With Redis as the cache: start each window and count each hit, all in one round trip.

    Django's add() and incr() take three per counter (incr checks that the key exists
    first). The values stay plain integers, as Django's Redis cache stores integers, so
    add(), incr() and get() keep working on the same keys. None with any other cache.
    """
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    keys = [backend.make_and_validate_key(limit.cache_key) for limit in limits]
    pipeline = backend._cache.get_client(keys[0], write=True).pipeline(transaction=False)
    for full_key, limit in zip(keys, limits, strict=True):
        pipeline.set(full_key, 0, ex=limit.window_seconds, nx=True)
        pipeline.incr(full_key)
    return [int(count) for count in pipeline.execute()[1::2]]


def _cache_count(limit: Limit) -> int:
    cache.add(limit.cache_key, 0, timeout=limit.window_seconds)
    try:
        return cache.incr(limit.cache_key)
    except ValueError:
        # Expired between add and incr: start a new window.
        cache.set(limit.cache_key, 1, timeout=limit.window_seconds)
        return 1


def rate_limits_hit(limits: list[Limit]) -> list[bool]:
    """Count one hit against each limit; for each, True when this window's limit is exceeded."""
    if not limits:
        return []
    counts = _redis_counts(limits)
    if counts is None:
        counts = [_cache_count(limit) for limit in limits]
    return [count > limit.limit for count, limit in zip(counts, limits, strict=True)]


def rate_limit_hit(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit for `key` in `scope`; True when the limit for this window is exceeded."""
    return rate_limits_hit([Limit(scope=scope, key=key, limit=limit, window_seconds=window_seconds)])[0]
