"""Individual signatures: signing, double opt-in, withdrawal, review, and honest counts.

Integrity rests on the database: (letter, canonical email) is unique, so a second
signature by the same person, even sent twenty times at once, meets the constraint and
becomes the "duplicate" outcome. Every outcome answers the signer the same way (no
oracle); what differs is the email they get, and one signature causes at most
COALITION_SIGNATURE_EMAILS_MAX emails ever.

Counts live in SignatureTally rows changed in the same transaction as the signature
(confirm +1, withdraw or invalidate -1), recounted by `signature_counts_reconcile`.
Emails are owed on the row (`email_due`) and sent after commit; the sweeper
(`signatures_resend_pending`) sends what a dead broker dropped.
"""

import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from time import monotonic

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from wagtail.log_actions import log

from coalition.core.emails import email_canonical
from coalition.core.ratelimit import Limit, rate_limits_hit
from coalition.orgs.models import Organization

from ..i18n import letter_translation
from ..models import LetterPage, LetterStatus, Signature, SignatureConsent, SignatureState, SignatureTally
from ..translations import letter_in_language
from .tokens import letter_link, row_from_token, row_token

logger = logging.getLogger(__name__)

State = SignatureState
Email = Signature.Email
CONFIRM_SALT = "coalition.letters.signature-confirm"
WITHDRAW_SALT = "coalition.letters.signature-withdraw"
FINAL_STATES = {State.WITHDRAWN, State.INVALIDATED}


def letter_accepts_signatures(letter: LetterPage) -> bool:
    return letter.live and letter.status == LetterStatus.OPEN_FOR_SIGNATURES


# --- consent ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentOffer:
    """A box on the form: an organization asking for permission, in the exact words shown."""

    organization: Organization
    text: str


def letter_consent_offers(letter: LetterPage) -> list[ConsentOffer]:
    """The lead and co-drafting organizations that ask signers for permission to contact them."""
    organizations = []
    if letter.lead_organization_id:
        organizations.append(letter.lead_organization)
    organizations += letter.co_drafting_organizations
    return [
        ConsentOffer(organization=org, text=_("Keep me informed about %(org)s's work") % {"org": org.name})
        for org in organizations
        if org.asks_signer_consent
    ]


# --- counts -----------------------------------------------------------------------------------


def _counts_version_key(letter_id: int) -> str:
    return f"letter-signatures-v:{letter_id}"


def signature_counts_version(letter_id: int) -> int:
    """A number that changes whenever the letter's counts do: part of the page fragments' cache key."""
    version = cache.get(_counts_version_key(letter_id))
    if version is None:
        version = 1
        cache.add(_counts_version_key(letter_id), version, timeout=None)
    return version


def _counts_changed(letter_id: int) -> None:
    def bump():
        try:
            cache.incr(_counts_version_key(letter_id))
        except ValueError:
            cache.add(_counts_version_key(letter_id), 2, timeout=None)

    transaction.on_commit(bump, robust=True)


def _tally_add(signature: Signature, delta: int) -> None:
    """Move the letter's count for the signer's country by `delta`, inside the caller's transaction."""
    country = str(signature.country or "")
    rows = SignatureTally.objects.filter(letter_id=signature.letter_id, country=country)
    if not rows.update(confirmed=F("confirmed") + delta, updated_at=timezone.now()):
        try:
            with transaction.atomic():
                SignatureTally.objects.create(letter_id=signature.letter_id, country=country, confirmed=max(delta, 0))
        except IntegrityError:  # another transaction created it first
            rows.update(confirmed=F("confirmed") + delta, updated_at=timezone.now())
    _counts_changed(signature.letter_id)


@transaction.atomic
def signature_counts_reconcile(*, letter: LetterPage | None = None) -> int:
    """Recount confirmed signatures per letter and country; return how many tallies were wrong.

    The tallies are kept in step with every change, so this normally changes nothing;
    it repairs drift from hand edits in the database or a restored backup.
    """
    confirmed = Signature.objects.filter(state=State.CONFIRMED)
    tallies = SignatureTally.objects.all()
    if letter is not None:
        confirmed = confirmed.filter(letter=letter)
        tallies = tallies.filter(letter=letter)
    actual = {
        (row["letter_id"], row["country"]): row["n"]
        for row in confirmed.values("letter_id", "country").annotate(n=Count("pk")).order_by()
    }
    stored = {(t.letter_id, t.country): t for t in tallies.select_for_update()}
    wrong = created = 0
    for key, tally in stored.items():
        if tally.confirmed != actual.get(key, 0):
            tally.confirmed = actual.get(key, 0)
            tally.save(update_fields=["confirmed", "updated_at"])
            wrong += 1
    for (letter_id, country), n in actual.items():
        if (letter_id, country) not in stored:
            SignatureTally.objects.create(letter_id=letter_id, country=country, confirmed=n)
            created += 1
    for letter_id in {key[0] for key in actual} | {key[0] for key in stored}:
        _counts_changed(letter_id)
    if wrong:
        logger.warning("signature counts: %s stored tallies were wrong and were recounted", wrong)
    if created:
        logger.info("signature counts: %s missing tallies created", created)
    return wrong + created


