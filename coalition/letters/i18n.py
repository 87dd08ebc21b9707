"""The public interface around a letter speaks the letter's language.

A reader who opens an Arabic letter sees Arabic buttons, labels and emails, right to left,
whatever their browser asks for: the letter's page, its sub-pages and the emails about it
are one piece. Letters in a language the interface is not translated into keep the
visitor's language.
"""

from contextlib import nullcontext

from django.conf import settings
from django.utils import translation


def letter_interface_language(letter) -> str | None:
    """The interface language for this letter, or None when the site is not translated into it."""
    available = {code for code, _name in settings.LANGUAGES}
    code = (letter.language or "").lower()
    for candidate in (code, code.split("-")[0]):
        if candidate in available:
            return candidate
    return None


def letter_translation(letter):
    """A context manager activating the letter's interface language (or changing nothing)."""
    code = letter_interface_language(letter)
    return translation.override(code) if code else nullcontext()


def letter_response_render(letter, respond):
    """Call `respond()` and render its response in the letter's language.

    Template responses render lazily, after the view returns: they are rendered here,
    inside the language, and the response says which language it is in.
    """
    code = letter_interface_language(letter)
    if code is None:
        return respond()
    with translation.override(code):
        response = respond()
        if callable(getattr(response, "render", None)) and not getattr(response, "is_rendered", True):
            response.render()
    response.headers["Content-Language"] = code
    return response
