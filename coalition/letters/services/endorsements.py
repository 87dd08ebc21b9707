"""Endorsements: organizations signing a letter, tied to the text they endorsed.

Every transition goes through `_transition`, which locks the row, checks the move is
allowed (ENDORSEMENT_TRANSITIONS), stamps who and when, writes a Wagtail log entry
(the endorsement's history in the admin) and, when the contact should hear about it,
an EndorsementNotice row: the outbox the email task sends after commit and the sweeper
re-sends when a broker dropped it.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from coalition.orgs.models import Organization
from coalition.orgs.selectors import membership_for, organization_match, user_is_editor
from coalition.orgs.services import organization_create, organization_logo_store, organization_unique_slug

from ..i18n import letter_translation
from ..models import (
    ACTIVE_ENDORSEMENT_STATES,
    ENDORSEMENT_TRANSITIONS,
    Endorsement,
    EndorsementInvitation,
    EndorsementNotice,
    EndorsementState,
    LetterPage,
    LetterStatus,
)
from ..text import LetterText, diff_as_text, letter_text_diff
from .tokens import letter_link, row_from_token, row_token

logger = logging.getLogger(__name__)

State = EndorsementState
Kind = EndorsementNotice.Kind
ENDORSEMENT_SALT = "coalition.letters.endorsement"
INVITATION_SALT = "coalition.letters.endorsement-invitation"
ENDORSABLE_STATUSES = {LetterStatus.OPEN_FOR_ENDORSEMENT, LetterStatus.OPEN_FOR_SIGNATURES}

# Which log action each arrival state is recorded as (registered in wagtail_hooks).
_LOG_ACTIONS = {
    State.PENDING_CONFIRMATION: "coalition.endorsement_submitted",
    State.PENDING_REVIEW: "coalition.endorsement_pending_review",
    State.APPROVED: "coalition.endorsement_approved",
    State.REJECTED: "coalition.endorsement_rejected",
    State.WITHDRAWN: "coalition.endorsement_withdrawn",
    State.NEEDS_RECONFIRMATION: "coalition.endorsement_needs_reconfirmation",
}


# --- the letter's current text ------------------------------------------------------


def letter_accepts_endorsements(letter: LetterPage) -> bool:
    return letter.live and letter.status in ENDORSABLE_STATUSES


def letter_current_text(letter: LetterPage) -> LetterText:
    """The published text: the live page's fields as stored (what the public reads).

    Read from the database, not from the object passed in, which may predate a publish.
    """
    stored = LetterPage.objects.filter(pk=letter.pk).only("title", "recipients_line", "body", "closing").first()
    return LetterText.of(stored or letter)


def endorsement_endorsed_text(endorsement: Endorsement) -> LetterText | None:
    """The text the organization endorsed, from its stored revision."""
    if endorsement.revision_id is None:
        return None
    return LetterText.of(endorsement.revision.as_object())


def endorsement_text_is_current(endorsement: Endorsement, letter: LetterPage | None = None) -> bool:
    return (
        bool(endorsement.content_hash)
        and endorsement.content_hash == letter_current_text(letter or endorsement.letter).hash
    )


class CurrentTextChecker:
    """Tells, for many endorsements, whether each is of its letter's published text.

    Reads each letter's current text once, however many of its endorsements are asked
    about (a listing page, an export).
    """

    def __init__(self):
        self._hashes: dict[int, str] = {}

    def __call__(self, endorsement: Endorsement) -> bool:
        letter_id = endorsement.letter_id
        if letter_id not in self._hashes:
            self._hashes[letter_id] = letter_current_text(endorsement.letter).hash
        return bool(endorsement.content_hash) and endorsement.content_hash == self._hashes[letter_id]


def _check_text_unchanged(letter: LetterPage, content_hash: str | None) -> LetterText:
    """The person must have read the text they sign: the form carries the hash it showed."""
    current = letter_current_text(letter)
    if content_hash is not None and not constant_time_compare(current.hash, content_hash or ""):
        raise ValidationError(
            _("The letter's text changed while you were reading it. Please read the new text and sign again."),
            code="text_changed",
        )
    return current


# --- tokens in emailed links ---------------------------------------------------------


def endorsement_token(endorsement: Endorsement) -> str:
    return row_token(endorsement, salt=ENDORSEMENT_SALT)


def endorsement_from_token(token: str) -> Endorsement | None:
    return row_from_token(
        token,
        queryset=Endorsement.objects.select_related("organization", "organization__logo", "letter"),
        salt=ENDORSEMENT_SALT,
        days=settings.COALITION_ENDORSEMENT_LINK_DAYS,
    )


def endorsement_manage_url(endorsement: Endorsement) -> str:
    return letter_link(endorsement.letter, "endorsement", endorsement_token(endorsement))


def invitation_token(invitation: EndorsementInvitation) -> str:
    return row_token(invitation, salt=INVITATION_SALT)


def invitation_from_token(token: str) -> EndorsementInvitation | None:
    return row_from_token(
        token,
        queryset=EndorsementInvitation.objects.select_related("organization", "letter", "endorsement"),
        salt=INVITATION_SALT,
        days=settings.COALITION_ENDORSEMENT_INVITATION_DAYS,
    )


def invitation_url(invitation: EndorsementInvitation) -> str:
    return letter_link(invitation.letter, "endorse_invited", invitation_token(invitation))


# --- transitions ---------------------------------------------------------------------


def _notice(*, endorsement=None, invitation=None, kind: str, recipient: str) -> EndorsementNotice:
    from ..tasks import endorsement_notice_send

    notice = EndorsementNotice.objects.create(
        endorsement=endorsement, invitation=invitation, kind=kind, recipient=recipient
    )
    # robust: a broker that is down must not undo the committed change; the sweeper sends it.
    transaction.on_commit(lambda: endorsement_notice_send.delay(notice.pk), robust=True)
    return notice


def _lock(endorsement: Endorsement) -> Endorsement:
    return Endorsement.objects.select_for_update().get(pk=endorsement.pk)


def _transition(
    endorsement: Endorsement,
    to_state: str,
    *,
    acting_user=None,
    notice: str | None = None,
    note: str = "",
    **fields,
) -> Endorsement:
    """Move a locked endorsement to `to_state`; stamp, log, and owe an email if asked."""
    from_state = State(endorsement.state)
    to_state = State(to_state)
    if to_state not in ENDORSEMENT_TRANSITIONS[from_state]:
        raise ValidationError(
            _("An endorsement that is “%(from)s” cannot become “%(to)s”.")
            % {"from": from_state.label, "to": to_state.label},
            code="invalid_transition",
        )
    now = timezone.now()
    endorsement.state = to_state
    endorsement.state_changed_at = now
    for field, value in fields.items():
        setattr(endorsement, field, now if value is _NOW else value)
    endorsement.save()
    user = acting_user if acting_user is not None and acting_user.is_authenticated else None
    data = {"from": from_state.value, "to": to_state.value}
    if note:
        data["note"] = note
    log(instance=endorsement, action=_LOG_ACTIONS[to_state], user=user, data=data)
    if notice:
        _notice(endorsement=endorsement, kind=notice, recipient=endorsement.signer_email)
    return endorsement


_NOW = object()


def _require_editor(acting_user) -> None:
    if acting_user is None or not user_is_editor(user=acting_user):
        raise PermissionDenied(_("Only coalition editors can review endorsements."))


def _require_manager(*, organization: Organization, acting_user) -> None:
    if acting_user is None:
        raise PermissionDenied(_("Sign in to act for an organization."))
    if user_is_editor(user=acting_user):
        return
    membership = membership_for(user=acting_user, organization=organization)
    if membership is None or not membership.can_manage:
        raise PermissionDenied(_("Only the organization's owners and admins can endorse or withdraw for it."))


def _stamp_text(letter: LetterPage, text: LetterText) -> dict:
    revision_id = LetterPage.objects.filter(pk=letter.pk).values_list("live_revision_id", flat=True).first()
    return {"revision_id": revision_id, "content_hash": text.hash}


@transaction.atomic
def endorsement_create_by_partner(
    *,
    letter: LetterPage,
    organization: Organization,
    acting_user,
    signer_name: str,
    signer_title: str,
    display: str = Endorsement.Display.PUBLIC,
    list_in_pdf: bool = True,
    content_hash: str | None = None,
) -> Endorsement:
    """A partner's owner or admin endorses in one step: no email round, the person is known.

    A verified organization's endorsement is approved at once; an unverified one waits
    for an editor, like a public sign-on.
    """
    _require_manager(organization=organization, acting_user=acting_user)
    LetterPage.objects.select_for_update().filter(pk=letter.pk).first()
    if not letter_accepts_endorsements(letter):
        raise ValidationError(_("This letter is not open for endorsements."), code="closed")
    text = _check_text_unchanged(letter, content_hash)
    to_state = State.APPROVED if organization.verified else State.PENDING_REVIEW
    now = timezone.now()
    stamps = {
        "signer_name": signer_name,
        "signer_title": signer_title,
        "signer_email": acting_user.email,
        "display": display,
        "list_in_pdf": list_in_pdf,
        "submitted_by": acting_user,
        "confirmed_at": now,
        **_stamp_text(letter, text),
    }
    if to_state == State.APPROVED:
        stamps.update(approved_at=now, approved_by=None)
    else:
        # After a withdrawal, an earlier approval must not carry over to the new endorsement.
        stamps.update(approved_at=None, approved_by=None)
    existing = Endorsement.objects.select_for_update().filter(letter=letter, organization=organization).first()
    if existing is not None:
        if existing.state in ACTIVE_ENDORSEMENT_STATES or existing.state == State.REJECTED:
            raise ValidationError(
                _("%(org)s has already endorsed this letter (%(state)s).")
                % {"org": organization.name, "state": existing.get_state_display().lower()},
                code="already_endorsed",
            )
        probe = Endorsement(**{**_model_fields(existing), **stamps})
        probe.full_clean(exclude=["letter", "organization", "revision", "nonce"])
        return _transition(
            existing,
            to_state,
            acting_user=acting_user,
            notice=Kind.APPROVED if to_state == State.APPROVED else None,
            source=Endorsement.Source.PARTNER,
            nonce=secrets.token_urlsafe(24),
            **stamps,
        )
    endorsement = Endorsement(
        letter=letter,
        organization=organization,
        source=Endorsement.Source.PARTNER,
        nonce=secrets.token_urlsafe(24),
        state=to_state,
        state_changed_at=now,
        **stamps,
    )
    endorsement.full_clean(exclude=["revision"])
    try:
        with transaction.atomic():
            endorsement.save()
    except IntegrityError as error:
        raise ValidationError(
            _("%(org)s has already endorsed this letter.") % {"org": organization.name}, code="already_endorsed"
        ) from error
    log(
        instance=endorsement,
        action=_LOG_ACTIONS[to_state],
        user=acting_user,
        data={"from": "", "to": to_state.value, "note": "partner portal"},
    )
    if to_state == State.APPROVED:
        _notice(endorsement=endorsement, kind=Kind.APPROVED, recipient=endorsement.signer_email)
    return endorsement


def _model_fields(endorsement: Endorsement) -> dict:
    return {
        f.attname: getattr(endorsement, f.attname)
        for f in Endorsement._meta.concrete_fields
        if f.attname not in ("id", "letter_id", "organization_id")
    }


@dataclass
class PublicSignOn:
    """What a public sign-on did. The page the person sees is the same either way."""

    endorsement: Endorsement | None
    created: bool
    organization_created: bool = False


def _public_emails_allowed(recipient: str) -> bool:
    """No mail-bombing through the public form: a few emails per address per day."""
    since = timezone.now() - timedelta(days=1)
    sent = EndorsementNotice.objects.filter(
        recipient__iexact=recipient, kind__in=[Kind.CONFIRM, Kind.ALREADY], created_at__gte=since
    ).count()
    return sent < settings.COALITION_ENDORSEMENT_EMAILS_PER_DAY


@transaction.atomic
def endorsement_submit_public(
    *,
    letter: LetterPage,
    organization_name: str,
    website: str,
    country: str,
    kind: str,
    logo=None,
    signer_name: str,
    signer_title: str,
    signer_email: str,
    display: str,
    list_in_pdf: bool,
    content_hash: str | None = None,
    invitation: EndorsementInvitation | None = None,
) -> PublicSignOn:
    """A sign-on from the public form: match or create the organization, then ask the contact to confirm.

    An organization that already has a standing endorsement is not touched: the
    address given gets an email saying so (no page reveals it). The organization is
    matched by website domain or normalized name, so nobody creates a duplicate.
    """
    if not letter_accepts_endorsements(letter):
        raise ValidationError(_("This letter is not open for endorsements."), code="closed")
    text = _check_text_unchanged(letter, content_hash)
    signer_email = (signer_email or "").strip()
    details = {
        "signer_name": signer_name,
        "signer_title": signer_title,
        "signer_email": signer_email,
        "display": display,
        "list_in_pdf": list_in_pdf,
    }
    # Validate the person's fields before anything is created.
    Endorsement(letter=letter, source=Endorsement.Source.PUBLIC_FORM, nonce="x", **details).full_clean(
        exclude=["letter", "organization", "revision"]
    )

    organization = organization_match(name=organization_name, website=website)
    organization_created = False
    if organization is None:
        organization = _organization_create_for_signon(
            name=organization_name, website=website, country=country, kind=kind
        )
        organization_created = organization is not None
        if organization is None:
            # Someone signed the same organization on a moment ago.
            organization = organization_match(name=organization_name, website=website)
            if organization is None:
                raise ValidationError(_("Please send the form again."), code="retry")
        elif logo:
            # Stored only once the organization exists, so a lost race leaves no file behind.
            organization.logo = organization_logo_store(content=logo, organization_name=organization_name)
            organization.save(update_fields=["logo"])

    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    existing = Endorsement.objects.select_for_update().filter(letter=letter, organization=organization).first()
    if existing is not None and existing.state != State.WITHDRAWN:
        if existing.state == State.PENDING_CONFIRMATION and existing.signer_email.lower() == signer_email.lower():
            # The same person again (lost the email): send the link again, within limits.
            if _public_emails_allowed(signer_email):
                _notice(endorsement=existing, kind=Kind.CONFIRM, recipient=signer_email)
        elif _public_emails_allowed(signer_email):
            _notice(endorsement=existing, kind=Kind.ALREADY, recipient=signer_email)
        return PublicSignOn(endorsement=existing, created=False)

    stamps = {**details, "source": Endorsement.Source.PUBLIC_FORM, "nonce": secrets.token_urlsafe(24)}
    if existing is not None:
        _transition(
            existing,
            State.PENDING_CONFIRMATION,
            notice=Kind.CONFIRM if _public_emails_allowed(signer_email) else None,
            note="signed on again",
            **stamps,
            **_stamp_text(letter, text),
            confirmed_at=None,
            approved_at=None,
            approved_by=None,
        )
        return PublicSignOn(endorsement=existing, created=False)

    endorsement = Endorsement(
        letter=letter,
        organization=organization,
        state=State.PENDING_CONFIRMATION,
        state_changed_at=timezone.now(),
        created_organization=organization_created,
        **stamps,
        **_stamp_text(letter, text),
    )
    if invitation is not None:
        endorsement.source = Endorsement.Source.INVITATION
    try:
        with transaction.atomic():
            endorsement.save()
    except IntegrityError:
        # A concurrent sign-on for the same organization won: treat this one as a repeat.
        existing = Endorsement.objects.get(letter=letter, organization=organization)
        if _public_emails_allowed(signer_email):
            _notice(endorsement=existing, kind=Kind.ALREADY, recipient=signer_email)
        return PublicSignOn(endorsement=existing, created=False)
    log(
        instance=endorsement,
        action=_LOG_ACTIONS[State.PENDING_CONFIRMATION],
        user=None,
        data={"from": "", "to": State.PENDING_CONFIRMATION.value, "note": "public sign-on form"},
    )
    if _public_emails_allowed(signer_email):
        _notice(endorsement=endorsement, kind=Kind.CONFIRM, recipient=signer_email)
    return PublicSignOn(endorsement=endorsement, created=True, organization_created=organization_created)


def _organization_create_for_signon(*, name: str, website: str, country: str, kind: str) -> Organization | None:
    """Create the organization a sign-on names; None when a concurrent sign-on created it first.

    A slug taken at the same moment by an organization of a similar name is retried
    with a random suffix.
    """
    for attempt in range(2):
        slug = organization_unique_slug(name)
        if attempt:
            slug = f"{slug[:90]}-{secrets.token_hex(3)}"
        try:
            with transaction.atomic():
                return organization_create(
                    acting_user=None, name=name, slug=slug, website=website, country=country, kind=kind
                )
        except IntegrityError:
            if organization_match(name=name, website=website) is not None:
                return None
    return None


@transaction.atomic
def endorsement_confirm(*, endorsement: Endorsement, content_hash: str | None) -> Endorsement:
    """The contact confirms by POST from the emailed link; an editor reviews next.

    The text confirmed is the text the confirmation page showed (its hash comes with
    the form), so a change published meanwhile is never confirmed unseen.
    """
    locked = _lock(endorsement)
    if locked.state != State.PENDING_CONFIRMATION:
        return locked  # a second click, or a link used after the fact: nothing to do
    letter = LetterPage.objects.get(pk=locked.letter_id)
    if not letter_accepts_endorsements(letter):
        raise ValidationError(_("This letter is no longer open for endorsements."), code="closed")
    text = _check_text_unchanged(letter, content_hash)
    return _transition(
        locked, State.PENDING_REVIEW, confirmed_at=_NOW, note="confirmed by email", **_stamp_text(letter, text)
    )


@transaction.atomic
def endorsement_approve(*, endorsement: Endorsement, acting_user) -> Endorsement:
    """An editor approves: the organization counts and is listed (if public)."""
    _require_editor(acting_user)
    locked = _lock(endorsement)
    if locked.state == State.APPROVED:
        return locked
    if locked.state == State.WITHDRAWN:
        # Only the organization can put its name back on the letter, by endorsing again.
        raise ValidationError(
            _("%(org)s withdrew its endorsement: only the organization can endorse again.")
            % {"org": locked.organization.name},
            code="withdrawn",
        )
    if locked.state == State.NEEDS_RECONFIRMATION or not endorsement_text_is_current(locked):
        raise ValidationError(
            _("%(org)s endorsed an earlier text: it must reconfirm the current one first.")
            % {"org": locked.organization.name},
            code="needs_reconfirmation",
        )
    return _transition(
        locked,
        State.APPROVED,
        acting_user=acting_user,
        notice=Kind.APPROVED,
        approved_at=_NOW,
        approved_by=acting_user,
        rejection_reason="",
    )


@transaction.atomic
def endorsement_reject(*, endorsement: Endorsement, acting_user, reason: str) -> Endorsement:
    """An editor rejects, with a reason the contact receives."""
    _require_editor(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for rejecting: the contact receives it."), code="reason_required")
    if len(reason) > 1000:
        raise ValidationError(_("Keep the reason under 1,000 characters."), code="reason_too_long")
    from coalition.core.validators import validate_multiline

    validate_multiline(reason)
    locked = _lock(endorsement)
    if locked.state == State.REJECTED:
        return locked
    return _transition(
        locked,
        State.REJECTED,
        acting_user=acting_user,
        notice=Kind.REJECTED,
        note=reason,
        rejected_at=_NOW,
        rejected_by=acting_user,
        rejection_reason=reason,
    )


@transaction.atomic
def endorsement_withdraw(*, endorsement: Endorsement, acting_user=None, by_contact: bool = False) -> Endorsement:
    """Withdraw: by the contact (emailed link), the organization's managers, or an editor."""
    if not by_contact:
        _require_manager(organization=endorsement.organization, acting_user=acting_user)
    locked = _lock(endorsement)
    if locked.state == State.WITHDRAWN:
        return locked
    return _transition(
        locked,
        State.WITHDRAWN,
        acting_user=acting_user,
        notice=Kind.WITHDRAWN,
        note="by the contact" if by_contact else "",
        withdrawn_at=_NOW,
        withdrawn_by=acting_user if acting_user is not None and acting_user.is_authenticated else None,
    )


