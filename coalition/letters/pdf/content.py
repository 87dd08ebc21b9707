"""What the signed PDF says: the letter, its organizations, and the lines of the signatory list.

Reads only; the build (letters.services.documents) decides what to render and when. The
signatory list is streamed from the database in a stable order (confirmation order, or by
country and then confirmation order), so the chunks of a long list stay the same from one
build to the next except where signatures were added or removed.
"""

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, Sum
from django.utils import formats, timezone
from django_countries import countries

from ..models import Endorsement, EndorsementState, LetterPage, Signature, SignatureState, SignatureTally
from ..models.signatures import signer_public_name
from ..text import LetterText

# Bump when the layout of the signatory pages changes: every chunk is then rendered afresh.
LAYOUT_VERSION = "3"  # 3: IBM Plex Sans Arabic; no flex rows (they break right to left)
LINES_PER_COLUMN = 80
COLUMNS = 3
LINES_PER_PAGE = LINES_PER_COLUMN * COLUMNS
PAGES_PER_CHUNK = 20
LINES_PER_CHUNK = LINES_PER_PAGE * PAGES_PER_CHUNK
LINE_CHARACTERS = 52  # what fits a column at 7 pt; longer lines are shortened with "…"
_FSI, _PDI = "\u2068", "\u2069"  # bidi isolates: an Arabic name does not reorder its neighbours
# Right-to-left letters (Hebrew, Arabic, Syriac, Thaana, N'Ko...): only lines holding one need the
# isolates, which cost the layout a fifth of its time.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def listed_signatures(letter: LetterPage, *, confirmed_after=None, confirmed_until=None):
    """Confirmed signatures whose signers agreed to be listed: the PDF's individual signatories.

    `confirmed_after` / `confirmed_until` keep those counted in that window (after, up to and
    including until): the new signatories of a delivery's addendum.
    """
    signatures = Signature.objects.filter(letter=letter, state=SignatureState.CONFIRMED, show_name=True)
    if confirmed_after is not None:
        signatures = signatures.filter(confirmed_at__gt=confirmed_after)
    if confirmed_until is not None:
        signatures = signatures.filter(confirmed_at__lte=confirmed_until)
    return signatures


def signatories_fingerprint(letter: LetterPage) -> str:
    """Changes whenever the listed signatories may have: part of a build's inputs key (one query)."""
    figures = listed_signatures(letter).aggregate(
        n=Count("pk"), last_id=Max("pk"), changed=Max("state_changed_at"), anonymised=Max("anonymised_at")
    )
    withdrawn = Signature.objects.filter(letter=letter).exclude(state=SignatureState.CONFIRMED)
    gone = withdrawn.aggregate(changed=Max("state_changed_at"))
    return "|".join(str(figures[key]) for key in ("n", "last_id", "changed", "anonymised")) + f"|{gone['changed']}"


@dataclass(frozen=True)
class PdfOrganization:
    name: str
    country: str
    role: str  # "lead", "co_drafter" or ""
    logo_name: str  # a rendition's storage name, or ""


@dataclass
class FrontMatter:
    letter: LetterPage
    text: LetterText
    body_html: str  # the published rich text, links and formatting expanded
    organizations: list[PdfOrganization]
    organizations_count: int  # approved endorsements of the current text, named or not
    unnamed_count: int  # undisclosed organizations not to be named in the PDF
    signatories_count: int  # listed by name: those who agreed to be named
    individuals_count: int = 0  # every confirmed individual signature, named or not
    recipients: list = field(default_factory=list)
    as_of: object = None

    @property
    def lead_organization(self) -> PdfOrganization | None:
        return next((org for org in self.organizations if org.role == "lead"), None)


def _logo_name(organization) -> str:
    image = organization.logo
    if image is None:
        return ""
    try:
        return image.get_rendition("max-360x160|format-png").file.name
    except (OSError, ValueError):
        return ""  # an unreadable stored image: the organization is listed without its logo


