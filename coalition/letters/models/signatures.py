"""Individual signatures: one per person per letter, counted only once confirmed by email."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from coalition.core.validators import validate_multiline, validate_single_line

from .pages import LetterPage


def _nonce() -> str:
    return secrets.token_hex(16)


def signer_public_name(first_name: str, last_name: str, show_full_name: bool) -> str:
    """First name and last initial, or the full name when the signer chose it (lists, the PDF)."""
    if show_full_name:
        return f"{first_name} {last_name}".strip()
    initial = last_name.strip()[:1]
    return f"{first_name} {initial}." if initial else first_name


class SignatureState(models.TextChoices):
    PENDING_CONFIRMATION = "pending_confirmation", _("Waiting for email confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    SUSPECT = "suspect", _("Held for review")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    INVALIDATED = "invalidated", _("Invalidated")


class Signature(models.Model):
    """One person's signature on one letter.

    Only `confirmed` signatures count and appear anywhere public. `canonical_email`
    (lower case, no +tag, provider rules) is unique per letter, so one person signs
    once however they spell their address; `email` is the address as typed, kept for
    sending. The email owed to the signer is recorded on the row (`email_due`), in
    the same transaction as the change that owes it: the task sends it after commit,
    and the sweeper sends it when a dead broker dropped the task.
    """

    # Kept out of Wagtail's reference index (a snippet would be indexed): one index task
    # and transaction per save on the signing path, and a letter's "usage" listing every signer.
    wagtail_reference_index_ignore = True

    class Channel(models.TextChoices):
        FORM = "form", _("Letter page")
        EMBED = "embed", _("Embedded form")
        API = "api", _("API")

    class Email(models.TextChoices):
        CONFIRM = "confirm", _("Confirmation link")
        ALREADY = "already", _("Already signed")

    letter = models.ForeignKey(LetterPage, on_delete=models.CASCADE, related_name="signatures")
    state = models.CharField(
        _("state"), max_length=24, choices=SignatureState.choices, default=SignatureState.PENDING_CONFIRMATION
    )

    first_name = models.CharField(_("first name"), max_length=100, validators=[validate_single_line])
    last_name = models.CharField(_("last name"), max_length=100, validators=[validate_single_line])
    email = models.EmailField(_("email"), max_length=254)
    canonical_email = models.CharField(max_length=254, editable=False)
    email_domain = models.CharField(max_length=253, editable=False, db_index=True)
    country = CountryField(_("country"))
    city = models.CharField(_("city or postcode"), max_length=100, validators=[validate_single_line])
    title = models.CharField(_("title or affiliation"), max_length=150, blank=True, validators=[validate_single_line])
    comment = models.TextField(_("comment"), max_length=1000, blank=True, validators=[validate_multiline])
    show_name = models.BooleanField(_("show the name on the public list"), default=False)
    show_full_name = models.BooleanField(
        _("show the full name"), default=False, help_text=_("Otherwise the first name and the last initial.")
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Constituent messages (coalition.delivery): where the signer votes, and their own words.
    region = models.CharField(_("region"), max_length=100, blank=True, validators=[validate_single_line])
    personal_message = models.TextField(
        _("personal paragraph"), max_length=2000, blank=True, validators=[validate_multiline]
    )

    source_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("brought in by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sourced_signatures",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.FORM)
    # For editors only (invalidating a flood by address range); never shown publicly,
    # never logged, removed by anonymisation.
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    suspect_reason = models.CharField(_("why it is held"), max_length=200, blank=True)

    created_at = models.DateTimeField(_("signed"), auto_now_add=True)
    email_confirmed_at = models.DateTimeField(_("email confirmed"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("counted since"), null=True, blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    anonymised_at = models.DateTimeField(null=True, blank=True)

    # Emailed links name the row and this nonce; a new nonce revokes every old link.
    nonce = models.CharField(max_length=32, default=_nonce, editable=False)
    email_due = models.CharField(max_length=8, choices=Email.choices, blank=True, editable=False)
    email_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    emails_sent = models.PositiveSmallIntegerField(default=0, editable=False)
    last_emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(fields=["letter", "canonical_email"], name="letters_signature_one_per_person"),
            models.CheckConstraint(condition=Q(state__in=SignatureState.values), name="letters_signature_state_valid"),
        ]
        indexes = [
            # Recent public signers on the letter page, newest first.
            models.Index(
                fields=["letter", "-confirmed_at"],
                condition=Q(state="confirmed", show_name=True),
                name="letters_sig_recent_public",
            ),
            models.Index(fields=["letter", "state", "-created_at"], name="letters_sig_letter_state"),
            # The sweeper's work list: emails owed.
            models.Index(fields=["email_due_at"], condition=~Q(email_due=""), name="letters_sig_email_due"),
            # The editors' queue "Held for review" and its count on the dashboard.
            models.Index(fields=["-created_at"], condition=Q(state="suspect"), name="letters_sig_held"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip() or f"#{self.pk}"

    @property
    def public_name(self) -> str:
        """How the public list names this signer: as they chose, never more."""
        return signer_public_name(self.first_name, self.last_name, self.show_full_name)

    @property
    def counts(self) -> bool:
        return self.state == SignatureState.CONFIRMED


class SignatureConsent(models.Model):
    """A signer's permission for one organization to contact them, with the words they agreed to."""

    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="consents")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="signer_consents")
    consent_text = models.CharField(_("consent text"), max_length=400)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("consent to be contacted")
        verbose_name_plural = _("consents to be contacted")
        constraints = [
            models.UniqueConstraint(fields=["signature", "organization"], name="letters_consent_one_per_org"),
        ]

    def __str__(self):
        return f"{self.signature_id} → {self.organization}"