# --- emails -----------------------------------------------------------------------------------


def _owe_email(signature: Signature, kind: str) -> bool:
    """Owe the signer one email (after commit), unless one is owed already or the cap is reached."""
    if signature.email_due or signature.emails_sent >= settings.COALITION_SIGNATURE_EMAILS_MAX:
        return False
    signature.email_due = kind
    signature.email_due_at = timezone.now()
    signature.save(update_fields=["email_due", "email_due_at"])
    _email_after_commit(signature.pk)
    return True


# With a broker: until when (monotonic()) a flush this process queued is sure to run later.
_flush_queued_until = 0.0


def _email_after_commit(signature_id: int) -> None:
    """Have the owed email sent once the transaction that recorded it commits.

    In-process (no broker) it is sent at once. With a broker, the row itself is the queue
    (`email_due`): a process queues one `signature_emails_flush` task to run
    COALITION_SIGNATURE_EMAIL_BATCH_SECONDS later, and every email owed by then goes out
    with it. The signatures this process records before that task starts (less a safety
    margin) queue nothing more: a burst of signers costs one task message per process and
    window, not one per signature. Anything a dead broker dropped is sent by the sweeper.
    """
    from celery import current_app

    from ..tasks import signature_email_send

    # robust: a broker that is down must not undo the committed signature; the sweeper sends it.
    if current_app.conf.task_always_eager:
        transaction.on_commit(lambda: signature_email_send.delay(signature_id), robust=True)
    else:
        transaction.on_commit(_emails_flush_soon, robust=True)


def _emails_flush_soon() -> None:
    """After the commit: make sure a flush of this process starts after now."""
    global _flush_queued_until
    from ..tasks import signature_emails_flush

    now = monotonic()
    if now < _flush_queued_until:
        return
    seconds = settings.COALITION_SIGNATURE_EMAIL_BATCH_SECONDS
    signature_emails_flush.apply_async(countdown=seconds)
    # A margin for the clock the worker compares the task's start time with.
    _flush_queued_until = now + seconds * 0.75


def signature_confirm_url(signature: Signature, *, letter: LetterPage | None = None) -> str:
    """The emailed confirmation link; `letter` may be the letter in the signer's language."""
    return letter_link(letter or signature.letter, "signature_confirm", row_token(signature, salt=CONFIRM_SALT))


def signature_withdraw_url(signature: Signature, *, letter: LetterPage | None = None) -> str:
    return letter_link(letter or signature.letter, "signature_withdraw", row_token(signature, salt=WITHDRAW_SALT))


def signature_from_token(token: str, *, purpose: str) -> Signature | None:
    """The signature an emailed link names (purpose "confirm" or "withdraw"), or None."""
    salt, days = {
        "confirm": (CONFIRM_SALT, settings.COALITION_SIGNATURE_LINK_DAYS),
        "withdraw": (WITHDRAW_SALT, settings.COALITION_SIGNATURE_WITHDRAW_DAYS),
    }[purpose]
    return row_from_token(
        token,
        queryset=Signature.objects.select_related("letter").exclude(anonymised_at__isnull=False),
        salt=salt,
        days=days,
    )


_SUBJECTS = {
    Email.CONFIRM: gettext_noop("Please confirm your signature: %(title)s"),
    Email.ALREADY: gettext_noop("You have already signed: %(title)s"),
}