def confirmed_individuals(letter: LetterPage) -> int:
    """Every confirmed individual signature, from the per-country tallies (never a COUNT over signatures)."""
    return SignatureTally.objects.filter(letter=letter).aggregate(total=Sum("confirmed"))["total"] or 0


def front_matter(letter: LetterPage, *, signatories_count: int) -> FrontMatter:
    """The letter as published, and the organizations the recipients are told about, in order."""
    from ..services import letter_current_text

    source_text = letter_current_text(letter)  # organizations endorse the source text
    counted = Endorsement.objects.filter(letter=letter, state=EndorsementState.APPROVED, content_hash=source_text.hash)
    named = counted.filter(Q(display=Endorsement.Display.PUBLIC) | Q(list_in_pdf=True)).select_related(
        "organization", "organization__logo"
    )
    rank = {letter.lead_organization_id: (0, 0)} if letter.lead_organization_id else {}
    for position, co_drafter in enumerate(letter.co_drafting_organizations):
        rank.setdefault(co_drafter.pk, (1, position))
    roles = {0: "lead", 1: "co_drafter"}
    endorsers = sorted(
        (endorsement.organization for endorsement in named),
        key=lambda org: (*rank.get(org.pk, (2, 0)), org.name.casefold(), org.pk),
    )
    organizations = [
        PdfOrganization(
            name=org.name,
            country=org.country.name if org.country else "",
            role=roles.get(rank.get(org.pk, (2,))[0], ""),
            logo_name=_logo_name(org),
        )
        for org in endorsers
    ]
    total = counted.count()
    from wagtail.rich_text import expand_db_html

    translation = getattr(letter, "translation", None)  # a letter served in a published translation
    if translation is None:
        text = source_text
        stored_body = LetterPage.objects.filter(pk=letter.pk).values_list("body", flat=True).first() or ""
    else:
        from ..models import LetterTranslationPage

        stored = LetterTranslationPage.objects.filter(pk=translation.pk).only(
            "title", "recipients_line", "body", "closing"
        )
        stored = stored.first() or translation
        text, stored_body = LetterText.of(stored), stored.body or ""
    return FrontMatter(
        letter=letter,
        text=text,
        body_html=expand_db_html(stored_body),
        organizations=organizations,
        organizations_count=total,
        unnamed_count=total - len(organizations),
        signatories_count=signatories_count,
        # At least the names listed: a tally behind by a moment must not say fewer than the list.
        individuals_count=max(confirmed_individuals(letter), signatories_count),
        recipients=list(letter.recipients.all()),
        as_of=timezone.now(),
    )


def letterhead_logos(front: FrontMatter) -> list[PdfOrganization]:
    """The lead's and co-drafters' logos for the letterhead (those that have one)."""
    return [org for org in front.organizations if org.role in ("lead", "co_drafter") and org.logo_name]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)].rstrip() + "…"


def signatory_line(name: str, city: str, country: str) -> str:
    """ "Amina K. · Gaziantep, Syria", at most LINE_CHARACTERS long (the place is shortened first)."""
    place = ", ".join(part for part in (city.strip(), country) if part)
    name = _shorten(" ".join(name.split()), LINE_CHARACTERS - 8)
    room = LINE_CHARACTERS - len(name) - 3
    if not place or room < 4:
        return name
    place = _shorten(place, room)
    if _RTL.search(name) or _RTL.search(place):
        return f"{_FSI}{name}{_PDI} · {_FSI}{place}{_PDI}"
    return f"{name} · {place}"


@dataclass(frozen=True)
class Line:
    """One line of the signatory pages: a signer (`signature_id`), or a country heading (0)."""

    text: str
    signature_id: int = 0

    @property
    def heading(self) -> bool:
        return self.signature_id == 0


