"""The letter's "Translations" screen: what exists, what is out of date, PO files for translators."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .models import LetterPage, LetterTranslationPage
from .text import LetterText
from .translations import language_name, letter_translation_create, letter_translations

PO_MAX_BYTES = 1024 * 1024


class TranslationCreateForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"))

    def __init__(self, *args, letter: LetterPage, **kwargs):
        super().__init__(*args, **kwargs)
        taken = {letter.language, *letter_translations(letter, live_only=False).values_list("language", flat=True)}
        self.fields["language"].choices = [
            (code, name) for code, name in settings.LETTER_LANGUAGES if code not in taken
        ]


class PoImportForm(forms.Form):
    po_file = forms.FileField(
        label=_("PO file"), help_text=_("A file exported from this screen, translated with a PO editor.")
    )

    def clean_po_file(self):
        upload = self.cleaned_data["po_file"]
        if upload.size > PO_MAX_BYTES:
            raise ValidationError(_("This file is larger than 1 MB: it cannot be a translation of one letter."))
        return upload


def _letter_for(request, page_id) -> LetterPage:
    letter = get_object_or_404(LetterPage, pk=page_id)
    if not letter.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return letter


def _translation_for(request, letter: LetterPage, translation_id) -> LetterTranslationPage:
    translation = get_object_or_404(letter_translations(letter, live_only=False), pk=translation_id)
    if not translation.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return translation


class LetterTranslationsView(WagtailAdminTemplateMixin, TemplateView):
    """Every translation of a letter: published or draft, in sign-off, current or out of date."""

    template_name = "letters/admin/translations.html"
    header_icon = "globe"

    def dispatch(self, request, page_id):
        self.letter = _letter_for(request, page_id)
        return super().dispatch(request, page_id)

    def get_page_title(self):
        return _("Translations")

    def get_page_subtitle(self):
        return self.letter.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtailadmin_pages:edit", args=[self.letter.pk]), "label": self.letter.title},
            {"url": "", "label": _("Translations")},
        ]

    def get_context_data(self, **kwargs):
        source_hash = LetterText.of(self.letter).hash
        rows = []
        for translation in letter_translations(self.letter, live_only=False):
            draft = translation.get_latest_revision_as_object() if translation.has_unpublished_changes else translation
            workflow_state = translation.current_workflow_state
            in_signoff = workflow_state is not None and workflow_state.status == workflow_state.STATUS_IN_PROGRESS
            rows.append(
                {
                    "page": translation,
                    "name": language_name(translation.language),
                    "live_current": translation.live and translation.source_text_hash == source_hash,
                    "draft_current": draft.source_text_hash == source_hash,
                    "in_signoff": in_signoff,
                    "import_form": PoImportForm(),
                }
            )
        return super().get_context_data(
            letter=self.letter,
            source_name=language_name(self.letter.language),
            rows=rows,
            create_form=kwargs.pop("create_form", None) or TranslationCreateForm(letter=self.letter),
            **kwargs,
        )

    def post(self, request, page_id):
        form = TranslationCreateForm(request.POST, letter=self.letter)
        if form.is_valid():
            try:
                translation = letter_translation_create(
                    letter=self.letter, language=form.cleaned_data["language"], user=request.user
                )
            except ValidationError as error:
                form.add_error("language", error)
            else:
                messages.success(
                    request,
                    _("Draft translation created from the current text. Translate it, then submit it for sign-off."),
                )
                return redirect("wagtailadmin_pages:edit", translation.pk)
        return self.render_to_response(self.get_context_data(create_form=form))


class TranslationPoExportView(View):
    def get(self, request, page_id, translation_id):
        from .translation_po import translation_po_export

        letter = _letter_for(request, page_id)
        translation = _translation_for(request, letter, translation_id)
        draft = translation.get_latest_revision_as_object()
        response = HttpResponse(
            translation_po_export(translation=draft, letter=letter), content_type="text/x-gettext-translation"
        )
        response["Content-Disposition"] = f'attachment; filename="{letter.slug}.{translation.language}.po"'
        return response


class TranslationPoImportView(View):
    def post(self, request, page_id, translation_id):
        from .translation_po import translation_po_import

        letter = _letter_for(request, page_id)
        translation = _translation_for(request, letter, translation_id)
        form = PoImportForm(request.POST, request.FILES)
        if not form.is_valid():
            for error in form.errors.get("po_file", []):
                messages.error(request, error)
            return redirect("letters_admin:translations", page_id=letter.pk)
        try:
            result = translation_po_import(
                translation=translation, letter=letter, data=form.cleaned_data["po_file"].read(), user=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("letters_admin:translations", page_id=letter.pk)
        message = _("Imported %(count)s translated passages into a new draft of the %(language)s translation.") % {
            "count": result.units_translated,
            "language": language_name(translation.language),
        }
        if result.units_missing:
            message += " " + _("%(count)s passages were left as they were (untranslated or fuzzy).") % {
                "count": len(result.units_missing)
            }
        messages.success(request, message)
        return redirect("wagtailadmin_pages:edit", translation.pk)
