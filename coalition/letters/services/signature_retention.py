"""Retention: a year after a letter is closed or delivered, its signers' personal details go.

What the public saw and what the counts need stays: the state, the country, the first
name and last initial, the city of those who chose to be listed. The address, the IP
address, the title and the comment are removed. `canonical_email` becomes
"anonymised-<pk>", unique per row, so the one-signature-per-person constraint still
holds and nobody can be recognised by it.

The signer's constituent messages (coalition.delivery) lose their body in the same
transaction: it held the full name, the city and the signer's own paragraph. The row stays,
with its recipient, subject, state and times, as the record that the message was delivered.
A daily digest names several signers, so its body goes as soon as any one of them is
anonymised.
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
# Not translated: it is a record, and a body that starts with it is never redacted twice.
REMOVED = "[Removed: "
MESSAGE_REMOVED = REMOVED + "this message's sender was anonymised on {date} under the retention policy.]"
DIGEST_REMOVED = REMOVED + "a sender named in this digest was anonymised on {date} under the retention policy.]"


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
    signature.personal_message = ""  # their own words to a decision maker
    signature.region = ""
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
    "personal_message",
    "region",
    "last_name",
    "city",
    "email_due",
    "email_due_at",
    "anonymised_at",
]


def _messages_redact(*, signature_ids: list[int], now: datetime) -> int:
    """Replace the bodies of these signers' constituent messages, and of the digests naming them; how many.

    A body already replaced keeps its note (and its date), so running again changes nothing.
    """
    from coalition.delivery.models import OutgoingMessage  # the delivery app builds on this one

    date = timezone.localdate(now).isoformat()
    own = OutgoingMessage.objects.filter(kind=OutgoingMessage.Kind.CONSTITUENT, signature_id__in=signature_ids)
    digests = OutgoingMessage.objects.filter(
        kind=OutgoingMessage.Kind.DIGEST, pk__in=own.filter(digest__isnull=False).values("digest_id")
    )
    # What was never sent is not sent now: not with the note as its body, nor as a digest entry.
    unsent = [OutgoingMessage.State.PENDING, OutgoingMessage.State.RETRYING, OutgoingMessage.State.BATCHED]
    own.filter(state__in=unsent).update(state=OutgoingMessage.State.CANCELLED, last_error="sender anonymised")
    redacted = digests.exclude(body__startswith=REMOVED).update(body=DIGEST_REMOVED.format(date=date))
    redacted += own.exclude(body__startswith=REMOVED).update(body=MESSAGE_REMOVED.format(date=date))
    return redacted


def signatures_anonymise(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Anonymise every signature that is due, a batch per transaction; return how many.

    Each batch's messages are redacted in its transaction: a signature is never anonymised
    while its messages still name it. Idempotent: anonymised rows are never selected again,
    so an interrupted run is finished by the next one.
    """
    now = now or timezone.now()
    done = redacted = 0
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
            redacted += _messages_redact(signature_ids=[signature.pk for signature in batch], now=now)
        done += len(batch)
        if len(batch) < batch_size:
            break
    if done:
        logger.info("retention: %s signatures anonymised, %s message bodies removed", done, redacted)
    return done
