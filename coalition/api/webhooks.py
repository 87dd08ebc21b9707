"""Webhooks: the events a partner organization's servers receive, signed, sent once, retried.

A delivery row is written in the transaction of the change it reports (at most one per
endpoint, event and signature, by a unique constraint) and its task is queued after that
transaction commits; the sweeper queues again whatever a dead broker dropped. A worker
sends a delivery only after claiming it with a conditional UPDATE, so a redelivered task,
a sweep racing a retry or two workers send it once. The body is built when it is sent,
from the current rows: a signer who withdrew or was anonymised meanwhile is not shared,
and no payload is ever stored.

The request goes only to an address the endpoint's name resolves to at send time, checked
to be public (`urlsafety`), and the socket is opened to that very address, so DNS cannot
answer differently between the check and the connection; HTTPS still sends the name (SNI)
and verifies the certificate against it. Redirects are not followed.
"""

import functools
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import socket
import ssl
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from coalition.core.ratelimit import Limit, rate_limits_hit
from coalition.letters.models import Signature, SignatureConsent, SignatureState

from .models import WebhookAttempt, WebhookDelivery, WebhookDeliveryState, WebhookEndpoint, WebhookEvent
from .partner_data import partner_signature_record
from .services import _require_manager
from .urlsafety import resolve_public_addresses, validate_webhook_url

logger = logging.getLogger(__name__)

Event = WebhookEvent
State = WebhookDeliveryState
DUE_STATES = [State.PENDING, State.RETRYING]

SIGNATURE_HEADER = "Coalition-Signature"
USER_AGENT = "Coalition-Webhooks/1"
MAX_RESPONSE_BYTES = 64 * 1024
# A claim outlasts the request itself (cut off at the timeout) plus the name lookup and the
# database writes around it; after that a worker that died mid-send is presumed dead.
CLAIM_MARGIN = timedelta(seconds=60)
SWEEP_BATCH = 500
# The sweeper leaves alone a delivery that has been due for less than this: its task is
# most likely still in the broker's queue.
SWEEP_GRACE = timedelta(minutes=2)
# The portal's "Send a test event" button, per endpoint and hour.
PINGS_PER_HOUR = 20
NOT_SHARED = "signature no longer shared"


def _event_id() -> str:
    return "evt_" + secrets.token_hex(12)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- owing events -----------------------------------------------------------------------------


def webhooks_signature_confirmed(*, signature: Signature) -> list[int]:
    """Owe `signature.confirmed` to every active endpoint of each organization the signer consented to.

    Called inside the transaction in which the signature becomes confirmed: the deliveries
    exist if and only if the confirmation commits, and their tasks are queued after it.
    Idempotent: the (endpoint, event, signature) constraint keeps a second call, or a
    concurrent one, from owing the event twice. Returns the ids of the deliveries it created.
    """
    endpoint_ids = set(
        WebhookEndpoint.objects.filter(active=True, organization__signer_consents__signature=signature).values_list(
            "pk", flat=True
        )
    )
    if not endpoint_ids:
        return []  # the common case on the signing path: one query
    endpoint_ids -= set(
        WebhookDelivery.objects.filter(
            signature=signature, event=Event.SIGNATURE_CONFIRMED, endpoint_id__in=endpoint_ids
        ).values_list("endpoint_id", flat=True)
    )
    now = timezone.now()
    rows = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event=Event.SIGNATURE_CONFIRMED,
            event_id=_event_id(),
            signature=signature,
            next_attempt_at=now,
        )
        for endpoint_id in sorted(endpoint_ids)
    ]
    if not rows:
        return []
    # A concurrent transaction may have owed the same event since the check above: the
    # constraint turns its row and ours into one, and ours is simply not inserted.
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    # bulk_create does not return ids when it ignores conflicts; the event ids are ours alone.
    created = list(
        WebhookDelivery.objects.filter(event_id__in=[row.event_id for row in rows])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for delivery_id in created:
        _send_after_commit(delivery_id)
    return created


@transaction.atomic
def webhook_ping(*, endpoint: WebhookEndpoint, acting_user) -> WebhookDelivery:
    """A test event to one endpoint (the portal's "Send a test event"), sent after commit.

    Tried once, not retried: its result in the delivery log is what the person who pressed
    the button is waiting for, and they can press it again.
    """
    _require_manager(organization=endpoint.organization, acting_user=acting_user)
    if not endpoint.active:
        raise ValidationError(_("This endpoint is disabled: enable it to send it a test event."))
    limit = Limit(scope="webhook-ping", key=str(endpoint.pk), limit=PINGS_PER_HOUR, window_seconds=3600)
    if rate_limits_hit([limit])[0]:
        raise ValidationError(_("Too many test events for this endpoint: try again in an hour."))
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=Event.PING, event_id=_event_id(), next_attempt_at=timezone.now()
    )
    _send_after_commit(delivery.pk)
    return delivery


