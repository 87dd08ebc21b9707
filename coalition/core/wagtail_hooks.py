from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from coalition.core.logs import register_log_action
from coalition.letters.admin_endorsements import EndorsementViewSet
from coalition.letters.admin_signature_invalidation import SignatureInvalidationViewSet
from coalition.letters.admin_signatures import HeldSignaturesMenu, SignatureViewSet
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
        EndorsementViewSet(),
        SignatureViewSet(),
        HeldSignaturesMenu(),
        SignatureInvalidationViewSet(),
    )


@hooks.register("register_admin_viewset")
def register_coalition_viewsets():
    return CoalitionViewSetGroup()


@hooks.register("register_log_actions")
def register_organization_log_actions(actions):
    def merged(log_entry):
        return _("Merged “%(name)s” into this organization") % {"name": (log_entry.data or {}).get("merged", "?")}

    register_log_action(actions, "coalition.organization_merged", _("Merge organizations"), merged)

    def signers_exported(log_entry):
        data = log_entry.data or {}
        return _("Downloaded the contact details of %(count)s signers (%(format)s)") % {
            "count": data.get("count", "?"),
            "format": str(data.get("format", "?")).upper(),
        }

    register_log_action(
        actions, "coalition.signers_exported", _("Download signers' contact details"), signers_exported
    )
