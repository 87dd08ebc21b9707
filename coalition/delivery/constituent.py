"""Constituent messages: each confirmed signer's own copy, to the decision makers who represent them.

A letter in "constituent" mode is written once, with the tokens [Decision Maker], [Your Name]
and [Your City]; every confirmed signature becomes one plain-text email per matching decision
maker (the signer's country and region), filled in for that pair. The rows are written in
the transaction that confirms the signature, and the unique (signature, decision maker)
constraint makes that idempotent. With the letter's daily digest on, the rows wait as
`batched` and `constituent_digests_build` gathers them into one email per decision maker.

Everything a signer typed is treated as hostile: it only ever lands in a plain-text body
(never in a header, never as markup), names and cities are flattened to one line, and the
recipient is always the decision maker's stored address.
"""

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coalition.letters.models import SignatureState
from coalition.letters.text import LetterText

from .models import DecisionMaker, OutgoingMessage
from .selectors import decision_makers_for
from .sending import messages_queue_on_commit

State = OutgoingMessage.State
Kind = OutgoingMessage.Kind
CONSTITUENT = "constituent"

TOKENS = {"decision maker": "[Decision Maker]", "your name": "[Your Name]", "your city": "[Your City]"}
_TOKEN = re.compile(r"\[(decision maker|your name|your city)\]", re.IGNORECASE)
# Every kind of line break and run of spacing (CR, LF, NEL, U+2028/9, tabs...) becomes one space.
_SPACING = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")

SUBJECT_MAX = 300
DIGEST_MAX_MESSAGES = 1000
# A decision maker gets at most one digest per letter in this many hours (the build runs daily).
DIGEST_EVERY_HOURS = 20


def one_line(value: str) -> str:
    """Text that can never start a new line (or a header): controls dropped, spacing collapsed."""
    return _SPACING.sub(" ", _CONTROLS.sub("", str(value or ""))).strip()


