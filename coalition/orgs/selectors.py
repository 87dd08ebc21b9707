"""Read-side queries for organizations, and who may see what in the partner portal."""

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db.models import Case, CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.utils import timezone

from .models import Invitation, Membership, Organization, OrganizationAuditEntry

Role = Membership.Role


def organizations_for_user(*, user) -> QuerySet:
    """The organizations a person belongs to, in name order."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).select_related("logo").distinct()


def organization_managers(*, organization_ids) -> QuerySet:
    """Active owners and admins of the given organizations, with their users loaded."""
    return Membership.objects.filter(
        organization_id__in=organization_ids,
        role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
        user__is_active=True,
    ).select_related("user")


# --- partner portal: who may see an organization ---------------------------------


def user_is_editor(*, user) -> bool:
    """Coalition staff: they see and manage every organization (same test as the services)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm("orgs.change_membership"))


def membership_for(*, user, organization: Organization) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(organization=organization, user=user).first()


@dataclass(frozen=True)
class OrganizationAccess:
    """What the signed-in person is to one organization."""

    organization: Organization
    membership: Membership | None
    is_editor: bool

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def can_manage(self) -> bool:
        """Owners, admins and coalition editors manage people and the profile."""
        return self.is_editor or bool(self.membership and self.membership.can_manage)

    @property
    def can_grant_owner(self) -> bool:
        """Only owners (and editors) give or take the owner role."""
        return self.is_editor or self.role == Role.OWNER

    def can_change_member(self, membership: Membership) -> bool:
        """Mirrors services._check_can_assign: admins cannot touch owners."""
        if not self.can_manage:
            return False
        return self.can_grant_owner or membership.role != Role.OWNER

    def assignable_roles(self) -> list[tuple[str, str]]:
        if self.can_grant_owner:
            return list(Role.choices)
        return [(value, label) for value, label in Role.choices if value != Role.OWNER]


def organization_access_or_404(*, user, slug: str) -> OrganizationAccess:
    """The organization behind `slug`, for its members and coalition editors only.

    Everyone else gets the same 404 as for a slug that does not exist, so the portal
    never confirms that an organization (or its membership) exists.
    """
    organization = Organization.objects.select_related("logo").filter(slug=slug).first()
    if organization is None or not user.is_authenticated:
        raise Http404
    membership = membership_for(user=user, organization=organization)
    is_editor = user_is_editor(user=user)
    if membership is None and not is_editor:
        raise Http404
    return OrganizationAccess(organization=organization, membership=membership, is_editor=is_editor)


def portal_organizations(*, user) -> QuerySet:
    """Organizations for the portal home, each with `my_role` (None for an editor who is not a member).

    Members see their own organizations; editors see all of them.
    """
    if not user.is_authenticated:
        return Organization.objects.none()
    my_role = Membership.objects.filter(organization=OuterRef("pk"), user=user).values("role")[:1]
    qs = Organization.objects.annotate(my_role=Subquery(my_role)).select_related("logo")
    if not user_is_editor(user=user):
        qs = qs.filter(memberships__user=user)
    return qs.order_by("name", "pk")


# --- partner portal: what an organization holds ----------------------------------


def organization_letters(*, organization: Organization) -> QuerySet:
    """Letters the organization leads or co-drafts, with `portal_role` ("lead" or "co_drafter")."""
    from coalition.letters.models import LetterCoDrafter, LetterPage

    co_drafted = LetterCoDrafter.objects.filter(organization=organization).values("page_id")
    return (
        LetterPage.objects.filter(Q(lead_organization=organization) | Q(pk__in=co_drafted))
        .annotate(
            portal_role=Case(
                When(lead_organization=organization, then=Value("lead")),
                default=Value("co_drafter"),
                output_field=CharField(),
            )
        )
        .select_related("lead_organization")
        .order_by("-latest_revision_created_at", "-pk")
    )


