"""A letter's translation as a PO file: exported for translators' tools, imported back.

One PO entry per translatable unit of the source letter: the title, the summary, the
recipients line, the closing, the share text, and each block (paragraph, heading, quote,
list item) of the introduction and the letter text. The msgctxt names the unit and its
place ("title", "body:3:h2", "body:4:li:ul"), the msgid is the source's words and the
msgstr the translation's. Inline markup (bold, italic, links) is flattened to text.

An import rebuilds the translation with the source's block structure, every text escaped:
a msgstr is words, never markup. It is saved as a draft revision: the translation is
published by the sign-off of the organizations writing the letter, as any edit is.
"""

import html
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

import polib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition.core.validators import validate_multiline, validate_single_line

from .models import LetterPage, LetterTranslationPage
from .text import LetterText
from .translations import translation_mark_current

MAX_PO_SIZE = 1024 * 1024  # 1 MB: a letter's PO file is a few kilobytes.
SOURCE_HASH_HEADER = "X-Coalition-Source-Hash"

# The plain-text fields, in reading order around the two rich-text ones.
SINGLE_LINE_FIELDS = ("title", "recipients_line", "closing", "share_text")
MULTILINE_FIELDS = ("summary",)
RICH_TEXT_FIELDS = ("introduction", "body")
FIELD_ORDER = ("title", "summary", "introduction", "recipients_line", "body", "closing", "share_text")

# Rich text: elements holding a block's words, and elements holding blocks.
_TEXT_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6"}
_CONTAINER_TAGS = {"ul", "ol", "li", "blockquote"}


# --- rich text as blocks ------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One block of rich text: its words and where it sits.

    `tag` wraps the words (p, h2, ...), or is None for words directly inside a list
    item or a quote. `containers` are the lists, list items and quotes around it,
    outermost first, each with a serial number so that two lists side by side stay two.
    """

    tag: str | None
    containers: tuple[tuple[str, int], ...]
    text: str

    @property
    def kind(self) -> str:
        names = [name for name, _serial in self.containers]
        element = self.tag
        if element is None:
            element = names.pop() if names else "p"
        if element == "li":
            return "li:" + (names[-1] if names and names[-1] in ("ul", "ol") else "ul")
        return f"{element}:{names[-1]}" if names else element


def _clean_line(text: str) -> str:
    return " ".join(text.split())


class _BlockParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.containers: list[tuple[str, int]] = []
        self.serial = 0
        self.tag: str | None = None  # the open text element, if any
        self.lines: list[str] = [""]  # the words so far, one item per <br>

    def _flush(self):
        lines = [_clean_line(line) for line in self.lines]
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        if lines:
            tag = self.tag or (None if self.containers else "p")
            self.blocks.append(Block(tag=tag, containers=tuple(self.containers), text="\n".join(lines)))
        self.lines = [""]

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.lines.append("")
        elif tag in _TEXT_TAGS:
            self._flush()
            self.tag = tag
        elif tag in _CONTAINER_TAGS:
            self._flush()
            self.tag = None
            self.serial += 1
            self.containers.append((tag, self.serial))

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.lines.append("")

    def handle_endtag(self, tag):
        if tag in _TEXT_TAGS:
            self._flush()
            self.tag = None
        elif tag in _CONTAINER_TAGS:
            self._flush()
            self.tag = None
            if any(name == tag for name, _serial in self.containers):
                while self.containers and self.containers.pop()[0] != tag:
                    pass

    def handle_data(self, data):
        self.lines[-1] += data

    def close(self):
        super().close()
        self._flush()


def rich_text_blocks(value) -> list[Block]:
    """The non-empty blocks of a rich-text value, inline markup flattened to text."""
    parser = _BlockParser()
    parser.feed(str(value or ""))
    parser.close()
    return parser.blocks


def blocks_html(blocks: list[Block], texts: list[str]) -> str:
    """Rich text with the blocks' structure and the given words (escaped; a newline is <br/>)."""
    out: list[str] = []
    open_containers: list[tuple[str, int]] = []
    for block, text in zip(blocks, texts, strict=True):
        wanted = list(block.containers)
        common = 0
        while common < min(len(open_containers), len(wanted)) and open_containers[common] == wanted[common]:
            common += 1
        while len(open_containers) > common:
            out.append(f"</{open_containers.pop()[0]}>")
        for container in wanted[common:]:
            out.append(f"<{container[0]}>")
            open_containers.append(container)
        words = "<br/>".join(html.escape(line, quote=True) for line in text.split("\n"))
        out.append(f"<{block.tag}>{words}</{block.tag}>" if block.tag else words)
    while open_containers:
        out.append(f"</{open_containers.pop()[0]}>")
    return "".join(out)


