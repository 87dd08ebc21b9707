"""Read-side queries for letters; each returns rows with their relations loaded."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django_countries.fields import Country

from .models import (
    ACTIVE_ENDORSEMENT_STATES,
    PUBLIC_STATUSES,
    Endorsement,
    EndorsementState,
    LetterPage,
    LetterStatus,
    LetterStatusChange,
    Signature,
    SignatureState,
    SignatureTally,
)

OPEN_STATUSES = [LetterStatus.OPEN_FOR_SIGNATURES, LetterStatus.OPEN_FOR_ENDORSEMENT]


def letters_public_list(*, parent=None, status: str | None = None, language: str | None = None) -> QuerySet:
    """Live letters the public may see in listings, open ones first, newest first."""
    qs = LetterPage.objects.live().public().filter(status__in=PUBLIC_STATUSES)
    if parent is not None:
        qs = qs.child_of(parent)
    if status:
        qs = qs.filter(status=status)
    if language:
        qs = qs.filter(letters_in_language_q(language))
    return qs.select_related("lead_organization", "hero_image").order_by("-first_published_at", "-pk")


def letters_in_language_q(language: str) -> Q:
    """Letters written in `language`, or with a published translation into it (their child page)."""
    from django.db.models import F, Subquery
    from django.db.models.functions import Length, Substr

    from .models import LetterTranslationPage

    translated = (
        LetterTranslationPage.objects.live()
        .filter(language=language)
        .annotate(parent_path=Substr(F("path"), 1, Length("path") - LetterPage.steplen))
        .values("parent_path")
    )
    return Q(language=language) | Q(path__in=Subquery(translated))


def letters_open_list() -> QuerySet:
    """Live letters that accept signatures or endorsements right now."""
    return letters_public_list().filter(status__in=OPEN_STATUSES)


def letter_status_history(*, letter: LetterPage) -> QuerySet:
    return LetterStatusChange.objects.filter(letter=letter).select_related("acting_user")


def letter_status_changes_unnotified(*, older_than) -> QuerySet:
    """Status changes whose notification email has not gone out (the sweeper's work list)."""
    return LetterStatusChange.objects.filter(notified_at__isnull=True, created_at__lt=older_than).order_by("pk")


def letter_share_links(*, letter: LetterPage, url: str) -> list[dict]:
    """Plain share links: no third-party script or image is ever loaded by the page."""
    text = letter.share_text or letter.title
    return [
        {
            "label": "Email",
            "url": "mailto:?" + urlencode({"subject": letter.title, "body": f"{text}\n\n{url}"}),
        },
        {"label": "Bluesky", "url": "https://bsky.app/intent/compose?" + urlencode({"text": f"{text} {url}"})},
        {"label": "X", "url": "https://x.com/intent/post?" + urlencode({"text": text, "url": url})},
        {"label": "Facebook", "url": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})},
        {"label": "WhatsApp", "url": "https://wa.me/?" + urlencode({"text": f"{text} {url}"})},
    ]


# --- endorsements on the public page ---------------------------------------------------

# Above this many listed endorsers the page offers a filter by country.
ENDORSERS_FILTER_FROM = 12


@dataclass(frozen=True)
class Endorser:
    """One listed (public) endorser; `role` is "lead", "co_drafter" or ""."""

    organization: object
    role: str = ""


@dataclass
class LetterEndorsers:
    """What the public page says about the organizations that signed a letter.

    Only approved endorsements of the current text count. `listed` holds the
    public ones alone: an undisclosed endorser is a number here, never a row, so no
    template can show its name by mistake.
    """

    count: int = 0
    undisclosed_count: int = 0
    reconfirming_count: int = 0
    listed: list[Endorser] = field(default_factory=list)
    listed_count: int = 0
    countries: list[tuple[str, str]] = field(default_factory=list)
    country: str = ""
    accepts_endorsements: bool = False

    @property
    def show_country_filter(self) -> bool:
        return self.listed_count > ENDORSERS_FILTER_FROM

    @property
    def is_shown(self) -> bool:
        return bool(self.count or self.reconfirming_count or self.accepts_endorsements)


