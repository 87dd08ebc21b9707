"""The signed PDF of a letter, as stored artefacts.

A `LetterDocument` is one build: queued, then building (with its progress), then ready
(file, sha256, the counts and hashes it contains, the revision it was made from, how long
it took) or failed. The public and the organizations are served the newest ready one, so
the previous PDF stays downloadable until a new one is complete. The inputs of a build
(letter text, organizations, signatories, layout) are hashed into `inputs_key`, unique per
letter and language: asking twice for the same inputs gives the one record.

The signatory pages are rendered in chunks (`LetterDocumentChunk`), each keyed by the hash
of exactly what it shows, so the next build reuses every chunk whose signatories did not
change instead of laying out 166,000 names again.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .pages import LetterPage


class LetterDocument(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Building")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    letter = models.ForeignKey(LetterPage, on_delete=models.CASCADE, related_name="documents")
    language = models.CharField(_("language"), max_length=10)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.QUEUED)
    inputs_key = models.CharField(max_length=64, editable=False)

    file = models.FileField(_("file"), upload_to="letters/pdf/", blank=True, max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    organizations_count = models.PositiveIntegerField(default=0)
    signatures_count = models.PositiveIntegerField(default=0)  # listed by name in it
    individuals_count = models.PositiveIntegerField(default=0)  # confirmed individuals, named or not
    text_hash = models.CharField(max_length=64, blank=True)
    signatories_hash = models.CharField(max_length=64, blank=True)
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group_by_country = models.BooleanField(_("signatories grouped by country"), default=False)

    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    chunks_reused = models.PositiveIntegerField(default=0)
    chunks_rendered = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    timings = models.JSONField(default=dict, blank=True)  # seconds per phase of the build

    class Meta:
        verbose_name = _("letter PDF")
        verbose_name_plural = _("letter PDFs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "language", "inputs_key"], name="letter_document_inputs_once"),
        ]
        indexes = [models.Index(fields=["letter", "state", "-finished_at"], name="letter_document_ready_idx")]

    def __str__(self) -> str:
        return f"{self.letter} ({self.language}, {self.get_state_display()})"

    @property
    def progress_percent(self) -> int:
        if self.state == self.State.READY:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def short_text_hash(self) -> str:
        return self.text_hash[:12]

    @property
    def short_signatories_hash(self) -> str:
        return self.signatories_hash[:12]


class LetterDocumentChunk(models.Model):
    """A rendered run of signatory pages, reused by later builds while its names are unchanged."""

    letter = models.ForeignKey(LetterPage, on_delete=models.CASCADE, related_name="document_chunks")
    key = models.CharField(max_length=64, editable=False)
    first_signature_id = models.BigIntegerField()
    last_signature_id = models.BigIntegerField()
    country = models.CharField(max_length=2, blank=True)  # when the list is grouped by country
    names = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="letters/pdf-chunks/", max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["letter", "key"], name="letter_document_chunk_once")]

    def __str__(self) -> str:
        return f"{self.letter_id}: {self.first_signature_id}-{self.last_signature_id} ({self.names} names)"