def _paragraph_text(value: str) -> str:
    """A signer's paragraph as plain text: line breaks normalised to LF, controls dropped."""
    text = _LINE_BREAKS.sub("\n", str(value or ""))
    lines = [_SPACING.sub(" ", _CONTROLS.sub("", line)).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def constituent_tokens_fill(*, text: str, decision_maker_name: str, signer_name: str, signer_city: str) -> str:
    """Replace [Decision Maker], [Your Name] and [Your City] (any case) in plain text.

    One pass: a value that itself reads "[Your City]" is not replaced again. Values are
    flattened to one line, so a name cannot add lines to the message.
    """
    values = {
        "decision maker": one_line(decision_maker_name),
        "your name": one_line(signer_name),
        "your city": one_line(signer_city),
    }
    return _TOKEN.sub(lambda match: values[match.group(1).lower()], text or "")


def token_segments(text: str, values: dict[str, str]) -> list[tuple[str, str]]:
    """`text` split into ("text", ...) runs and (token, value) runs, for a preview that marks what is filled."""
    parts, position = [], 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            parts.append(("text", text[position : match.start()]))
        key = match.group(1).lower()
        parts.append((key.replace(" ", "_"), values.get(key) or TOKENS[key]))
        position = match.end()
    if position < len(text):
        parts.append(("text", text[position:]))
    return parts


def decision_maker_display_name(decision_maker: DecisionMaker) -> str:
    """How the letter addresses them: "Senator Eleanor Hartwell"."""
    return one_line(f"{decision_maker.title} {decision_maker.name}")


def signer_display_name(signature) -> str:
    return one_line(f"{signature.first_name} {signature.last_name}")


def letter_subject(letter) -> str:
    return one_line(letter.title)[:SUBJECT_MAX]


def _footer(letter, *, digest: bool = False) -> str:
    if digest:
        text = _(
            "Sent through %(site)s for the people who signed “%(title)s” and confirmed their email addresses: %(url)s"
        )
    else:
        text = _(
            "Sent through %(site)s for a person who signed “%(title)s” and confirmed their email address: %(url)s"
        )
    return text % {
        "site": one_line(settings.WAGTAIL_SITE_NAME),
        "title": one_line(letter.title),
        "url": letter.public_url,
    }


def constituent_message_text(*, letter, signature, decision_maker) -> tuple[str, str]:
    """(subject, body) of one signer's message to one decision maker, in plain text.

    The subject is the letter's title alone (no signer input, no line breaks); the body is
    the letter with its tokens filled, the signer's own paragraph when the letter allows
    one, the closing, and the signer's name and city.
    """
    name = signer_display_name(signature)
    city = one_line(signature.city)
    text = LetterText.of(letter)

    def fill(value: str) -> str:
        return constituent_tokens_fill(
            text=value,
            decision_maker_name=decision_maker_display_name(decision_maker),
            signer_name=name,
            signer_city=city,
        )

    blocks = [fill(line) for line in (text.recipients_line, *text.paragraphs) if line]
    personal = _paragraph_text(signature.personal_message) if letter.allow_personal_message else ""
    if personal:
        blocks.append(personal)
    signed = [fill(text.closing)] if text.closing else []
    signed += [line for line in (name, city) if line]
    blocks.append("\n".join(signed))
    blocks.append("-- \n" + _footer(letter))
    return letter_subject(letter), "\n\n".join(block for block in blocks if block) + "\n"


def constituent_messages_create(*, signature) -> list[int]:
    """Write the signer's messages to their decision makers; the ids of the rows this call made.

    Called inside the transaction that confirms the signature (the row is locked there), so
    two confirmations of one signature run one after the other; the unique constraint on
    (signature, decision maker) keeps a second call from writing a second message. Pending
    messages are queued once the transaction commits; with the letter's daily digest they
    wait as `batched` for `constituent_digests_build`.
    """
    letter = signature.letter
    if letter.delivery_mode != CONSTITUENT:
        return []
    decision_makers = [
        dm
        for dm in decision_makers_for(letter=letter, country=str(signature.country or ""), region=signature.region)
        if dm.email
    ]
    done = set(
        OutgoingMessage.objects.filter(
            kind=Kind.CONSTITUENT, signature=signature, decision_maker__in=decision_makers
        ).values_list("decision_maker_id", flat=True)
    )
    state = State.BATCHED if letter.constituent_digest else State.PENDING
    rows = []
    for decision_maker in decision_makers:
        if decision_maker.pk in done:
            continue
        subject, body = constituent_message_text(letter=letter, signature=signature, decision_maker=decision_maker)
        rows.append(
            OutgoingMessage(
                letter=letter,
                kind=Kind.CONSTITUENT,
                signature=signature,
                decision_maker=decision_maker,
                recipient_name=decision_maker_display_name(decision_maker)[:300],
                recipient_email=decision_maker.email,
                subject=subject,
                body=body,
                state=state,
            )
        )
    if not rows:
        return []
    OutgoingMessage.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        OutgoingMessage.objects.filter(
            kind=Kind.CONSTITUENT, signature=signature, decision_maker__in=[row.decision_maker for row in rows]
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if state == State.PENDING:
        messages_queue_on_commit(ids)
    return ids


# --- the daily digest ---------------------------------------------------------------------------


def _digest_text(letter, decision_maker, messages: list[OutgoingMessage]) -> tuple[str, str]:
    count = len(messages)
    title = one_line(letter.title)
    subject = ngettext(
        "%(count)s constituent wrote to you about %(title)s",
        "%(count)s constituents wrote to you about %(title)s",
        count,
    ) % {"count": count, "title": title}
    text = LetterText.of(letter)

    def fill(value: str) -> str:
        return constituent_tokens_fill(
            text=value,
            decision_maker_name=decision_maker_display_name(decision_maker),
            signer_name=_("(each constituent, listed below)"),
            signer_city=_("(their city, listed below)"),
        )

    intro = ngettext(
        "%(count)s constituent signed the letter “%(title)s” and confirmed their email address. "
        "The letter they sent you:",
        "%(count)s constituents signed the letter “%(title)s” and confirmed their email addresses. "
        "The letter they sent you:",
        count,
    ) % {"count": count, "title": title}
    letter_lines = [fill(line) for line in (text.recipients_line, *text.paragraphs, text.closing) if line]
    signers = []
    for number, message in enumerate(messages, start=1):
        signature = message.signature
        place = ", ".join(part for part in (one_line(signature.city), signature.country.name) if part)
        entry = f"{number}. {signer_display_name(signature)}" + (f", {place}" if place else "")
        personal = _paragraph_text(signature.personal_message) if letter.allow_personal_message else ""
        if personal:
            entry += "\n" + "\n".join(f"   {line}" if line else "" for line in personal.split("\n"))
        signers.append(entry)
    body = "\n\n".join(
        [
            intro,
            "\n\n".join(letter_lines),
            _("The constituents, with the paragraph each of them added:"),
            "\n\n".join(signers),
            "-- \n" + _footer(letter, digest=True),
        ]
    )
    return subject[:SUBJECT_MAX], body + "\n"


def constituent_digests_build(*, now: datetime | None = None) -> int:
    """Gather the batched messages into one digest per decision maker and letter; how many were made.

    Idempotent: a message joins a digest once (its `digest` is set in the same transaction,
    on rows locked for it), and a decision maker who had a digest for a letter in the last
    DIGEST_EVERY_HOURS gets the rest with the next run. Messages of signatures withdrawn or
    invalidated since, or of decision makers no longer active, are cancelled instead.
    """
    now = now or timezone.now()
    batched = OutgoingMessage.objects.filter(kind=Kind.CONSTITUENT, state=State.BATCHED, digest__isnull=True)
    batched.exclude(signature__state=SignatureState.CONFIRMED).update(state=State.CANCELLED)
    batched.filter(decision_maker__active=False).update(state=State.CANCELLED)
    batched.filter(decision_maker__isnull=True).update(state=State.CANCELLED)
    groups = (
        batched.values_list("decision_maker_id", "letter_id").distinct().order_by("decision_maker_id", "letter_id")
    )
    made = 0
    for decision_maker_id, letter_id in list(groups):
        made += _digest_build(decision_maker_id=decision_maker_id, letter_id=letter_id, now=now)
    return made


@transaction.atomic
def _digest_build(*, decision_maker_id: int, letter_id: int, now: datetime) -> int:
    recent = OutgoingMessage.objects.filter(
        kind=Kind.DIGEST,
        decision_maker_id=decision_maker_id,
        letter_id=letter_id,
        created_at__gt=now - timedelta(hours=DIGEST_EVERY_HOURS),
    )
    if recent.exists():
        return 0
    messages = list(
        OutgoingMessage.objects.select_for_update(of=("self",))
        .filter(
            kind=Kind.CONSTITUENT,
            state=State.BATCHED,
            digest__isnull=True,
            decision_maker_id=decision_maker_id,
            letter_id=letter_id,
        )
        .select_related("signature", "letter", "decision_maker")
        .order_by("created_at", "pk")
    )
    made = []
    for start in range(0, len(messages), DIGEST_MAX_MESSAGES):
        chunk = messages[start : start + DIGEST_MAX_MESSAGES]
        letter, decision_maker = chunk[0].letter, chunk[0].decision_maker
        subject, body = _digest_text(letter, decision_maker, chunk)
        digest = OutgoingMessage.objects.create(
            letter=letter,
            kind=Kind.DIGEST,
            decision_maker=decision_maker,
            recipient_name=decision_maker_display_name(decision_maker)[:300],
            recipient_email=decision_maker.email,
            subject=subject,
            body=body,
            state=State.PENDING,
        )
        OutgoingMessage.objects.filter(pk__in=[message.pk for message in chunk]).update(digest=digest)
        made.append(digest.pk)
    messages_queue_on_commit(made)
    return len(made)