def letter_endorsers(*, letter: LetterPage, country: str | None = None) -> LetterEndorsers:
    """The letter's endorsers for its public page: counts, and the public ones in order.

    Listed: the lead organization first, then the co-drafters in their order, then
    everyone else alphabetically. `country` (a code) narrows the list when it names a
    country present in it.
    """
    from .services import letter_accepts_endorsements, letter_current_text

    current = letter_current_text(letter).hash
    counted = Endorsement.objects.filter(letter=letter, state=EndorsementState.APPROVED, content_hash=current)
    numbers = Endorsement.objects.filter(letter=letter).aggregate(
        count=Count("pk", filter=Q(state=EndorsementState.APPROVED, content_hash=current)),
        undisclosed=Count(
            "pk",
            filter=Q(
                state=EndorsementState.APPROVED,
                content_hash=current,
                display=Endorsement.Display.UNDISCLOSED,
            ),
        ),
        # Only endorsements an editor had approved: a sign-on never reviewed is not news.
        reconfirming=Count("pk", filter=Q(state=EndorsementState.NEEDS_RECONFIRMATION, approved_at__isnull=False)),
    )
    rank = {letter.lead_organization_id: (0, 0)} if letter.lead_organization_id else {}
    # The co-drafters the page and its signature form show anyway (one query for all three).
    for position, co_drafter in enumerate(letter.co_drafting_organizations):
        rank.setdefault(co_drafter.pk, (1, position))
    roles = {0: "lead", 1: "co_drafter"}
    organizations = [
        endorsement.organization
        for endorsement in counted.filter(display=Endorsement.Display.PUBLIC)
        .select_related("organization", "organization__logo")
        # The logos' renditions in one query, not one per organization.
        .prefetch_related("organization__logo__renditions")
    ]
    organizations.sort(key=lambda org: (*rank.get(org.pk, (2, 0)), org.name.casefold(), org.pk))
    public = [Endorser(org, roles.get(rank.get(org.pk, (2,))[0], "")) for org in organizations]

    countries = sorted(
        {(org.country.code, org.country.name) for org in organizations if org.country}, key=lambda c: c[1]
    )
    chosen = ""
    listed = public
    if len(public) > ENDORSERS_FILTER_FROM and country:
        chosen = next((code for code, _name in countries if code == str(country).upper()), "")
        if chosen:
            listed = [row for row in public if row.organization.country.code == chosen]
    return LetterEndorsers(
        count=numbers["count"],
        undisclosed_count=numbers["undisclosed"],
        reconfirming_count=numbers["reconfirming"],
        listed=listed,
        listed_count=len(public),
        countries=countries,
        country=chosen,
        accepts_endorsements=letter_accepts_endorsements(letter),
    )


def letter_endorse_as_organizations(*, letter: LetterPage, user) -> list:
    """Organizations the signed-in person manages (owner or admin) that have not endorsed the letter yet."""
    from coalition.orgs.models import Membership, Organization

    if not user.is_authenticated:
        return []
    endorsed = Endorsement.objects.filter(letter=letter, state__in=ACTIVE_ENDORSEMENT_STATES).values("organization_id")
    return list(
        Organization.objects.filter(
            memberships__user=user,
            memberships__role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
        )
        .exclude(pk__in=endorsed)
        .order_by("name", "pk")
    )


# --- signatures on the public page ------------------------------------------------------

RECENT_SIGNERS = 8
COUNTRIES_SHOWN = 10


@dataclass(frozen=True)
class CountryCount:
    country: object  # a django_countries Country
    count: int
    share: float  # of the largest country's count, for the bar's length


@dataclass(frozen=True)
class RecentSigner:
    name: str
    city: str
    country: object
    confirmed_at: object


@dataclass
class SignatureSummary:
    """What the letter page says about its signatures, read from the tallies, never by counting rows."""

    total: int
    goal: int | None
    countries: list[CountryCount]
    other_countries: int  # how many countries beyond the ones listed
    other_count: int  # their signatures together
    country_total: int  # how many countries in all
    recent: list[RecentSigner]

    @property
    def percent(self) -> int:
        if not self.goal:
            return 0
        return min(100, int(self.total * 100 / self.goal))


def letter_signature_summary(*, letter: LetterPage) -> SignatureSummary:
    """Counts from SignatureTally (one row per country) and the newest public signers (an index scan)."""
    tallies = list(SignatureTally.objects.filter(letter=letter, confirmed__gt=0).order_by("-confirmed", "country"))
    total = sum(t.confirmed for t in tallies)
    shown = [t for t in tallies if t.country][:COUNTRIES_SHOWN]
    largest = shown[0].confirmed if shown else 0
    countries = [
        CountryCount(country=Country(code=t.country), count=t.confirmed, share=t.confirmed / largest if largest else 0)
        for t in shown
    ]
    recent_rows = (
        Signature.objects.filter(letter=letter, state=SignatureState.CONFIRMED, show_name=True)
        .order_by("-confirmed_at")
        .only("first_name", "last_name", "show_full_name", "city", "country", "confirmed_at")[:RECENT_SIGNERS]
    )
    recent = [
        RecentSigner(name=row.public_name, city=row.city, country=row.country, confirmed_at=row.confirmed_at)
        for row in recent_rows
    ]
    return SignatureSummary(
        total=total,
        goal=letter.signature_goal,
        countries=countries,
        other_countries=max(0, len(tallies) - len(shown)),
        other_count=total - sum(c.count for c in countries),
        country_total=len([t for t in tallies if t.country]),
        recent=recent,
    )
