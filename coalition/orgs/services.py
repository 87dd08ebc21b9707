"""Write-side operations on organizations. Each records who did it in Wagtail's audit log."""

from django.db import transaction
from wagtail.log_actions import log

from .models import Membership, Organization


@transaction.atomic
def organization_create(*, acting_user, name: str, slug: str, **fields) -> Organization:
    """Validate and create an organization; the audit row is written in the same transaction."""
    organization = Organization(name=name, slug=slug, **fields)
    organization.full_clean()
    organization.save()
    log(instance=organization, action="wagtail.create", user=acting_user)
    return organization


@transaction.atomic
def membership_create(*, acting_user, organization: Organization, user, role: str) -> Membership:
    membership = Membership(organization=organization, user=user, role=role)
    membership.full_clean()
    membership.save()
    log(instance=membership, action="wagtail.create", user=acting_user)
    return membership
