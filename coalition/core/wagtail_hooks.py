from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from coalition.letters.admin_views import LetterStatusChangeViewSet
from coalition.orgs.admin_views import MembershipViewSet, OrganizationViewSet


class CoalitionViewSetGroup(ViewSetGroup):
    """Everything about organizations and the life of letters, under one menu."""

    menu_label = _("Coalition")
    menu_icon = "group"
    menu_order = 150
    items = (
        OrganizationViewSet("orgs_organization", url_prefix="organizations"),
        MembershipViewSet("orgs_membership", url_prefix="memberships"),
        LetterStatusChangeViewSet("letters_status_change", url_prefix="letter-status-history"),
    )


@hooks.register("register_admin_viewset")
def register_coalition_viewsets():
    return CoalitionViewSetGroup()
