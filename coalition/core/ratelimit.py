"""Client addresses and simple fixed-window rate limits, kept in the cache.

Addresses are hashed before they become cache keys, and nothing here logs them.
"""

import hashlib

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


def _redis_count(cache_key: str, window_seconds: int) -> int | None:
    """With Redis as the cache: start the window and count the hit in one round trip.

    Django's add() and incr() take three (incr checks that the key exists first). The
    value stays a plain integer, as Django's Redis cache stores integers, so add(), incr()
    and get() keep working on the same key. None with any other cache.
    """
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    full_key = backend.make_and_validate_key(cache_key)
    pipeline = backend._cache.get_client(full_key, write=True).pipeline(transaction=False)
    pipeline.set(full_key, 0, ex=window_seconds, nx=True)
    pipeline.incr(full_key)
    return int(pipeline.execute()[1])


def rate_limit_hit(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit for `key` in `scope`; True when the limit for this window is exceeded."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{key}".encode()).hexdigest()[:32]
    cache_key = f"rl:{scope}:{digest}"
    count = _redis_count(cache_key, window_seconds)
    if count is not None:
        return count > limit
    cache.add(cache_key, 0, timeout=window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # Expired between add and incr: start a new window.
        cache.set(cache_key, 1, timeout=window_seconds)
        count = 1
    return count > limit
