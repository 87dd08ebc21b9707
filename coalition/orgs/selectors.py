"""Read-side queries for organizations."""

from django.db.models import QuerySet

from .models import Membership, Organization


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
