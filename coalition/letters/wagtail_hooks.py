from django.contrib import messages
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import register_permission_policy

from coalition.core.logs import register_log_action

from .admin_documents import LetterPdfDownloadView, LetterPdfProgressView, LetterPdfView, user_can_build_pdf
from .admin_endorsements import (
    ApproveEndorsementsBulkAction,
    EndorsementPermissionPolicy,
    RejectEndorsementsBulkAction,
    endorsements_awaiting_review_panel,
)
from .admin_signatures import (
    ConfirmSignaturesBulkAction,
    InvalidateSignaturesBulkAction,
    SignaturePermissionPolicy,
    signatures_held_panel,
)
from .admin_translations import LetterTranslationsView, TranslationPoExportView, TranslationPoImportView
from .admin_views import (
    LetterOrganizationsView,
    LetterSignOffView,
    LetterStatusChangeView,
    StatusChangePermissionPolicy,
    user_can_change_status,
    user_can_manage_organizations,
)
from .invitation_admin import LetterEndorsementInvitationsView, user_can_invite
from .models import Endorsement, LetterPage, LetterStatus, LetterStatusChange, LetterTranslationPage, Signature
from .signoff import signoff_revision_saved

register_permission_policy(LetterStatusChange, StatusChangePermissionPolicy(LetterStatusChange), exact_class=True)


