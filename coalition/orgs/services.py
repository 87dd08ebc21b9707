"""Write-side operations on organizations, their people and invitations.

Every function takes the acting user and writes an OrganizationAuditEntry (or Wagtail's
log for editor-side creation) in the same transaction. Emails are queued after commit
with ids only.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .models import Invitation, Membership, Organization, OrganizationAuditEntry

INVITATION_SALT = "coalition.orgs.invitation"
Role = Membership.Role
Action = OrganizationAuditEntry.Action


def _audit(*, organization, acting_user, action, subject="", **data) -> OrganizationAuditEntry:
    return OrganizationAuditEntry.objects.create(
        organization=organization, acting_user=acting_user, action=action, subject=subject, data=data
    )


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


# --- organizations ------------------------------------------------------------


@transaction.atomic
def organization_create(*, acting_user, name: str, slug: str, **fields) -> Organization:
    """Validate and create an organization; the audit row is written in the same transaction."""
    organization = Organization(name=name, slug=slug, **fields)
    organization.full_clean()
    organization.save()
    organization_staff_group(organization=organization)
    log(instance=organization, action="wagtail.create", user=acting_user)
    return organization


PROFILE_FIELDS = ("name", "website", "country", "description", "logo", "require_two_factor", "asks_signer_consent")


@transaction.atomic
def organization_profile_update(*, organization: Organization, acting_user, **changes) -> Organization:
    """Owners and admins edit their organization's public profile."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if acting_user is None or not membership_can_manage(organization=organization, user=acting_user):
        raise PermissionDenied(_("Only owners and admins can edit this organization's profile."))
    changed = {}
    for field, value in changes.items():
        if getattr(organization, field) != value:
            changed[field] = str(value) if field != "logo" else getattr(value, "pk", None)
            setattr(organization, field, value)
    if not changed:
        return organization
    organization.full_clean()
    organization.save()
    _audit(organization=organization, acting_user=acting_user, action=Action.PROFILE_UPDATED, fields=sorted(changed))
    return organization


def organization_staff_group(*, organization: Organization) -> Group:
    """The group of this organization's staff, created on first use.

    It grants access to the Wagtail admin and nothing else; page permissions on the
    organization's letters are added by coalition.letters.access.
    """
    if organization.staff_group_id:
        return organization.staff_group
    group, _created = Group.objects.get_or_create(name=f"Organization staff: {organization.slug}")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    Organization.objects.filter(pk=organization.pk).update(staff_group=group)
    organization.staff_group = group
    for membership in organization.memberships.select_related("user"):
        membership.user.groups.add(group)
    return group


# --- memberships --------------------------------------------------------------


def membership_can_manage(*, organization: Organization, user) -> bool:
    """Owners and admins manage people and the profile; editors manage everything."""
    if not user.is_authenticated:
        return False
    if _is_editor(user):
        return True
    return Membership.objects.filter(organization=organization, user=user, role__in=[Role.OWNER, Role.ADMIN]).exists()


def _is_editor(user) -> bool:
    """Coalition staff who manage every organization from the Wagtail admin."""
    return user is not None and user.is_active and user.has_perm("orgs.change_membership")


def _acting_role(*, organization, acting_user) -> str | None:
    if _is_editor(acting_user):
        return Role.OWNER
    membership = Membership.objects.filter(organization=organization, user=acting_user).first()
    return membership.role if membership else None


def _check_can_assign(*, organization, acting_user, role: str, current_role: str | None = None) -> None:
    """Admins manage members and admins; only owners (and editors) grant or take the owner role."""
    acting_role = _acting_role(organization=organization, acting_user=acting_user)
    if acting_role not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied(_("Only owners and admins can manage this organization's people."))
    if Role.OWNER in (role, current_role) and acting_role != Role.OWNER:
        raise PermissionDenied(_("Only an owner can give or take the owner role."))


