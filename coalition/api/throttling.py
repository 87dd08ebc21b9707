"""Request limits: per client address for anonymous callers, per key for partners, tighter for signing.

Rates are read from settings on every request (DRF reads them once, at import), so that an
operator's environment and the tests can change them. The client address is the one our
own proxies report (coalition.core.ratelimit.client_ip), never a forged X-Forwarded-For.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from coalition.core.ratelimit import client_ip

from .authentication import request_api_key


class _Throttle(SimpleRateThrottle):
    cache_format = "api-throttle:%(scope)s:%(ident)s"

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def get_ident(self, request):
        return client_ip(request._request if hasattr(request, "_request") else request)

    def _key(self, ident) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousThrottle(_Throttle):
    """Every request without a key, by client address (people signed in included)."""

    scope = "anonymous"

    def get_cache_key(self, request, view):
        if request_api_key(request) is not None:
            return None
        return self._key(self.get_ident(request))


class ApiKeyThrottle(_Throttle):
    scope = "api_key"

    def get_cache_key(self, request, view):
        api_key = request_api_key(request)
        return None if api_key is None else self._key(api_key.pk)


class SignAnonymousThrottle(_Throttle):
    """Signing without a key: a handful a minute from one address (a person signs once)."""

    scope = "sign_anonymous"

    def get_cache_key(self, request, view):
        if request.method != "POST" or request_api_key(request) is not None:
            return None
        return self._key(self.get_ident(request))


class SignApiKeyThrottle(_Throttle):
    scope = "sign_api_key"

    def get_cache_key(self, request, view):
        api_key = request_api_key(request)
        if request.method != "POST" or api_key is None:
            return None
        return self._key(api_key.pk)
