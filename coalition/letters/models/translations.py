"""A letter's translation: a child page of the letter, one per language.

The letter's own text (its source language) is the authoritative one organizations endorse.
A translation is a Wagtail page so it has revisions, previews and the same "Coalition
sign-off" workflow as the letter: the organizations writing the letter approve it before
it is published. It holds only the words; everything else (status, counts, signatures,
endorsements, embeds, delivery) belongs to the one letter (letters.translations).

`source_lines` keeps the source text the translation was made from, so a later edit of
the source shows as "out of date" with a diff of what changed.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel, ObjectList, Panel, TabbedInterface
from wagtail.fields import RichTextField
from wagtail.models import Page

from coalition.core.validators import validate_multiline, validate_single_line

from .pages import LETTER_BODY_FEATURES, LetterPage


class TranslationSourcePanel(Panel):
    """Where the translation stands against the source text: up to date, or what changed."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "letters/admin/translation_source_panel.html"

        def get_context_data(self, parent_context=None):
            from ..translations import translation_source_changes

            context = super().get_context_data(parent_context)
            page = self.instance
            letter = page.get_parent().specific if page.pk else None
            context["letter"] = letter
            context["changes"] = translation_source_changes(translation=page, letter=letter) if letter else None
            return context


class TranslationForm(WagtailAdminPageForm):
    up_to_date = forms.BooleanField(
        label=_("This translation is up to date with the letter"),
        required=False,
        help_text=_(
            "Tick when the words above render the letter's current text. The published translation stops "
            "saying it is out of date once this version is signed off and published."
        ),
    )

    def save(self, commit=True):
        from ..translations import translation_mark_current

        page = super().save(commit=False)
        if self.cleaned_data.get("up_to_date"):
            translation_mark_current(translation=page, letter=page.get_parent().specific)
        if commit:
            page.save()
        return page


class LetterTranslationPage(Page):
    """The letter's words in another language; served at <letter-url><language>/."""

    language = models.CharField(_("language"), max_length=10, choices=settings.LETTER_LANGUAGES)
    summary = models.TextField(_("summary"), max_length=500, blank=True, validators=[validate_multiline])
    introduction = RichTextField(_("introduction"), features=LETTER_BODY_FEATURES, blank=True)
    recipients_line = models.CharField(
        _("recipients line"), max_length=200, blank=True, validators=[validate_single_line]
    )
    body = RichTextField(_("letter text"), features=LETTER_BODY_FEATURES)
    closing = models.CharField(_("closing"), max_length=100, blank=True, validators=[validate_single_line])
    share_text = models.CharField(_("share text"), max_length=200, blank=True, validators=[validate_single_line])

    # The source text this translation renders (LetterText lines) and its hash; kept out of
    # the edit form, set when the translator ticks "up to date" (TranslationForm).
    source_lines = models.JSONField(default=list, blank=True, editable=False)
    source_text_hash = models.CharField(max_length=64, blank=True, editable=False)

    content_panels = [
        TranslationSourcePanel(),
        FieldPanel("title"),
        FieldPanel("summary"),
        FieldPanel("introduction"),
        MultiFieldPanel(
            [FieldPanel("recipients_line"), FieldPanel("body"), FieldPanel("closing")],
            heading=_("The letter"),
        ),
        FieldPanel("share_text"),
        FieldPanel("up_to_date"),
    ]
    settings_panels = [
        HelpPanel(
            content=_(
                "The language and the address (the language code after the letter's address) are set when the "
                "translation is created."
            )
        ),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Translation")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(settings_panels, heading=_("Settings")),
        ]
    )

    base_form_class = TranslationForm
    parent_page_types = ["letters.LetterPage"]
    subpage_types = []

    # The language is the page's for good. The source text it renders travels with each
    # revision: a draft updated to the new source text says so only once it is published.
    NON_REVISIONED_FIELDS = ("language",)

    class Meta:
        verbose_name = _("letter translation")
        verbose_name_plural = _("letter translations")

    @classmethod
    def can_create_at(cls, parent):
        # Created from the letter's "Translations" screen, which copies the source text first.
        return False

    def clean(self):
        super().clean()
        try:
            validate_single_line(self.title)
        except ValidationError as error:
            raise ValidationError({"title": error.messages}) from error

    def with_content_json(self, content):
        obj = super().with_content_json(content)
        for field in self.NON_REVISIONED_FIELDS:
            setattr(obj, field, getattr(self, field))
        return obj

    def get_admin_display_title(self):
        return f"{self.get_language_display()}: {self.draft_title or self.title}"

    # --- the letter it belongs to ----------------------------------------------

    @property
    def organizations_letter(self) -> LetterPage:
        """The letter whose organizations write, approve and may edit this translation."""
        cached = getattr(self, "_letter", None)
        if cached is None:
            cached = self._letter = LetterPage.objects.select_related("lead_organization").get(pk=self.get_parent().pk)
        return cached

    @property
    def lead_organization_id(self):
        return self.organizations_letter.lead_organization_id

    @property
    def direction(self) -> str:
        return "rtl" if self.language.split("-")[0] in settings.RTL_LANGUAGES else "ltr"

    # --- serving: the letter itself, in these words ------------------------------

    def route(self, request, path_components):
        from django.http import Http404

        from ..translations import letter_as_translation

        letter = self.get_parent().specific
        if not self.live or not isinstance(letter, LetterPage) or not letter.live:
            raise Http404
        return letter_as_translation(letter, self).route(request, path_components)

    def serve_preview(self, request, mode_name):
        from ..translations import letter_as_translation

        letter = self.get_parent().specific
        return letter_as_translation(letter, self).serve_preview(request, mode_name)

    def get_sitemap_urls(self, request=None):
        return [] if not self.get_parent().live else super().get_sitemap_urls(request)
