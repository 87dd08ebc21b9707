"""The letter text organizations endorse: its plain paragraphs, its hash, and a readable diff.

The endorsed text is the title, the salutation, the body and the closing. Only words
count: reformatting that leaves the words unchanged (markup, spacing) keeps the hash,
so organizations are not asked to reconfirm a text they would read the same way.
"""

import difflib
import hashlib
import html
import re
from dataclasses import dataclass

from django.utils.html import strip_tags

# Tags that end a paragraph (or a line) of the letter body.
_BLOCK_END = re.compile(r"(?i)<\s*(?:/(?:p|h[1-6]|li|blockquote|div)|br\s*/?)\s*>")
_SPACE = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


def rich_text_paragraphs(value: str) -> list[str]:
    """The paragraphs of a rich-text value as plain text, markup and entities resolved."""
    marked = _BLOCK_END.sub("\n", value or "")
    text = html.unescape(strip_tags(marked))
    return [line for line in (_clean(part) for part in text.split("\n")) if line]


@dataclass(frozen=True)
class LetterText:
    title: str
    recipients_line: str
    paragraphs: tuple[str, ...]
    closing: str

    @classmethod
    def of(cls, letter) -> "LetterText":
        """The text of a LetterPage object (live, or a revision's `as_object()`)."""
        return cls(
            title=_clean(letter.title),
            recipients_line=_clean(letter.recipients_line),
            paragraphs=tuple(rich_text_paragraphs(str(letter.body or ""))),
            closing=_clean(letter.closing),
        )

    def lines(self) -> list[str]:
        return [line for line in (self.title, self.recipients_line, *self.paragraphs, self.closing) if line]

    @property
    def hash(self) -> str:
        # One line per part, NUL-separated, so moving words between parts changes the hash.
        return hashlib.sha256("\x00".join(self.lines()).encode()).hexdigest()


def letter_text_hash(letter) -> str:
    return LetterText.of(letter).hash


def short_hash(value: str) -> str:
    return (value or "")[:12]


@dataclass(frozen=True)
class DiffLine:
    """One paragraph of a diff: kept ("equal"), removed ("delete") or added ("insert").

    `words` splits a changed paragraph into (kind, text) runs for word-level marking
    on web pages; plain-text emails use `text` with a +/- prefix.
    """

    kind: str
    text: str
    words: tuple[tuple[str, str], ...] = ()

    @property
    def prefix(self) -> str:
        return {"equal": "  ", "delete": "- ", "insert": "+ "}[self.kind]


def _word_runs(old: str, new: str) -> tuple[tuple, tuple]:
    a, b = old.split(" "), new.split(" ")
    old_runs, new_runs = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            old_runs.append(("equal", " ".join(a[i1:i2])))
            new_runs.append(("equal", " ".join(b[j1:j2])))
            continue
        if i2 > i1:
            old_runs.append(("delete", " ".join(a[i1:i2])))
        if j2 > j1:
            new_runs.append(("insert", " ".join(b[j1:j2])))
    return tuple(old_runs), tuple(new_runs)


def letter_text_diff(old: LetterText, new: LetterText, *, context: int | None = None) -> list[DiffLine]:
    """Paragraph-level diff of two letter texts, with word-level runs for changed paragraphs.

    With `context`, unchanged paragraphs further than that from a change are left out
    (an email names what changed without repeating the whole letter).
    """
    a, b = old.lines(), new.lines()
    result: list[DiffLine] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            result.extend(DiffLine("equal", line) for line in a[i1:i2])
        elif op == "replace" and i2 - i1 == j2 - j1:
            # Paragraph for paragraph: show which words changed inside each.
            for old_line, new_line in zip(a[i1:i2], b[j1:j2], strict=True):
                old_runs, new_runs = _word_runs(old_line, new_line)
                result.append(DiffLine("delete", old_line, old_runs))
                result.append(DiffLine("insert", new_line, new_runs))
        else:
            result.extend(DiffLine("delete", line, (("delete", line),)) for line in a[i1:i2])
            result.extend(DiffLine("insert", line, (("insert", line),)) for line in b[j1:j2])
    if context is None:
        return result
    changed = [i for i, line in enumerate(result) if line.kind != "equal"]
    keep = {j for i in changed for j in range(i - context, i + context + 1)}
    trimmed: list[DiffLine] = []
    for i, line in enumerate(result):
        if i in keep:
            trimmed.append(line)
        elif trimmed and trimmed[-1].kind != "skip":
            trimmed.append(DiffLine("skip", "…"))
    return trimmed


def diff_as_text(lines: list[DiffLine]) -> str:
    """A diff for a plain-text email: "- " removed, "+ " added, "  " unchanged."""
    return "\n".join("  …" if line.kind == "skip" else f"{line.prefix}{line.text}" for line in lines)
