"""The endorsements screen in the Wagtail admin: review, approve and reject, export, inspect.

A SnippetViewSet in the Coalition menu (it brings the bulk-action footer, the inspect
and history views). Every change of state goes through letters.services.endorsements,
which refuses what the state machine does not allow; a refusal is shown as a message.
Endorsements are created only by the public and partner flows, so nobody adds or
deletes them here, and only coalition editors see the screen at all.
"""

from abc import abstractmethod

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries
from django_filters import ChoiceFilter, ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button, ListingButton
from wagtail.log_actions import registry as log_registry
from wagtail.permission_policies.base import BasePermissionPolicy, ModelPermissionPolicy
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from coalition.core.exports import FormulaSafeExportMixin, neutralize_formula
from coalition.orgs.models import Membership, Organization
from coalition.orgs.selectors import user_is_editor

from .models import Endorsement, EndorsementState, LetterPage
from .services import (
    CurrentTextChecker,
    endorsement_approve,
    endorsement_endorsed_text,
    endorsement_reject,
    letter_current_text,
)
from .text import letter_text_diff, short_hash

State = EndorsementState
# Where the per-row buttons are offered; the services decide what is actually allowed.
APPROVABLE = {State.PENDING_REVIEW, State.REJECTED}
REJECTABLE = {State.PENDING_REVIEW, State.APPROVED, State.NEEDS_RECONFIRMATION}