def signature_email_send(*, signature_id: int, skip_locked: bool = False) -> bool:
    """Send the email owed on a signature; idempotent (the locked row says whether one is owed).

    With `skip_locked`, a row another transaction holds (another flush sending it) is left
    to that transaction instead of waited for.
    """
    with transaction.atomic():
        signature = (
            Signature.objects.select_for_update(of=("self",), skip_locked=skip_locked)
            .select_related("letter")
            .filter(pk=signature_id)
            .first()
        )
        if signature is None or not signature.email_due:
            return False
        kind = signature.email_due
        if signature.state in FINAL_STATES and kind == Email.CONFIRM:
            sent = False  # withdrawn or invalidated meanwhile: nothing to confirm
        else:
            # The signer's emails, and the pages their links open, are in the language they signed in.
            letter = letter_in_language(signature.letter, signature.language)
            title = " ".join(letter.title.split())
            context = {
                "signature": signature,
                "first_name": " ".join(signature.first_name.split()),
                "letter_title": title,
                "letter_url": letter.public_url,
                "confirm_url": signature_confirm_url(signature, letter=letter),
                "withdraw_url": signature_withdraw_url(signature, letter=letter),
                "link_days": settings.COALITION_SIGNATURE_LINK_DAYS,
                "email_confirmed": signature.email_confirmed_at is not None,
                "site_url": settings.SITE_URL,
            }
            with letter_translation(letter):  # the signer read the letter in its language
                body = render_to_string(f"letters/emails/signature_{kind}.txt", context)
                subject = _(_SUBJECTS[kind]) % {"title": title}
            EmailMessage(subject=subject, body=body, to=[signature.email]).send()
            signature.emails_sent += 1
            signature.last_emailed_at = timezone.now()
            sent = True
        signature.email_due = ""
        signature.email_due_at = None
        signature.save(update_fields=["email_due", "email_due_at", "emails_sent", "last_emailed_at"])
    if sent:
        logger.info("signature %s: %s email sent", signature_id, kind)
    return sent


def signature_emails_flush(*, batch: int = 200, seconds: float = 200.0) -> tuple[int, bool]:
    """Send every email owed now, oldest first: (emails sent, whether any may still be owed).

    Several flushes may run at once (one per batch window in a burst): a row another one
    is sending is skipped rather than waited for. A row whose sending fails is left owed for
    the sweeper. Rows are walked in (owed since, id) order, so neither is tried twice here,
    and what is owed during the walk comes after it and is sent too.
    """
    deadline = monotonic() + seconds
    owed = Signature.objects.exclude(email_due="").filter(email_due_at__isnull=False).order_by("email_due_at", "pk")
    sent = 0
    after = None
    while monotonic() < deadline:
        rows = owed
        if after is not None:
            rows = rows.filter(Q(email_due_at__gt=after[0]) | Q(email_due_at=after[0], pk__gt=after[1]))
        page = list(rows.values_list("email_due_at", "pk")[:batch])
        if not page:
            return sent, False
        for _due_at, pk in page:
            try:
                sent += signature_email_send(signature_id=pk, skip_locked=True)
            except OSError:
                logger.warning("signature %s: email failed, left for the sweeper", pk, exc_info=True)
        after = page[-1]
    return sent, True


