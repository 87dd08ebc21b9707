"""Wagtail admin screens for letters: the status change form and the status audit log."""

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, UserColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Page
from wagtail.permission_policies.base import ModelPermissionPolicy

from coalition.orgs.models import Organization

from .access import letter_organizations
from .forms import LetterCoDrafterAddForm, LetterLeadForm, LetterStatusChangeForm
from .models import LetterPage, LetterStatus, LetterStatusChange, LetterTranslationPage, SignOffApproval
from .selectors import letter_status_history
from .services import letter_codrafter_add, letter_codrafter_remove, letter_lead_set, letter_status_change
from .signoff import (
    signoff_approve,
    signoff_current_task_state,
    signoff_organizations_user_can_approve,
    signoff_state,
)


def user_can_change_status(user, letter: LetterPage) -> bool:
    """Changing a letter's status is a publishing decision."""
    return letter.permissions_for_user(user).can_publish()


class LetterStatusChangeView(WagtailAdminTemplateMixin, FormView):
    template_name = "letters/admin/status_change.html"
    form_class = LetterStatusChangeForm
    header_icon = "resubmit"

    def dispatch(self, request, page_id):
        self.letter = get_object_or_404(LetterPage, pk=page_id)
        if not user_can_change_status(request.user, self.letter):
            raise PermissionDenied
        return super().dispatch(request, page_id)

    def get_page_title(self):
        return _("Change status")

    def get_page_subtitle(self):
        return self.letter.get_admin_display_title()

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtailadmin_pages:edit", args=[self.letter.pk]), "label": self.letter.title},
            {"url": "", "label": _("Change status")},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "letter": self.letter}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            letter=self.letter,
            current_status=LetterStatus(self.letter.status),
            history=letter_status_history(letter=self.letter)[:50],
            **kwargs,
        )

    def form_valid(self, form):
        try:
            change = letter_status_change(
                letter=self.letter,
                to_status=form.cleaned_data["to_status"],
                note=form.cleaned_data["note"],
                acting_user=self.request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("“%(title)s” is now %(status)s.")
            % {"title": self.letter.title, "status": change.get_to_status_display()},
        )
        return redirect("letters_admin:status", page_id=self.letter.pk)


def user_can_manage_organizations(user, letter: LetterPage) -> bool:
    """Choosing who writes a letter is an editor's decision."""
    return letter.permissions_for_user(user).can_publish()


class LetterOrganizationsView(WagtailAdminTemplateMixin, TemplateView):
    """Choose the lead and co-drafting organizations of a letter.

    Each change takes effect at once (it is not part of a page revision): staff of an
    organization that is added can open the draft, staff of one that is removed cannot.
    """

    template_name = "letters/admin/organizations.html"
    header_icon = "group"

    def dispatch(self, request, page_id):
        self.letter = get_object_or_404(LetterPage, pk=page_id)
        if not user_can_manage_organizations(request.user, self.letter):
            raise PermissionDenied
        return super().dispatch(request, page_id)

    def get_page_title(self):
        return _("Organizations")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtailadmin_pages:edit", args=[self.letter.pk]), "label": self.letter.title},
            {"url": "", "label": _("Organizations")},
        ]

    def get_context_data(self, **kwargs):
        kwargs.setdefault("lead_form", LetterLeadForm(initial={"organization": self.letter.lead_organization_id}))
        kwargs.setdefault("add_form", LetterCoDrafterAddForm(letter=self.letter))
        return super().get_context_data(
            letter=self.letter,
            co_drafters=self.letter.co_drafters.select_related("organization", "added_by"),
            organizations=letter_organizations(letter=self.letter),
            **kwargs,
        )

    def post(self, request, page_id):
        action = request.POST.get("action")
        try:
            if action == "lead":
                form = LetterLeadForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(lead_form=form))
                letter_lead_set(
                    letter=self.letter, organization=form.cleaned_data["organization"], acting_user=request.user
                )
                messages.success(
                    request, _("%(org)s now leads this letter.") % {"org": form.cleaned_data["organization"]}
                )
            elif action == "add":
                form = LetterCoDrafterAddForm(request.POST, letter=self.letter)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(add_form=form))
                letter_codrafter_add(
                    letter=self.letter, organization=form.cleaned_data["organization"], acting_user=request.user
                )
                messages.success(
                    request, _("%(org)s now co-drafts this letter.") % {"org": form.cleaned_data["organization"]}
                )
            elif action == "remove":
                organization = get_object_or_404(Organization, pk=request.POST.get("organization"))
                letter_codrafter_remove(letter=self.letter, organization=organization, acting_user=request.user)
                messages.success(
                    request,
                    _("%(org)s no longer co-drafts this letter; its staff lost access.") % {"org": organization},
                )
            else:
                return self.render_to_response(self.get_context_data())
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("letters_admin:organizations", page_id=self.letter.pk)


