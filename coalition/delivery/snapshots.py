"""Coalition delivery: the signed letter and its PDF go to the letter's recipients, frozen as sent.

`letter_deliver` copies everything the recipients are sent into a LetterDelivery row, in
one transaction with one OutgoingMessage per recipient: the letter revision and text hash,
a copy of the PDF in its own file (a later build or clean-up never touches what was
delivered), its hash, pages and counts, the recipients, the time. The messages are queued
after commit (coalition.delivery.sending attaches the PDF). `letter_addendum` does the same
for the signatures counted since the last delivery, with a PDF of only those names.

Nothing here, or anywhere else, updates a delivery's snapshot once it is made: only its
state and sent_at move, as the messages go out (sending.delivery_state_refresh).
"""

import hashlib
import logging
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from coalition.core.validators import find_forbidden_character, validate_multiline
from coalition.letters.models import (
    Endorsement,
    EndorsementState,
    LetterDocument,
    LetterPage,
    LetterStatus,
)
from coalition.letters.pdf import content
from coalition.letters.services import letter_current_text, letter_status_change
from coalition.letters.services.documents import _inputs_key, letter_pdf_current
from coalition.letters.text import LetterText

from .addendum_pdf import addendum_pdf_render, signed_by_line
from .models import DecisionMaker, DeliveryMode, LetterDelivery, OutgoingMessage
from .sending import messages_queue_on_commit

logger = logging.getLogger(__name__)

# A second delivery of the same PDF this soon is an editor's double click, not a decision.
REPEAT_WINDOW = timedelta(minutes=10)
NOTE_MAX_LENGTH = 3000
# How the letter gets from each status to "delivered" (letters.models.STATUS_TRANSITIONS).
_TO_DELIVERED = {
    LetterStatus.OPEN_FOR_ENDORSEMENT: [LetterStatus.CLOSED, LetterStatus.DELIVERED],
    # Signatures keep coming after a delivery (they go out in addenda): the letter stays open
    # until an editor closes it, and "delivered" is set then.
    LetterStatus.OPEN_FOR_SIGNATURES: [],
    LetterStatus.CLOSED: [LetterStatus.DELIVERED],
    LetterStatus.DELIVERED: [],
}


# --- who receives it --------------------------------------------------------------------------


def _line(value) -> str:
    """One line of plain text: line breaks, control characters and bidi overrides dropped."""
    text = " ".join(str(value or "").split())
    return "".join(char for char in text if find_forbidden_character(char) is None)[:300]


def _address(value) -> str:
    """The address as given, or "" when it is not one (a line break in it never reaches a header)."""
    address = (value or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address if find_forbidden_character(address) is None else ""


def _recipients(letter: LetterPage) -> list[dict]:
    recipients, seen = [], set()

    def add(*, name, title, office, email, decision_maker_id=None):
        address = _address(email)
        if not address or address.lower() in seen:
            return
        seen.add(address.lower())
        recipients.append(
            {"name": _line(name), "title": _line(title), "office": _line(office), "email": address}
            | {"decision_maker_id": decision_maker_id}
        )

    for recipient in letter.recipients.order_by("sort_order", "pk"):
        add(name=recipient.name, title=recipient.title, office="", email=recipient.email)
    decision_makers = DecisionMaker.objects.filter(active=True, recipient_lists__letters=letter).distinct()
    for person in decision_makers.order_by("name", "pk"):
        add(
            name=person.name, title=person.title, office=person.office, email=person.email, decision_maker_id=person.pk
        )
    return recipients


def letter_delivery_recipients(*, letter: LetterPage) -> list[dict]:
    """Who a coalition delivery goes to: `{"name", "title", "office", "email"}`, one per address.

    The letter's own recipients first (in their order), then the active decision makers on
    its recipient lists; an address already listed (compared in lower case) is not repeated,
    and recipients without a valid address are left out.
    """
    return _snapshot(_recipients(letter))


def _snapshot(recipients: list[dict]) -> list[dict]:
    """What the delivery keeps about each recipient."""
    return [{key: r.get(key, "") for key in ("name", "title", "office", "email")} for r in recipients]


# --- checks -------------------------------------------------------------------------------------


def _covering_note(message: str) -> str:
    note = (message or "").replace("\r\n", "\n").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("Keep the covering note under %(n)s characters.") % {"n": NOTE_MAX_LENGTH}, code="note_too_long"
        )
    validate_multiline(note)
    return note


