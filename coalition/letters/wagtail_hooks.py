from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.permissions import register_permission_policy

from .admin_views import LetterStatusChangeView, StatusChangePermissionPolicy, user_can_change_status
from .models import LetterPage, LetterStatusChange

register_permission_policy(LetterStatusChange, StatusChangePermissionPolicy(LetterStatusChange), exact_class=True)


@hooks.register("register_admin_urls")
def register_letter_admin_urls():
    urls = [path("<int:page_id>/status/", LetterStatusChangeView.as_view(), name="status")]
    return [path("letters/", include((urls, "letters_admin"), namespace="letters_admin"))]


class LetterStatusButton(PageMenuItem):
    label = _("Change status")
    icon_name = "resubmit"
    url_name = "letters_admin:status"
    priority = 12


@hooks.register("register_page_header_buttons")
def letter_status_header_button(page, user, view_name, next_url=None):
    if issubclass(page.specific_class, LetterPage) and user_can_change_status(user, page):
        yield LetterStatusButton(page=page)


@hooks.register("register_log_actions")
def register_letter_log_actions(actions):
    def message(log_entry):
        data = log_entry.data or {}
        return _("Status changed from “%(from)s” to “%(to)s”") % {
            "from": data.get("from", "?"),
            "to": data.get("to", "?"),
        }

    actions.register_action("coalition.letter_status", _("Change letter status"), message)
