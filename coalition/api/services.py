"""Partner API keys and webhook endpoints: created and revoked by an organization's owners and admins."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from coalition.orgs.models import Organization
from coalition.orgs.selectors import membership_for, user_is_editor

from .models import ApiKey, WebhookEndpoint
from .urlsafety import validate_webhook_url

KEY_PREFIX = "coa_"
MAX_ACTIVE_KEYS = 20
MAX_ENDPOINTS = 5
# A key's "last used" is written at most this often: not one UPDATE per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def signature_public_id(pk: int) -> str:
    """A signature's stable identifier outside the platform: never its row number."""
    return "sig_" + salted_hmac("coalition.api.signature-id", str(pk)).hexdigest()[:24]


def _require_manager(*, organization: Organization, acting_user) -> None:
    if acting_user is None or not acting_user.is_authenticated:
        raise PermissionDenied(_("Only owners and admins of this organization can manage its API access."))
    membership = membership_for(user=acting_user, organization=organization)
    if not (user_is_editor(user=acting_user) or (membership is not None and membership.can_manage)):
        raise PermissionDenied(_("Only owners and admins of this organization can manage its API access."))


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    secret: str  # shown to the person once, never stored


@transaction.atomic
def api_key_create(*, organization: Organization, name: str, acting_user) -> NewApiKey:
    """A new key for the organization; the returned secret is the only copy there will ever be."""
    _require_manager(organization=organization, acting_user=acting_user)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the key a name, so that you can tell it from the others.")})
    Organization.objects.select_for_update().filter(pk=organization.pk).first()  # one creation at a time
    if organization.api_keys.filter(revoked_at__isnull=True).count() >= MAX_ACTIVE_KEYS:
        raise ValidationError(
            _("This organization already has %(n)s active keys: revoke one it no longer uses first.")
            % {"n": MAX_ACTIVE_KEYS}
        )
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        organization=organization, name=name, prefix=prefix, key_hash=_key_hash(secret), created_by=acting_user
    )
    return NewApiKey(api_key=api_key, secret=secret)


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, acting_user) -> ApiKey:
    _require_manager(organization=api_key.organization, acting_user=acting_user)
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.revoked_by = acting_user
        api_key.save(update_fields=["revoked_at", "revoked_by"])
    return api_key


def api_key_authenticate(*, secret: str) -> ApiKey | None:
    """The active key this secret is, or None. Constant-time comparison of the hashes."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 100:
        return None
    prefix, _sep, rest = secret[len(KEY_PREFIX) :].partition("_")
    if not prefix or not rest:
        return None
    api_key = ApiKey.objects.select_related("organization").filter(prefix=prefix, revoked_at__isnull=True).first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _key_hash(secret)):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


@transaction.atomic
def webhook_endpoint_create(
    *, organization: Organization, url: str, description: str = "", acting_user
) -> WebhookEndpoint:
    _require_manager(organization=organization, acting_user=acting_user)
    validate_webhook_url(url)
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if organization.webhook_endpoints.count() >= MAX_ENDPOINTS:
        raise ValidationError(
            _("An organization can have at most %(n)s webhook endpoints: delete one first.") % {"n": MAX_ENDPOINTS}
        )
    return WebhookEndpoint.objects.create(
        organization=organization, url=url, description=description.strip(), created_by=acting_user
    )


@transaction.atomic
def webhook_endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool, acting_user) -> WebhookEndpoint:
    _require_manager(organization=endpoint.organization, acting_user=acting_user)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=active, updated_at=timezone.now())
    endpoint.active = active
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, acting_user) -> WebhookEndpoint:
    """A new secret at once: receivers must switch to it (deliveries from now on are signed with it)."""
    from .models import _webhook_secret

    _require_manager(organization=endpoint.organization, acting_user=acting_user)
    endpoint.secret = _webhook_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, acting_user) -> None:
    _require_manager(organization=endpoint.organization, acting_user=acting_user)
    endpoint.delete()