@transaction.atomic
def endorsement_reconfirm(*, endorsement: Endorsement, content_hash: str | None, acting_user=None) -> Endorsement:
    """Endorse the current text again: approved at once if an editor had approved the earlier one."""
    if acting_user is not None and acting_user.is_authenticated:
        _require_manager(organization=endorsement.organization, acting_user=acting_user)
    locked = _lock(endorsement)
    if locked.state != State.NEEDS_RECONFIRMATION:
        return locked
    letter = LetterPage.objects.get(pk=locked.letter_id)
    if not letter_accepts_endorsements(letter):
        raise ValidationError(_("This letter is no longer open for endorsements."), code="closed")
    text = _check_text_unchanged(letter, content_hash)
    to_state = State.APPROVED if locked.approved_at else State.PENDING_REVIEW
    return _transition(
        locked,
        to_state,
        acting_user=acting_user,
        note="reconfirmed the current text",
        reconfirmed_at=_NOW,
        **_stamp_text(letter, text),
    )


@transaction.atomic
def endorsements_text_changed(*, letter: LetterPage, acting_user=None) -> int:
    """After a publish: ask everyone who endorsed another text to reconfirm.

    Endorsements of the text now published that were waiting on reconfirmation (the
    change was reverted) return to where they were. Returns how many now need
    reconfirmation.
    """
    current = letter_current_text(letter).hash
    asked = 0
    stale = Endorsement.objects.select_for_update().filter(
        letter=letter, state__in=[State.PENDING_REVIEW, State.APPROVED]
    )
    for endorsement in stale.exclude(content_hash=current):
        _transition(
            endorsement,
            State.NEEDS_RECONFIRMATION,
            acting_user=acting_user,
            notice=Kind.RECONFIRM,
            note="the letter's text changed",
            reconfirmation_requested_at=_NOW,
        )
        asked += 1
    restored = Endorsement.objects.select_for_update().filter(
        letter=letter, state=State.NEEDS_RECONFIRMATION, content_hash=current
    )
    for endorsement in restored:
        _transition(
            endorsement,
            State.APPROVED if endorsement.approved_at else State.PENDING_REVIEW,
            acting_user=acting_user,
            note="the text they endorsed was restored",
        )
    return asked


