"""Retention: a year after a letter is closed or delivered, its signers' personal details go.

What the public saw and what the counts need stays: the state, the country, the first
name and last initial, the city of those who chose to be listed. The address, the IP
address, the title and the comment are removed. `canonical_email` becomes
"anonymised-<pk>", unique per row, so the one-signature-per-person constraint still
holds and nobody can be recognised by it.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import LetterPage, LetterStatus, Signature

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
RETIRED_STATUSES = [LetterStatus.CLOSED, LetterStatus.DELIVERED]


def signatures_due_for_anonymisation(*, now: datetime | None = None):
    """Signatures not yet anonymised on letters closed or delivered longer ago than the retention period."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.COALITION_SIGNATURE_RETENTION_DAYS)
    letters = LetterPage.objects.filter(status__in=RETIRED_STATUSES, status_changed_at__lt=cutoff).values("pk")
    return Signature.objects.filter(letter__in=letters, anonymised_at__isnull=True)


def _anonymise(signature: Signature, *, now: datetime) -> None:
    signature.email = ""
    signature.canonical_email = f"anonymised-{signature.pk}"
    signature.ip_address = None
    signature.title = ""
    signature.comment = ""
    signature.last_name = signature.last_name.strip()[:1]
    if not signature.show_name:
        signature.city = ""
    # Nothing is owed to an address that no longer exists.
    signature.email_due = ""
    signature.email_due_at = None
    signature.anonymised_at = now


ANONYMISED_FIELDS = [
    "email",
    "canonical_email",
    "ip_address",
    "title",
    "comment",
    "last_name",
    "city",
    "email_due",
    "email_due_at",
    "anonymised_at",
]


def signatures_anonymise(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Anonymise every signature that is due, a batch per transaction; return how many.

    Idempotent: anonymised rows are never selected again, so an interrupted run is
    finished by the next one.
    """
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                signatures_due_for_anonymisation(now=now)
                .select_for_update(skip_locked=True)
                .order_by("pk")[:batch_size]
            )
            for signature in batch:
                _anonymise(signature, now=now)
            Signature.objects.bulk_update(batch, ANONYMISED_FIELDS)
        done += len(batch)
        if len(batch) < batch_size:
            break
    if done:
        logger.info("retention: %s signatures anonymised", done)
    return done
