"""Who is calling: a partner organization's server (its API key) or a signed-in person (the session)."""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from .models import ApiKey
from .services import api_key_authenticate


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer coa_…`. The caller is the key's organization, not a person.

    `request.user` stays anonymous (no person is signed in, and nothing a person may do
    becomes possible through a key); `request.auth` is the ApiKey.
    """

    keyword = "bearer"

    def authenticate(self, request):
        header = get_authorization_header(request)
        if not header:
            return None
        scheme, _sep, secret = header.decode("latin-1").partition(" ")
        if scheme.lower() != self.keyword:
            return None
        api_key = api_key_authenticate(secret=secret.strip())
        if api_key is None:
            raise AuthenticationFailed(_("This API key is not valid, or it was revoked."))
        return AnonymousUser(), api_key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def request_api_key(request) -> ApiKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiKey) else None


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "coalition.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organization's API key (coa_…), made by its owners and admins in the partner portal.",
        }