# --- the units of a letter ----------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    context: str  # the msgctxt
    field: str
    text: str
    block: Block | None = None


def _plain(value) -> str:
    return str(value or "").strip()


def field_units(page, field_name: str) -> list[Unit]:
    """A field's units (one, or one per block for rich text); empty ones are left out."""
    value = getattr(page, field_name, "")
    if field_name in RICH_TEXT_FIELDS:
        return [
            Unit(context=f"{field_name}:{index}:{block.kind}", field=field_name, text=block.text, block=block)
            for index, block in enumerate(rich_text_blocks(value), start=1)
        ]
    text = _plain(value)
    return [Unit(context=field_name, field=field_name, text=text)] if text else []


def letter_units(page) -> list[Unit]:
    return [unit for name in FIELD_ORDER for unit in field_units(page, name)]


def _translated_texts(translation, source_units: list[Unit]) -> dict[str, str]:
    """The translation's words per source unit, for fields that have the source's structure."""
    texts: dict[str, str] = {}
    for name in FIELD_ORDER:
        source = [unit for unit in source_units if unit.field == name]
        if not source:
            continue
        if name in RICH_TEXT_FIELDS:
            theirs = field_units(translation, name)
            if [unit.context for unit in theirs] == [unit.context for unit in source]:
                texts.update((unit.context, unit.text) for unit in theirs)
        else:
            text = _plain(getattr(translation, name, ""))
            if text:
                texts[name] = text
    return texts


def _latest(translation: LetterTranslationPage) -> LetterTranslationPage:
    return translation.get_latest_revision_as_object() if translation.pk else translation


_COMMENTS = {
    "title": "Title",
    "summary": "Summary (listings and share previews)",
    "recipients_line": "How the letter opens",
    "closing": "Closing",
    "share_text": "Share text",
    "introduction": "Introduction",
    "body": "Letter text",
}


# --- export -------------------------------------------------------------------------


def translation_po_export(*, translation: LetterTranslationPage, letter: LetterPage) -> bytes:
    """The translation (its latest revision) as a UTF-8 PO file against the letter's text.

    An entry's msgstr is empty where the translation still has the source's words, or
    where its block structure no longer matches the source's.
    """
    current = _latest(translation)
    units = letter_units(letter)
    translated = _translated_texts(current, units)

    po = polib.POFile(wrapwidth=78)
    po.header = f"The letter {letter.slug!r} in {translation.language}: translate each msgstr, keep each msgctxt."
    po.metadata = {
        "Project-Id-Version": f"coalition-letter-{letter.slug}",
        "POT-Creation-Date": timezone.now().strftime("%Y-%m-%d %H:%M%z"),
        "Language": translation.language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        SOURCE_HASH_HEADER: LetterText.of(letter).hash,
    }
    for unit in units:
        text = translated.get(unit.context, "")
        comment = _COMMENTS[unit.field]
        if unit.block is not None:
            comment += f", block {unit.context.split(':')[1]} ({unit.block.kind})"
        po.append(
            polib.POEntry(
                msgctxt=unit.context,
                msgid=unit.text,
                msgstr=text if text != unit.text else "",
                comment=comment,
            )
        )
    return str(po).encode("utf-8")


# --- import -------------------------------------------------------------------------


@dataclass
class PoImportResult:
    units_translated: int = 0
    # The msgctxt of each unit left as it was (empty msgstr, or marked fuzzy).
    units_missing: list[str] = field(default_factory=list)
    # Problems that did not stop the import (a unit whose source words changed since the export).
    errors: list[str] = field(default_factory=list)
    marked_current: bool = False


def _normalize_language(code: str) -> str:
    return (code or "").strip().lower().replace("_", "-")


def _forbidden_in_msgstr(text: str) -> str | None:
    for char in text:
        if char not in ("\t", "\n") and unicodedata.category(char) == "Cc":
            return char
    return None


def _parse(data: bytes) -> polib.POFile:
    if not isinstance(data, bytes | bytearray):
        raise ValidationError(_("Upload a PO file."))
    if len(data) > MAX_PO_SIZE:
        raise ValidationError(_("This file is too large for a letter's PO file (at most 1 MB)."))
    if b"\x00" in data:
        raise ValidationError(_("This file contains NUL bytes: it is not a PO file."))
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(_("This file is not a PO file: it is not UTF-8 text.")) from error
    # polib reads a string naming an existing file as that file's path: a PO file's
    # content always has several lines, a path given by an upload is refused here.
    if "\n" not in text.strip() or "msgid" not in text:
        raise ValidationError(_("This file is not a PO file."))
    try:
        po = polib.pofile(text, encoding="utf-8")
    except (OSError, ValueError, UnicodeError) as error:
        raise ValidationError(_("This file is not a PO file: %(problem)s"), params={"problem": error}) from error
    if not po.metadata:
        raise ValidationError(_("This file is not a PO file exported from a letter translation (no header)."))
    return po


