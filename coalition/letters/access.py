"""Who may open a letter in the Wagtail admin: the staff of the organizations writing it.

Access is granted with Wagtail's own group page permissions ("change" on the letter
page, for each organization's staff group), so every admin view (explorer, edit,
preview, revisions, compare, history, choosers, search) enforces it, not only listings.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import GroupPagePermission, PagePermissionTester

from coalition.orgs.models import Membership, Organization
from coalition.orgs.services import organization_staff_group


def _change_page_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="wagtailcore", codename="change_page")


def letter_organizations(*, letter) -> list[Organization]:
    """The lead organization first, then co-drafters in their order (a translation's: its letter's)."""
    letter = getattr(letter, "organizations_letter", letter)
    organizations = [letter.lead_organization] if letter.lead_organization_id else []
    organizations += [
        c.organization for c in letter.co_drafters.select_related("organization").order_by("sort_order", "pk")
    ]
    return organizations


@transaction.atomic
def letter_access_sync(*, letter) -> None:
    """Make the page permissions on this letter match its organizations, now."""
    wanted = {organization_staff_group(organization=org).pk for org in letter_organizations(letter=letter)}
    organization_groups = Group.objects.filter(organization__isnull=False)
    GroupPagePermission.objects.filter(page=letter, group__in=organization_groups).exclude(
        group_id__in=wanted
    ).delete()
    permission = _change_page_permission()
    for group_id in wanted:
        GroupPagePermission.objects.get_or_create(group_id=group_id, page=letter, permission=permission)


def user_drafts_letter(*, user, letter) -> bool:
    """Is this person on the staff of one of the organizations writing the letter?"""
    if not user.is_authenticated:
        return False
    org_ids = [o.pk for o in letter_organizations(letter=letter)]
    return Membership.objects.filter(user=user, organization_id__in=org_ids).exists()


class LetterPermissionTester(PagePermissionTester):
    """Partner staff edit and comment; deleting, moving and copying stay with editors."""

    def _is_editor(self) -> bool:
        return self.user.is_superuser or "publish" in self.permissions

    def can_delete(self, ignore_bulk=False):
        return self._is_editor() and super().can_delete(ignore_bulk=ignore_bulk)

    def can_move(self):
        return self._is_editor() and super().can_move()

    def can_copy(self):
        return self._is_editor() and super().can_copy()