def _send_after_commit(delivery_id: int, *, countdown: int | None = None) -> None:
    # robust: a broker that is down must not undo the committed change; the row stays due
    # and the sweeper queues it again.
    transaction.on_commit(lambda: _queue_send(delivery_id, countdown=countdown), robust=True)


def _queue_send(delivery_id: int, *, countdown: int | None = None) -> bool:
    from .tasks import webhook_delivery_send as task

    try:
        if countdown:
            task.apply_async((delivery_id,), countdown=countdown)
        else:
            task.delay(delivery_id)
    except OperationalError:
        logger.warning("webhook delivery %s: not queued (broker unavailable), left for the sweeper", delivery_id)
        return False
    return True


def webhook_deliveries_sweep(*, limit: int = SWEEP_BATCH, grace: timedelta = SWEEP_GRACE) -> int:
    """Queue again the deliveries that are due but whose task was lost; return how many.

    Lost: the broker was down when it was queued, or the worker died while sending (its
    claim has expired). A task queued twice is harmless: the claim lets one of them send.
    """
    now = timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(state__in=DUE_STATES)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now - grace))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for delivery_id in ids:
        if not _queue_send(delivery_id):
            break  # the broker is down: the next sweep tries again
        queued += 1
    if queued:
        logger.info("webhook sweep: %s deliveries queued again", queued)
    return queued


# --- sending ------------------------------------------------------------------------------------


def _sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_signature_verify(
    *, secret: str, header: str, body: bytes, tolerance: int = 300, now: float | datetime | None = None
) -> bool:
    """What a receiver checks: the Coalition-Signature header is this body's, signed recently with `secret`.

    The HMAC-SHA256 covers "<t>.<body>", so a captured request cannot be replayed with
    another timestamp; one older (or newer) than `tolerance` seconds is refused.
    """
    timestamp = None
    candidates = []
    for item in header.split(",")[:10]:
        key, sep, value = item.strip().partition("=")
        if key == "t" and sep and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and sep:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if isinstance(now, datetime):
        now = now.timestamp()
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = _sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