class EndorsementPermissionPolicy(BasePermissionPolicy):
    """Coalition editors only, for every view; nobody adds or deletes.

    Partner staff reach the Wagtail admin to co-draft their letters: this policy (not
    only the menu) keeps them out of the list, inspect, edit, history, export and the
    bulk actions. Endorsements come from the public and partner flows and are ended
    by rejecting or withdrawing them, never by deleting the record.
    """

    REFUSED = frozenset({"add", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.REFUSED and user_is_editor(user=user)

    def users_with_any_permission(self, actions):
        if set(actions) <= self.REFUSED:
            return get_user_model().objects.none()
        return ModelPermissionPolicy(Membership).users_with_permission("change")


# --- the listing ------------------------------------------------------------------------


def _endorser_countries():
    """The countries of organizations that endorsed something, for the filter."""
    codes = (
        Organization.objects.filter(endorsements__isnull=False)
        .exclude(country="")
        .values_list("country", flat=True)
        .distinct()
    )
    return sorted(((code, countries.name(code)) for code in set(codes)), key=lambda choice: choice[1])


class EndorsementFilterSet(WagtailFilterSet):
    letter = ModelChoiceFilter(queryset=LetterPage.objects.order_by("title"), label=_("Letter"))
    state = ChoiceFilter(choices=EndorsementState.choices, label=_("State"))
    country = ChoiceFilter(field_name="organization__country", choices=_endorser_countries, label=_("Country"))
    kind = ChoiceFilter(field_name="organization__kind", choices=Organization.Kind.choices, label=_("Kind"))

    class Meta:
        model = Endorsement
        fields = []


SEARCH_FIELDS = ["organization__name", "signer_name"]


def endorsements_in_listing(params) -> QuerySet:
    """The endorsements a listing with these query parameters shows (for "select all")."""
    queryset = Endorsement.objects.all()
    filters = EndorsementFilterSet(params, queryset=queryset)
    if not filters.is_valid():
        return queryset.none()
    queryset = filters.qs
    query = (params.get("q") or "").strip()
    if query:
        condition = Q()
        for field in SEARCH_FIELDS:
            condition |= Q(**{f"{field}__icontains": query})
        queryset = queryset.filter(condition)
    return queryset


def review_url(action_type: str, endorsement_ids, next_url: str) -> str:
    """The confirmation page of a bulk action, for the given endorsements."""
    url = reverse("wagtail_bulk_action", args=("letters", "endorsement", action_type))
    return url + "?" + urlencode([("id", pk) for pk in endorsement_ids] + [("next", next_url)])


def _signed_by(endorsement: Endorsement) -> str:
    return ", ".join(part for part in (endorsement.signer_name, endorsement.signer_title) if part)


def _text_label(endorsement: Endorsement) -> str:
    current = getattr(endorsement, "text_is_current", None)
    if current is None:
        return "—"
    return _("Yes") if current else _("Earlier text")


class EndorsementIndexView(FormulaSafeExportMixin, snippet_views.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("organization", "letter", "approved_by", "rejected_by")

    @cached_property
    def _text_is_current(self) -> CurrentTextChecker:
        return CurrentTextChecker()

    def mark_text_current(self, endorsement: Endorsement) -> Endorsement:
        """Note whether the endorsement is of the letter's published text."""
        endorsement.text_is_current = self._text_is_current(endorsement)
        return endorsement

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        page.object_list = [self.mark_text_current(endorsement) for endorsement in object_list]
        return paginator, page, page.object_list, is_paginated

    def to_row_dict(self, item):
        return super().to_row_dict(self.mark_text_current(item))

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        """Wagtail stores "=…" as text; also mark every formula-like cell as quoted text,
        so editing the cell in a spreadsheet program cannot turn it into a formula."""
        for cell in super().generate_xlsx_row(worksheet, row_dict, date_format=date_format):
            if isinstance(cell.value, str) and neutralize_formula(cell.value) != cell.value:
                cell.data_type = "s"
                cell.quotePrefix = True
            yield cell

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        # The organization's name opens the inspect view, which says everything.
        column_class = self._get_title_column_class(column_class)
        return column_class(
            "organization",
            label=_("Organization"),
            accessor="organization.name",
            sort_key="organization__name",
            get_url=self.get_inspect_url,
            get_title_id=lambda instance: f"snippet_{quote(instance.pk)}_title",
        )

    @cached_property
    def listing_url(self) -> str:
        params = self.request.GET.copy()
        for name in ("export", "p"):
            params.pop(name, None)
        return self.index_url + (f"?{params.urlencode()}" if params else "")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.user_has_permission("change"):
            history_url = reverse(instance.snippet_viewset.get_url_name("history"), args=(quote(instance.pk),))
            buttons.append(MenuItem(_("History"), url=history_url, icon_name="history", priority=25))
            if instance.state in APPROVABLE:
                buttons.append(
                    ListingButton(
                        _("Approve"),
                        url=review_url("approve", [instance.pk], self.listing_url),
                        icon_name="check",
                        attrs={"aria-label": _("Approve “%(title)s”") % {"title": instance.organization.name}},
                        priority=5,
                    )
                )
            if instance.state in REJECTABLE:
                buttons.append(
                    ListingButton(
                        _("Reject"),
                        url=review_url("reject", [instance.pk], self.listing_url),
                        icon_name="cross",
                        attrs={"aria-label": _("Reject “%(title)s”") % {"title": instance.organization.name}},
                        priority=6,
                    )
                )
        return buttons

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        # The bulk-action footer offers approve and reject only (no delete).
        context["endorsement_bulk_buttons"] = [
            ListingButton(
                action.display_name,
                reverse("wagtail_bulk_action", args=("letters", "endorsement", action.action_type)),
                attrs={"aria-label": action.aria_label, "data-bulk-action-button": ""},
                classname="bulk-action-btn",
                priority=action.action_priority,
            )
            for action in (ApproveEndorsementsBulkAction, RejectEndorsementsBulkAction)
        ]
        return context


# --- inspect: the details, the text endorsed, the history --------------------------------


def endorsement_text_summary(endorsement: Endorsement) -> dict:
    """Which text the organization endorsed, and how it differs from the published one."""
    letter = endorsement.letter
    current = letter_current_text(letter)
    is_current = bool(endorsement.content_hash) and endorsement.content_hash == current.hash
    revision_url = None
    if endorsement.revision_id:
        revision_url = reverse("wagtailadmin_pages:revisions_view", args=(letter.pk, endorsement.revision_id))
    diff = []
    if not is_current:
        endorsed = endorsement_endorsed_text(endorsement)
        if endorsed is not None:
            diff = letter_text_diff(endorsed, current)
    return {
        "is_current": is_current,
        "revision_id": endorsement.revision_id,
        "revision_url": revision_url,
        "short_hash": short_hash(endorsement.content_hash),
        "current_short_hash": short_hash(current.hash),
        "diff": diff,
    }


# Every detail an editor needs, and not the nonce: it is part of the contact's secret link.
INSPECT_FIELDS = [
    "organization",
    "letter",
    "state",
    "signer_name",
    "signer_title",
    "signer_email",
    "display",
    "list_in_pdf",
    "source",
    "submitted_by",
    "created_at",
    "confirmed_at",
    "state_changed_at",
    "approved_at",
    "approved_by",
    "rejected_at",
    "rejected_by",
    "rejection_reason",
    "reconfirmation_requested_at",
    "reconfirmed_at",
    "withdrawn_at",
    "withdrawn_by",
]


class EndorsementInspectView(snippet_views.InspectView):
    def get_object(self, queryset=None):
        endorsement = (
            Endorsement.objects.select_related(
                "organization", "letter", "revision", "submitted_by", "approved_by", "rejected_by", "withdrawn_by"
            )
            .filter(pk=self.pk if str(self.pk).isdigit() else None)
            .first()
        )
        if endorsement is None:
            raise Http404
        return endorsement

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value is None or value == "" else value

    def get_list_in_pdf_display_value(self):
        return _("Yes") if self.object.list_in_pdf else _("No")

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        endorsement = self.object
        if self.user_has_permission("change"):
            back = reverse(self.index_url_name)
            if endorsement.state in APPROVABLE:
                url = review_url("approve", [endorsement.pk], back)
                buttons.append(Button(_("Approve"), url=url, icon_name="check", priority=1))
            if endorsement.state in REJECTABLE:
                url = review_url("reject", [endorsement.pk], back)
                buttons.append(Button(_("Reject"), url=url, icon_name="cross", priority=2))
            buttons.append(
                Button(
                    _("History"),
                    url=reverse(endorsement.snippet_viewset.get_url_name("history"), args=(quote(endorsement.pk),)),
                    icon_name="history",
                    priority=40,
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["text"] = endorsement_text_summary(self.object)
        context["history"] = (
            log_registry.get_logs_for_instance(self.object).select_related("user").order_by("timestamp", "pk")
        )
        return context


# --- the viewset ---------------------------------------------------------------------------


class EndorsementViewSet(SnippetViewSet):
    model = Endorsement
    icon = "tick-inverse"
    menu_label = _("Endorsements")
    add_to_admin_menu = False
    # Listed in the Coalition menu, so not under "Snippets" too.
    menu_item_is_registered = True
    base_url_path = "endorsements"
    admin_url_namespace = "letters_endorsement"
    index_view_class = EndorsementIndexView
    inspect_view_class = EndorsementInspectView
    inspect_view_enabled = True
    inspect_view_fields = INSPECT_FIELDS
    copy_view_enabled = False
    index_template_name = "letters/admin/endorsements/index.html"
    inspect_template_name = "letters/admin/endorsements/inspect.html"
    filterset_class = EndorsementFilterSet
    search_fields = SEARCH_FIELDS
    # Plain database filtering, the same on SQLite and PostgreSQL (as for organizations).
    search_backend_name = None
    list_per_page = 50
    list_display = [
        "organization",
        Column("letter", label=_("Letter"), accessor="letter.title", sort_key="letter__title"),
        Column("state", label=_("State"), accessor="get_state_display", sort_key="state"),
        Column("signer", label=_("Signed by"), accessor=_signed_by),
        Column("display", label=_("Display"), accessor="get_display_display"),
        Column("current_text", label=_("Current text?"), accessor=_text_label),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]
    list_export = [
        "get_state_display",
        "organization.name",
        "organization.country.name",
        "organization.get_kind_display",
        "letter.title",
        "signer_name",
        "signer_title",
        "signer_email",
        "get_display_display",
        "list_in_pdf",
        "get_source_display",
        "content_hash",
        "revision_id",
        "text_is_current",
        "created_at",
        "confirmed_at",
        "approved_at",
        "approved_by",
        "rejected_at",
        "rejected_by",
        "rejection_reason",
        "withdrawn_at",
    ]
    export_headings = {
        "get_state_display": "State",
        "organization.name": "Organization",
        "organization.country.name": "Country",
        "organization.get_kind_display": "Kind",
        "letter.title": "Letter",
        "signer_name": "Signed by",
        "signer_title": "Title",
        "signer_email": "Contact email",
        "get_display_display": "Display",
        "list_in_pdf": "List in the PDF",
        "get_source_display": "Source",
        "content_hash": "Text hash",
        "revision_id": "Revision id",
        "text_is_current": "Current text",
        "created_at": "Created",
        "confirmed_at": "Confirmed",
        "approved_at": "Approved",
        "approved_by": "Approved by",
        "rejected_at": "Rejected",
        "rejected_by": "Rejected by",
        "rejection_reason": "Reason for rejection",
        "withdrawn_at": "Withdrawn",
    }
    export_filename = "endorsements"

    def register_chooser_viewset(self):
        # Nothing chooses an endorsement, and Wagtail's generic chooser does not consult
        # the permission policy: it would list every endorsement to anyone in the admin.
        return None


# --- bulk actions: approve and reject, one or many ---------------------------------------


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The contact receives it by email."),
    )


class EndorsementReviewBulkAction(PermissionCheckedMixin, BulkAction):
    """Runs one service per endorsement; a refusal is a message, the others still happen."""

    models = [Endorsement]
    permission_required = "change"

    def __init__(self, request, model):
        super().__init__(request, model)
        if not get_valid_next_url_from_request(request):
            # Wagtail's default is this page itself, which no longer applies once done.
            self.next_url = reverse("letters_endorsement:list")

    @classmethod
    def get_queryset(cls, model, object_ids):
        if not isinstance(object_ids, QuerySet):
            object_ids = [pk for pk in object_ids if str(pk).isdigit()]
        endorsements = list(
            model.objects.filter(pk__in=object_ids).select_related("organization", "letter").order_by("-created_at")
        )
        if not endorsements:
            raise Http404
        return endorsements

    def get_all_objects_in_listing_query(self, parent_id):
        # "Select all" means all the listing shows: its filters and search apply.
        return endorsements_in_listing(self.request.GET).values_list("pk", flat=True)

    def get_execution_context(self):
        return {"bulk_action": self}

    @classmethod
    def execute_action(cls, objects, bulk_action=None, **kwargs):
        bulk_action.refusals = []
        done = 0
        for endorsement in objects:
            try:
                bulk_action.review(endorsement)
            except (ValidationError, PermissionDenied) as error:
                text = " ".join(getattr(error, "messages", None) or [str(error)])
                name = endorsement.organization.name
                bulk_action.refusals.append(text if name in text else f"{name}: {text}")
            else:
                done += 1
        return done, 0

    @abstractmethod
    def review(self, endorsement: Endorsement) -> None:
        """Apply this action's service to one endorsement (subclasses: approve, reject)."""

    @abstractmethod
    def done_message(self, count: int) -> str:
        """The success message for `count` endorsements."""

    def get_success_message(self, num_parent_objects, num_child_objects):
        for refusal in self.refusals:
            messages.error(self.request, refusal)
        return self.done_message(num_parent_objects) if num_parent_objects else None

    def object_context(self, endorsement):
        return {"item": endorsement, "inspect_url": reverse("letters_endorsement:inspect", args=(endorsement.pk,))}


class ApproveEndorsementsBulkAction(EndorsementReviewBulkAction):
    display_name = _("Approve")
    action_type = "approve"
    aria_label = _("Approve the selected endorsements")
    template_name = "letters/admin/endorsements/confirm_bulk_approve.html"
    action_priority = 10

    def review(self, endorsement):
        endorsement_approve(endorsement=endorsement, acting_user=self.request.user)

    def done_message(self, count):
        return ngettext("%(count)d endorsement approved.", "%(count)d endorsements approved.", count) % {
            "count": count
        }


class RejectEndorsementsBulkAction(EndorsementReviewBulkAction):
    display_name = _("Reject")
    action_type = "reject"
    aria_label = _("Reject the selected endorsements")
    template_name = "letters/admin/endorsements/confirm_bulk_reject.html"
    action_priority = 20
    classes = {"serious"}
    form_class = RejectForm

    def review(self, endorsement):
        endorsement_reject(
            endorsement=endorsement, acting_user=self.request.user, reason=self.cleaned_form.cleaned_data["reason"]
        )

    def done_message(self, count):
        return ngettext("%(count)d endorsement rejected.", "%(count)d endorsements rejected.", count) % {
            "count": count
        }


# --- the dashboard ----------------------------------------------------------------------------


class EndorsementsAwaitingReviewPanel(Component):
    name = "endorsements_awaiting_review"
    order = 90
    template_name = "letters/admin/endorsements/awaiting_review_panel.html"

    def __init__(self, *, count: int):
        self.count = count

    def get_context_data(self, parent_context=None):
        url = reverse("letters_endorsement:list") + "?" + urlencode({"state": State.PENDING_REVIEW.value})
        return {"count": self.count, "url": url}


def endorsements_awaiting_review_panel(user) -> EndorsementsAwaitingReviewPanel | None:
    """The dashboard panel for editors, when something waits for them."""
    if not user_is_editor(user=user):
        return None
    count = Endorsement.objects.filter(state=State.PENDING_REVIEW).count()
    return EndorsementsAwaitingReviewPanel(count=count) if count else None
