"""The signatures screen in the Wagtail admin: find, inspect, export, clear or invalidate.

A SnippetViewSet in the Coalition menu, for coalition editors only (partner staff who
reach the admin to co-draft never see it: the permission policy refuses every view).
Signatures are created by signers and change state only through the services in
letters.services.signatures (so the stored counts stay in step): nobody adds, edits or
deletes one here. "Held for review" is the same listing filtered to suspect signatures.
"""

from abc import abstractmethod
from collections import OrderedDict

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from django_countries import countries
from django_filters import ChoiceFilter, DateFromToRangeFilter, ModelChoiceFilter
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem as AdminMenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets.button import Button, ListingButton
from wagtail.log_actions import registry as log_registry
from wagtail.permission_policies.base import BasePermissionPolicy, ModelPermissionPolicy
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from coalition.core.exports import FormulaSafeExportMixin
from coalition.orgs.models import Membership, Organization
from coalition.orgs.selectors import user_is_editor

from .models import LetterPage, Signature, SignatureState
from .services import signature_approve, signature_invalidate

State = SignatureState
LIST = "letters_signature:list"


class SignaturePermissionPolicy(BasePermissionPolicy):
    """Coalition editors only, for every view; nobody adds, edits or deletes.

    "change" stands for the state changes (clear, invalidate) and the history; the
    edit URL itself only leads to the inspect view.
    """

    REFUSED = frozenset({"add", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.REFUSED and user_is_editor(user=user)

    def users_with_any_permission(self, actions):
        if set(actions) <= self.REFUSED:
            return get_user_model().objects.none()
        return ModelPermissionPolicy(Membership).users_with_permission("change")


# --- the listing ------------------------------------------------------------------------


class SignatureFilterSet(WagtailFilterSet):
    letter = ModelChoiceFilter(queryset=LetterPage.objects.order_by("title"), label=_("Letter"))
    state = ChoiceFilter(choices=SignatureState.choices, label=_("State"))
    country = ChoiceFilter(choices=lambda: list(countries), label=_("Country"))
    source_organization = ModelChoiceFilter(queryset=Organization.objects.order_by("name"), label=_("Brought in by"))
    channel = ChoiceFilter(choices=Signature.Channel.choices, label=_("Channel"))
    language = ChoiceFilter(choices=settings.LETTER_LANGUAGES, label=_("Read in"))
    created_at = DateFromToRangeFilter(label=_("Signed"), widget=DateRangePickerWidget)

    class Meta:
        model = Signature
        fields = []


SEARCH_FIELDS = ["first_name", "last_name", "email"]


def signature_search(queryset: QuerySet, query: str) -> QuerySet:
    """Every word of the query in the first name, the last name or the email ("amina khalil")."""
    for word in query.split()[:8]:
        condition = Q()
        for field in SEARCH_FIELDS:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset


def signatures_in_listing(params) -> QuerySet:
    """The signatures a listing with these query parameters shows (for "select all")."""
    queryset = Signature.objects.all()
    filters = SignatureFilterSet(params, queryset=queryset)
    if not filters.is_valid():
        return queryset.none()
    return signature_search(filters.qs, (params.get("q") or "").strip())


def review_url(action_type: str, signature_ids, next_url: str) -> str:
    """The confirmation page of a bulk action, for the given signatures."""
    url = reverse("wagtail_bulk_action", args=("letters", "signature", action_type))
    return url + "?" + urlencode([("id", pk) for pk in signature_ids] + [("next", next_url)])


def _consent_names(signature: Signature) -> str:
    return ", ".join(consent.organization.name for consent in signature.consents.all())


def _name(signature: Signature) -> str:
    return f"{signature.first_name} {signature.last_name}".strip() or "—"


# The spreadsheet: everything an editor needs about a signer, not the IP address
# (it serves only to invalidate floods, here in the admin) nor the secret nonce.
EXPORT_COLUMNS = OrderedDict(
    [
        ("state", (_("State"), lambda s: s.get_state_display())),
        ("first_name", (_("First name"), lambda s: s.first_name)),
        ("last_name", (_("Last name"), lambda s: s.last_name)),
        ("email", (_("Email"), lambda s: s.email)),
        ("country", (_("Country"), lambda s: s.country.name if s.country else "")),
        ("city", (_("City or postcode"), lambda s: s.city)),
        ("title", (_("Title or affiliation"), lambda s: s.title)),
        ("comment", (_("Comment"), lambda s: s.comment)),
        ("show_name", (_("Listed publicly"), lambda s: s.show_name)),
        ("show_full_name", (_("Full name shown"), lambda s: s.show_full_name)),
        ("letter", (_("Letter"), lambda s: s.letter.title)),
        ("source", (_("Brought in by"), lambda s: s.source_organization.name if s.source_organization else "")),
        ("channel", (_("Channel"), lambda s: s.get_channel_display())),
        ("language", (_("Language"), lambda s: s.language)),
        ("consents", (_("Agreed to hear from"), _consent_names)),
        ("suspect_reason", (_("Why it is held"), lambda s: s.suspect_reason)),
        ("created_at", (_("Signed"), lambda s: s.created_at)),
        ("email_confirmed_at", (_("Email confirmed"), lambda s: s.email_confirmed_at)),
        ("confirmed_at", (_("Counted since"), lambda s: s.confirmed_at)),
        ("state_changed_at", (_("State changed"), lambda s: s.state_changed_at)),
        ("anonymised_at", (_("Anonymised"), lambda s: s.anonymised_at)),
    ]
)


class SignatureIndexView(FormulaSafeExportMixin, snippet_views.IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related("letter", "source_organization")
        if self.is_export:
            queryset = queryset.prefetch_related("consents__organization")
        return queryset

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return signature_search(queryset, self.search_query)

    @cached_property
    def is_held_queue(self) -> bool:
        return self.request.GET.get("state") == State.SUSPECT

    def get_page_title(self):
        return _("Held for review") if self.is_held_queue else super().get_page_title()

    def to_row_dict(self, item):
        return OrderedDict((key, getter(item)) for key, (_label, getter) in EXPORT_COLUMNS.items())

    def get_edit_url(self, instance):
        return None  # signatures are not edited; their names open the inspect view

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        column_class = self._get_title_column_class(column_class)
        return column_class(
            "name",
            label=_("Name"),
            accessor=_name,
            sort_key="last_name",
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
            name = _name(instance)
            if instance.state == State.SUSPECT:
                buttons.append(
                    ListingButton(
                        _("Confirm"),
                        url=review_url("confirm", [instance.pk], self.listing_url),
                        icon_name="check",
                        attrs={"aria-label": _("Confirm “%(name)s”") % {"name": name}},
                        priority=5,
                    )
                )
            if instance.state != State.INVALIDATED:
                buttons.append(
                    ListingButton(
                        _("Invalidate"),
                        url=review_url("invalidate", [instance.pk], self.listing_url),
                        icon_name="cross",
                        attrs={"aria-label": _("Invalidate “%(name)s”") % {"name": name}},
                        priority=6,
                    )
                )
        return buttons

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        # The bulk-action footer offers confirm and invalidate only (no delete).
        context["signature_bulk_buttons"] = [
            ListingButton(
                action.display_name,
                reverse("wagtail_bulk_action", args=("letters", "signature", action.action_type)),
                attrs={"aria-label": action.aria_label, "data-bulk-action-button": ""},
                classname="bulk-action-btn",
                priority=action.action_priority,
            )
            for action in (ConfirmSignaturesBulkAction, InvalidateSignaturesBulkAction)
        ]
        return context

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.user_has_permission("change"):
            url = reverse("letters_signature_invalidation:new")
            letter = self.request.GET.get("letter")
            if letter and letter.isdigit():
                url += "?" + urlencode({"letter": letter})
            buttons.append(Button(_("Invalidate by criteria"), url=url, icon_name="cross", priority=50))
        return buttons


# --- inspect: every field, the consents, the history -----------------------------------------


# Every field but the nonce: it is part of the signer's secret links.
INSPECT_FIELDS = [
    "letter",
    "state",
    "first_name",
    "last_name",
    "email",
    "country",
    "city",
    "title",
    "comment",
    "show_name",
    "show_full_name",
    "language",
    "source_organization",
    "channel",
    "ip_address",
    "suspect_reason",
    "created_at",
    "email_confirmed_at",
    "confirmed_at",
    "state_changed_at",
    "state_changed_by",
    "emails_sent",
    "last_emailed_at",
    "anonymised_at",
]


class SignatureInspectView(snippet_views.InspectView):
    def get_object(self, queryset=None):
        signature = (
            Signature.objects.select_related("letter", "source_organization", "state_changed_by")
            .filter(pk=self.pk if str(self.pk).isdigit() else None)
            .first()
        )
        if signature is None:
            raise Http404
        return signature

    def get_edit_url(self):
        return None

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value is None or value == "" else value

    def get_country_display_value(self):
        return self.object.country.name if self.object.country else None

    def get_show_name_display_value(self):
        return _("Yes") if self.object.show_name else _("No")

    def get_show_full_name_display_value(self):
        return _("Yes") if self.object.show_full_name else _("No")

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        signature = self.object
        if self.user_has_permission("change"):
            back = reverse(self.index_url_name)
            if signature.state == State.SUSPECT:
                url = review_url("confirm", [signature.pk], back)
                buttons.append(Button(_("Confirm"), url=url, icon_name="check", priority=1))
            if signature.state != State.INVALIDATED:
                url = review_url("invalidate", [signature.pk], back)
                buttons.append(Button(_("Invalidate"), url=url, icon_name="cross", priority=2))
            buttons.append(
                Button(
                    _("History"),
                    url=reverse(signature.snippet_viewset.get_url_name("history"), args=(quote(signature.pk),)),
                    icon_name="history",
                    priority=40,
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["consents"] = self.object.consents.select_related("organization").order_by("pk")
        context["history"] = (
            log_registry.get_logs_for_instance(self.object).select_related("user").order_by("timestamp", "pk")
        )
        return context


class SignatureEditView(PermissionCheckedMixin, View):
    """Signatures are not edited (their states change through the services): Wagtail links
    to an object's edit URL from its history and search, so that URL opens the inspect view."""

    permission_policy = None
    permission_required = "change"
    inspect_url_name = None

    def get(self, request, pk):
        if not Signature.objects.filter(pk=pk if str(pk).isdigit() else None).exists():
            raise Http404
        return redirect(self.inspect_url_name, pk)

    post = get


# --- the viewset ---------------------------------------------------------------------------


class SignatureViewSet(SnippetViewSet):
    model = Signature
    icon = "user"
    menu_label = _("Signatures")
    add_to_admin_menu = False
    # Listed in the Coalition menu, so not under "Snippets" too.
    menu_item_is_registered = True
    base_url_path = "signatures"
    admin_url_namespace = "letters_signature"
    index_view_class = SignatureIndexView
    inspect_view_class = SignatureInspectView
    inspect_view_enabled = True
    inspect_view_fields = INSPECT_FIELDS
    copy_view_enabled = False
    index_template_name = "letters/admin/signatures/index.html"
    inspect_template_name = "letters/admin/signatures/inspect.html"
    filterset_class = SignatureFilterSet
    search_fields = SEARCH_FIELDS
    # Plain database filtering, the same on SQLite and PostgreSQL.
    search_backend_name = None
    list_per_page = 50
    list_display = [
        "name",
        Column("letter", label=_("Letter"), accessor="letter.title", sort_key="letter__title"),
        Column("state", label=_("State"), accessor="get_state_display", sort_key="state"),
        Column("country", label=_("Country"), accessor=lambda s: s.country.name if s.country else "—"),
        Column("language", label=_("Read in"), sort_key="language"),
        Column(
            "source",
            label=_("Brought in by"),
            accessor=lambda s: s.source_organization.name if s.source_organization else "—",
        ),
        DateColumn("created_at", label=_("Signed"), sort_key="created_at"),
        DateColumn("confirmed_at", label=_("Counted since"), sort_key="confirmed_at"),
    ]
    list_export = list(EXPORT_COLUMNS)
    export_headings = {key: label for key, (label, _getter) in EXPORT_COLUMNS.items()}
    export_filename = "signatures"

    @cached_property
    def edit_view(self):
        return self.construct_view(
            SignatureEditView,
            permission_policy=self.permission_policy,
            inspect_url_name=self.get_url_name("inspect"),
        )

    def register_chooser_viewset(self):
        # Nothing chooses a signature, and Wagtail's generic chooser does not consult
        # the permission policy: it would list every signer to anyone in the admin.
        return None


class HeldSignaturesMenu(ViewSet):
    """The "Held for review" entry of the Coalition menu: the listing filtered to suspect signatures.

    A viewset without views of its own, so that the menu group can hold it.
    """

    name = "letters_signature_held"
    menu_label = _("Held for review")
    menu_name = "signatures-held-for-review"
    menu_icon = "warning"

    @property
    def menu_url(self):
        return reverse(LIST) + "?" + urlencode({"state": State.SUSPECT.value})

    @cached_property
    def menu_item_class(self):
        def is_shown(_self, request):
            return user_is_editor(user=request.user)

        return type("HeldSignaturesMenuItem", (AdminMenuItem,), {"is_shown": is_shown})


# --- bulk actions: confirm and invalidate, one or many ---------------------------------------


class InvalidateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in each signature's history. The signers are not told."),
    )


class SignatureBulkAction(PermissionCheckedMixin, BulkAction):
    """Runs one service per signature, each in its own transaction with its tally."""

    models = [Signature]
    permission_required = "change"

    def __init__(self, request, model):
        super().__init__(request, model)
        if not get_valid_next_url_from_request(request):
            # Wagtail's default is this page itself, which no longer applies once done.
            self.next_url = reverse(LIST)

    @classmethod
    def get_queryset(cls, model, object_ids):
        if not isinstance(object_ids, QuerySet):
            object_ids = [pk for pk in object_ids if str(pk).isdigit()]
        signatures = list(
            model.objects.filter(pk__in=object_ids).select_related("letter").order_by("-created_at", "-pk")
        )
        if not signatures:
            raise Http404
        return signatures

    def get_all_objects_in_listing_query(self, parent_id):
        # "Select all" means all the listing shows: its filters and search apply.
        return signatures_in_listing(self.request.GET).values_list("pk", flat=True)

    def get_execution_context(self):
        return {"bulk_action": self}

    @classmethod
    def execute_action(cls, objects, bulk_action=None, **kwargs):
        bulk_action.unchanged = 0
        done = 0
        for signature in objects:
            before = signature.state
            if bulk_action.apply(signature).state != before:
                done += 1
            else:
                bulk_action.unchanged += 1
        return done, 0

    @abstractmethod
    def apply(self, signature: Signature) -> Signature:
        """Apply this action's service to one signature (subclasses: confirm, invalidate)."""

    @abstractmethod
    def done_message(self, count: int) -> str:
        """The success message for `count` signatures changed."""

    @abstractmethod
    def unchanged_message(self, count: int) -> str:
        """The message for `count` signatures the action left as they were."""

    def get_success_message(self, num_parent_objects, num_child_objects):
        if self.unchanged:
            messages.info(self.request, self.unchanged_message(self.unchanged))
        return self.done_message(num_parent_objects) if num_parent_objects else None

    def object_context(self, signature):
        return {"item": signature, "inspect_url": reverse("letters_signature:inspect", args=(signature.pk,))}


class ConfirmSignaturesBulkAction(SignatureBulkAction):
    display_name = _("Confirm")
    action_type = "confirm"
    aria_label = _("Clear the selected signatures held for review")
    template_name = "letters/admin/signatures/confirm_bulk_confirm.html"
    action_priority = 10

    def apply(self, signature):
        return signature_approve(signature=signature, acting_user=self.request.user)

    def done_message(self, count):
        return ngettext(
            "%(count)d signature cleared: it counts once its email is confirmed.",
            "%(count)d signatures cleared: they count once their emails are confirmed.",
            count,
        ) % {"count": count}

    def unchanged_message(self, count):
        return ngettext(
            "%(count)d signature was not held for review and is unchanged.",
            "%(count)d signatures were not held for review and are unchanged.",
            count,
        ) % {"count": count}


class InvalidateSignaturesBulkAction(SignatureBulkAction):
    display_name = _("Invalidate")
    action_type = "invalidate"
    aria_label = _("Invalidate the selected signatures")
    template_name = "letters/admin/signatures/confirm_bulk_invalidate.html"
    action_priority = 20
    classes = {"serious"}
    form_class = InvalidateForm

    def apply(self, signature):
        return signature_invalidate(
            signature=signature, acting_user=self.request.user, reason=self.cleaned_form.cleaned_data["reason"]
        )

    def done_message(self, count):
        return ngettext("%(count)d signature invalidated.", "%(count)d signatures invalidated.", count) % {
            "count": count
        }

    def unchanged_message(self, count):
        return ngettext(
            "%(count)d signature was invalidated already.", "%(count)d signatures were invalidated already.", count
        ) % {"count": count}


# --- the dashboard ----------------------------------------------------------------------------


class SignaturesHeldPanel(Component):
    name = "signatures_held_for_review"
    order = 91
    template_name = "letters/admin/signatures/held_panel.html"

    def __init__(self, *, count: int):
        self.count = count

    def get_context_data(self, parent_context=None):
        return {"count": self.count, "url": reverse(LIST) + "?" + urlencode({"state": State.SUSPECT.value})}


def signatures_held_panel(user) -> SignaturesHeldPanel | None:
    """The dashboard panel for editors, when signatures wait for review."""
    if not user_is_editor(user=user):
        return None
    count = Signature.objects.filter(state=State.SUSPECT).count()
    return SignaturesHeldPanel(count=count) if count else None
