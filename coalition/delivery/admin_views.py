"""Wagtail admin screens for decision makers and recipient lists, and the spreadsheet import.

Editors only: both viewsets keep Wagtail's model permission policy, so people without
the delivery models' permissions (partner staff, who reach the admin to co-draft) are
refused every view, export and the import. The import's checks and writes live in
delivery.importing; the views here only carry the file, the session and the messages.
"""

import base64
import binascii
import json
import secrets
import zlib
from collections import OrderedDict

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.crypto import constant_time_compare
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from django_countries import countries
from django_filters import ChoiceFilter, ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn, UpdatedAtColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.coreutils import multigetattr

from coalition.core.exports import FormulaSafeExportMixin
from coalition.core.validators import validate_no_formula

from .importing import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportPreview,
    ImportRejected,
    ImportResult,
    ImportRow,
    RowAction,
    decision_makers_import,
    decision_makers_parse,
    user_can_import_decision_makers,
)
from .models import DecisionMaker, RecipientList

# --- decision makers -------------------------------------------------------------------------------


def _list_names(decision_maker: DecisionMaker) -> str:
    return "; ".join(recipient_list.name for recipient_list in decision_maker.recipient_lists.all())


def _regions():
    regions = DecisionMaker.objects.exclude(region="").values_list("region", flat=True).distinct().order_by("region")
    return [(region, region) for region in regions]


class DecisionMakerFilterSet(WagtailFilterSet):
    country = ChoiceFilter(choices=lambda: list(countries), label=_("Country"))
    region = ChoiceFilter(choices=_regions, label=_("Region or district"))
    recipient_list = ModelChoiceFilter(
        field_name="recipient_lists", queryset=RecipientList.objects.order_by("name"), label=_("Recipient list")
    )

    class Meta:
        model = DecisionMaker
        fields = ["country", "region", "active", "recipient_list"]


class DecisionMakerForm(WagtailAdminModelForm):
    """The model's checks, and no formula-like names: they end up in editors' spreadsheets."""

    def clean(self):
        cleaned_data = super().clean()
        for name in ("name", "title", "office"):
            if cleaned_data.get(name):
                try:
                    validate_no_formula(cleaned_data[name])
                except ValidationError as error:
                    self.add_error(name, error)
        return cleaned_data


# The export's headings are the import's column names: an export can be edited and imported back.
EXPORT_FIELDS = ["external_id", "name", "title", "office", "email", "country", "region", "lists", "active"]


class DecisionMakerIndexView(FormulaSafeExportMixin, IndexView):
    import_url_name = None

    def get_base_queryset(self):
        return super().get_base_queryset().prefetch_related("recipient_lists")

    def to_row_dict(self, item):
        return OrderedDict(
            (name, _list_names(item) if name == "lists" else multigetattr(item, name)) for name in self.list_export
        )

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.import_url_name and user_can_import_decision_makers(user=self.request.user):
            buttons.append(HeaderButton(_("Import"), url=reverse(self.import_url_name), icon_name="upload"))
        return buttons


class DecisionMakerViewSet(ModelViewSet):
    model = DecisionMaker
    icon = "user"
    menu_label = _("Decision makers")
    add_to_admin_menu = False
    index_view_class = DecisionMakerIndexView
    filterset_class = DecisionMakerFilterSet
    search_fields = ["name", "office", "external_id"]
    # Plain database filtering: the same on SQLite and PostgreSQL, and no index to keep in step.
    search_backend_name = None
    copy_view_enabled = False
    list_per_page = 50
    list_display = [
        TitleColumn("name", label=_("Name"), url_name="delivery_decision_maker:edit"),
        Column("title", label=_("Title"), sort_key="title"),
        Column("office", label=_("Office"), sort_key="office"),
        Column("country", label=_("Country"), accessor="country.name", sort_key="country"),
        Column("region", label=_("Region"), sort_key="region"),
        BooleanColumn("active", label=_("Active")),
        Column("lists", label=_("Lists"), accessor=_list_names),
    ]
    list_export = EXPORT_FIELDS
    export_headings = {name: name for name in EXPORT_FIELDS}
    export_filename = "decision-makers"
    ordering = ["name"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("title")]),
            FieldPanel("office"),
            FieldRowPanel([FieldPanel("email"), FieldPanel("external_id")]),
            FieldRowPanel([FieldPanel("country"), FieldPanel("region")]),
            FieldPanel("photo"),
            FieldPanel("active"),
        ],
        base_form_class=DecisionMakerForm,
    )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(import_url_name=self.get_url_name("import"), **kwargs)

    @property
    def import_view(self):
        return DecisionMakerImportView.as_view(**self._import_view_kwargs())

    @property
    def import_confirm_view(self):
        return DecisionMakerImportConfirmView.as_view(**self._import_view_kwargs())

    def _import_view_kwargs(self):
        return {
            "index_url_name": self.get_url_name("index"),
            "import_url_name": self.get_url_name("import"),
            "confirm_url_name": self.get_url_name("import_confirm"),
            "header_icon": self.icon,
        }

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("import/", self.import_view, name="import"),
            path("import/confirm/", self.import_confirm_view, name="import_confirm"),
        ]