def _check_coalition_mode(letter: LetterPage) -> None:
    if letter.delivery_mode != DeliveryMode.COALITION:
        raise ValidationError(
            _("This letter sends each signer's own message to their decision makers: there is nothing to deliver."),
            code="not_coalition",
        )


def letter_pdf_is_current(letter: LetterPage, document: LetterDocument | None) -> bool:
    """Is `document` a ready PDF of the letter as it is now (text, organizations, recipients, signatories)?"""
    if document is None or document.state != LetterDocument.State.READY or not document.file:
        return False
    return document.inputs_key == _inputs_key(
        letter, language=document.language, group_by_country=document.group_by_country
    )


def _letter_mark_delivered(letter: LetterPage, acting_user) -> None:
    for status in _TO_DELIVERED[LetterStatus(letter.status)]:
        letter_status_change(
            letter=letter, to_status=status, acting_user=acting_user, note=_("Delivered to its recipients")
        )


# --- the PDF copy ------------------------------------------------------------------------------


def _sha256_of(name: str) -> str:
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _pdf_store(handle, *, name: str, sha256: str) -> str:
    """Save `handle` under a name of its own; the stored bytes must hash to `sha256`."""
    stored = default_storage.save(name, File(handle, name=Path(name).name))
    if _sha256_of(stored) != sha256:
        default_storage.delete(stored)
        raise ValidationError(
            _("The PDF could not be copied intact for the delivery. Nothing was sent: try again."), code="copy"
        )
    return stored


def _pdf_copy(document: LetterDocument, *, name: str) -> str:
    """A copy of the document's file, checked against its recorded hash before and after."""
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as spool:
        with document.file.open("rb") as source:
            for block in iter(lambda: source.read(1024 * 1024), b""):
                digest.update(block)
                spool.write(block)
        if digest.hexdigest() != document.sha256:
            raise ValidationError(
                _("The stored PDF does not match its fingerprint. Build the PDF again before delivering it."),
                code="pdf_changed",
            )
        spool.seek(0)
        return _pdf_store(spool, name=name, sha256=document.sha256)


def _pdf_name(letter: LetterPage, kind: str, sha256: str, moment) -> str:
    return f"deliveries/{letter.pk}/{letter.slug[:80]}-{kind}-{moment:%Y%m%d-%H%M%S}-{sha256[:12]}.pdf"


# --- the messages -------------------------------------------------------------------------------


def _subject(title: str) -> str:
    return _line(title)[:300]


def _messages_create(delivery: LetterDelivery, recipients: list[dict], *, subject: str, body: str) -> list[int]:
    OutgoingMessage.objects.bulk_create(
        OutgoingMessage(
            letter_id=delivery.letter_id,
            kind=OutgoingMessage.Kind.COALITION,
            delivery=delivery,
            decision_maker_id=recipient.get("decision_maker_id"),
            recipient_name=_line(", ".join(part for part in (recipient["name"], recipient["title"]) if part)),
            recipient_email=recipient["email"],
            subject=subject,
            body=body,
        )
        for recipient in recipients
    )
    return list(OutgoingMessage.objects.filter(delivery=delivery).order_by("pk").values_list("pk", flat=True))


def _organization_names(letter: LetterPage) -> list[str]:
    names = [letter.lead_organization.name] if letter.lead_organization_id else []
    return names + [org.name for org in letter.co_drafting_organizations]


def _letter_url(letter: LetterPage) -> str:
    return letter.public_url if letter.live and letter.get_url() else ""


# --- delivering ---------------------------------------------------------------------------------


