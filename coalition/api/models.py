"""What partner organizations hold in the API: their keys, their webhook endpoints, and the log of deliveries."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coalition.core.validators import validate_single_line


class ApiKey(models.Model):
    """A secret that lets one organization's systems read its own data and sign on its behalf.

    The key is shown once, when it is created: only its SHA-256 is stored (a key is 256 random
    bits, so a fast hash is as good as a slow one), with a short public prefix to find the row
    and to tell keys apart in lists. Revoking is final; a revoked key is never accepted again.
    """

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(
        _("name"),
        max_length=100,
        validators=[validate_single_line],
        help_text=_("What the key is for, e.g. “CRM sync”, to tell keys apart and revoke the right one."),
    )
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def _webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEvent(models.TextChoices):
    SIGNATURE_CONFIRMED = "signature.confirmed", _("A signer who agreed to hear from you confirmed their signature")
    PING = "ping", _("Test event")


class WebhookEndpoint(models.Model):
    """An organization's HTTPS address that receives its events, signed with the endpoint's secret.

    The secret is kept as it is (a receiver needs the same bytes to check the HMAC) and shown
    only to the organization's owners and admins.
    """

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500, help_text=_("An https:// address on the public internet."))
    description = models.CharField(_("description"), max_length=200, blank=True, validators=[validate_single_line])
    secret = models.CharField(max_length=80, default=_webhook_secret, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.url


class WebhookDeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    RETRYING = "retrying", _("Failed, will retry")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Gave up")


class WebhookDelivery(models.Model):
    """One event owed to one endpoint, and where its delivery stands.

    Created in the transaction of the change it reports, one per (endpoint, event, subject):
    a task delivered twice or a sweep racing a retry finds the row already claimed or
    delivered and sends nothing. The body is built when it is sent, from the current row:
    neither this table nor a task's arguments hold a signer's address.
    """

    State = WebhookDeliveryState

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=40, unique=True, editable=False)
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    signature = models.ForeignKey(
        "letters.Signature", null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_deliveries"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event", "signature"],
                condition=Q(signature__isnull=False),
                name="api_webhook_delivery_once",
            ),
            models.CheckConstraint(
                condition=Q(state__in=WebhookDeliveryState.values), name="api_webhook_delivery_state_valid"
            ),
        ]
        indexes = [
            # The sweeper's work list.
            models.Index(
                fields=["next_attempt_at"], condition=Q(state__in=["pending", "retrying"]), name="api_webhook_due"
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One HTTP request made for a delivery: what the receiver answered, or why there was no answer."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at", "-pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self):
        return f"{self.delivery_id} {self.status_code or self.error}"