# --- emails --------------------------------------------------------------------------

_SUBJECTS = {
    Kind.CONFIRM: gettext_lazy("Confirm %(org)s's endorsement of “%(title)s”"),
    Kind.ALREADY: gettext_lazy("%(org)s and “%(title)s”"),
    Kind.APPROVED: gettext_lazy("%(org)s now endorses “%(title)s”"),
    Kind.REJECTED: gettext_lazy("%(org)s's endorsement of “%(title)s” was not accepted"),
    Kind.RECONFIRM: gettext_lazy("“%(title)s” changed: please reconfirm %(org)s's endorsement"),
    Kind.WITHDRAWN: gettext_lazy("%(org)s's endorsement of “%(title)s” is withdrawn"),
    Kind.INVITE: gettext_lazy("An invitation for %(org)s to endorse “%(title)s”"),
    Kind.REMIND: gettext_lazy("Reminder: %(org)s is invited to endorse “%(title)s”"),
}


def _notice_context(notice: EndorsementNotice) -> dict:
    subject_row = notice.endorsement or notice.invitation
    letter = subject_row.letter
    context = {
        "notice": notice,
        "letter": letter,
        "letter_title": " ".join(letter.title.split()),
        "letter_url": letter.public_url,
        "organization": subject_row.organization,
        "organization_name": " ".join(subject_row.organization.name.split()),
        "site_url": settings.SITE_URL,
    }
    if notice.endorsement is not None:
        endorsement = notice.endorsement
        context["endorsement"] = endorsement
        context["manage_url"] = endorsement_manage_url(endorsement)
        if notice.kind == Kind.RECONFIRM:
            endorsed = endorsement_endorsed_text(endorsement)
            current = letter_current_text(letter)
            context["diff"] = diff_as_text(letter_text_diff(endorsed, current, context=1)) if endorsed else ""
    else:
        context["invitation"] = notice.invitation
        context["invitation_url"] = invitation_url(notice.invitation)
    return context


