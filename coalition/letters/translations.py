"""Translations of a letter: made in the admin, signed off, served as the one letter.

A translation (models.LetterTranslationPage) holds only words. At its address, the letter
is served with those words: `letter_as_translation` gives a copy of the letter whose text,
language and address are the translation's and whose id is the letter's, so every
signature, endorsement, count and cached fragment is the one letter's, and each signature
records the language its signer read (Signature.language).
"""

import copy

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from .models import LetterPage, LetterTranslationPage
from .text import LetterText, letter_text_diff

# The fields a translation gives the letter it is served as.
TRANSLATED_FIELDS = ("title", "summary", "introduction", "recipients_line", "body", "closing", "share_text")
PAGE_FIELDS = ("seo_title", "search_description", "url_path", "draft_title", "language")


class TranslatedLetterNotSaved(Exception):
    """The letter served in another language is a view: saving it would overwrite the source."""


def _refuse_save(*args, **kwargs):
    raise TranslatedLetterNotSaved("A letter served in translation cannot be saved; save the letter itself.")


def letter_as_translation(letter: LetterPage, translation: LetterTranslationPage) -> LetterPage:
    """The letter, with the translation's words, language and address (never saved)."""
    view = copy.copy(letter)
    for cached in ("public_url", "specific", "specific_deferred"):
        view.__dict__.pop(cached, None)
    for field in TRANSLATED_FIELDS + PAGE_FIELDS:
        value = getattr(translation, field)
        if field in ("summary", "share_text") and not value:
            value = getattr(letter, field)  # optional words fall back to the source's
        setattr(view, field, value)
    view.text_direction = "auto"
    view.translation = translation
    view.source_letter = letter
    view.save = _refuse_save
    view.full_clean = _refuse_save
    return view


def letter_source(letter) -> LetterPage:
    """The letter itself, for a letter served in translation (or the letter as given)."""
    return getattr(letter, "source_letter", letter)


def letter_translations(letter: LetterPage, *, live_only: bool = True):
    qs = LetterTranslationPage.objects.child_of(letter_source(letter)).order_by("language")
    return qs.live() if live_only else qs


def letter_in_language(letter: LetterPage, language: str | None) -> LetterPage:
    """The letter as a reader of `language` reads it: its published translation, or itself."""
    letter = letter_source(letter)
    if not language or language == letter.language:
        return letter
    translation = letter_translations(letter).filter(language=language).first()
    return letter_as_translation(letter, translation) if translation else letter


def language_name(code: str) -> str:
    """A language's name in that language (the switcher reads "العربية", not "Arabic")."""
    try:
        name = get_language_info(code)["name_local"]
    except KeyError:
        name = dict(settings.LETTER_LANGUAGES).get(code, code)
    return name[:1].upper() + name[1:]


def letter_language_versions(letter) -> list[dict]:
    """The letter's source and published translations: language, name, address, current.

    One query. The letter's own page comes first (it is the authoritative text).
    """
    source = letter_source(letter)
    translations = list(letter_translations(source).only("language", "title", "url_path", "path", "depth"))
    if not translations:  # most letters: nothing to switch to, and no address to work out
        return []
    current = letter.language
    versions = [{"language": source.language, "url": source.url, "source": True, "page": source}]
    versions += [{"language": t.language, "url": t.url, "source": False, "page": t} for t in translations]
    for version in versions:
        version["name"] = language_name(version["language"])
        version["current"] = version["language"] == current
        version["full_url"] = settings.SITE_URL + (version["url"] or "/")
    return versions


# --- the source text a translation renders ---------------------------------------


def translation_source_is_current(*, translation: LetterTranslationPage, letter: LetterPage) -> bool:
    return translation.source_text_hash == LetterText.of(letter).hash


def letter_translation_out_of_date(letter) -> bool:
    """For a letter served in translation: has the source changed since it was translated?"""
    translation = getattr(letter, "translation", None)
    if translation is None:
        return False
    return not translation_source_is_current(translation=translation, letter=letter.source_letter)


def translation_source_changes(*, translation: LetterTranslationPage, letter: LetterPage) -> dict:
    """For the admin: is the translation current, and what changed in the source since."""
    current = LetterText.of(letter)
    if translation.source_text_hash == current.hash:
        return {"current": True, "diff": []}
    lines = translation.source_lines or []
    old = LetterText(
        title=lines[0] if lines else "",
        recipients_line="",
        paragraphs=tuple(lines[1:]),
        closing="",
    )
    new = LetterText(title=current.title, recipients_line="", paragraphs=tuple(current.lines()[1:]), closing="")
    return {"current": False, "diff": letter_text_diff(old, new, context=1)}


def translation_mark_current(*, translation: LetterTranslationPage, letter: LetterPage) -> None:
    """The translator says these words render the source text as it is now (saved with them)."""
    text = LetterText.of(letter)
    translation.source_lines = text.lines()
    translation.source_text_hash = text.hash


@transaction.atomic
def letter_translation_create(*, letter: LetterPage, language: str, user=None) -> LetterTranslationPage:
    """A draft translation of the letter into `language`, starting from the source text.

    The draft is saved as a revision (not published): it is published by the sign-off of
    the organizations writing the letter, as the letter was. The letter gains a child: an
    object of it loaded before must be loaded again before it is saved (treebeard's numchild).
    """
    letter = LetterPage.objects.select_for_update().get(pk=letter.pk)
    if language == letter.language:
        raise ValidationError(_("The letter is already written in this language."))
    if language not in dict(settings.LETTER_LANGUAGES):
        raise ValidationError(_("Choose one of the languages letters are written in."))
    if letter_translations(letter, live_only=False).filter(language=language).exists():
        raise ValidationError(_("This letter already has a translation into this language."))
    text = LetterText.of(letter)
    translation = LetterTranslationPage(
        title=letter.title,
        slug=language,
        language=language,
        summary=letter.summary,
        introduction=letter.introduction,
        recipients_line=letter.recipients_line,
        body=letter.body,
        closing=letter.closing,
        share_text=letter.share_text,
        source_lines=text.lines(),
        source_text_hash=text.hash,
        live=False,
        owner=user,
    )
    letter.add_child(instance=translation)
    translation.save_revision(user=user, log_action=True)
    return translation