def letter_deliver(*, letter: LetterPage, acting_user, message: str = "") -> LetterDelivery:
    """Send the letter and its current signed PDF to every recipient, and record exactly what went.

    Refused unless the newest ready PDF was built from the letter as it is now (text,
    organizations, recipients, signatories) and the letter has a recipient. The letter row
    is locked, and the same PDF delivered in the last ten minutes is refused: two clicks,
    or two editors at once, make one delivery. The letter becomes "delivered" through the
    status service, in the same transaction.
    """
    note = _covering_note(message)
    _check_coalition_mode(letter)
    with transaction.atomic():
        locked = LetterPage.objects.select_for_update().get(pk=letter.pk)
        now = timezone.now()
        if not locked.live or locked.status == LetterStatus.DRAFT:
            raise ValidationError(_("Publish and open the letter before delivering it."), code="not_open")
        document = letter_pdf_current(locked)
        if not letter_pdf_is_current(locked, document):
            raise ValidationError(
                _(
                    "Build the signed PDF first: the letter has no PDF yet, or its text, organizations, "
                    "recipients or signatories changed since the last one was built."
                ),
                code="no_current_pdf",
            )
        recipients = _recipients(locked)
        if not recipients:
            raise ValidationError(
                _("Add a recipient with an email address (or a recipient list) before delivering the letter."),
                code="no_recipients",
            )
        recent = (
            LetterDelivery.objects.filter(letter=locked, kind=LetterDelivery.Kind.DELIVERY)
            .filter(pdf_sha256=document.sha256, created_at__gte=now - REPEAT_WINDOW)
            .first()
        )
        if recent is not None:
            raise ValidationError(
                _("This PDF was delivered a moment ago (at %(time)s). It was not sent again.")
                % {"time": timezone.localtime(recent.created_at).strftime("%H:%M")},
                code="already_delivered",
            )
        stored = _pdf_copy(document, name=_pdf_name(locked, "delivery", document.sha256, now))
        try:
            delivery = LetterDelivery.objects.create(
                letter=locked,
                kind=LetterDelivery.Kind.DELIVERY,
                revision_id=document.revision_id,
                content_hash=document.text_hash,
                pdf=stored,
                pdf_sha256=document.sha256,
                pdf_pages=document.pages,
                organizations_count=document.organizations_count,
                signatures_count=document.individuals_count,
                signatures_total=document.individuals_count,
                signatures_until=now,
                recipients=_snapshot(recipients),
                message=note,
                created_by=acting_user,
            )
            with translation.override(locked.language):
                text = LetterText.of(locked)
                body = render_to_string(
                    "delivery/emails/coalition_delivery.txt",
                    {
                        "note": note,
                        "text": text,
                        "organization_names": _organization_names(locked),
                        "summary_line": signed_by_line(
                            organizations=document.organizations_count,
                            individuals=document.individuals_count,
                            date=content.document_date(document.finished_at or now, locked.language),
                        ),
                        "pages": document.pages,
                        "sha256": document.sha256,
                        "letter_url": _letter_url(locked),
                    },
                )
            ids = _messages_create(delivery, recipients, subject=_subject(locked.title), body=body)
            _letter_mark_delivered(locked, acting_user)
            log(
                instance=locked,
                action="coalition.letter.delivered",
                user=acting_user,
                data={"delivery": delivery.pk, "recipients": len(ids), "pdf_sha256": document.sha256},
            )
        except BaseException:
            default_storage.delete(stored)
            raise
        messages_queue_on_commit(ids)
    letter.status = locked.status
    logger.info("letter %s: delivery %s to %s recipients", locked.pk, delivery.pk, len(ids))
    return delivery


def letter_last_delivery(*, letter: LetterPage) -> LetterDelivery | None:
    """The newest delivery or addendum: new signatures are counted from its `signatures_until`."""
    return LetterDelivery.objects.filter(letter=letter).order_by("-created_at", "-pk").first()


def letter_addendum_signatures_count(*, letter: LetterPage) -> int:
    """How many named signatories an addendum sent now would list (0 before any delivery)."""
    last = letter_last_delivery(letter=letter)
    if last is None or last.signatures_until is None:
        return 0
    return content.listed_signatures(letter, confirmed_after=last.signatures_until).count()


