"""Footer overlays for the signed PDF ("Page 12 of 4,167", the hashes), written fast, without laying out pages.

The letter's chunks are rendered by WeasyPrint without page numbers (so that a chunk can be reused between builds);
``pdf_merge`` then stamps page i of the overlay PDFs written here on top of page i. Laying out thousands of
footer-only pages with WeasyPrint takes seconds; ``footer_overlays`` takes milliseconds per thousand pages.

Usage::

    total = 4167
    paths = footer_overlays(
        texts=lambda page: FooterText(
            start=f"Letter text {text_hash} · Signatories {signatories_hash}",
            end=_("Page {page} of {total}").format(page=f"{page:,}", total=f"{total:,}"),
        ),
        total_pages=total,
        output_dir=workdir,
    )
    pdf_merge(parts, output, overlays=paths, ...)

``texts`` gives each page's ``FooterText`` (a callable taking the page number, 1-based, or a sequence);
``start`` is drawn at the start margin (left, or right when ``rtl``), ``end`` at the end margin. The words come
already translated and the numbers already formatted (grouping separators included), in any script our fonts cover.

Design: a shaped "glyph palette", then a hand-written PDF made of shared pieces.

1. Each text is cut into tokens: numbers (digits, with grouping or decimal separators between digits, not glued to
   letters: so hashes such as ``3fa9c21b0d4e`` stay words) and the phrases between them (``"Page "``,
   ``" of "``, the whole hashes line...). The phrases are few: they do not change from page to page.
2. ONE small page is rendered with ``html_to_pdf`` (our Noto fonts only): one line (``white-space: pre``) per
   distinct phrase and per distinct character of the numbers, in the footer's language and direction. Each
   phrase is therefore shaped as a whole by HarfBuzz (Arabic joining, ligatures, marks, kerning), the numbers digit by
   digit (digits do not join, so this is exact but for kerning between digits, which Noto's tabular digits lack). A
   line that is only white space (a U+202F separator) is dropped by WeasyPrint: it is rendered between two "0"
   digits, whose glyphs are then cut off.
3. The palette's content stream is parsed (WeasyPrint writes each line as ``BT Tm Tf [glyph codes and
   adjustments] TJ ... ET``, with ``Ts`` for raised marks) into pieces: the exact glyph codes, the positioning
   adjustments and font changes WeasyPrint produced. A piece's advance is computed from the CIDFonts' ``/W`` widths
   and the adjustments, so that the ``end`` text can be right-aligned. The palette's embedded fonts (Type0,
   CIDFontType2, Identity-H, subset, with their ``/ToUnicode`` maps) are copied once into each overlay file and
   shared by all its pages.
4. Each overlay page is ``/Artifact BMC BT <Tm> <pieces> ET EMC``: one text object in which pieces simply follow one
   another (each glyph advances the text position by its width). The page's ``/Contents`` is an ARRAY of small
   streams shared by every page: a head (the start text and the position of the end text), one stream per digit or
   separator, a tail. A page is thus a small dictionary in a compressed object stream: about 12 bytes a page, on
   top of ~5 KB for the file and its font subset. (PDF readers concatenate the streams of a ``/Contents`` array; so
   does ``pdf_merge``.) All streams are Flate-encoded, even the tiny ones, so that any reader's decoder path is used.
5. A piece whose glyphs' ``/ToUnicode`` text differs from its characters (Arabic: WeasyPrint maps each glyph to the
   first text it met, and ligature parts to nothing) is wrapped in ``/Span <</ActualText ...>> BDC ... EMC``, so that
   text extraction (poppler) gives the real words.

Direction: when ``rtl``, tokens are laid out right to left and each number left to right, as if every number were
wrapped in a bidi isolate. That is the Unicode bidi result for numbers next to Arabic or Hebrew words; a number that
follows a Latin word inside RTL text would, strictly, join that word's left-to-right run (a limitation; footers do
not do that). Likewise, in a left-to-right footer, a number right after an Arabic word is kept in logical order.

Limits: the texts may vary from page to page only in their numbers (at most ``MAX_PHRASES`` distinct phrases: each
is laid out by WeasyPrint); justification, letter-spacing and kerning across a phrase/number boundary do not exist.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from html import escape
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from coalition.letters.pdf.fonts import FONT_STACK
from coalition.letters.pdf.render import html_to_pdf

__all__ = ["FooterText", "footer_overlays"]

logger = logging.getLogger(__name__)

#: Distinct phrases (text between numbers) the footers may hold in all; each is laid out by WeasyPrint once.
MAX_PHRASES = 400
#: Pages per leaf of each file's page tree.
PAGES_PER_LEAF = 64
#: Non-stream objects per compressed object stream.
OBJECTS_PER_STREAM = 500

# Separators allowed between the digits of one number: , . ' ’ NBSP, narrow NBSP, thin space, Arabic ones.
_SEPARATORS = ",.'\u2019\u00a0\u202f\u2009\u066b\u066c"
_NUMBER = re.compile(rf"(?<!\w)\d+(?:[{_SEPARATORS}]\d+)*(?!\w)")
_ANCHOR = "0"  # drawn around a white-space-only piece, then cut off
_LINE_PT = 24  # palette line height, points


@dataclass(frozen=True)
class FooterText:
    """One page's footer: ``start`` at the start margin (left; right if rtl), ``end`` at the end margin."""

    start: str = ""
    end: str = ""