class SignatureTally(models.Model):
    """Confirmed signatures of a letter in one country, kept in step with every change.

    The letter page reads these few rows (one per country) instead of counting
    signatures; `letters.reconcile_signature_counts` recounts them periodically.
    """

    letter = models.ForeignKey(LetterPage, on_delete=models.CASCADE, related_name="signature_tallies")
    country = models.CharField(max_length=2)
    confirmed = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-confirmed", "country"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "country"], name="letters_tally_one_per_country"),
        ]

    def __str__(self):
        return f"{self.letter_id} {self.country}: {self.confirmed}"


class InvalidationJobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    CANCELLED = "cancelled", _("Cancelled")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SignatureInvalidationJob(models.Model):
    """An editor's request to invalidate every signature of a letter matching some criteria.

    The matching count is shown before the job exists, and the job covers only the
    signatures that existed then (`max_pk`). A Celery task works through them in
    batches in primary-key order, keeping its place in `last_pk`: re-running it
    continues where it stopped, and it re-reads the job between batches, so a
    cancelled job stops after the batch in hand.
    """

    State = InvalidationJobState

    letter = models.ForeignKey(
        LetterPage, verbose_name=_("letter"), on_delete=models.CASCADE, related_name="signature_invalidation_jobs"
    )
    # {"ip_range": "203.0.113.0/24", "email_domain": "...", "created_from": iso, "created_to": iso, "states": [...]}
    criteria = models.JSONField(_("criteria"), default=dict)
    reason = models.CharField(_("reason"), max_length=300)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(_("signatures matching"), default=0)
    processed = models.PositiveIntegerField(_("signatures invalidated"), default=0)
    max_pk = models.PositiveBigIntegerField(default=0, editable=False)
    last_pk = models.PositiveBigIntegerField(default=0, editable=False)
    error = models.TextField(blank=True, editable=False)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("signature invalidation")
        verbose_name_plural = _("signature invalidations")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=InvalidationJobState.values),
                name="letters_invalidation_job_state_valid",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.letter_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.state == self.State.DONE else 0
        return min(100, int(self.processed * 100 / self.total))