@dataclass(frozen=True)
class _Outcome:
    status_code: int | None = None
    error: str = ""
    duration_ms: int = 0
    retry: bool = True  # False: trying again cannot help (the address is refused)

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def webhook_delivery_send(*, delivery_id: int) -> bool:
    """Send one due delivery; True when the receiver answered 2xx.

    Idempotent: the delivery is claimed first by a conditional UPDATE (due, not delivered,
    not claimed by a live worker), so a redelivered task or a second worker finds nothing
    to do. No transaction is held while the request is under way.
    """
    now = timezone.now()
    claim = now + timedelta(seconds=settings.COALITION_WEBHOOK_TIMEOUT_SECONDS) + CLAIM_MARGIN
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, state__in=DUE_STATES)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=claim)
    )
    if not claimed:
        return False
    delivery = WebhookDelivery.objects.select_related("endpoint__organization").filter(pk=delivery_id).first()
    if delivery is None:  # the endpoint was deleted meanwhile, and its deliveries with it
        return False
    endpoint = delivery.endpoint
    if not endpoint.active:
        _give_up(delivery, "endpoint disabled: nothing was sent")
        return False
    data = _event_data(delivery)
    if data is None:
        _give_up(delivery, NOT_SHARED if delivery.event == Event.SIGNATURE_CONFIRMED else "unknown event")
        return False
    body = json.dumps(
        {"id": delivery.event_id, "type": delivery.event, "created": _iso(delivery.created_at), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Coalition-Event": delivery.event,
        "Coalition-Delivery": delivery.event_id,
        SIGNATURE_HEADER: f"t={timestamp},v1={_sign(endpoint.secret, timestamp, body)}",
    }
    outcome = _post(url=endpoint.url, body=body, headers=headers)
    _record(delivery, outcome)
    return outcome.delivered


def _event_data(delivery: WebhookDelivery) -> dict | None:
    """The event's `data`, from the rows as they are now; None when there is nothing to share."""
    endpoint = delivery.endpoint
    if delivery.event == Event.PING:
        return {
            "organization": endpoint.organization.slug,
            "message": "A test event from Coalition: your endpoint received it and can check its signature.",
        }
    if delivery.event != Event.SIGNATURE_CONFIRMED or delivery.signature_id is None:
        return None
    signature = Signature.objects.select_related("letter").filter(pk=delivery.signature_id).first()
    if signature is None or signature.state != SignatureState.CONFIRMED or signature.anonymised_at is not None:
        return None
    consent = SignatureConsent.objects.filter(signature=signature, organization_id=endpoint.organization_id).first()
    if consent is None:
        return None
    return partner_signature_record(signature=signature, organization_id=endpoint.organization_id, consent=consent)


def _give_up(delivery: WebhookDelivery, reason: str) -> None:
    """Nothing will be sent for this delivery, and no request was made."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=State.FAILED, claimed_until=None, next_attempt_at=None, last_error=reason[:300]
    )
    logger.info("webhook delivery %s: given up (%s)", delivery.pk, reason)


def _record(delivery: WebhookDelivery, outcome: _Outcome) -> None:
    """The attempt in the log, and what happens next: done, a retry later, or given up."""
    now = timezone.now()
    attempts = delivery.attempts + 1
    delays = settings.COALITION_WEBHOOK_RETRY_DELAYS
    retry_in = None
    if outcome.delivered:
        state, next_attempt_at = State.SUCCEEDED, None
    elif outcome.retry and delivery.event != Event.PING and attempts <= len(delays):
        retry_in = delays[attempts - 1]
        state, next_attempt_at = State.RETRYING, now + timedelta(seconds=retry_in)
    else:
        state, next_attempt_at = State.FAILED, None
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=state,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            claimed_until=None,
            last_status_code=outcome.status_code,
            last_error=outcome.error[:300],
            delivered_at=now if outcome.delivered else None,
        )
        WebhookAttempt.objects.create(
            delivery_id=delivery.pk,
            status_code=outcome.status_code,
            error=outcome.error[:300],
            duration_ms=outcome.duration_ms,
        )
        if retry_in is not None:
            _send_after_commit(delivery.pk, countdown=retry_in)
    if outcome.delivered:
        logger.info("webhook delivery %s: delivered (HTTP %s)", delivery.pk, outcome.status_code)
    else:
        logger.warning(
            "webhook delivery %s to endpoint %s: attempt %s failed (%s), %s",
            delivery.pk,
            delivery.endpoint_id,
            attempts,
            outcome.status_code or outcome.error,
            f"retrying in {retry_in}s" if retry_in else "given up",
        )


# --- the HTTP request ---------------------------------------------------------------------------


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """The system's certificate authorities, hostname checking on (tests trust their own CA here)."""
    return ssl.create_default_context()


class _Pinned:
    """A connection to addresses checked beforehand, whatever the name resolves to now.

    The whole exchange is bounded by `deadline`: each connection attempt gets what is left
    of it, and `abort()` (called by a timer) ends a receiver that answers byte by byte.
    """

    def __init__(self, host: str, port: int, *, addresses: list[str], deadline: float, **kwargs):
        super().__init__(host, port, timeout=max(deadline - time.monotonic(), 0.001), **kwargs)
        self.addresses = addresses
        self.deadline = deadline
        self.aborted = False

    def _open_socket(self) -> socket.socket:
        error: OSError = OSError("no address to connect to")
        for address in self.addresses:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("timed out")
            try:
                return socket.create_connection((address, self.port), timeout=remaining)
            except OSError as exc:
                error = exc
        raise error

    def abort(self) -> None:
        self.aborted = True
        sock = self.sock
        if sock is not None:
            with suppress(OSError):
                # The plain socket's shutdown, also under TLS: it wakes the thread blocked
                # reading or writing without touching the TLS state that thread is using.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _PinnedHTTPConnection(_Pinned, http.client.HTTPConnection):
    def connect(self):
        self.sock = self._open_socket()


class _PinnedHTTPSConnection(_Pinned, http.client.HTTPSConnection):
    def connect(self):
        sock = self._open_socket()
        # The name, not the address: SNI and the certificate check are about the host.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host, do_handshake_on_connect=False)
        self.sock.do_handshake()  # after self.sock is set, so that abort() can end a stalled handshake


def _post(*, url: str, body: bytes, headers: dict[str, str]) -> _Outcome:
    """POST the body to the endpoint, through the address checks; never raises for the receiver's sake."""
    timeout = settings.COALITION_WEBHOOK_TIMEOUT_SECONDS
    try:
        validate_webhook_url(url)
        addresses = resolve_public_addresses(url)
    except ValidationError as error:
        # A name that does not resolve may resolve later; an address that is refused will stay refused.
        transient = isinstance(error.__context__, socket.gaierror)
        return _Outcome(error=" ".join(error.messages), retry=transient)
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    deadline = started + timeout
    if https:
        connection = _PinnedHTTPSConnection(
            parts.hostname, port, addresses=addresses, deadline=deadline, context=_ssl_context()
        )
    else:
        connection = _PinnedHTTPConnection(parts.hostname, port, addresses=addresses, deadline=deadline)
    watchdog = threading.Timer(timeout, connection.abort)
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)  # read so the receiver can finish; never kept
        status = response.status
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if connection.aborted or isinstance(exc, TimeoutError):
            error = f"timed out after {timeout:g} s"
        else:
            error = f"{type(exc).__name__}: {exc}"
        return _Outcome(error=error, duration_ms=_ms_since(started))
    finally:
        watchdog.cancel()
        connection.close()
    if 300 <= status < 400:
        error = f"HTTP {status}: redirects are not followed"
    elif not 200 <= status < 300:
        error = f"HTTP {status}"
    else:
        error = ""
    return _Outcome(status_code=status, error=error, duration_ms=_ms_since(started))


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