def signatures_resend_pending(*, grace: timedelta = timedelta(minutes=2), limit: int = 1000) -> int:
    """Send the emails a dead broker dropped (oldest first); safe to run any time, from cron too."""
    cutoff = timezone.now() - grace
    ids = list(
        Signature.objects.exclude(email_due="")
        .filter(email_due_at__lt=cutoff)
        .order_by("email_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in ids:
        try:
            sent += signature_email_send(signature_id=pk)
        except OSError:
            logger.warning("signature %s: email failed, will retry on the next sweep", pk, exc_info=True)
    return sent


# --- signing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignOutcome:
    """What happened, for tests, logs and the API; never shown to the signer (no oracle)."""

    signature: Signature
    created: bool
    emailed: bool


_LIMIT_REASONS = {
    "sign-ip": gettext_lazy("more than %(n)s signatures from one network in an hour"),
    "sign-domain": gettext_lazy("more than %(n)s signatures from one email domain in an hour"),
}


def _suspect_reason(*, ip: str, domain: str) -> str:
    """Why this signature is held for review ("" when it is not): the hourly limits it exceeds."""
    per_ip = settings.COALITION_SIGNATURES_PER_IP_PER_HOUR
    per_domain = settings.COALITION_SIGNATURES_PER_DOMAIN_PER_HOUR
    limits = []  # both counted in one round trip
    if ip:
        limits.append(Limit(scope="sign-ip", key=ip, limit=per_ip, window_seconds=3600))
    if domain not in settings.COALITION_SIGNATURE_DOMAIN_LIMIT_EXEMPT:
        limits.append(Limit(scope="sign-domain", key=domain, limit=per_domain, window_seconds=3600))
    return "; ".join(
        str(_LIMIT_REASONS[limit.scope]) % {"n": limit.limit}
        for limit, hit in zip(limits, rate_limits_hit(limits), strict=True)
        if hit
    )


def signature_create(
    *,
    letter: LetterPage,
    first_name: str,
    last_name: str,
    email: str,
    country: str,
    city: str,
    title: str = "",
    comment: str = "",
    show_name: bool = False,
    show_full_name: bool = False,
    consent_organization_ids: list[int] | tuple = (),
    source: str = "",
    channel: str = Signature.Channel.FORM,
    ip: str = "",
    region: str = "",
    personal_message: str = "",
) -> SignOutcome:
    """Record a signature, or recognise the person's earlier one; owe them the right email.

    New: stored as pending confirmation (or `suspect`, over a rate limit) and a
    confirmation link is owed. Duplicate: nothing about the earlier signature changes
    except that the person gets an email: a fresh confirmation link while it is
    unconfirmed, "you have already signed" once it is confirmed. A withdrawn
    signature is signed afresh.
    """
    if not letter_accepts_signatures(letter):
        raise ValidationError(_("This letter is not collecting signatures."), code="closed")
    canonical, domain = email_canonical(email)
    source_organization = Organization.objects.filter(slug=source).first() if source and len(source) <= 100 else None
    offers = {offer.organization.pk: offer for offer in letter_consent_offers(letter)}
    fields = {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "email_domain": domain,
        "country": country,
        "city": city,
        "title": title,
        "comment": comment,
        "region": region,
        "personal_message": personal_message,
        "show_name": show_name,
        "show_full_name": show_name and show_full_name,
        "language": letter.language,
        "source_organization": source_organization,
        "channel": channel,
        "ip_address": ip or None,
    }
    suspect_reason = _suspect_reason(ip=ip, domain=domain)
    # A new row has had no email yet: the confirmation link is owed from the start, recorded by
    # the INSERT itself (what _owe_email would do, without a second write).
    emailed = settings.COALITION_SIGNATURE_EMAILS_MAX > 0
    now = timezone.now()
    consents = [offers[pk] for pk in dict.fromkeys(consent_organization_ids) if pk in offers]
    # The new row in its own transaction (no savepoint: at a burst, every round trip to the
    # database counts), or, without consents and outside any caller's transaction, as one
    # INSERT that commits itself. When the person has signed before, the unique constraint
    # refuses it (email and consents included), and a second transaction deals with the
    # earlier row.
    one_statement = not consents and connection.get_autocommit()
    try:
        with nullcontext() if one_statement else transaction.atomic():
            signature = Signature.objects.create(
                letter=letter,
                canonical_email=canonical,
                state=State.SUSPECT if suspect_reason else State.PENDING_CONFIRMATION,
                suspect_reason=suspect_reason,
                state_changed_at=now,
                email_due=Email.CONFIRM if emailed else "",
                email_due_at=now if emailed else None,
                **fields,
            )
            _consents_record(signature, consents)
            if emailed:
                _email_after_commit(signature.pk)  # at once when the INSERT committed itself
    except IntegrityError:
        with transaction.atomic():
            signature = Signature.objects.select_for_update().get(letter=letter, canonical_email=canonical)
            return _signature_again(signature, fields=fields, consents=consents)
    return SignOutcome(signature=signature, created=True, emailed=emailed)


def _consents_record(signature: Signature, consents: list[ConsentOffer]) -> None:
    if consents:
        SignatureConsent.objects.bulk_create(
            [
                SignatureConsent(signature=signature, organization=offer.organization, consent_text=offer.text)
                for offer in consents
            ],
            ignore_conflicts=True,
        )


def _signature_again(signature: Signature, *, fields: dict, consents: list[ConsentOffer]) -> SignOutcome:
    """The same person signs again (the row is locked)."""
    if signature.state == State.INVALIDATED:
        return SignOutcome(signature=signature, created=False, emailed=False)
    if signature.state == State.WITHDRAWN:
        # They changed their mind again: a fresh signature on the same row, to be confirmed.
        for name, value in fields.items():
            setattr(signature, name, value)
        signature.state = State.PENDING_CONFIRMATION
        signature.state_changed_at = timezone.now()
        signature.email_confirmed_at = None
        signature.confirmed_at = None
        signature.save()
        signature.consents.all().delete()
        _consents_record(signature, consents)
        emailed = _owe_email(signature, Email.CONFIRM)
        return SignOutcome(signature=signature, created=True, emailed=emailed)
    kind = Email.CONFIRM if signature.email_confirmed_at is None else Email.ALREADY
    emailed = _owe_email(signature, kind)
    return SignOutcome(signature=signature, created=False, emailed=emailed)


# --- the signer's links ------------------------------------------------------------------------


def _constituent_messages(signature: Signature) -> None:
    """A constituent letter: the signer's messages to their decision makers, written in this transaction."""
    if signature.letter.delivery_mode == "constituent":
        from coalition.delivery.constituent import constituent_messages_create  # the delivery app builds on this one

        constituent_messages_create(signature=signature)


def _lock(signature: Signature) -> Signature:
    return Signature.objects.select_for_update().select_related("letter").get(pk=signature.pk)


@transaction.atomic
def signature_confirm(*, signature: Signature) -> Signature:
    """The signer's email is confirmed: the signature counts (unless it is held for review).

    Idempotent: confirming twice changes nothing the second time.
    """
    signature = _lock(signature)
    now = timezone.now()
    if signature.state in FINAL_STATES:
        raise ValidationError(_("This signature was withdrawn, so there is nothing to confirm."), code="final")
    if signature.email_confirmed_at is None:
        signature.email_confirmed_at = now
    if signature.state == State.PENDING_CONFIRMATION:
        from coalition.api.webhooks import webhooks_signature_confirmed  # the api app builds on this one

        signature.state = State.CONFIRMED
        signature.confirmed_at = now
        signature.state_changed_at = now
        _tally_add(signature, +1)
        webhooks_signature_confirmed(signature=signature)  # owed in this transaction, sent after it
        _constituent_messages(signature)
    signature.save(update_fields=["email_confirmed_at", "state", "confirmed_at", "state_changed_at"])
    return signature


@transaction.atomic
def signature_withdraw(*, signature: Signature, acting_user=None) -> Signature:
    """Remove the signature from counts, lists and future PDFs; idempotent."""
    signature = _lock(signature)
    if signature.state in FINAL_STATES:
        return signature
    if signature.state == State.CONFIRMED:
        _tally_add(signature, -1)
    signature.state = State.WITHDRAWN
    signature.state_changed_at = timezone.now()
    signature.state_changed_by = acting_user
    signature.email_due = ""
    signature.email_due_at = None
    signature.save(update_fields=["state", "state_changed_at", "state_changed_by", "email_due", "email_due_at"])
    return signature


# --- editors -------------------------------------------------------------------------------------


@transaction.atomic
def signature_approve(*, signature: Signature, acting_user) -> Signature:
    """An editor clears a held signature: it counts once its email is confirmed (double opt-in holds)."""
    signature = _lock(signature)
    if signature.state != State.SUSPECT:
        return signature
    now = timezone.now()
    if signature.email_confirmed_at is not None:
        from coalition.api.webhooks import webhooks_signature_confirmed  # the api app builds on this one

        signature.state = State.CONFIRMED
        signature.confirmed_at = now
        _tally_add(signature, +1)
        webhooks_signature_confirmed(signature=signature)  # owed in this transaction, sent after it
        _constituent_messages(signature)
    else:
        signature.state = State.PENDING_CONFIRMATION
    signature.suspect_reason = ""
    signature.state_changed_at = now
    signature.state_changed_by = acting_user
    signature.save(update_fields=["state", "confirmed_at", "suspect_reason", "state_changed_at", "state_changed_by"])
    log(instance=signature, action="coalition.signature_approved", user=acting_user)
    return signature


@transaction.atomic
def signature_invalidate(*, signature: Signature, acting_user, reason: str = "") -> Signature:
    """An editor removes a signature from the count for good (fraud, a flood); idempotent."""
    signature = _lock(signature)
    if signature.state == State.INVALIDATED:
        return signature
    if signature.state == State.CONFIRMED:
        _tally_add(signature, -1)
    signature.state = State.INVALIDATED
    signature.state_changed_at = timezone.now()
    signature.state_changed_by = acting_user
    signature.email_due = ""
    signature.email_due_at = None
    signature.save(update_fields=["state", "state_changed_at", "state_changed_by", "email_due", "email_due_at"])
    log(
        instance=signature,
        action="coalition.signature_invalidated",
        user=acting_user,
        data={"reason": reason[:500]} if reason else None,
    )
    return signature