def organization_member_counts(*, organization: Organization) -> dict[str, int]:
    counts = organization.memberships.aggregate(
        total=Count("pk"),
        owner=Count("pk", filter=Q(role=Role.OWNER)),
        admin=Count("pk", filter=Q(role=Role.ADMIN)),
        member=Count("pk", filter=Q(role=Role.MEMBER)),
    )
    return counts


ROLE_ORDER = Case(
    When(role=Role.OWNER, then=Value(0)),
    When(role=Role.ADMIN, then=Value(1)),
    default=Value(2),
)


def organization_members(*, organization: Organization) -> QuerySet:
    """Memberships, owners first, then admins, then members, each by name."""
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by(ROLE_ORDER, "user__first_name", "user__last_name", "user__email", "pk")
    )


def organization_open_invitations(*, organization: Organization) -> QuerySet:
    return (
        Invitation.objects.filter(
            organization=organization,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


def organization_audit_entries(*, organization: Organization) -> QuerySet:
    return OrganizationAuditEntry.objects.filter(organization=organization).select_related("acting_user")


def account_exists_for_email(*, email: str) -> bool:
    """Does an account use this address (as its own, or verified through allauth), in any case?

    Unverified addresses do not count: anyone can type someone else's address into
    their account, and that must not stop the real owner from accepting an invitation.
    """
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    return (
        get_user_model().objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email, verified=True).exists()
    )


# --- matching an organization named on a public form --------------------------------

# Hosts many unrelated organizations share: a page there says nothing about who owns it.
SHARED_HOSTS = {
    "facebook.com",
    "fb.com",
    "instagram.com",
    "twitter.com",
    "x.com",
    "linkedin.com",
    "youtube.com",
    "medium.com",
    "substack.com",
    "wordpress.com",
    "blogspot.com",
    "wixsite.com",
    "squarespace.com",
    "github.io",
    "google.com",
    "sites.google.com",
    "linktr.ee",
    "t.me",
}
_NAME_NOISE = re.compile(r"[^\w]+", re.UNICODE)


def website_domain(url: str) -> str:
    """The registrable-looking host of a website ("https://www.Example.org/x" → "example.org")."""
    url = (url or "").strip()
    if not url:
        return ""
    if "://" not in url:
        url = "https://" + url
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    if host.startswith("www."):
        host = host[4:]
    if host in SHARED_HOSTS or any(host.endswith("." + shared) for shared in SHARED_HOSTS):
        return ""
    return host


def organization_name_key(name: str) -> str:
    """A name as people mean it: case, accents, punctuation and a leading "The" ignored."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = _NAME_NOISE.sub(" ", stripped.casefold()).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def organization_match(*, name: str, website: str = "") -> Organization | None:
    """The existing organization a sign-on names: same website domain first, then same name.

    Organizations number in the thousands at most, so the keys are computed here
    rather than stored.
    """
    domain = website_domain(website)
    key = organization_name_key(name)
    by_name = None
    for pk, other_name, other_website in Organization.objects.values_list("pk", "name", "website").order_by("pk"):
        if domain and website_domain(other_website) == domain:
            return Organization.objects.get(pk=pk)
        if by_name is None and key and organization_name_key(other_name) == key:
            by_name = pk
    return Organization.objects.get(pk=by_name) if by_name is not None else None


# --- partner portal: endorsements ---------------------------------------------------


def organization_endorsements(*, organization: Organization) -> QuerySet:
    """The organization's endorsements, newest first, with their letters loaded."""
    from coalition.letters.models import Endorsement

    return (
        Endorsement.objects.filter(organization=organization)
        .select_related("letter", "submitted_by")
        .order_by("-created_at", "-pk")
    )


def organization_letters_to_endorse(*, organization: Organization) -> QuerySet:
    """Published letters open for endorsement that the organization has not endorsed.

    A letter the organization withdrew from stays listed: it may endorse it again.
    """
    from coalition.letters.models import ACTIVE_ENDORSEMENT_STATES, Endorsement, EndorsementState, LetterPage
    from coalition.letters.selectors import OPEN_STATUSES

    standing = Endorsement.objects.filter(
        organization=organization, state__in=[*ACTIVE_ENDORSEMENT_STATES, EndorsementState.REJECTED]
    ).values("letter_id")
    return (
        LetterPage.objects.live()
        .public()
        .filter(status__in=OPEN_STATUSES)
        .exclude(pk__in=standing)
        .select_related("lead_organization")
        .order_by(F("deadline").asc(nulls_last=True), "-first_published_at", "-pk")
    )


def organizations_public() -> QuerySet:
    """Organizations the public may know are on the platform.

    Those that lead or co-draft a published letter, or whose public endorsement of one
    was approved. An organization that only endorsed undisclosed, or whose sign-on is
    still pending, stays unknown: listing it would say what its endorsement hides.
    """
    from coalition.letters.models import PUBLIC_STATUSES, EndorsementState

    return (
        Organization.objects.filter(
            Q(led_letters__live=True, led_letters__status__in=PUBLIC_STATUSES)
            | Q(co_drafted_letters__page__live=True, co_drafted_letters__page__status__in=PUBLIC_STATUSES)
            | Q(
                endorsements__state=EndorsementState.APPROVED,
                endorsements__display="public",
                endorsements__letter__live=True,
                endorsements__letter__status__in=PUBLIC_STATUSES,
            )
        )
        .distinct()
        .order_by("name")
    )


# --- partner portal: signatures ---------------------------------------------------------


@dataclass(frozen=True)
class LetterSignatureCounts:
    """One letter's signatures as one organization sees them."""

    letter_id: int
    title: str
    brought_in_confirmed: int
    brought_in_pending: int
    consented: int


def organization_signature_counts(*, organization: Organization) -> list[LetterSignatureCounts]:
    """Per letter: signatures the organization brought in (counted, awaiting confirmation), and
    counted signers who agreed to hear from it (exactly those its download holds)."""
    from coalition.letters.models import LetterPage, Signature, SignatureState

    brought = {
        row["letter_id"]: row
        for row in Signature.objects.filter(source_organization=organization)
        .values("letter_id")
        .annotate(
            confirmed=Count("pk", filter=Q(state=SignatureState.CONFIRMED)),
            pending=Count("pk", filter=Q(state=SignatureState.PENDING_CONFIRMATION)),
        )
        .order_by()
    }
    consented = {
        row["signature__letter_id"]: row["n"]
        for row in organization_consented_signers(organization=organization)
        .values("signature__letter_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    titles = dict(LetterPage.objects.filter(pk__in=set(brought) | set(consented)).values_list("pk", "title"))
    rows = [
        LetterSignatureCounts(
            letter_id=letter_id,
            title=title,
            brought_in_confirmed=brought.get(letter_id, {}).get("confirmed", 0),
            brought_in_pending=brought.get(letter_id, {}).get("pending", 0),
            consented=consented.get(letter_id, 0),
        )
        for letter_id, title in titles.items()
    ]
    return sorted(rows, key=lambda row: (row.title.casefold(), row.letter_id))


def organization_consented_signers(*, organization: Organization) -> QuerySet:
    """The organization's consents from counted signers whose details are still held.

    Only consents to this organization: a signer who agreed to hear from another one
    only, or from none, is never here; nor is one whose signature was withdrawn,
    invalidated, held or not yet confirmed, nor one anonymised by retention.
    """
    from coalition.letters.models import SignatureConsent, SignatureState

    return (
        SignatureConsent.objects.filter(
            organization=organization,
            signature__state=SignatureState.CONFIRMED,
            signature__anonymised_at__isnull=True,
        )
        .select_related("signature", "signature__letter")
        .order_by("signature__letter__title", "signature__letter_id", "signature__last_name", "signature__pk")
    )