# --- the import --------------------------------------------------------------------------------------


class DecisionMakerImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "Columns (first row): external_id, name, title, office, email, country, region, lists. "
            "Country: a two-letter code (such as “SY”) or the English name. Lists: recipient list names "
            "separated by “;”, created when missing. At most 5 MB and 20,000 rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


SESSION_KEY = "delivery_decision_maker_import"
PREVIEW_ROWS = 500  # rows shown in the preview table; the counts cover them all


def _pending_store(request, preview: ImportPreview) -> str:
    """Keep the checked rows in the session (server side) under a new random token; return it."""
    token = secrets.token_urlsafe(24)
    payload = json.dumps([[row.number, row.cells] for row in preview.rows], separators=(",", ":"))
    request.session[SESSION_KEY] = {
        "token": token,
        "filename": preview.filename,
        "rows": base64.b64encode(zlib.compress(payload.encode(), 6)).decode("ascii"),
    }
    return token


def _pending_load(request, token: str) -> tuple[str, list[ImportRow]] | None:
    pending = request.session.get(SESSION_KEY)
    if not isinstance(pending, dict) or not token or not constant_time_compare(str(pending.get("token")), token):
        return None
    try:
        payload = json.loads(zlib.decompress(base64.b64decode(pending["rows"])))
        rows = [ImportRow(number=int(number), cells=dict(cells)) for number, cells in payload]
    except (KeyError, TypeError, ValueError, binascii.Error, zlib.error):
        return None
    return str(pending.get("filename") or ""), rows


def _preview_rows(preview: ImportPreview) -> list[ImportRow]:
    """Errors first, then new and changed rows, then unchanged ones, in file order within each."""
    order = {RowAction.ERROR: 0, RowAction.CREATE: 1, RowAction.UPDATE: 1, RowAction.UNCHANGED: 2}
    return sorted(preview.rows, key=lambda row: (order.get(row.action, 3), row.number))[:PREVIEW_ROWS]


def _result_message(result: ImportResult) -> str:
    parts = [
        ngettext("%(count)s decision maker added", "%(count)s decision makers added", result.created)
        % {"count": result.created},
        ngettext("%(count)s updated", "%(count)s updated", result.updated) % {"count": result.updated},
        ngettext("%(count)s unchanged", "%(count)s unchanged", result.unchanged) % {"count": result.unchanged},
    ]
    message = gettext("Imported “%(file)s”: %(summary)s.") % {"file": result.filename, "summary": ", ".join(parts)}
    if result.changed_fields:
        changed = ", ".join(f"{name} ({count})" for name, count in sorted(result.changed_fields.items()))
        message += " " + gettext("Changed: %(fields)s.") % {"fields": changed}
    if result.lists_created:
        message += " " + gettext("New recipient lists: %(lists)s.") % {"lists": ", ".join(result.lists_created)}
    return message