def footer_overlays(
    *,
    texts: Sequence[FooterText] | Callable[[int], FooterText],
    total_pages: int,
    output_dir: Path,
    pages_per_file: int = 5000,
    page_size: tuple[float, float] = (595.28, 841.89),
    lang: str = "en",
    rtl: bool = False,
    margin: float = 56.69,
    baseline: float = 28.0,
    font_size: float = 7.0,
    color: tuple[float, float, float] = (0.0, 0.0, 0.0),
    name: str = "footer",
) -> list[Path]:
    """Write the overlay PDFs of ``total_pages`` pages; return their paths, in page order.

    ``texts``: each page's ``FooterText``, as a callable given the page number (1-based) or as a sequence.
    Files are ``output_dir / f"{name}-0001.pdf"``..., each of at most ``pages_per_file`` pages (overwritten).
    Geometry in points: ``page_size`` (width, height), ``margin`` from the left and right edges, ``baseline``
    from the bottom edge. ``color``: RGB fill, 0 to 1. ``lang`` and ``rtl``: the texts' language and direction.
    """
    if total_pages < 1:
        raise ValueError("total_pages must be at least 1")
    if pages_per_file < 1:
        raise ValueError("pages_per_file must be at least 1")
    if not callable(texts):
        if len(texts) != total_pages:
            raise ValueError(f"{len(texts)} footer texts for {total_pages} pages")
        sequence = texts
        texts = lambda page: sequence[page - 1]  # noqa: E731

    # Tokens of every text, interned: pages repeat the same few strings.
    token_cache: dict[str, tuple[tuple[bool, str], ...]] = {}
    pages: list[tuple[tuple[tuple[bool, str], ...], tuple[tuple[bool, str], ...]]] = []
    for number in range(1, total_pages + 1):
        text = texts(number)
        pages.append((_tokens(text.start, token_cache), _tokens(text.end, token_cache)))

    phrases: set[str] = set()
    characters: set[str] = set()
    for tokens in token_cache.values():
        for is_number, token in tokens:
            if is_number:
                characters.update(token)
            else:
                phrases.add(token)
    if len(phrases) > MAX_PHRASES:
        raise ValueError(
            f"The footer texts hold {len(phrases)} distinct phrases (at most {MAX_PHRASES}): "
            "they may vary from page to page only in their numbers"
        )
    palette = _Palette.render(sorted(phrases) + sorted(characters), lang=lang, rtl=rtl, font_size=font_size)

    layout = _Layout(palette, page_size=page_size, rtl=rtl, margin=margin, baseline=baseline, color=color)
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, first in enumerate(range(0, total_pages, pages_per_file), start=1):
        path = output_dir / f"{name}-{index:04d}.pdf"
        chunk = pages[first : first + pages_per_file]
        _write_file(path, palette, page_size, [layout.page(start, end) for start, end in chunk])
        paths.append(path)
    return paths


def _tokens(text: str, cache: dict[str, tuple[tuple[bool, str], ...]]) -> tuple[tuple[bool, str], ...]:
    """``text`` as (is_number, token) pairs in logical order, empty phrases left out."""
    tokens = cache.get(text)
    if tokens is None:
        text = " ".join(text.splitlines())
        found: list[tuple[bool, str]] = []
        position = 0
        for match in _NUMBER.finditer(text):
            if match.start() > position:
                found.append((False, text[position : match.start()]))
            found.append((True, match.group()))
            position = match.end()
        if position < len(text):
            found.append((False, text[position:]))
        tokens = cache[text] = tuple(found)
    return tokens


