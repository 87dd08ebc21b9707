"""Footer overlays: page count, extractable text (pypdf and poppler), speed, size, fonts, French and Arabic."""

import logging
import subprocess
import time
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from coalition.letters.pdf.footer import MAX_PHRASES, FooterText, footer_overlays

HASHES = "Letter text 3fa9c21b0d4e · Signatories 9b81aa0cf3d2"
# As the caller gets them from gettext.
PAGE_OF = "Page {page} of {total}"
PAGE_SUR = "Page {page} sur {total}"


@pytest.fixture(autouse=True)
def _quiet_loggers():
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)


def english(total):
    return lambda page: FooterText(start=HASHES, end=PAGE_OF.format(page=f"{page:,}", total=f"{total:,}"))


def poppler(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=True)


def pdftotext(path: Path, page: int) -> str:
    result = poppler("pdftotext", "-f", str(page), "-l", str(page), str(path), "-")
    assert "Error" not in result.stderr, result.stderr
    return result.stdout


def normalized(text: str) -> str:
    """Spaces of any kind as plain spaces (poppler and pypdf differ in what they keep of U+202F)."""
    return " ".join("".join(" " if unicodedata.category(c) == "Zs" else c for c in text).split())


def check_readable(path: Path) -> PdfReader:
    result = poppler("pdfinfo", str(path))
    assert "Error" not in result.stderr, result.stderr
    return PdfReader(path, strict=True)


def test_pages_split_into_files_with_the_right_text(tmp_path):
    total = 3100
    paths = footer_overlays(texts=english(total), total_pages=total, output_dir=tmp_path, pages_per_file=1500)
    assert [path.name for path in paths] == ["footer-0001.pdf", "footer-0002.pdf", "footer-0003.pdf"]
    readers = [check_readable(path) for path in paths]
    assert [len(reader.pages) for reader in readers] == [1500, 1500, 100]

    for page in (1, 9, 10, 12, 999, 1000, 1500, 1501, 3000, 3100):
        index, offset = divmod(page - 1, 1500)
        expected = f"Page {page:,} of 3,100"
        extracted = readers[index].pages[offset].extract_text()
        assert expected in extracted
        assert HASHES in extracted
        text = pdftotext(paths[index], offset + 1)
        assert expected in text
        assert HASHES in text


def test_geometry_mirrored_end_text_right_aligned(tmp_path):
    (path,) = footer_overlays(texts=english(12), total_pages=12, output_dir=tmp_path, page_size=(600, 800))
    reader = check_readable(path)
    assert [float(value) for value in reader.pages[0].mediabox] == [0, 0, 600, 800]
    lefts, rights = [], []

    for number in (1, 12):
        spans = []

        def visit(text, cm, tm, font, size, spans=spans):
            if text.strip():
                spans.append((tm[4] * cm[0] + cm[4], text))

        reader.pages[number - 1].extract_text(visitor_text=visit)
        lefts.append(min(x for x, _ in spans))
        rights.append(max(x for x, text in spans if text.startswith("Page")))
    assert lefts[0] == lefts[1] == pytest.approx(56.69, abs=0.01)
    # "Page 12 of 12" is wider than "Page 1 of 12": it starts further left, so that both end at the margin.
    assert rights[1] < rights[0]


def test_speed_and_size(tmp_path):
    footer_overlays(texts=english(10), total_pages=10, output_dir=tmp_path / "warm-up")
    total = 4000
    started = time.perf_counter()
    (path,) = footer_overlays(texts=english(total), total_pages=total, output_dir=tmp_path)
    elapsed = time.perf_counter() - started
    size = path.stat().st_size
    (small,) = footer_overlays(texts=english(total), total_pages=1, output_dir=tmp_path / "one")
    per_thousand = (size - small.stat().st_size) / (total / 1000)
    print(f"\n{total} footer pages in {elapsed:.3f} s, {size:,} bytes ({per_thousand / 1024:.1f} KiB per 1,000 pages)")
    assert elapsed < 3
    assert per_thousand < 20 * 1024
    assert len(check_readable(path).pages) == total


def test_one_noto_font_shared_by_all_pages(tmp_path):
    (path,) = footer_overlays(texts=english(300), total_pages=300, output_dir=tmp_path)
    reader = check_readable(path)
    fonts = set()
    for page in reader.pages:
        resources = page.raw_get("/Resources")
        for reference in resources.get_object()["/Font"].values():
            fonts.add(reference.idnum)
    assert len(fonts) == 1
    font = reader.get_object(fonts.pop())
    assert font["/Subtype"] == "/Type0"
    assert "Noto" in font["/BaseFont"]
    descendant = font["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"]
    assert "Noto Sans" in poppler("pdffonts", str(path)).stdout.replace("-", " ")


def test_french_with_narrow_no_break_space_separators(tmp_path):
    total = 4167

    def grouped(number):
        return f"{number:,}".replace(",", "\u202f")

    (path,) = footer_overlays(
        texts=lambda page: FooterText(
            start="Texte 3fa9c21b0d4e · Signataires 9b81aa0cf3d2",
            end=PAGE_SUR.format(page=grouped(page), total=grouped(total)),
        ),
        total_pages=total,
        output_dir=tmp_path,
        lang="fr",
    )
    reader = check_readable(path)
    assert len(reader.pages) == total
    for page in (7, 1234, 4167):
        expected = normalized(f"Page {grouped(page)} sur 4\u202f167")
        assert expected in normalized(reader.pages[page - 1].extract_text())
        assert expected in normalized(pdftotext(path, page))
    # The separator is the font's own glyph for U+202F, not a missing-glyph box.
    assert "4\u202f167" in reader.pages[0].extract_text()


def test_arabic_right_to_left(tmp_path):
    total = 4167
    words_page, words_of = "الصفحة", "من"
    (path,) = footer_overlays(
        texts=lambda page: FooterText(
            start="نص الرسالة 3fa9c21b0d4e · الموقعون 9b81aa0cf3d2",
            end=f"{words_page} {page} {words_of} {total}",
        ),
        total_pages=total,
        output_dir=tmp_path,
        lang="ar",
        rtl=True,
    )
    reader = check_readable(path)
    assert len(reader.pages) == total
    fonts = {reference.get_object()["/BaseFont"] for reference in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("IBM-Plex-Sans-Arabic" in name for name in fonts)
    text = pdftotext(path, 12)
    # Poppler honours the /ActualText of the shaped Arabic phrases: every letter of the words is there.
    assert set(words_page + words_of) <= set(text)
    assert "12" in text
    assert "4167" in text
    assert "3fa9c21b0d4e" in text
    assert "12" in reader.pages[11].extract_text()


def test_texts_as_a_sequence(tmp_path):
    texts = [FooterText(end=f"{page}/3") for page in (1, 2, 3)]
    (path,) = footer_overlays(texts=texts, total_pages=3, output_dir=tmp_path)
    reader = check_readable(path)
    assert [page.extract_text().strip() for page in reader.pages] == ["1/3", "2/3", "3/3"]
    with pytest.raises(ValueError, match="3 footer texts for 4 pages"):
        footer_overlays(texts=texts, total_pages=4, output_dir=tmp_path)


def test_texts_may_vary_only_in_their_numbers(tmp_path):
    with pytest.raises(ValueError, match="distinct phrases"):
        footer_overlays(
            texts=lambda page: FooterText(end=f"Page x{page}"), total_pages=MAX_PHRASES + 1, output_dir=tmp_path
        )