def signatory_lines(
    letter: LetterPage, *, group_by_country: bool, batch: int = 5000, confirmed_after=None, confirmed_until=None
) -> Iterator[Line]:
    """The list, line by line, straight from the database (bounded memory for a million names).

    In confirmation order; grouped, by country name with a heading and count per country,
    then in confirmation order within the country. `confirmed_after` / `confirmed_until`:
    only the signatories counted in that window (see listed_signatures).
    """
    listed = listed_signatures(letter, confirmed_after=confirmed_after, confirmed_until=confirmed_until)
    rows = listed.values_list("pk", "first_name", "last_name", "show_full_name", "city", "country")
    country_names: dict[str, str] = {}  # django-countries takes 60 µs a name: once per country, not per signer
    if not group_by_country:
        for pk, first, last, full, city, country in rows.order_by("pk").iterator(chunk_size=batch):
            name = country_names.get(country)
            if name is None:
                name = country_names[country] = countries.name(country) if country else ""
            yield Line(signatory_line(signer_public_name(first, last, full), city, name), pk)
        return
    counts = dict(listed.values_list("country").annotate(n=Count("pk")).order_by())
    ordered = sorted(counts, key=lambda code: (countries.name(code) if code else "~").casefold())
    for code in ordered:
        label = countries.name(code) if code else ""
        yield Line(f"{label or '—'} ({formats.number_format(counts[code], force_grouping=True)})")
        for pk, first, last, full, city, _country in (
            rows.filter(country=code).order_by("pk").iterator(chunk_size=batch)
        ):
            yield Line(signatory_line(signer_public_name(first, last, full), city, ""), pk)


@dataclass
class Chunk:
    """A run of LINES_PER_CHUNK lines (the last one shorter): rendered once, reused while unchanged."""

    index: int
    lines: list[Line]
    key: str = ""

    @property
    def names(self) -> int:
        return sum(1 for line in self.lines if not line.heading)

    @property
    def pages(self) -> int:
        return -(-len(self.lines) // LINES_PER_PAGE)

    @property
    def first_signature_id(self) -> int:
        return next((line.signature_id for line in self.lines if not line.heading), 0)

    @property
    def last_signature_id(self) -> int:
        return next((line.signature_id for line in reversed(self.lines) if not line.heading), 0)


def chunk_key(lines: list[Line], *, language: str, direction: str) -> str:
    digest = hashlib.sha256(f"{LAYOUT_VERSION}|{language}|{direction}".encode())
    for line in lines:
        digest.update(b"\n" + (b"#" if line.heading else b"") + line.text.encode())
    return digest.hexdigest()


def signatory_chunks(
    letter: LetterPage,
    *,
    group_by_country: bool,
    language: str,
    direction: str,
    list_digest,
    confirmed_after=None,
    confirmed_until=None,
) -> Iterator[Chunk]:
    """The list cut into chunks, each with its key; `list_digest` (a hashlib object) sees every line."""
    lines: list[Line] = []
    index = 0
    window = {"confirmed_after": confirmed_after, "confirmed_until": confirmed_until}
    for line in signatory_lines(letter, group_by_country=group_by_country, **window):
        list_digest.update(line.text.encode() + b"\n")
        lines.append(line)
        if len(lines) == LINES_PER_CHUNK:
            yield Chunk(index, lines, chunk_key(lines, language=language, direction=direction))
            lines, index = [], index + 1
    if lines:
        yield Chunk(index, lines, chunk_key(lines, language=language, direction=direction))


def columns_of(page_lines: list[Line]) -> list[list[Line]]:
    """A page's lines in its columns, top to bottom then left to right."""
    return [page_lines[i : i + LINES_PER_COLUMN] for i in range(0, len(page_lines), LINES_PER_COLUMN)]


def pages_of(lines: list[Line]) -> list[list[list[Line]]]:
    return [columns_of(lines[i : i + LINES_PER_PAGE]) for i in range(0, len(lines), LINES_PER_PAGE)]


def document_date(moment, language: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return formats.date_format(timezone.localtime(moment), "j F Y")
