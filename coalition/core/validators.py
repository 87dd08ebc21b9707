"""Validators for text that people type: every field is treated as hostile."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Characters that have no business in a name or a line of text: C0/C1 controls
# (NUL included) and the bidirectional overrides used to disguise text.
_BIDI_CONTROLS = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}
_ALLOWED_WHITESPACE = {"\n", "\r", "\t"}


def find_forbidden_character(value: str, *, allow_newlines: bool = False) -> str | None:
    for char in value:
        if allow_newlines and char in _ALLOWED_WHITESPACE:
            continue
        if char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            return char
    return None


def validate_single_line(value: str) -> None:
    """Refuse control characters (NUL, line breaks, escapes) and bidi overrides."""
    char = find_forbidden_character(value)
    if char is not None:
        raise ValidationError(
            _("Remove the invisible control character (U+%(code)04X) from this text."),
            code="control_character",
            params={"code": ord(char)},
        )


def validate_multiline(value: str) -> None:
    """Like validate_single_line, but line breaks and tabs are fine."""
    char = find_forbidden_character(value, allow_newlines=True)
    if char is not None:
        raise ValidationError(
            _("Remove the invisible control character (U+%(code)04X) from this text."),
            code="control_character",
            params={"code": ord(char)},
        )


# What a spreadsheet program reads as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@")


def validate_no_formula(value: str) -> None:
    """Refuse text that a spreadsheet would run as a formula when an editor exports it."""
    if (value or "").lstrip().startswith(FORMULA_STARTS):
        raise ValidationError(
            _("This text cannot start with =, +, - or @."),
            code="formula",
        )