def _names(contexts) -> str:
    contexts = sorted(contexts)
    shown = ", ".join(f'"{c}"' for c in contexts[:10])
    return shown + (_(" and %(count)d more") % {"count": len(contexts) - 10} if len(contexts) > 10 else "")


@transaction.atomic
def translation_po_import(
    *, translation: LetterTranslationPage, letter: LetterPage, data: bytes, user=None
) -> PoImportResult:
    """Import a PO file's translations as a draft revision of the translation.

    Raises ValidationError (and saves nothing) for a file that is not a PO file, is too
    large, is for another language, carries control characters, or no longer matches
    the letter's units. The translation is marked current with the letter's text only
    when the file was exported from the letter's current text.
    """
    po = _parse(data)

    language = po.metadata.get("Language", "")
    if _normalize_language(language) != _normalize_language(translation.language):
        raise ValidationError(
            _('This file is for the language "%(file)s"; this translation is in "%(translation)s".'),
            params={"file": language or _("(none)"), "translation": translation.language},
        )

    entries: dict[str, polib.POEntry] = {}
    for entry in po:
        if entry.obsolete:
            continue
        context = entry.msgctxt or ""
        if context in entries:
            raise ValidationError(_('This file has the unit "%(unit)s" twice.'), params={"unit": context})
        entries[context] = entry
        char = _forbidden_in_msgstr(entry.msgstr)
        if char is not None:
            raise ValidationError(
                _('The translation of "%(unit)s" contains an invisible control character (U+%(code)04X).'),
                params={"unit": context or entry.msgid[:40], "code": ord(char)},
            )

    units = letter_units(letter)
    expected = {unit.context for unit in units}
    missing, unexpected = expected - set(entries), set(entries) - expected
    if missing or unexpected:
        problems = []
        if missing:
            problems.append(_("the letter now has %(units)s, not in the file") % {"units": _names(missing)})
        if unexpected:
            problems.append(_("the file has %(units)s, no longer in the letter") % {"units": _names(unexpected)})
        raise ValidationError(
            _("This file does not match the letter's text as it is now (%(problems)s). Export a new file."),
            params={"problems": "; ".join(problems)},
        )

    obj = _latest(translation)
    current = _translated_texts(obj, units)
    result = PoImportResult()
    texts: dict[str, str] = {}
    for unit in units:
        entry = entries[unit.context]
        if entry.msgstr.strip() and not entry.fuzzy:
            text = entry.msgstr.strip()
            if unit.field in RICH_TEXT_FIELDS:
                text = "\n".join(_clean_line(line) for line in text.split("\n"))
            texts[unit.context] = text
            result.units_translated += 1
            if entry.msgid != unit.text:
                result.errors.append(
                    _('The source of "%(unit)s" changed since this file was exported; check its translation.')
                    % {"unit": unit.context}
                )
        else:
            texts[unit.context] = current.get(unit.context, unit.text)
            result.units_missing.append(unit.context)

    errors: dict[str, list[str]] = {}
    for name in FIELD_ORDER:
        field_units_ = [unit for unit in units if unit.field == name]
        if name in RICH_TEXT_FIELDS:
            value = blocks_html([unit.block for unit in field_units_], [texts[unit.context] for unit in field_units_])
        else:
            value = texts[name] if field_units_ else ""
            validator = validate_multiline if name in MULTILINE_FIELDS else validate_single_line
            try:
                validator(value)
            except ValidationError as error:
                errors.setdefault(name, []).extend(error.messages)
            max_length = LetterTranslationPage._meta.get_field(name).max_length
            if max_length and len(value) > max_length:
                errors.setdefault(name, []).append(
                    _("At most %(max)d characters (this text has %(count)d).")
                    % {"max": max_length, "count": len(value)}
                )
        setattr(obj, name, value)
    if not obj.title:
        errors.setdefault("title", []).append(_("The title cannot be empty."))
    if errors:
        raise ValidationError(errors)

    if po.metadata.get(SOURCE_HASH_HEADER, "").strip() == LetterText.of(letter).hash:
        translation_mark_current(translation=obj, letter=letter)
        result.marked_current = True
    obj.save_revision(user=user, log_action=True)
    return result