@transaction.atomic
def membership_create(*, acting_user, organization: Organization, user, role: str, audit: bool = True) -> Membership:
    membership = Membership(organization=organization, user=user, role=role)
    membership.full_clean()
    membership.save()
    user.groups.add(organization_staff_group(organization=organization))
    if audit:
        _audit(
            organization=organization,
            acting_user=acting_user,
            action=Action.MEMBER_ADDED,
            subject=user.email,
            role=role,
        )
    return membership


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, acting_user) -> Membership:
    if role not in Role.values:
        raise ValidationError(_("Choose one of the roles: owner, admin or member."))
    membership = Membership.objects.select_for_update().select_related("organization", "user").get(pk=membership.pk)
    organization = membership.organization
    _check_can_assign(organization=organization, acting_user=acting_user, role=role, current_role=membership.role)
    if membership.role == role:
        return membership
    if membership.role == Role.OWNER:
        _ensure_another_owner(membership=membership)
    old_role = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    _audit(
        organization=organization,
        acting_user=acting_user,
        action=Action.ROLE_CHANGED,
        subject=membership.user.email,
        old_role=old_role,
        new_role=role,
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, acting_user) -> None:
    """Remove someone from an organization; they lose its letters at once."""
    membership = Membership.objects.select_for_update().select_related("organization", "user").get(pk=membership.pk)
    organization = membership.organization
    if membership.user_id != getattr(acting_user, "pk", None):  # leaving is always allowed, but for the last owner
        _check_can_assign(organization=organization, acting_user=acting_user, role=membership.role)
    if membership.role == Role.OWNER:
        _ensure_another_owner(membership=membership)
    if organization.staff_group_id:
        membership.user.groups.remove(organization.staff_group)
    membership.delete()
    _audit(
        organization=organization,
        acting_user=acting_user,
        action=Action.MEMBER_REMOVED,
        subject=membership.user.email,
        role=membership.role,
    )


def _ensure_another_owner(*, membership: Membership) -> None:
    owners = (
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
    )
    if not owners.exists():
        raise ValidationError(_("An organization always keeps at least one owner: make someone else owner first."))


# --- invitations --------------------------------------------------------------


