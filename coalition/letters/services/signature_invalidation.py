"""Invalidating a flood of signatures by criteria: an IP range, an email domain, a time window.

The editor sees how many signatures match before anything happens; the job then covers
the signatures that existed at that moment (up to `max_pk`) and works through them in
primary-key order, a batch at a time, each signature through `signature_invalidate`
so the tallies and the history stay in step. The place reached is stored on the job
(`last_pk`), so a task that dies or runs twice continues instead of starting over, and
each batch re-reads (and locks) the job, so a cancelled job stops after the batch in hand.

IP ranges are matched in Python with `ipaddress` (the same on PostgreSQL and SQLite);
the database only narrows the candidates down by the range's fixed leading octets.
"""

import ipaddress
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from coalition.core.emails import email_canonical

from ..models import LetterPage, Signature, SignatureInvalidationJob, SignatureState
from .signatures import signature_invalidate

logger = logging.getLogger(__name__)

Job = SignatureInvalidationJob
JobState = SignatureInvalidationJob.State
BATCH_SIZE = 500
# How many candidates one batch reads at most while looking for matches of an IP range.
SCAN_FACTOR = 10
# A task runs batches for this long, then queues itself again (tasks have a time limit).
RUN_SECONDS = 120
# Ranges wider than these are as good as "every signature of the letter".
MIN_PREFIX = {4: 8, 6: 16}
# The states an editor may narrow the criteria to (invalidated ones are done already).
NARROWING_STATES = [value for value in SignatureState.values if value != SignatureState.INVALIDATED]