# --- The palette: pieces of shaped text, parsed from one page rendered by WeasyPrint. -----------------------------


@dataclass(frozen=True)
class _Piece:
    """Content operators drawing one token, starting at the current text position, and their advance (points)."""

    content: bytes
    width: float


class _Palette:
    def __init__(self, reader: PdfReader, fonts: dict[str, IndirectObject], pieces: dict[str, _Piece], scale: float):
        self.reader = reader
        self.fonts = fonts  # resource name in our files (/F0...) -> the palette's Type0 font
        self.pieces = pieces
        self.scale = scale  # user space units per text space unit: WeasyPrint's px -> pt

    @classmethod
    def render(cls, strings: list[str], *, lang: str, rtl: bool, font_size: float) -> _Palette:
        lines = [_ANCHOR]
        for string in strings:
            lines.append(string)
            if not string.strip():
                lines.append(_ANCHOR + string + _ANCHOR)
        direction = "rtl" if rtl else "ltr"
        body = "".join(f"<p>{escape(line, quote=False)}</p>" for line in lines)
        html = f'<!DOCTYPE html><html lang="{escape(lang)}" dir="{direction}"><body>{body}</body></html>'
        stylesheet = (
            f"@page {{ size: 2000pt {_LINE_PT * (len(lines) + 1)}pt; margin: 0 }}"
            f"html {{ font-family: {FONT_STACK}; font-size: {font_size}pt; direction: {direction} }}"
            f"body {{ margin: 0 }}"
            f"p {{ margin: 0; height: {_LINE_PT}pt; line-height: {_LINE_PT}pt; white-space: pre; overflow: visible }}"
        )
        for logger_name in ("weasyprint", "fontTools"):
            logging.getLogger(logger_name).setLevel(max(logging.getLogger(logger_name).level, logging.WARNING))
        data = html_to_pdf(html, stylesheet=stylesheet, lang=lang, title="Footer palette", author="")
        reader = PdfReader(BytesIO(data))
        if len(reader.pages) != 1:
            raise RuntimeError("The footer palette took more than one page")
        page = reader.pages[0]
        height = float(page.mediabox.height)
        font_resources = page["/Resources"]["/Font"].get_object()
        names: dict[str, str] = {}
        fonts: dict[str, IndirectObject] = {}
        widths: dict[str, tuple[dict[int, float], float]] = {}
        for resource, reference in font_resources.items():
            font = reference.get_object()
            if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
                raise RuntimeError(f"Unexpected font in the footer palette: {font.get('/BaseFont')}")
            names[resource] = f"/F{len(names)}"
            fonts[names[resource]] = reference
            widths[resource] = _cid_widths(font["/DescendantFonts"][0].get_object())
        to_unicode = {
            resource: _to_unicode(ref.get_object()["/ToUnicode"].get_object().get_data())
            for resource, ref in font_resources.items()
        }

        blocks: dict[int, list[tuple]] = {}
        scales = set()
        for y, scale, elements in _text_blocks(page.get_contents().get_data()):
            line = int((height - y) // _LINE_PT)
            if line in blocks:
                raise RuntimeError(f"Footer palette line {line} was drawn in more than one text object")
            blocks[line] = elements
            scales.add(round(scale, 6))
        if len(scales) != 1:
            raise RuntimeError(f"Unexpected text scales in the footer palette: {scales}")
        scale = scales.pop()

        def elements_of(line: int) -> list[tuple]:
            return blocks.get(line, [])

        anchor = _glyphs(elements_of(0))
        if len(anchor) != 1:
            raise RuntimeError("The footer palette's anchor digit did not come out as one glyph")
        pieces: dict[str, _Piece] = {}
        line = 1
        for string in strings:
            elements = elements_of(line)
            line += 1
            if not string.strip():
                elements = _strip_anchors(elements_of(line), anchor[0])
                line += 1
            if not _glyphs(elements) and string:
                raise RuntimeError(f"The footer palette drew nothing for {string!r}")
            pieces[string] = _piece(string, elements, names, widths, to_unicode, scale)
        return cls(reader, fonts, pieces, scale)


def _text_blocks(content: bytes) -> Iterator[tuple[float, float, list[tuple]]]:
    """(baseline y in points from the bottom, text scale, elements) for each BT ... ET with text, in order.

    Elements: ("Tf", name, size), ("Ts", rise), ("g", code: bytes), ("a", adjustment).
    """
    ctm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack = []
    operands: list = []
    block: list[tuple] | None = None
    matrix = None
    for token in _content_tokens(content):
        if not isinstance(token, _Operator):
            operands.append(token)
            continue
        op = token.name
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop()
        elif op == "cm":
            ctm = _multiply(tuple(float(value) for value in operands), ctm)
        elif op == "BT":
            block, matrix = [], None
        elif op == "ET":
            if block:
                if matrix is None:
                    raise RuntimeError("Text without a text matrix in the footer palette")
                a, b, c, d, e, f = _multiply(matrix, ctm)
                if abs(b) > 1e-6 or abs(c) > 1e-6 or a <= 0 or abs(a - d) > 1e-6:
                    raise RuntimeError("Unexpected text matrix in the footer palette")
                yield f, a, block
            block = None
        elif block is not None:
            if op == "Tm":
                if matrix is not None:
                    raise RuntimeError("Unexpected second text matrix in a footer palette line")
                matrix = tuple(float(value) for value in operands)
            elif op == "Tf":
                block.append(("Tf", operands[0], float(operands[1])))
            elif op == "Ts":
                block.append(("Ts", float(operands[0])))
            elif op == "TJ":
                for item in operands[0]:
                    if isinstance(item, bytes):
                        block.extend(("g", item[i : i + 2]) for i in range(0, len(item), 2))
                    elif item:
                        block.append(("a", float(item)))
            elif op == "Tj":
                block.extend(("g", operands[0][i : i + 2]) for i in range(0, len(operands[0]), 2))
            elif not _harmless(op, operands):
                raise RuntimeError(f"Unexpected operator {op} in the footer palette")
        operands = []


# Operators that do not change where or how glyphs are drawn (with their default operands, for some).
_HARMLESS = frozenset(("rg", "RG", "g", "G", "gs", "Tr", "TL", "BDC", "BMC", "EMC"))
_DEFAULTS = {"Tc": 0, "Tw": 0, "Tz": 100, "Td": 0}


def _harmless(op: str, operands: list) -> bool:
    if op in _DEFAULTS:
        return all(float(value) == _DEFAULTS[op] for value in operands)
    return op in _HARMLESS


class _Operator:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


_TOKEN = re.compile(
    rb"\s*(?:(?P<open><<|\[)|(?P<close>>>|\])|<(?P<hex>[0-9A-Fa-f\s]*)>|/(?P<name>[^\s/\[\]<>(){}%]*)"
    rb"|(?P<number>[+-]?(?:\d+\.?\d*|\.\d+))|(?P<string>\((?:[^()\\]|\\.)*\))|(?P<op>[^\s/\[\]<>(){}%]+))"
)


def _content_tokens(content: bytes) -> Iterator[object]:
    """The operands (numbers, names, byte strings, lists, dicts as lists) and operators of a simple content stream."""
    stack: list[list] = [[]]
    position = 0
    end = len(content.rstrip())
    while position < end:
        match = _TOKEN.match(content, position)
        if match is None or match.end() == position:
            raise RuntimeError(f"Unparsable footer palette content at byte {position}")
        position = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "open":
            stack.append([])
            continue
        if kind == "close":
            item = stack.pop()
        elif kind == "hex":
            item = bytes.fromhex(re.sub(rb"\s", b"", value).decode() + ("0" if len(value) % 2 else ""))
        elif kind == "name":
            item = "/" + value.decode("latin-1")
        elif kind == "number":
            item = float(value) if b"." in value else int(value)
        elif kind == "string":
            item = value  # never needed
        else:
            item = _Operator(value.decode("latin-1"))
        if len(stack) > 1:
            stack[-1].append(item)
        else:
            yield item


def _multiply(m: tuple, n: tuple) -> tuple:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _glyphs(elements: list[tuple]) -> list[bytes]:
    return [element[1] for element in elements if element[0] == "g"]


def _strip_anchors(elements: list[tuple], anchor: bytes) -> list[tuple]:
    """Cut the first glyph (and the adjustment right after it) and the last glyph (and what follows it)."""
    glyphs = [index for index, element in enumerate(elements) if element[0] == "g"]
    if len(glyphs) < 2 or elements[glyphs[0]][1] != anchor or elements[glyphs[-1]][1] != anchor:
        raise RuntimeError("The footer palette's anchor digits did not come out as expected")
    first, last = glyphs[0], glyphs[-1]
    if first + 1 < len(elements) and elements[first + 1][0] == "a":
        first += 1
    fonts = [element for element in elements[:first] if element[0] == "Tf"][-1:]
    return fonts + elements[first + 1 : last]


def _piece(
    string: str,
    elements: list[tuple],
    names: dict[str, str],
    widths: dict[str, tuple[dict[int, float], float]],
    to_unicode: dict[str, dict[bytes, str]],
    scale: float,
) -> _Piece:
    out: list[str] = []
    array: list[str] = []
    advance = 0.0  # text space units
    font = size = None
    mapped = []

    def flush():
        if array:
            out.append("[" + "".join(array) + "]TJ")
            array.clear()

    for element in elements:
        kind = element[0]
        if kind == "Tf":
            if (element[1], element[2]) != (font, size):
                flush()
                font, size = element[1], element[2]
                out.append(f"{names[font]} {_number(size)} Tf")
        elif kind == "Ts":
            flush()
            out.append(f"{_number(element[1])} Ts")
        elif font is None:
            raise RuntimeError("Glyphs before any font in the footer palette")
        elif kind == "g":
            code = element[1]
            table, default = widths[font]
            advance += table.get(int.from_bytes(code, "big"), default) * size / 1000
            mapped.append(to_unicode[font].get(code, ""))
            if array and array[-1].endswith(">"):
                array[-1] = array[-1][:-1] + code.hex() + ">"
            else:
                array.append(f"<{code.hex()}>")
        else:
            advance -= element[1] * size / 1000
            array.append(f" {_number(element[1])} ")
    flush()
    content = "\n".join(out)
    extracted = "".join(mapped)
    if extracted not in (string, string[::-1]):
        content = f"/Span<</ActualText {_text_string(string)}>>BDC\n{content}\nEMC"
    return _Piece(content.encode("latin-1"), advance * scale)


def _cid_widths(cid_font: DictionaryObject) -> tuple[dict[int, float], float]:
    """The CIDFont's /W widths (CID -> width, thousandths of an em) and its /DW default."""
    table: dict[int, float] = {}
    items = list(cid_font.get("/W", ArrayObject()).get_object())
    index = 0
    while index < len(items):
        first = int(items[index])
        following = items[index + 1].get_object()
        if isinstance(following, list):
            for offset, width in enumerate(following):
                table[first + offset] = float(width)
            index += 2
        else:
            width = float(items[index + 2])
            for cid in range(first, int(following) + 1):
                table[cid] = width
            index += 3
    return table, float(cid_font.get("/DW", 1000))


def _to_unicode(cmap: bytes) -> dict[bytes, str]:
    """2-byte code -> text, from a ToUnicode CMap's bfchar and bfrange sections."""
    table: dict[bytes, str] = {}

    def text(hex_digits: bytes) -> str:
        return bytes.fromhex(hex_digits.decode()).decode("utf-16-be", "replace")

    for section in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, value in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", section):
            table[bytes.fromhex(code.decode())] = text(value)
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for first, last, value in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", section
        ):
            low, high = int(first, 16), int(last, 16)
            if value.startswith(b"["):
                values = re.findall(rb"<([0-9A-Fa-f]*)>", value)
                for offset, item in enumerate(values[: high - low + 1]):
                    table[(low + offset).to_bytes(2, "big")] = text(item)
            else:
                start = bytes.fromhex(value[1:-1].decode())
                for offset in range(high - low + 1):
                    last_unit = int.from_bytes(start[-2:], "big") + offset
                    table[(low + offset).to_bytes(2, "big")] = (start[:-2] + last_unit.to_bytes(2, "big")).decode(
                        "utf-16-be", "replace"
                    )
    return table