def letter_addendum(*, letter: LetterPage, acting_user, message: str = "") -> LetterDelivery:
    """Send the signatories counted since the last delivery, in a PDF of their own, to its recipients.

    The PDF is rendered before the letter row is locked (it takes seconds); under the lock
    the last delivery must still be the one it was counted from, so a double click makes one
    addendum. The addendum goes to the recipients of the delivery it adds to (`addendum_to`,
    the newest full delivery); the letter's status is left as it is.
    """
    note = _covering_note(message)
    _check_coalition_mode(letter)
    letter = LetterPage.objects.select_related("lead_organization").get(pk=letter.pk)
    original = (
        LetterDelivery.objects.filter(letter=letter, kind=LetterDelivery.Kind.DELIVERY)
        .order_by("-created_at", "-pk")
        .first()
    )
    last = letter_last_delivery(letter=letter)
    if original is None or last is None:
        raise ValidationError(_("Deliver the letter before sending an addendum."), code="not_delivered")
    now = timezone.now()
    after = last.signatures_until
    window = {"confirmed_after": after, "confirmed_until": now}
    new_count = content.listed_signatures(letter, **window).count()
    if not new_count:
        raise ValidationError(
            _("No one has signed since %(date)s: there is nothing to add.")
            % {"date": content.document_date(after, letter.language)},
            code="no_new_signatures",
        )
    text_hash = letter_current_text(letter).hash
    organizations_count = Endorsement.objects.filter(
        letter=letter, state=EndorsementState.APPROVED, content_hash=text_hash
    ).count()
    # Every confirmed signer so far, named or not (as the signed PDF counts them).
    signatures_total = max(
        content.confirmed_individuals(letter), content.listed_signatures(letter, confirmed_until=now).count()
    )
    recipients = list(original.recipients)
    work = Path(tempfile.mkdtemp(prefix=f"coalition-addendum-{letter.pk}-"))
    try:
        pdf = addendum_pdf_render(
            letter=letter,
            after=after,
            until=now,
            recipients=recipients,
            organizations_count=organizations_count,
            signatures_total=signatures_total,
            text_hash=text_hash,
            work=work,
        )
        with transaction.atomic():
            locked = LetterPage.objects.select_for_update().get(pk=letter.pk)
            if letter_last_delivery(letter=locked).pk != last.pk:
                raise ValidationError(
                    _("Another delivery or addendum was just sent. Reload the page to see it."), code="superseded"
                )
            with pdf.path.open("rb") as handle:
                stored = _pdf_store(handle, name=_pdf_name(locked, "addendum", pdf.sha256, now), sha256=pdf.sha256)
            try:
                delivery = LetterDelivery.objects.create(
                    letter=locked,
                    kind=LetterDelivery.Kind.ADDENDUM,
                    addendum_to=original,
                    revision_id=locked.live_revision_id,
                    content_hash=text_hash,
                    pdf=stored,
                    pdf_sha256=pdf.sha256,
                    pdf_pages=pdf.pages,
                    organizations_count=organizations_count,
                    signatures_count=pdf.signatures_count,
                    signatures_total=signatures_total,
                    signatures_after=after,
                    signatures_until=now,
                    recipients=_snapshot(recipients),
                    message=note,
                    created_by=acting_user,
                )
                with translation.override(locked.language):
                    since = content.document_date(after, locked.language)
                    heading = _("Additional signatories since %(date)s") % {"date": since}
                    body = render_to_string(
                        "delivery/emails/coalition_addendum.txt",
                        {
                            "note": note,
                            "heading": f"{_line(locked.title)}: {heading}",
                            "introduction": _(
                                "Since we delivered our letter, %(n)s more people have signed it and agreed "
                                "to be named."
                            )
                            % {"n": formats.number_format(pdf.signatures_count, force_grouping=True)},
                            "summary_line": signed_by_line(
                                organizations=organizations_count,
                                individuals=signatures_total,
                                date=content.document_date(now, locked.language),
                            ),
                            "pages": pdf.pages,
                            "sha256": pdf.sha256,
                            "letter_url": _letter_url(locked),
                        },
                    )
                    subject = _subject(_("Additional signatories: %(title)s") % {"title": locked.title})
                ids = _messages_create(delivery, recipients, subject=subject, body=body)
                log(
                    instance=locked,
                    action="coalition.letter.addendum",
                    user=acting_user,
                    data={"delivery": delivery.pk, "signatures": pdf.signatures_count, "pdf_sha256": pdf.sha256},
                )
            except BaseException:
                default_storage.delete(stored)
                raise
            messages_queue_on_commit(ids)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    logger.info("letter %s: addendum %s, %s new signatories", letter.pk, delivery.pk, pdf.signatures_count)
    return delivery


__all__ = [
    "letter_addendum",
    "letter_addendum_signatures_count",
    "letter_deliver",
    "letter_delivery_recipients",
    "letter_last_delivery",
    "letter_pdf_is_current",
]
