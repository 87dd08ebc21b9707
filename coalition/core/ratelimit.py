"""Client addresses and simple fixed-window rate limits, kept in the cache.

Addresses are hashed before they become cache keys, and nothing here logs them.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


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


def rate_limit_hit(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit for `key` in `scope`; True when the limit for this window is exceeded."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{key}".encode()).hexdigest()[:32]
    cache_key = f"rl:{scope}:{digest}"
    cache.add(cache_key, 0, timeout=window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # Expired between add and incr: start a new window.
        cache.set(cache_key, 1, timeout=window_seconds)
        count = 1
    return count > limit
