"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every cache
operation. The connections come from a shared pool either way, but building the client
copies its table of about 170 response callbacks: under a signing burst that was 0.1 ms
of each of the seven cache calls a signature makes, more than the round trips themselves.
A `redis.Redis` is safe to share between threads (each command borrows a pool connection),
and the pool already re-creates its connections after a fork, so one client per pool is
kept and reused.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """Use as the cache BACKEND: `coalition.core.cache.RedisCache`."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