def ip_network_parse(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """An IP range as CIDR ("203.0.113.0/24"), or one address; refuses ranges that are too wide."""
    try:
        network = ipaddress.ip_network((value or "").strip(), strict=False)
    except ValueError as error:
        raise ValidationError(
            _("Enter an IP range as CIDR, such as 203.0.113.0/24 or 2001:db8::/48, or a single address."),
            code="ip_range",
        ) from error
    if network.prefixlen < MIN_PREFIX[network.version]:
        raise ValidationError(
            _("This range is too wide (at least /%(bits)s for this kind of address).")
            % {"bits": MIN_PREFIX[network.version]},
            code="ip_range_wide",
        )
    return network


def email_domain_normalise(value: str) -> str:
    """A domain as signatures store it ("@GoogleMail.com" → "gmail.com")."""
    domain = (value or "").strip().lstrip("@").strip()
    if not domain or "@" in domain or " " in domain or "." not in domain:
        raise ValidationError(_("Enter an email domain, such as example.org."), code="email_domain")
    return email_canonical(f"x@{domain}")[1]


def _address_in(value, network) -> bool:
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        return False
    if address.version != network.version:
        # "::ffff:203.0.113.5" is an IPv4 client seen through IPv6.
        address = getattr(address, "ipv4_mapped", None)
        if address is None or address.version != network.version:
            return False
    return address in network


@dataclass(frozen=True)
class InvalidationCriteria:
    """Which signatures of one letter to invalidate. The letter alone is never enough."""

    letter_id: int
    ip_range: str = ""
    email_domain: str = ""
    created_from: datetime | None = None
    created_to: datetime | None = None
    states: tuple[str, ...] = field(default_factory=tuple)

    @property
    def narrows(self) -> bool:
        """Does anything beyond the letter (and the states) select signatures?"""
        return bool(self.ip_range or self.email_domain or self.created_from or self.created_to)

    def clean(self) -> "InvalidationCriteria":
        """The criteria in stored form, or a ValidationError saying what is wrong."""
        if not self.narrows:
            raise ValidationError(
                _(
                    "Give at least one criterion besides the letter: an IP range, an email domain, "
                    "or a time window. Invalidating every signature of a letter is not possible here."
                ),
                code="empty",
            )
        if self.created_from and self.created_to and self.created_from >= self.created_to:
            raise ValidationError(_("The time window ends before it begins."), code="window")
        unknown = set(self.states) - set(NARROWING_STATES)
        if unknown:
            raise ValidationError(_("Unknown state: %(states)s.") % {"states": ", ".join(sorted(unknown))})
        return InvalidationCriteria(
            letter_id=self.letter_id,
            ip_range=str(ip_network_parse(self.ip_range)) if self.ip_range else "",
            email_domain=email_domain_normalise(self.email_domain) if self.email_domain else "",
            created_from=self.created_from,
            created_to=self.created_to,
            states=tuple(sorted(set(self.states))),
        )

    def to_json(self) -> dict:
        return {
            "letter": self.letter_id,
            "ip_range": self.ip_range,
            "email_domain": self.email_domain,
            "created_from": self.created_from.isoformat() if self.created_from else None,
            "created_to": self.created_to.isoformat() if self.created_to else None,
            "states": list(self.states),
        }

    @classmethod
    def from_json(cls, data: dict) -> "InvalidationCriteria":
        return cls(
            letter_id=int(data["letter"]),
            ip_range=data.get("ip_range") or "",
            email_domain=data.get("email_domain") or "",
            created_from=parse_datetime(data["created_from"]) if data.get("created_from") else None,
            created_to=parse_datetime(data["created_to"]) if data.get("created_to") else None,
            states=tuple(data.get("states") or ()),
        )

    @property
    def network(self):
        return ipaddress.ip_network(self.ip_range, strict=False) if self.ip_range else None

    def candidates(self) -> QuerySet:
        """Signatures the database can tell match (all but the exact IP test), in primary-key order."""
        queryset = Signature.objects.filter(letter_id=self.letter_id).exclude(state=SignatureState.INVALIDATED)
        if self.states:
            queryset = queryset.filter(state__in=self.states)
        if self.email_domain:
            queryset = queryset.filter(email_domain=self.email_domain)
        if self.created_from:
            queryset = queryset.filter(created_at__gte=self.created_from)
        if self.created_to:
            queryset = queryset.filter(created_at__lt=self.created_to)
        network = self.network
        if network is not None:
            queryset = queryset.filter(ip_address__isnull=False)
            if network.version == 4 and network.prefixlen >= 8:
                # The fixed leading octets, as text ("203.0.113."): a superset of the range.
                octets = str(network.network_address).split(".")[: min(network.prefixlen // 8, 3)]
                prefix = ".".join(octets) + "."
                queryset = queryset.filter(
                    Q(ip_address__startswith=prefix) | Q(ip_address__startswith="::ffff:" + prefix)
                )
        return queryset.order_by("pk")

    def matches_ip(self, value) -> bool:
        network = self.network
        return network is None or _address_in(value, network)


def signature_invalidation_count(*, criteria: InvalidationCriteria, up_to_pk: int | None = None) -> int:
    """How many signatures the criteria select now (those with a primary key up to `up_to_pk`)."""
    queryset = criteria.candidates()
    if up_to_pk is not None:
        queryset = queryset.filter(pk__lte=up_to_pk)
    if not criteria.ip_range:
        return queryset.count()
    return sum(
        1
        for address in queryset.values_list("ip_address", flat=True).iterator(chunk_size=2000)
        if criteria.matches_ip(address)
    )


def _queue_run(job_id: int) -> None:
    from ..tasks import signature_invalidation_run

    # robust: a broker that is down must not undo the job; "Resume" on the job page queues it again.
    transaction.on_commit(lambda: signature_invalidation_run.delay(job_id), robust=True)


@transaction.atomic
def signature_invalidation_start(
    *, criteria: InvalidationCriteria, reason: str, acting_user, expected_total: int | None = None
) -> SignatureInvalidationJob:
    """Create the job for signatures existing now and queue its task after commit.

    `expected_total` is the count the editor confirmed: when the signatures changed
    since, the job is not created and the ValidationError (code "count_changed")
    carries the new count in its params, to be confirmed again.
    """
    criteria = criteria.clean()
    if not LetterPage.objects.filter(pk=criteria.letter_id).exists():
        raise ValidationError(_("Choose a letter."), code="letter")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(_("Say why these signatures are invalidated."), code="reason")
    max_pk = Signature.objects.aggregate(max_pk=Max("pk"))["max_pk"] or 0
    total = signature_invalidation_count(criteria=criteria, up_to_pk=max_pk)
    if expected_total is not None and total != expected_total:
        raise ValidationError(
            _("The number of matching signatures changed meanwhile: it is now %(count)s."),
            code="count_changed",
            params={"count": total},
        )
    if not total:
        raise ValidationError(_("No signature matches these criteria."), code="nothing")
    job = Job.objects.create(
        letter_id=criteria.letter_id,
        criteria=criteria.to_json(),
        reason=reason[:300],
        total=total,
        max_pk=max_pk,
        requested_by=acting_user,
    )
    _queue_run(job.pk)
    return job


def signature_invalidation_batch(*, job_id: int, batch_size: int = BATCH_SIZE) -> bool:
    """Invalidate the next batch of the job's signatures; True while more remain.

    One transaction per batch, holding the job's row: a cancel waits for the batch in
    hand and the next batch sees it. Safe to call any number of times.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or not job.is_active:
            return False
        now = timezone.now()
        if job.state == JobState.QUEUED:
            job.state = JobState.RUNNING
            job.started_at = now
        criteria = InvalidationCriteria.from_json(job.criteria)
        rows = list(
            criteria.candidates()
            .filter(pk__gt=job.last_pk, pk__lte=job.max_pk)
            .values_list("pk", "ip_address")[: batch_size * (SCAN_FACTOR if criteria.ip_range else 1)]
        )
        matched = [pk for pk, address in rows if criteria.matches_ip(address)][:batch_size]
        # A full batch stops at its last match (the candidates after it come next time);
        # otherwise every candidate read has been looked at.
        reached = matched[-1] if len(matched) == batch_size else (rows[-1][0] if rows else job.max_pk)
        note = _("%(reason)s (invalidation #%(job)s)") % {"reason": job.reason, "job": job.pk}
        for signature in Signature.objects.filter(pk__in=matched).order_by("pk"):
            signature_invalidate(signature=signature, acting_user=job.requested_by, reason=note)
        job.processed += len(matched)
        job.last_pk = reached
        if not rows:
            job.state = JobState.DONE
            job.finished_at = now
        job.save()
        return job.is_active


def signature_invalidation_run(*, job_id: int, seconds: float = RUN_SECONDS) -> bool:
    """Run batches until the job is finished or cancelled (True), or `seconds` have passed (False).

    A failure marks the job failed (with the error, for the job page) and is raised again.
    """
    started = time.monotonic()
    try:
        while signature_invalidation_batch(job_id=job_id):
            if time.monotonic() - started > seconds:
                return False
    except Exception as error:
        Job.objects.filter(pk=job_id, state__in=[JobState.QUEUED, JobState.RUNNING]).update(
            state=JobState.FAILED, error=f"{type(error).__name__}: {error}"[:2000], finished_at=timezone.now()
        )
        logger.exception("signature invalidation %s failed", job_id)
        raise
    return True


@transaction.atomic
def signature_invalidation_cancel(*, job: SignatureInvalidationJob, acting_user) -> SignatureInvalidationJob:
    """Stop a job after the batch in hand; what is invalidated stays invalidated. Idempotent."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if not job.is_active:
        return job
    job.state = JobState.CANCELLED
    job.cancelled_by = acting_user
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "cancelled_by", "finished_at", "updated_at"])
    return job


@transaction.atomic
def signature_invalidation_resume(*, job: SignatureInvalidationJob) -> SignatureInvalidationJob:
    """Queue a job's task again (after a failure, or when a dead broker dropped it); it continues."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.state == JobState.FAILED:
        job.state = JobState.RUNNING if job.started_at else JobState.QUEUED
        job.error = ""
        job.finished_at = None
        job.save(update_fields=["state", "error", "finished_at", "updated_at"])
    if job.is_active:
        _queue_run(job.pk)
    return job
