"""Sending outgoing messages: claimed once, paced per recipient domain, retried when it may help.

A message row exists before anything is sent (its service wrote it in the transaction that
owed it) and is claimed with one conditional UPDATE: a task delivered twice, or a sweep
racing a retry, finds it claimed or sent and does nothing. Temporary failures (a dropped
connection, an SMTP 4xx) are retried with growing delays; permanent ones (an SMTP 5xx, a
refused address, a header that cannot be sent) end in `failed` at once. Each domain gets at
most COALITION_DELIVERY_PER_DOMAIN_PER_MINUTE messages a minute: a government mail server
that sees hundreds of messages in a second from one sender starts refusing them.
"""

import logging
import smtplib
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coalition.core.ratelimit import Limit, rate_limits_hit

from .models import DeliveryState, LetterDelivery, MessageState, OutgoingMessage

logger = logging.getLogger(__name__)

State = MessageState
CLAIM_SECONDS = 300
SWEEP_BATCH = 500


def _queue(message_id: int, countdown: float = 0) -> None:
    from . import tasks

    try:
        tasks.message_send.apply_async((message_id,), countdown=countdown or None)
    except Exception:  # broker down: the row stays due and the sweeper sends it
        logger.warning("Could not queue outgoing message %s; the sweeper will send it", message_id, exc_info=True)


def messages_queue_on_commit(message_ids: list[int]) -> None:
    """Queue the messages once the transaction that wrote them has committed."""
    for message_id in message_ids:
        transaction.on_commit(lambda message_id=message_id: _queue(message_id), robust=True)


class PermanentFailure(Exception):
    pass


def _classify(error: Exception) -> bool:
    """True when trying again could help."""
    if isinstance(error, (BadHeaderError, ValueError, UnicodeError, PermanentFailure)):
        return False
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return any(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, (smtplib.SMTPException, OSError))


def _email(message: OutgoingMessage) -> EmailMessage:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "coalition.localhost"
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        # The address alone: a name from a spreadsheet never becomes part of a header.
        to=[message.recipient_email],
        headers={"Message-ID": message.message_id or make_msgid(domain=domain)},
    )
    if message.delivery_id and message.delivery.pdf:
        with message.delivery.pdf.open("rb") as pdf:
            email.attach(f"{message.letter.slug}.pdf", pdf.read(), "application/pdf")
    return email


def _claim(message_id: int, now) -> bool:
    return bool(
        OutgoingMessage.objects.filter(pk=message_id, state__in=[State.PENDING, State.RETRYING])
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )


def message_send(*, message_id: int) -> bool:
    """Send one due message; True when it was sent by this call. Idempotent."""
    now = timezone.now()
    if not _claim(message_id, now):
        return False
    message = OutgoingMessage.objects.select_related("letter", "delivery").get(pk=message_id)
    domain = message.recipient_email.rpartition("@")[2].lower()
    limit = Limit(
        scope="delivery-domain", key=domain, limit=settings.COALITION_DELIVERY_PER_DOMAIN_PER_MINUTE, window_seconds=60
    )
    if rate_limits_hit([limit])[0]:
        later = now + timedelta(seconds=60)
        OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=later, claimed_until=None)
        _queue(message.pk, countdown=60)
        return False
    try:
        email = _email(message)
        email.send(fail_silently=False)
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row, none is lost
        _failed(message, error, now)
        return False
    OutgoingMessage.objects.filter(pk=message.pk).update(
        state=State.SENT,
        sent_at=now,
        message_id=email.extra_headers["Message-ID"],
        attempts=message.attempts + 1,
        claimed_until=None,
        last_error="",
    )
    if message.kind == OutgoingMessage.Kind.DIGEST:
        OutgoingMessage.objects.filter(digest=message, state=State.BATCHED).update(state=State.IN_DIGEST, sent_at=now)
    if message.delivery_id:
        delivery_state_refresh(delivery_id=message.delivery_id)
    return True


def _failed(message: OutgoingMessage, error: Exception, now) -> None:
    attempts = message.attempts + 1
    delays = settings.COALITION_DELIVERY_RETRY_DELAYS
    text = f"{type(error).__name__}: {error}"[:300]
    if _classify(error) and attempts <= len(delays):
        later = now + timedelta(seconds=delays[attempts - 1])
        OutgoingMessage.objects.filter(pk=message.pk).update(
            state=State.RETRYING, attempts=attempts, next_attempt_at=later, claimed_until=None, last_error=text
        )
        _queue(message.pk, countdown=delays[attempts - 1])
        kind = type(error).__name__  # not the message: an SMTP error quotes the address
        logger.warning("Outgoing message %s failed (attempt %s), retrying: %s", message.pk, attempts, kind)
        return
    OutgoingMessage.objects.filter(pk=message.pk).update(
        state=State.FAILED, attempts=attempts, claimed_until=None, last_error=text
    )
    logger.error("Outgoing message %s failed for good (%s attempts): %s", message.pk, attempts, type(error).__name__)
    if message.delivery_id:
        delivery_state_refresh(delivery_id=message.delivery_id)


def delivery_state_refresh(*, delivery_id: int) -> str:
    """A delivery is sent once every message is; partial when some failed for good."""
    states = set(OutgoingMessage.objects.filter(delivery_id=delivery_id).values_list("state", flat=True))
    if states & {State.PENDING, State.RETRYING}:
        state = DeliveryState.SENDING
    elif states == {State.FAILED}:
        state = DeliveryState.FAILED
    elif State.FAILED in states:
        state = DeliveryState.PARTIAL
    else:
        state = DeliveryState.SENT
    updates = {"state": state}
    if state != DeliveryState.SENDING:
        updates["sent_at"] = timezone.now()
    LetterDelivery.objects.filter(pk=delivery_id).exclude(state=state).update(**updates)
    return state


def messages_sweep(*, limit: int = SWEEP_BATCH, grace: timedelta = timedelta(minutes=2)) -> int:
    """Queue again the due messages a dead broker or worker left behind; how many were queued."""
    now = timezone.now()
    due = (
        OutgoingMessage.objects.filter(state__in=[State.PENDING, State.RETRYING])
        .filter(Q(next_attempt_at__isnull=True, created_at__lte=now - grace) | Q(next_attempt_at__lte=now - grace))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(due)
    for message_id in ids:
        _queue(message_id)
    return len(ids)