def endorsement_notice_send(*, notice_id: int) -> bool:
    """Send one owed email; idempotent (the locked row's `sent_at` is checked first)."""
    with transaction.atomic():
        notice = (
            EndorsementNotice.objects.select_for_update(of=("self",))
            .select_related(
                "endorsement__letter",
                "endorsement__organization",
                "invitation__letter",
                "invitation__organization",
            )
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.sent_at is not None:
            return False
        letter = (notice.endorsement or notice.invitation).letter
        with letter_translation(letter):  # in the letter's language, as its pages are
            context = _notice_context(notice)
            subject = str(_SUBJECTS[notice.kind]) % {
                "org": context["organization_name"],
                "title": context["letter_title"],
            }
            body = render_to_string(f"letters/emails/endorsement_{notice.kind}.txt", context)
        EmailMessage(subject=" ".join(subject.split()), body=body, to=[notice.recipient]).send()
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
    logger.info("endorsement notice %s (%s) sent", notice.pk, notice.kind)
    return True


def endorsement_notices_sweep(*, grace: timedelta = timedelta(minutes=5), limit: int = 500) -> int:
    """Send the emails a dead broker dropped, and drop sign-ons never confirmed; safe any time."""
    cutoff = timezone.now() - grace
    ids = list(
        EndorsementNotice.objects.filter(sent_at__isnull=True, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in ids:
        try:
            sent += endorsement_notice_send(notice_id=pk)
        except OSError:
            logger.warning("endorsement notice %s failed, will retry on next sweep", pk, exc_info=True)
    endorsements_unconfirmed_expire()
    return sent


@transaction.atomic
def endorsements_unconfirmed_expire() -> int:
    """Remove public sign-ons nobody confirmed before the link expired.

    Spam through the public form leaves nothing behind: the endorsement goes, and the
    organization it created goes too unless something else now refers to it.
    """
    cutoff = timezone.now() - timedelta(days=settings.COALITION_ENDORSEMENT_LINK_DAYS)
    expired = Endorsement.objects.filter(
        state=State.PENDING_CONFIRMATION, state_changed_at__lt=cutoff, confirmed_at__isnull=True
    ).select_for_update()
    removed = 0
    for endorsement in expired:
        organization = endorsement.organization
        created = endorsement.created_organization
        endorsement.delete()
        removed += 1
        if created and not _organization_in_use(organization):
            logo = organization.logo
            organization.delete()
            if logo is not None:
                logo.delete()
    return removed


def _organization_in_use(organization: Organization) -> bool:
    return (
        organization.endorsements.exists()
        or organization.memberships.exists()
        or organization.led_letters.exists()
        or organization.co_drafted_letters.exists()
        or organization.endorsement_invitations.exists()
    )


# --- invitations to endorse -------------------------------------------------------------


@dataclass
class InvitationRow:
    organization: Organization
    email: str
    contact_name: str = ""


@transaction.atomic
def endorsement_invitations_create(
    *, letter: LetterPage, rows: list[InvitationRow], acting_user
) -> list[EndorsementInvitation]:
    """Invite organizations to endorse; an organization invited before gets the new contact and a fresh link."""
    _require_editor(acting_user)
    if not letter_accepts_endorsements(letter):
        raise ValidationError(_("Open the letter for endorsements before inviting organizations."), code="closed")
    invitations = []
    for row in rows:
        invitation = (
            EndorsementInvitation.objects.select_for_update()
            .filter(letter=letter, organization=row.organization)
            .first()
        )
        if invitation is not None and invitation.endorsement_id:
            continue  # already endorsed through an invitation: nothing to ask
        standing = Endorsement.objects.filter(
            letter=letter, organization=row.organization, state__in=ACTIVE_ENDORSEMENT_STATES
        )
        if standing.exists():
            continue  # endorsed another way (portal, public form): nothing to ask
        if invitation is None:
            invitation = EndorsementInvitation(letter=letter, organization=row.organization)
        invitation.email = row.email.strip()
        invitation.contact_name = row.contact_name
        invitation.nonce = secrets.token_urlsafe(24)
        invitation.invited_by = acting_user
        invitation.opened_at = invitation.declined_at = invitation.last_reminded_at = None
        invitation.reminders_sent = 0
        invitation.decline_reason = ""
        invitation.full_clean(exclude=["letter", "organization", "endorsement"])
        invitation.save()
        log(
            instance=letter,
            action="coalition.endorsement_invited",
            user=acting_user,
            data={"organization": row.organization.name},
        )
        _notice(invitation=invitation, kind=Kind.INVITE, recipient=invitation.email)
        invitations.append(invitation)
    return invitations


def endorsement_invitation_can_remind(invitation: EndorsementInvitation) -> bool:
    """Remind while the invitation is unanswered, before the deadline, and not more than once a day."""
    if invitation.state in (EndorsementInvitation.State.ENDORSED, EndorsementInvitation.State.DECLINED):
        return False
    letter = invitation.letter
    if not letter_accepts_endorsements(letter):
        return False
    if letter.deadline and letter.deadline < timezone.localdate():
        return False
    if invitation.reminders_sent >= settings.COALITION_ENDORSEMENT_REMINDERS_MAX:
        return False
    last = invitation.last_reminded_at or invitation.created_at
    return last is None or timezone.now() - last >= timedelta(hours=20)


@transaction.atomic
def endorsement_invitation_remind(*, invitation: EndorsementInvitation, acting_user) -> bool:
    """Send a reminder if one is due (see endorsement_invitation_can_remind); returns whether it was."""
    _require_editor(acting_user)
    locked = EndorsementInvitation.objects.select_for_update().select_related("letter").get(pk=invitation.pk)
    if not endorsement_invitation_can_remind(locked):
        return False
    locked.last_reminded_at = timezone.now()
    locked.reminders_sent += 1
    locked.save(update_fields=["last_reminded_at", "reminders_sent"])
    _notice(invitation=locked, kind=Kind.REMIND, recipient=locked.email)
    return True


def endorsement_invitation_open(*, invitation: EndorsementInvitation) -> None:
    """Note the first time the link was opened (scanners may open it too: it is a hint, not a reply)."""
    EndorsementInvitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=timezone.now())


@transaction.atomic
def endorsement_invitation_decline(*, invitation: EndorsementInvitation, reason: str = "") -> EndorsementInvitation:
    from coalition.core.validators import validate_single_line

    reason = " ".join((reason or "").split())[:500]
    validate_single_line(reason)
    locked = EndorsementInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.endorsement_id or locked.declined_at:
        return locked
    locked.declined_at = timezone.now()
    locked.decline_reason = reason
    locked.opened_at = locked.opened_at or locked.declined_at
    locked.save(update_fields=["declined_at", "decline_reason", "opened_at"])
    log(
        instance=locked.letter,
        action="coalition.endorsement_invitation_declined",
        user=None,
        data={"organization": locked.organization.name},
    )
    return locked


@transaction.atomic
def endorsement_invitation_accept(
    *,
    invitation: EndorsementInvitation,
    signer_name: str,
    signer_title: str,
    display: str,
    list_in_pdf: bool,
    content_hash: str | None,
) -> Endorsement:
    """Endorse through an editor's invitation: the link proves the address, and the
    editor chose the organization, so the endorsement is approved at once."""
    locked = (
        EndorsementInvitation.objects.select_for_update()
        .select_related("letter", "organization")
        .get(pk=invitation.pk)
    )
    letter = locked.letter
    if locked.endorsement_id:
        return locked.endorsement
    if not letter_accepts_endorsements(letter):
        raise ValidationError(_("This letter is no longer open for endorsements."), code="closed")
    text = _check_text_unchanged(letter, content_hash)
    now = timezone.now()
    stamps = {
        "signer_name": signer_name,
        "signer_title": signer_title,
        "signer_email": locked.email,
        "display": display,
        "list_in_pdf": list_in_pdf,
        "confirmed_at": now,
        "approved_at": now,
        "approved_by": locked.invited_by,
        **_stamp_text(letter, text),
    }
    existing = Endorsement.objects.select_for_update().filter(letter=letter, organization=locked.organization).first()
    if existing is not None and existing.state != State.WITHDRAWN:
        raise ValidationError(
            _("%(org)s has already endorsed this letter.") % {"org": locked.organization.name},
            code="already_endorsed",
        )
    if existing is not None:
        Endorsement(**{**_model_fields(existing), **stamps}).full_clean(
            exclude=["letter", "organization", "revision", "nonce"]
        )
        endorsement = _transition(
            existing,
            State.APPROVED,
            notice=Kind.APPROVED,
            note="invitation",
            source=Endorsement.Source.INVITATION,
            nonce=secrets.token_urlsafe(24),
            **stamps,
        )
    else:
        endorsement = Endorsement(
            letter=letter,
            organization=locked.organization,
            source=Endorsement.Source.INVITATION,
            nonce=secrets.token_urlsafe(24),
            state=State.APPROVED,
            state_changed_at=now,
            **stamps,
        )
        endorsement.full_clean(exclude=["revision"])
        endorsement.save()
        log(
            instance=endorsement,
            action=_LOG_ACTIONS[State.APPROVED],
            user=None,
            data={"from": "", "to": State.APPROVED.value, "note": "invitation"},
        )
        _notice(endorsement=endorsement, kind=Kind.APPROVED, recipient=endorsement.signer_email)
    locked.endorsement = endorsement
    locked.opened_at = locked.opened_at or now
    locked.save(update_fields=["endorsement", "opened_at"])
    return endorsement
