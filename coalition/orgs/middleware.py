"""Two-factor login where it is required: editors in production, and members of
organizations that ask for it. Until they set up an authenticator app, such people
can reach only their account pages."""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .models import Membership

PROTECTED_PREFIXES = ("/admin/", "/django-admin/", "/partners/")
ALWAYS_ALLOWED_PREFIXES = ("/accounts/", "/partners/invitations/")


def two_factor_required(user) -> bool:
    if settings.COALITION_REQUIRE_2FA_FOR_EDITORS and (user.is_superuser or user.is_staff):
        return True
    return Membership.objects.filter(user=user, organization__require_two_factor=True).exists()


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if (
            path.startswith(PROTECTED_PREFIXES)
            and not path.startswith(ALWAYS_ALLOWED_PREFIXES)
            and request.user.is_authenticated
            and two_factor_required(request.user)
            and not is_mfa_enabled(request.user)
        ):
            messages.warning(request, _("Set up two-factor login to continue: your organization requires it."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)