class DecisionMakerImportView(WagtailAdminTemplateMixin, TemplateView):
    """Upload a file and see what importing it would do (nothing is saved at this step)."""

    template_name = "delivery/admin/decision_maker_import.html"
    index_url_name = None
    import_url_name = None
    confirm_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if not user_can_import_decision_makers(user=request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Import decision makers")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": _("Decision makers")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get(self, request):
        return self.render_to_response(self.get_context_data(form=DecisionMakerImportForm()))

    def post(self, request):
        form = DecisionMakerImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        upload = form.cleaned_data["file"]
        try:
            preview = decision_makers_parse(file=upload, filename=upload.name)
        except ValidationError as error:
            form.add_error("file", error)
            return self.render_to_response(self.get_context_data(form=form))
        request.session.pop(SESSION_KEY, None)
        token = _pending_store(request, preview) if preview.is_valid else ""
        return self.render_to_response(
            self.get_context_data(form=DecisionMakerImportForm(), preview=preview, token=token)
        )

    def get_context_data(self, **kwargs):
        preview = kwargs.get("preview")
        return super().get_context_data(
            action_url=reverse(self.import_url_name),
            confirm_url=reverse(self.confirm_url_name),
            index_url=reverse(self.index_url_name),
            preview_rows=_preview_rows(preview) if preview else [],
            preview_limit=PREVIEW_ROWS,
            max_megabytes=MAX_FILE_BYTES // (1024 * 1024),
            max_rows=MAX_ROWS,
            **kwargs,
        )


class DecisionMakerImportConfirmView(DecisionMakerImportView):
    """Apply the rows kept from the preview: checked again, then saved in one transaction."""

    http_method_names = ["post"]

    def post(self, request):
        pending = _pending_load(request, request.POST.get("token", ""))
        if pending is None:
            messages.error(
                request, _("This import has expired or was replaced by another one: upload the file again.")
            )
            return redirect(self.import_url_name)
        filename, rows = pending
        try:
            result = decision_makers_import(rows=rows, acting_user=request.user, filename=filename)
        except ImportRejected as rejected:
            request.session.pop(SESSION_KEY, None)
            messages.error(request, rejected.messages[0])
            return self.render_to_response(
                self.get_context_data(form=DecisionMakerImportForm(), preview=rejected.preview, token="")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.import_url_name)
        request.session.pop(SESSION_KEY, None)
        messages.success(request, _result_message(result))
        return redirect(self.index_url_name)


# --- recipient lists ---------------------------------------------------------------------------------


def decision_maker_choice_label(decision_maker: DecisionMaker) -> str:
    place = " ".join(part for part in (decision_maker.country.code, decision_maker.region) if part)
    details = ", ".join(part for part in (decision_maker.title, decision_maker.office) if part)
    label = decision_maker.name + (f" – {details}" if details else "") + (f" ({place})" if place else "")
    return label if decision_maker.active else label + " " + gettext("[inactive]")


class FilterableCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes under a search box that hides the ones whose label does not match (for long lists)."""

    class Media:
        js = ["js/checkbox_filter.js"]

    def render(self, name, value, attrs=None, renderer=None):
        boxes = super().render(name, value, attrs, renderer)
        filter_id = f"{(attrs or {}).get('id') or 'id_' + name}-filter"
        return format_html(
            '<div data-checkbox-filter><label class="w-field__label" for="{}">{}</label>'
            '<input type="search" id="{}" class="w-mb-2" data-checkbox-filter-input autocomplete="off">'
            '<div style="max-height: 28rem; overflow-y: auto">{}</div></div>',
            filter_id,
            gettext("Show only names, offices or places containing"),
            filter_id,
            boxes,
        )


class RecipientListForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        members = self.fields["decision_makers"]
        members.queryset = DecisionMaker.objects.order_by("country", "region", "name", "pk")
        members.label_from_instance = decision_maker_choice_label


class RecipientListIndexView(FormulaSafeExportMixin, IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(
                members_count=Count("decision_makers", distinct=True), letters_count=Count("letters", distinct=True)
            )
        )


class RecipientListViewSet(ModelViewSet):
    model = RecipientList
    icon = "list-ul"
    menu_label = _("Recipient lists")
    add_to_admin_menu = False
    index_view_class = RecipientListIndexView
    search_fields = ["name", "description"]
    search_backend_name = None
    copy_view_enabled = False
    list_display = [
        TitleColumn("name", label=_("Name"), url_name="delivery_recipient_list:edit"),
        Column("region_label", label=_("What a region is called")),
        Column("members_count", label=_("Decision makers"), sort_key="members_count"),
        Column("letters_count", label=_("Letters"), sort_key="letters_count"),
        UpdatedAtColumn(),
    ]
    list_export = ["name", "description", "region_label", "members_count", "letters_count"]
    export_headings = {"members_count": "Decision makers", "letters_count": "Letters"}
    export_filename = "recipient-lists"
    ordering = ["name"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("description"),
            FieldPanel("region_label"),
            FieldPanel("decision_makers", widget=FilterableCheckboxSelectMultiple),
        ],
        base_form_class=RecipientListForm,
    )