def invitation_token(*, invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT, compress=True)


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a link points to, or None when the link is forged, expired, used or replaced."""
    max_age = timedelta(days=settings.COALITION_INVITATION_DAYS)
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    invitation = Invitation.objects.select_related("organization").filter(pk=payload.get("i")).first()
    if invitation is None or not constant_time_compare(invitation.nonce, str(payload.get("n", ""))):
        return None
    if not invitation.is_open:
        return None
    return invitation


def _check_invitation_rate(*, acting_user) -> None:
    """No mail-bombing through the invitation form: a partner sends a bounded number per hour."""
    if _is_editor(acting_user):
        return
    recent = OrganizationAuditEntry.objects.filter(
        acting_user=acting_user,
        action=Action.MEMBER_INVITED,
        created_at__gte=timezone.now() - timedelta(hours=1),
    ).count()
    if recent >= settings.COALITION_INVITATIONS_PER_HOUR:
        raise ValidationError(_("You have sent many invitations in the last hour: please try again later."))


@transaction.atomic
def invitation_create(*, organization: Organization, email: str, role: str, acting_user) -> Invitation:
    """Invite an address to the organization; a newer invitation replaces an open older one."""
    from .tasks import invitation_send

    email = normalize_email(email)
    _check_can_assign(organization=organization, acting_user=acting_user, role=role)
    _check_invitation_rate(acting_user=acting_user)
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(_("%(email)s is already a member of this organization.") % {"email": email})
    now = timezone.now()
    Invitation.objects.filter(
        organization=organization, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        nonce=secrets.token_urlsafe(24),
        invited_by=acting_user,
        expires_at=now + timedelta(days=settings.COALITION_INVITATION_DAYS),
    )
    invitation.full_clean()
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as error:  # a concurrent invitation to the same address won
        raise ValidationError(_("An invitation to this address was just sent; try again.")) from error
    _audit(organization=organization, acting_user=acting_user, action=Action.MEMBER_INVITED, subject=email, role=role)
    transaction.on_commit(lambda: invitation_send.delay(invitation.pk), robust=True)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, acting_user) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _check_can_assign(organization=invitation.organization, acting_user=acting_user, role=invitation.role)
    if invitation.accepted_at or invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.nonce = secrets.token_urlsafe(24)
    invitation.save(update_fields=["revoked_at", "nonce"])
    _audit(
        organization=invitation.organization,
        acting_user=acting_user,
        action=Action.INVITATION_REVOKED,
        subject=invitation.email,
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Turn an invitation into a membership for `user`, whose address must match it.

    Locked and re-checked so a link clicked twice (or by two tabs) makes one membership.
    """
    from allauth.account.models import EmailAddress

    invitation = Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(_("This invitation has already been used or has expired."))
    if normalize_email(user.email) != normalize_email(invitation.email):
        raise PermissionDenied(_("This invitation is for another email address."))
    # Following the emailed link proves the person reads this address.
    # Primary only when the person has no primary address yet (one per user, a database rule).
    has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
    address, _created = EmailAddress.objects.get_or_create(
        user=user, email__iexact=invitation.email, defaults={"email": user.email, "primary": not has_primary}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    membership = Membership.objects.filter(organization=invitation.organization, user=user).first()
    if membership is None:
        membership = membership_create(
            acting_user=user, organization=invitation.organization, user=user, role=invitation.role, audit=False
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _audit(
        organization=invitation.organization,
        acting_user=user,
        action=Action.INVITATION_ACCEPTED,
        subject=invitation.email,
        role=membership.role,
    )
    return membership


def invitation_send_email(*, invitation_id: int) -> bool:
    """Email the invitation link; idempotent (sent_at), and silent for closed invitations."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string

    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organization", "invited_by")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.sent_at is not None or not invitation.is_open:
            return False
        context = {
            "invitation": invitation,
            "organization_name": " ".join(invitation.organization.name.split()),
            "inviter": invitation.invited_by,
            "accept_url": settings.SITE_URL + f"/partners/invitations/{invitation_token(invitation=invitation)}/",
            "days": settings.COALITION_INVITATION_DAYS,
        }
        subject = _("You are invited to join %(organization)s on Coalition") % {
            "organization": context["organization_name"]
        }
        body = render_to_string("orgs/emails/invitation.txt", context)
        EmailMessage(subject=subject, body=body, to=[invitation.email]).send()
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


@transaction.atomic
def invitation_accept_new_account(*, invitation: Invitation, first_name: str, last_name: str, password: str, request):
    """Create a person's account and accept their invitation together.

    If accepting fails (the link was used a moment ago), no account is left behind.
    The password was validated by the form (Django's password validators).
    """
    from allauth.account.adapter import get_adapter
    from django.contrib.auth import get_user_model

    user = get_user_model()(email=invitation.email, first_name=first_name, last_name=last_name)
    user.set_password(password)
    get_adapter(request).populate_username(request, user)
    user.save()
    invitation_accept(invitation=invitation, user=user)
    return user


def organization_logo_store(*, content, organization_name: str):
    """Store a re-encoded logo (see orgs.forms.logo_reencode) as a Wagtail image."""
    from wagtail.images import get_image_model

    image = get_image_model()(title=f"Logo: {organization_name}"[:255], file=content)
    image._set_image_file_metadata()
    image.save()
    return image


def organization_unique_slug(name: str) -> str:
    """A free slug for a new organization (names in any script get a neutral one)."""
    from django.utils.text import slugify

    from .models import RESERVED_SLUGS

    base = slugify(name)[:80].strip("-") or "organization"
    if base in RESERVED_SLUGS:
        base = f"{base}-org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}" if n < 50 else f"{base}-{secrets.token_hex(3)}"
    return slug


# --- merging duplicates -----------------------------------------------------------

_ENDORSEMENT_RANK = [
    "rejected",
    "withdrawn",
    "pending_confirmation",
    "pending_review",
    "needs_reconfirmation",
    "approved",
]


@transaction.atomic
def organization_merge(*, source: Organization, target: Organization, acting_user) -> Organization:
    """Fold `source` into `target` and delete `source`; editors only.

    Everything that pointed at the duplicate moves to the survivor: people (the higher
    role wins), letters it leads or co-drafts, sign-off approvals, endorsements and
    invitations to endorse (where both have one for the same letter, the one further
    along is kept), member invitations and history. Blank profile fields of the
    survivor are filled from the duplicate. Written as one transaction.
    """
    from coalition.letters.access import letter_access_sync
    from coalition.letters.models import (
        Endorsement,
        EndorsementInvitation,
        LetterCoDrafter,
        LetterPage,
        SignOffApproval,
    )

    if not _is_editor(acting_user):
        raise PermissionDenied(_("Only coalition editors can merge organizations."))
    if source.pk == target.pk:
        raise ValidationError(_("Choose two different organizations to merge."))
    source, target = (
        Organization.objects.select_for_update().get(pk=source.pk),
        Organization.objects.select_for_update().get(pk=target.pk),
    )
    moved: dict[str, int] = {}

    # People: the higher role wins when someone belongs to both.
    rank = {Role.MEMBER: 0, Role.ADMIN: 1, Role.OWNER: 2}
    group = organization_staff_group(organization=target)
    for membership in Membership.objects.filter(organization=source).select_related("user"):
        existing = Membership.objects.filter(organization=target, user=membership.user).first()
        if existing is None:
            membership.organization = target
            membership.save(update_fields=["organization", "updated_at"])
        else:
            if rank[membership.role] > rank[existing.role]:
                existing.role = membership.role
                existing.save(update_fields=["role", "updated_at"])
            membership.delete()
        membership.user.groups.add(group)
        moved["memberships"] = moved.get("memberships", 0) + 1

    # Letters: lead and co-drafting; the survivor never co-drafts a letter it leads.
    letters = set(LetterPage.objects.filter(lead_organization=source).values_list("pk", flat=True))
    LetterPage.objects.filter(lead_organization=source).update(lead_organization=target)
    for co_drafter in LetterCoDrafter.objects.filter(organization=source):
        letters.add(co_drafter.page_id)
        duplicate = (
            LetterCoDrafter.objects.filter(page_id=co_drafter.page_id, organization=target).exists()
            or LetterPage.objects.filter(pk=co_drafter.page_id, lead_organization=target).exists()
        )
        if duplicate:
            co_drafter.delete()
        else:
            co_drafter.organization = target
            co_drafter.save(update_fields=["organization"])
    LetterCoDrafter.objects.filter(organization=target, page__lead_organization=target).delete()
    moved["letters"] = len(letters)
    for approval in SignOffApproval.objects.filter(organization=source):
        clash = SignOffApproval.objects.filter(
            task_state=approval.task_state_id, revision=approval.revision_id, organization=target
        ).exists()
        if clash:
            approval.delete()
        else:
            approval.organization = target
            approval.save(update_fields=["organization"])

    # Endorsements: one per organization and letter; keep the one further along.
    for endorsement in Endorsement.objects.filter(organization=source).select_for_update():
        other = Endorsement.objects.filter(letter_id=endorsement.letter_id, organization=target).first()
        if other is not None:
            if _ENDORSEMENT_RANK.index(endorsement.state) > _ENDORSEMENT_RANK.index(other.state):
                EndorsementInvitation.objects.filter(endorsement=other).update(endorsement=None)
                other.delete()
            else:
                EndorsementInvitation.objects.filter(endorsement=endorsement).update(endorsement=other)
                endorsement.delete()
                continue
        endorsement.organization = target
        # The survivor was not created by that sign-on: the sweeper of unconfirmed
        # sign-ons must never delete it.
        endorsement.created_organization = False
        endorsement.save(update_fields=["organization", "created_organization"])
        moved["endorsements"] = moved.get("endorsements", 0) + 1
    for invitation in EndorsementInvitation.objects.filter(organization=source):
        if EndorsementInvitation.objects.filter(letter_id=invitation.letter_id, organization=target).exists():
            invitation.delete()
        else:
            invitation.organization = target
            invitation.save(update_fields=["organization"])

    # Member invitations still open move unless the survivor already invited that address.
    for invitation in Invitation.objects.filter(organization=source):
        open_there = Invitation.objects.filter(
            organization=target, email__iexact=invitation.email, accepted_at__isnull=True, revoked_at__isnull=True
        ).exists()
        if open_there and invitation.accepted_at is None and invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
        invitation.organization = target
        invitation.save(update_fields=["organization", "revoked_at"])
    OrganizationAuditEntry.objects.filter(organization=source).update(organization=target)

    filled = []
    for field in ("website", "country", "description", "logo"):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
            filled.append(field)
    target.verified = target.verified or source.verified
    target.require_two_factor = target.require_two_factor or source.require_two_factor
    target.save()

    source_name, source_group = source.name, source.staff_group
    source.delete()
    if source_group is not None:
        source_group.delete()
    for letter in LetterPage.objects.filter(pk__in=letters):
        letter_access_sync(letter=letter)
    _audit(
        organization=target,
        acting_user=acting_user,
        action=Action.MERGED,
        subject=source_name,
        moved=moved,
        filled=filled,
    )
    log(instance=target, action="coalition.organization_merged", user=acting_user, data={"merged": source_name})
    return target


# --- signers' contact details -------------------------------------------------------


def organization_signers_export_record(
    *, organization: Organization, acting_user, count: int, export_format: str
) -> None:
    """Note in the organization's history (Wagtail's log) who downloaded its signers' details.

    Only owners, admins and editors may: the download holds personal data.
    """
    if acting_user is None or not membership_can_manage(organization=organization, user=acting_user):
        raise PermissionDenied(_("Only owners and admins can download the signers' contact details."))
    log(
        instance=organization,
        action="coalition.signers_exported",
        user=acting_user,
        data={"count": count, "format": export_format},
    )
