from django.contrib import messages
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import register_permission_policy

from .admin_views import (
    LetterOrganizationsView,
    LetterStatusChangeView,
    StatusChangePermissionPolicy,
    user_can_change_status,
    user_can_manage_organizations,
)
from .models import LetterPage, LetterStatusChange

register_permission_policy(LetterStatusChange, StatusChangePermissionPolicy(LetterStatusChange), exact_class=True)


@hooks.register("register_admin_urls")
def register_letter_admin_urls():
    urls = [
        path("<int:page_id>/status/", LetterStatusChangeView.as_view(), name="status"),
        path("<int:page_id>/organizations/", LetterOrganizationsView.as_view(), name="organizations"),
    ]
    return [path("letters/", include((urls, "letters_admin"), namespace="letters_admin"))]


class LetterStatusButton(PageMenuItem):
    label = _("Change status")
    icon_name = "resubmit"
    url_name = "letters_admin:status"
    priority = 12


class LetterOrganizationsButton(PageMenuItem):
    label = _("Organizations")
    icon_name = "group"
    url_name = "letters_admin:organizations"
    priority = 13


@hooks.register("register_page_header_buttons")
def letter_header_buttons(page, user, view_name, next_url=None):
    if not issubclass(page.specific_class or type(page), LetterPage):
        return
    if user_can_change_status(user, page):
        yield LetterStatusButton(page=page)
    if user_can_manage_organizations(user, page):
        yield LetterOrganizationsButton(page=page)


@hooks.register("after_create_page")
def choose_organizations_after_creating_a_letter(request, page):
    """A new letter needs its organizations before anyone else can work on it."""
    letter = page.specific
    if (
        isinstance(letter, LetterPage)
        and not letter.lead_organization_id
        and user_can_manage_organizations(request.user, letter)
    ):
        messages.info(request, _("Now choose the organizations writing this letter."))
        return redirect("letters_admin:organizations", page_id=page.pk)
    return None


@hooks.register("register_log_actions")
def register_letter_log_actions(actions):
    def message(log_entry):
        data = log_entry.data or {}
        return _("Status changed from “%(from)s” to “%(to)s”") % {
            "from": data.get("from", "?"),
            "to": data.get("to", "?"),
        }

    actions.register_action("coalition.letter_status", _("Change letter status"), message)

    def organization_message(template):
        def render(log_entry):
            return template % {"org": (log_entry.data or {}).get("organization", "?")}

        return render

    actions.register_action(
        "coalition.letter_lead",
        _("Set lead organization"),
        organization_message(_("Lead organization set to %(org)s")),
    )
    actions.register_action(
        "coalition.letter_codrafter_added",
        _("Add co-drafting organization"),
        organization_message(_("Co-drafting organization added: %(org)s")),
    )
    actions.register_action(
        "coalition.letter_codrafter_removed",
        _("Remove co-drafting organization"),
        organization_message(_("Co-drafting organization removed: %(org)s")),
    )


@hooks.register("construct_page_chooser_queryset")
def limit_page_chooser_to_explorable_pages(pages, request):
    """Partners choose (and see) only pages they may explore, never other organizations' drafts."""
    if request.user.is_superuser:
        return pages
    return pages.filter(pk__in=PagePermissionPolicy().explorable_instances(request.user).values("pk"))
