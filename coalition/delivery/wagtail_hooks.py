from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from coalition.core.logs import register_log_action

from . import admin_delivery  # noqa: F401 (registers its own hooks: the letter's "Deliver" page and button)
from .admin_views import DecisionMakerViewSet, RecipientListViewSet
from .importing import IMPORT_LOG_ACTION, LIST_IMPORT_LOG_ACTION


class DeliveryViewSetGroup(ViewSetGroup):
    """Who letters go to: decision makers and the lists that group them, next to the Coalition menu."""

    menu_label = _("Delivery")
    menu_icon = "mail"
    menu_order = 152
    items = (
        DecisionMakerViewSet("delivery_decision_maker", url_prefix="delivery/decision-makers"),
        RecipientListViewSet("delivery_recipient_list", url_prefix="delivery/recipient-lists"),
    )


@hooks.register("register_admin_viewset")
def register_delivery_viewsets():
    return DeliveryViewSetGroup()


@hooks.register("register_log_actions")
def register_import_log_actions(actions):
    def decision_maker_imported(log_entry):
        data = log_entry.data or {}
        values = {"file": data.get("file") or "?", "row": data.get("row", "?")}
        if data.get("created"):
            return _("Added by the import of “%(file)s” (row %(row)s)") % values
        return _("Updated by the import of “%(file)s” (row %(row)s): %(fields)s") % {
            **values,
            "fields": ", ".join(data.get("fields") or []),
        }

    register_log_action(actions, IMPORT_LOG_ACTION, _("Import decision makers"), decision_maker_imported)

    def recipient_list_imported(log_entry):
        data = log_entry.data or {}
        return _("The import of “%(file)s” added %(count)s decision makers") % {
            "file": data.get("file") or "?",
            "count": data.get("added", "?"),
        }

    register_log_action(actions, LIST_IMPORT_LOG_ACTION, _("Import decision makers"), recipient_list_imported)