@hooks.register("register_admin_urls")
def register_letter_admin_urls():
    urls = [
        path("<int:page_id>/status/", LetterStatusChangeView.as_view(), name="status"),
        path("<int:page_id>/organizations/", LetterOrganizationsView.as_view(), name="organizations"),
        path("<int:page_id>/sign-off/", LetterSignOffView.as_view(), name="signoff"),
        path("<int:page_id>/translations/", LetterTranslationsView.as_view(), name="translations"),
        path(
            "<int:page_id>/translations/<int:translation_id>/po/",
            TranslationPoExportView.as_view(),
            name="translation_po_export",
        ),
        path(
            "<int:page_id>/translations/<int:translation_id>/po/import/",
            TranslationPoImportView.as_view(),
            name="translation_po_import",
        ),
        path("<int:page_id>/pdf/", LetterPdfView.as_view(), name="pdf"),
        path("<int:page_id>/pdf/<int:document_id>/progress/", LetterPdfProgressView.as_view(), name="pdf_progress"),
        path("<int:page_id>/pdf/<int:document_id>/download/", LetterPdfDownloadView.as_view(), name="pdf_download"),
        path(
            "<int:page_id>/endorsement-invitations/",
            LetterEndorsementInvitationsView.as_view(),
            name="endorsement_invitations",
        ),
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
    if issubclass(page.specific_class or type(page), LetterTranslationPage):
        if page.permissions_for_user(user).can_edit():
            yield LetterSignOffButton(page=page)
            yield LetterTranslationsButton(page=page.get_parent())
        return
    if not issubclass(page.specific_class or type(page), LetterPage):
        return
    if page.permissions_for_user(user).can_edit():
        yield LetterTranslationsButton(page=page)
    if user_can_change_status(user, page):
        yield LetterStatusButton(page=page)
    if user_can_manage_organizations(user, page):
        yield LetterOrganizationsButton(page=page)
    if page.permissions_for_user(user).can_edit():
        yield LetterSignOffButton(page=page)
    if user_can_invite(user):
        yield LetterInviteOrganizationsButton(page=page)
    if user_can_build_pdf(user, page):
        yield LetterPdfButton(page=page)


class LetterSignOffButton(PageMenuItem):
    label = _("Sign-off")
    icon_name = "tasks"
    url_name = "letters_admin:signoff"
    priority = 14


class LetterTranslationsButton(PageMenuItem):
    label = _("Translations")
    icon_name = "globe"
    url_name = "letters_admin:translations"
    priority = 17


class LetterPdfButton(PageMenuItem):
    label = _("Signed PDF")
    icon_name = "doc-full"
    url_name = "letters_admin:pdf"
    priority = 16


class LetterInviteOrganizationsButton(PageMenuItem):
    label = _("Invite organizations")
    icon_name = "mail"
    url_name = "letters_admin:endorsement_invitations"
    priority = 15


@hooks.register("after_edit_page")
def restart_signoff_after_an_edit(request, page):
    """An edit during sign-off leaves earlier approvals behind and tells the drafters."""
    letter = page.specific
    if isinstance(letter, (LetterPage, LetterTranslationPage)):
        superseded = signoff_revision_saved(letter=letter)
        if superseded:
            messages.warning(
                request,
                _("The text changed, so the organizations that had signed off must sign off again."),
            )


def _publishing_needs_signoff(page) -> bool:
    letter = page.specific
    if isinstance(letter, LetterTranslationPage):  # approved by the letter's organizations too
        return bool(letter.organizations_letter.lead_organization_id)
    return isinstance(letter, LetterPage) and bool(letter.lead_organization_id)


@hooks.register("construct_page_action_menu")
def hide_direct_publish_for_letters(menu_items, request, context):
    """Letters written by organizations are published by their sign-off, not by one person."""
    page = context.get("page")
    if page is not None and page.pk and _publishing_needs_signoff(page):
        menu_items[:] = [item for item in menu_items if item.name != "action-publish"]


@hooks.register("before_edit_page")
def refuse_direct_publish_for_letters(request, page):
    if request.method == "POST" and "action-publish" in request.POST and _publishing_needs_signoff(page):
        messages.error(
            request,
            _("This letter is published when every organization writing it has signed off: submit it for sign-off."),
        )
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


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


def organization_message(template):
    """A history message naming the organization the entry is about."""

    def render(log_entry):
        return template % {"org": (log_entry.data or {}).get("organization", "?")}

    return render


@hooks.register("register_log_actions")
def register_letter_log_actions(actions):
    def status_label(value) -> str:
        return str(LetterStatus(value).label) if value in LetterStatus.values else str(value or "?")

    def message(log_entry):
        data = log_entry.data or {}
        return _("Status changed from “%(from)s” to “%(to)s”") % {
            "from": status_label(data.get("from")),
            "to": status_label(data.get("to")),
        }

    register_log_action(actions, "coalition.letter_status", _("Change letter status"), message)
    for action, label, text in (
        ("coalition.letter.pdf_requested", _("Build signed PDF"), _("Signed PDF requested")),
        ("coalition.letter.pdf_public", _("Make signed PDF public"), _("Signed PDF made public")),
        ("coalition.letter.pdf_private", _("Make signed PDF private"), _("Signed PDF no longer public")),
    ):
        register_log_action(actions, action, label, lambda log_entry, text=text: str(text))

    register_log_action(
        actions,
        "coalition.letter_lead",
        _("Set lead organization"),
        organization_message(_("Lead organization set to %(org)s")),
    )
    register_log_action(
        actions,
        "coalition.letter_codrafter_added",
        _("Add co-drafting organization"),
        organization_message(_("Co-drafting organization added: %(org)s")),
    )
    register_log_action(
        actions,
        "coalition.signoff_approved",
        _("Sign off"),
        organization_message(_("Signed off for %(org)s")),
    )
    register_log_action(
        actions,
        "coalition.letter_codrafter_removed",
        _("Remove co-drafting organization"),
        organization_message(_("Co-drafting organization removed: %(org)s")),
    )


@hooks.register("register_log_actions")
def register_endorsement_log_actions(actions):
    """The history of each endorsement: every transition, who made it, and why."""

    def transition(label):
        def render(log_entry):
            note = (log_entry.data or {}).get("note")
            return f"{label} ({note})" if note else str(label)

        return render

    for action, label in (
        ("coalition.endorsement_submitted", _("Signed on, awaiting the contact's confirmation")),
        ("coalition.endorsement_pending_review", _("Awaiting review")),
        ("coalition.endorsement_approved", _("Approved")),
        ("coalition.endorsement_rejected", _("Rejected")),
        ("coalition.endorsement_withdrawn", _("Withdrawn")),
        ("coalition.endorsement_needs_reconfirmation", _("Asked to reconfirm after a text change")),
    ):
        register_log_action(actions, action, label, transition(label))

    register_log_action(
        actions,
        "coalition.endorsement_invited",
        _("Invite to endorse"),
        organization_message(_("Invited %(org)s to endorse")),
    )
    register_log_action(
        actions,
        "coalition.endorsement_invitation_declined",
        _("Decline invitation to endorse"),
        organization_message(_("%(org)s declined the invitation to endorse")),
    )


@hooks.register("construct_page_chooser_queryset")
def limit_page_chooser_to_explorable_pages(pages, request):
    """Partners choose (and see) only pages they may explore, never other organizations' drafts."""
    if request.user.is_superuser:
        return pages
    return pages.filter(pk__in=PagePermissionPolicy().explorable_instances(request.user).values("pk"))


# --- endorsements screen (coalition.letters.admin_endorsements) ---------------------------

register_permission_policy(Endorsement, EndorsementPermissionPolicy(Endorsement), exact_class=True)
hooks.register("register_bulk_action", ApproveEndorsementsBulkAction)
hooks.register("register_bulk_action", RejectEndorsementsBulkAction)


@hooks.register("construct_homepage_panels")
def add_endorsements_awaiting_review_panel(request, panels):
    panel = endorsements_awaiting_review_panel(request.user)
    if panel is not None:
        panels.append(panel)


@hooks.register("register_log_actions")
def register_signature_log_actions(actions):
    def reason_message(text):
        def message(log_entry):
            reason = (log_entry.data or {}).get("reason")
            return f"{text}: {reason}" if reason else str(text)

        return message

    register_log_action(
        actions, "coalition.signature_approved", _("Clear a held signature"), reason_message(_("Cleared for counting"))
    )
    register_log_action(
        actions, "coalition.signature_invalidated", _("Invalidate a signature"), reason_message(_("Invalidated"))
    )


# --- signatures screen (coalition.letters.admin_signatures) ---------------------------------

register_permission_policy(Signature, SignaturePermissionPolicy(Signature), exact_class=True)
hooks.register("register_bulk_action", ConfirmSignaturesBulkAction)
hooks.register("register_bulk_action", InvalidateSignaturesBulkAction)


@hooks.register("construct_homepage_panels")
def add_signatures_held_panel(request, panels):
    panel = signatures_held_panel(request.user)
    if panel is not None:
        panels.append(panel)