class LetterSignOffView(WagtailAdminTemplateMixin, TemplateView):
    """Where the sign-off stands: which organizations approved the latest text, and who."""

    template_name = "letters/admin/signoff.html"
    header_icon = "tasks"

    def dispatch(self, request, page_id):
        # A letter, or one of its translations (signed off by the same organizations).
        self.letter = get_object_or_404(Page, pk=page_id).specific
        if not isinstance(self.letter, (LetterPage, LetterTranslationPage)):
            raise Http404
        if not self.letter.permissions_for_user(request.user).can_edit():
            raise PermissionDenied
        return super().dispatch(request, page_id)

    def get_page_title(self):
        return _("Sign-off")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtailadmin_pages:edit", args=[self.letter.pk]), "label": self.letter.title},
            {"url": "", "label": _("Sign-off")},
        ]

    def get_context_data(self, **kwargs):
        task_state = signoff_current_task_state(letter=self.letter)
        return super().get_context_data(
            letter=self.letter,
            task_state=task_state,
            state=signoff_state(letter=self.letter, task_state=task_state),
            can_approve_for=signoff_organizations_user_can_approve(letter=self.letter, user=self.request.user),
            revision=self.letter.get_latest_revision(),
            history=SignOffApproval.objects.filter(task_state__workflow_state__object_id=str(self.letter.pk))
            .select_related("organization", "user", "revision")
            .order_by("-created_at")[:100],
            **kwargs,
        )

    def post(self, request, page_id):
        task_state = signoff_current_task_state(letter=self.letter)
        if task_state is None:
            messages.error(request, _("This letter is not waiting for sign-off."))
        else:
            try:
                approvals = signoff_approve(task_state=task_state, user=request.user)
            except PermissionDenied as error:
                messages.error(request, str(error))
            else:
                names = ", ".join(a.organization.name for a in approvals)
                messages.success(request, _("Signed off for %(orgs)s.") % {"orgs": names})
        return redirect("letters_admin:signoff", page_id=self.letter.pk)


class StatusChangeFilterSet(WagtailFilterSet):
    to_status = django_filters.ChoiceFilter(label=_("New status"), choices=LetterStatus.choices)

    class Meta:
        model = LetterStatusChange
        fields = ["to_status", "letter"]


class StatusChangeIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("letter", "acting_user")


class StatusChangePermissionPolicy(ModelPermissionPolicy):
    """The audit log is read-only for everyone (rows come only from the status service)
    and visible to editors only: it names every letter, whoever writes it."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        return user.is_active and (user.is_superuser or user.has_perm("letters.view_letterstatuschange"))


class LetterStatusChangeViewSet(ModelViewSet):
    model = LetterStatusChange
    icon = "history"
    menu_label = _("Status history")
    add_to_admin_menu = False
    index_view_class = StatusChangeIndexView
    filterset_class = StatusChangeFilterSet
    copy_view_enabled = False
    inspect_view_enabled = True
    list_per_page = 50
    form_fields = ["note"]
    list_display = [
        Column("letter", label=_("Letter")),
        Column("from_status", label=_("From"), accessor="get_from_status_display"),
        Column("to_status", label=_("To"), accessor="get_to_status_display"),
        UserColumn("acting_user", label=_("Changed by")),
        DateColumn("created_at", label=_("When")),
        Column("note", label=_("Note")),
    ]
    list_export = ["letter", "from_status", "to_status", "acting_user", "created_at", "note", "notified_at"]
    export_headings = {"acting_user": "Changed by", "created_at": "When"}
    ordering = ["-created_at"]