def _text_string(value: str) -> str:
    return "<feff" + value.encode("utf-16-be").hex() + ">"


def _number(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


# --- Page contents: shared fragments. ------------------------------------------------------------------------------


class _Layout:
    """Turns a page's tokens into a list of content fragments (bytes), most of them shared between pages."""

    def __init__(self, palette: _Palette, *, page_size, rtl: bool, margin: float, baseline: float, color) -> None:
        self.palette = palette
        self.width = float(page_size[0])
        self.rtl = rtl
        self.margin = margin
        self.baseline = baseline
        red, green, blue = color
        self.head = f"/Artifact BMC\nq {_number(red)} {_number(green)} {_number(blue)} rg\nBT".encode()
        self.tail = b"ET\nQ\nEMC"

    def page(self, start: tuple, end: tuple) -> list[bytes]:
        """The page's content fragments: [head + start text + end text's position + phrase, digit, ..., tail]."""
        parts: list[bytes | None] = [self.head]  # None: "cut here", around each number's character
        for tokens, at_start in ((start, True), (end, False)):
            if not tokens:
                continue
            pieces = []
            for is_number, token in reversed(tokens) if self.rtl else tokens:
                if is_number:
                    pieces.extend((self.palette.pieces[character], True) for character in token)
                else:
                    pieces.append((self.palette.pieces[token], False))
            width = sum(piece.width for piece, _ in pieces)
            flush_left = at_start != self.rtl
            x = self.margin if flush_left else self.width - self.margin - width
            scale = _number(self.palette.scale)
            parts.append(f"{scale} 0 0 {scale} {_number(round(x, 3))} {_number(self.baseline)} Tm".encode())
            for piece, alone in pieces:
                if alone:
                    parts.extend((None, piece.content, None))
                else:
                    parts.append(piece.content)
        parts.append(self.tail)
        fragments = []
        current: list[bytes] = []
        for part in parts:
            if part is None:
                if current:
                    fragments.append(b"\n".join(current))
                    current = []
            else:
                current.append(part)
        if current:
            fragments.append(b"\n".join(current))
        return fragments


# --- The PDF file: objects, object streams, cross-reference stream. -----------------------------------------------


def _write_file(path: Path, palette: _Palette, page_size, pages: list[list[bytes]]) -> None:
    writer = _Writer()
    catalog = writer.reserve()
    root = writer.reserve()
    font_refs = {name: writer.copy(reference) for name, reference in palette.fonts.items()}
    resources = writer.add_object(
        b"<</Font<<" + b"".join(f"{name} {number} 0 R".encode() for name, number in font_refs.items()) + b">>>>"
    )
    streams: dict[bytes, int] = {}
    leaves = []
    mediabox = f"[0 0 {_number(page_size[0])} {_number(page_size[1])}]".encode()
    page_common = b"<</Type/Page/Parent %d 0 R/MediaBox" + mediabox + b"/Resources %d 0 R/Contents[%s]>>"
    for first in range(0, len(pages), PAGES_PER_LEAF):
        leaf = writer.reserve()
        kids = []
        for fragments in pages[first : first + PAGES_PER_LEAF]:
            refs = []
            for fragment in fragments:
                number = streams.get(fragment)
                if number is None:
                    number = streams[fragment] = writer.add_stream(fragment)
                refs.append(b"%d 0 R" % number)
            kids.append(writer.add_object(page_common % (leaf, resources, b" ".join(refs))))
        kid_list = b" ".join(b"%d 0 R" % kid for kid in kids)
        writer.set_object(leaf, b"<</Type/Pages/Parent %d 0 R/Kids[%s]/Count %d>>" % (root, kid_list, len(kids)))
        leaves.append((leaf, len(kids)))
    leaf_list = b" ".join(b"%d 0 R" % leaf for leaf, _ in leaves)
    writer.set_object(root, b"<</Type/Pages/Kids[%s]/Count %d>>" % (leaf_list, len(pages)))
    writer.set_object(catalog, b"<</Type/Catalog/Pages %d 0 R>>" % root)
    path.write_bytes(writer.finish(catalog))


class _Writer:
    """A minimal PDF 1.5 writer: streams at top level, other objects in compressed object streams."""

    def __init__(self) -> None:
        self.chunks = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
        self.position = len(self.chunks[0])
        self.offsets: dict[int, int] = {}  # object number -> offset (top-level objects)
        self.objects: dict[int, bytes] = {}  # object number -> data (for object streams)
        self.count = 0
        self._copied: dict[int, int] = {}

    def reserve(self) -> int:
        self.count += 1
        return self.count

    def set_object(self, number: int, data: bytes) -> None:
        self.objects[number] = data

    def add_object(self, data: bytes) -> int:
        number = self.reserve()
        self.objects[number] = data
        return number

    def _top(self, number: int, dictionary: bytes, data: bytes) -> None:
        self.offsets[number] = self.position
        chunk = b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (number, dictionary, data)
        self.chunks.append(chunk)
        self.position += len(chunk)

    def add_stream(self, data: bytes, *, compress: bool = True, entries: bytes = b"") -> int:
        number = self.reserve()
        if compress:
            data = zlib.compress(data, 9)
            entries += b"/Filter/FlateDecode"
        self._top(number, b"<<%s/Length %d>>" % (entries, len(data)), data)
        return number

    def copy(self, reference: IndirectObject) -> int:
        """Copy an object of the palette (and what it references), once; return its number here."""
        number = self._copied.get(reference.idnum)
        if number is not None:
            return number
        obj = reference.get_object()
        if isinstance(obj, StreamObject):
            entries = b"".join(
                self._serialize(NameObject(key)) + self._serialize(value)
                for key, value in obj.items()
                if key not in ("/Length", "/Filter", "/DecodeParms")
            )
            data = obj.get_data()
            number = self.add_stream(data, entries=entries)
        else:
            number = self.reserve()
            self._copied[reference.idnum] = number  # before the children: cycles end here
            self.objects[number] = self._serialize(obj)
        self._copied[reference.idnum] = number
        return number

    def _serialize(self, obj) -> bytes:
        if isinstance(obj, IndirectObject):
            return b" %d 0 R" % self.copy(obj)
        if isinstance(obj, DictionaryObject):
            return (
                b"<<"
                + b"".join(self._serialize(NameObject(key)) + self._serialize(value) for key, value in obj.items())
                + b">>"
            )
        if isinstance(obj, ArrayObject):
            return b"[" + b"".join(self._serialize(value) for value in obj) + b"]"
        if isinstance(obj, BooleanObject):
            return b" true" if obj else b" false"
        if isinstance(obj, NullObject) or obj is None:
            return b" null"
        if isinstance(obj, NameObject):
            buffer = BytesIO()
            obj.write_to_stream(buffer)
            return buffer.getvalue()
        if isinstance(obj, (NumberObject, FloatObject, int, float)):
            return b" " + _number(float(obj)).encode()
        if isinstance(obj, (ByteStringObject, TextStringObject)):
            buffer = BytesIO()
            obj.write_to_stream(buffer)
            return buffer.getvalue()
        raise TypeError(f"Cannot copy {type(obj).__name__} from the footer palette")

    def finish(self, catalog: int) -> bytes:
        # Object streams.
        locations: dict[int, tuple[int, int]] = {}
        numbers = sorted(self.objects)
        for first in range(0, len(numbers), OBJECTS_PER_STREAM):
            group = numbers[first : first + OBJECTS_PER_STREAM]
            stream_number = self.reserve()
            header = []
            body = []
            offset = 0
            for index, number in enumerate(group):
                data = self.objects[number]
                header.append(b"%d %d" % (number, offset))
                body.append(data)
                offset += len(data) + 1
                locations[number] = (stream_number, index)
            head = b" ".join(header) + b"\n"
            data = zlib.compress(head + b"\n".join(body), 9)
            self._top(
                stream_number,
                b"<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>" % (len(group), len(head), len(data)),
                data,
            )
        # Cross-reference stream, PNG "up" predicted: 1 + 3 + 2 bytes a row.
        xref_number = self.reserve()
        self.offsets[xref_number] = self.position
        size = self.count + 1
        rows = []
        for number in range(size):
            if number in self.offsets:
                row = b"\x01" + self.offsets[number].to_bytes(3, "big") + b"\x00\x00"
            elif number in locations:
                stream_number, index = locations[number]
                row = b"\x02" + stream_number.to_bytes(3, "big") + index.to_bytes(2, "big")
            else:
                row = b"\x00\x00\x00\x00\xff\xff"
            rows.append(row)
        if self.position >= 1 << 24 or size >= 1 << 24:
            raise ValueError("Footer overlay file too large")
        previous = bytes(6)
        predicted = bytearray()
        for row in rows:
            predicted.append(2)
            predicted.extend((value - above) & 0xFF for value, above in zip(row, previous, strict=True))
            previous = row
        data = zlib.compress(bytes(predicted), 9)
        self._top(
            xref_number,
            b"<</Type/XRef/Size %d/W[1 3 2]/Root %d 0 R/Filter/FlateDecode/DecodeParms<</Predictor 12/Columns 6>>"
            b"/Length %d>>" % (size, catalog, len(data)),
            data,
        )
        self.chunks.append(b"startxref\n%d\n%%%%EOF\n" % self.offsets[xref_number])
        return b"".join(self.chunks)
