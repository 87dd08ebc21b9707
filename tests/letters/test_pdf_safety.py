"""The signed PDF cannot be turned against the server: hostile names and letter text stay text,
nothing is fetched but our own assets, nothing is attached, and only our pinned fonts are used."""

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
from django.core.files.storage import default_storage
from django.template import engines
from weasyprint.urls import URLFetchingError, fetch

from coalition.letters.pdf.fetcher import AssetFetcher, asset_url
from coalition.letters.pdf.fonts import FONT_STACK, FONTS, font_face_css
from coalition.letters.pdf.render import html_to_document, html_to_pdf
from tests.factories import ImageFactory

CREATED = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)

# A wide page, small type, no wrapping: each line of text comes out of the PDF whole.
STYLESHEET = f"""
@page {{ size: A3 landscape; margin: 1cm; }}
body {{ font-family: {FONT_STACK}; font-size: 9pt; }}
p, li, h1 {{ white-space: nowrap; }}
"""

HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/hostname">',
    '<img src="http://127.0.0.1:9/x">',
    "</style><style>@import url(http://127.0.0.1:9/)",
    '<a rel="attachment" href="file:///etc/passwd">x</a>',
    '<svg><image href="file:///etc/passwd"/></svg>',
]

LETTER_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang }}"{% if rtl %} dir="rtl"{% endif %}>
<head><meta charset="utf-8"><title>{{ title }}</title><style>h1 { font-size: 12pt; }</style></head>
<body>
<h1>{{ title }}</h1>
<p>{{ text }}</p>
<ul>{% for name in names %}<li>{{ name }}</li>{% endfor %}</ul>
</body>
</html>"""


def _letter_html(*, title="Joint letter", text="We ask you to act.", names=(), lang="en", rtl=False) -> str:
    template = engines["django"].from_string(LETTER_TEMPLATE)
    return template.render({"title": title, "text": text, "names": names, "lang": lang, "rtl": rtl})


def _render(html: str, *, lang: str = "en", fetcher: AssetFetcher | None = None, **kwargs) -> bytes:
    return html_to_pdf(
        html,
        stylesheet=STYLESHEET,
        lang=lang,
        title=kwargs.pop("title", "Joint letter"),
        author=kwargs.pop("author", "Coalition"),
        created=CREATED,
        fetcher=fetcher,
        **kwargs,
    )


def _reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def _text(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _squeeze(text: str) -> str:
    """Whitespace removed: text extraction may add or drop spaces between glyph runs."""
    return "".join(text.split())


def _base_fonts(reader: pypdf.PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def _assert_nothing_embedded(pdf: bytes) -> None:
    reader = _reader(pdf)
    root = reader.trailer["/Root"]
    names = root.get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    assert reader.attachments == {}
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"
    assert b"/EmbeddedFile" not in pdf
    assert b"/FileAttachment" not in pdf


def _assert_no_passwd(pdf: bytes) -> None:
    reader = _reader(pdf)
    contents = b"".join(page.get_contents().get_data() for page in reader.pages)
    for blob in (pdf, contents):
        assert b"root:x:0:0" not in blob
        assert b"root:" not in blob
    if Path("/etc/passwd").is_file():
        first_line = Path("/etc/passwd").read_bytes().splitlines()[0]
        assert first_line not in pdf and first_line not in contents


def _only_fonts_served(fetcher: AssetFetcher) -> None:
    assert set(fetcher.served) <= {font.url for font in FONTS.values()}


# Hostile text inside the template


def test_hostile_text_is_rendered_as_text_and_never_fetched():
    fetcher = AssetFetcher()
    html = _letter_html(title=HOSTILE[0], text=HOSTILE[3], names=HOSTILE)
    # Autoescaped: the markup is gone, only its text remains.
    assert "<img" not in html and "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html

    pdf = _render(html, fetcher=fetcher)

    text = _squeeze(_text(_reader(pdf)))
    for hostile in HOSTILE:
        assert _squeeze(hostile) in text
    # Nothing was even asked for: the hostile strings are text, not elements.
    assert fetcher.refused == []
    assert fetcher.failed == []
    _only_fonts_served(fetcher)
    _assert_nothing_embedded(pdf)
    _assert_no_passwd(pdf)


def test_hostile_title_and_author_are_plain_metadata():
    fetcher = AssetFetcher()
    pdf = _render(_letter_html(), fetcher=fetcher, title=HOSTILE[0], author=HOSTILE[1])
    metadata = _reader(pdf).metadata
    assert metadata.title == HOSTILE[0]
    assert metadata.author == HOSTILE[1]
    assert fetcher.refused == []


# The fetcher on its own


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x",
        "https://example.org/x.png",
        "ftp://example.org/x.png",
        "//example.org/x.png",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        "data:text/css,body{background:url(file:///etc/passwd)}",
        "x.png",
        "../../etc/passwd",
        "/etc/passwd",
        "coalition-asset:static/../../settings.py",
        "coalition-asset:static/../settings/base.py",
        "coalition-asset:static/%2e%2e/%2e%2e/settings.py",
        "coalition-asset:static//etc/passwd",
        "coalition-asset:static/css/../../letters/pdf/fonts.py",
        "coalition-asset:static/js/challenge.js",
        "coalition-asset:static/css/missing.css",
        "coalition-asset:static/css/site.css?x=1",
        "coalition-asset:media/../x",
        "coalition-asset:media/original_images/../../x.png",
        "coalition-asset:media/%2e%2e/x.png",
        "coalition-asset:media/documents/letter.pdf",
        "coalition-asset:media/pdfs/letter.png",
        "coalition-asset:media/original_images/logo.svg.html",
        "coalition-asset:font/unknown",
        "coalition-asset:font/../noto-sans",
        "coalition-asset:font/noto-sans/",
        "coalition-asset:other/noto-sans",
        "COALITION-ASSET:font/noto-sans",
        "coalition-asset://font/noto-sans",
        "coalition-asset:font/noto-sans\\..\\x",
    ],
)
def test_fetcher_refuses_and_records(url):
    fetcher = AssetFetcher()
    with pytest.raises(URLFetchingError), fetch(fetcher, url):
        pass
    assert fetcher.refused == [url]
    assert fetcher.served == []


def test_fetcher_never_uses_the_urllib_opener():
    fetcher = AssetFetcher()
    with pytest.raises(ValueError):
        fetcher.open("file:///etc/passwd")
    assert fetcher.refused == ["file:///etc/passwd"]


@pytest.mark.parametrize("key", ["noto-sans", "ibm-plex-sans-arabic", "noto-sans-devanagari"])
def test_fetcher_serves_our_fonts(key):
    fetcher = AssetFetcher()
    with fetch(fetcher, asset_url("font", key)) as response:
        assert response.read() == FONTS[key].path.read_bytes()
        assert response.content_type == "font/ttf"
    assert fetcher.served == [f"coalition-asset:font/{key}"]
    assert fetcher.refused == []


def test_fonts_come_from_the_pinned_packages_through_our_scheme():
    site_packages = Path(pypdf.__file__).resolve().parent.parent
    assert list(FONTS) == [
        "noto-sans",
        "ibm-plex-sans-arabic",
        "ibm-plex-sans-arabic-bold",
        "noto-sans-devanagari",
        "noto-sans-cjk",
    ]
    for font in FONTS.values():
        assert font.path.is_file()
        assert font.path.is_relative_to(site_packages)
    css = font_face_css()
    assert css.count("@font-face") == len(FONTS)
    assert re.findall(r"url\(\"([^\"]+)\"\)", css) == [font.url for font in FONTS.values()]
    assert "file:" not in css and "/" not in css.replace("coalition-asset:font/", "")
    assert FONT_STACK == '"Noto Sans", "IBM Plex Sans Arabic", "Noto Sans Devanagari", "Noto Sans CJK"'


def test_fetcher_serves_static_files_under_static_only():
    fetcher = AssetFetcher()
    with fetch(fetcher, asset_url("static", "css/site.css")) as response:
        assert response.read() == (Path(__file__).resolve().parents[2] / "coalition/static/css/site.css").read_bytes()
        assert response.content_type == "text/css"
    assert fetcher.refused == []


@pytest.mark.django_db
def test_fetcher_serves_stored_logos_from_storage():
    image = ImageFactory()
    fetcher = AssetFetcher()
    url = asset_url("media", image.file.name)
    assert url.startswith("coalition-asset:media/original_images/")
    with fetch(fetcher, url) as response:
        with default_storage.open(image.file.name, "rb") as stored:
            assert response.read() == stored.read()
        assert response.content_type == "image/png"
    assert fetcher.served == [url]

    missing = asset_url("media", "original_images/missing.png")
    with pytest.raises(URLFetchingError), fetch(fetcher, missing):
        pass
    assert fetcher.failed == [missing]
    assert fetcher.refused == []


@pytest.mark.django_db
def test_logo_is_drawn_in_the_pdf():
    image = ImageFactory()
    fetcher = AssetFetcher()
    html = (
        f'<html lang="en"><body><img src="{asset_url("media", image.file.name)}" alt="Logo" width="40"></body></html>'
    )
    reader = _reader(_render(html, fetcher=fetcher))
    assert asset_url("media", image.file.name) in fetcher.served
    assert fetcher.refused == []
    assert any(
        xobject.get_object()["/Subtype"] == "/Image"
        for page in reader.pages
        for xobject in page["/Resources"].get("/XObject", {}).values()
    )


# Raw, unescaped markup: still nothing leaves the fetcher


RAW_HOSTILE_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<title>Hostile</title>
<base href="file:///etc/">
<link rel="attachment" href="file:///etc/hostname">
<link rel="stylesheet" href="http://127.0.0.1:9/style.css">
<style>
@import url(http://127.0.0.1:9/);
@font-face { font-family: Evil; src: url(file:///usr/share/fonts/truetype/dejavu/DejaVuSans.ttf); }
@font-face { font-family: Local; src: local("DejaVu Sans"); }
p { background: url(https://example.org/x.png); }
</style>
</head>
<body>
<p style="font-family: Evil, Local">Signed by us.</p>
<img src="file:///etc/passwd">
<img src="passwd">
<a rel="attachment" href="file:///etc/passwd">attached</a>
<svg width="10" height="10"><image href="file:///etc/passwd" width="10" height="10"/></svg>
<object data="file:///etc/passwd"></object>
</body>
</html>"""


def test_raw_hostile_html_fetches_nothing_and_embeds_nothing():
    fetcher = AssetFetcher()
    pdf = _render(RAW_HOSTILE_HTML, fetcher=fetcher)

    refused = set(fetcher.refused)
    for url in (
        "file:///etc/passwd",
        "file:///etc/hostname",
        "http://127.0.0.1:9/",
        "http://127.0.0.1:9/style.css",
        "https://example.org/x.png",
        "file:///usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    ):
        assert url in refused, url
    assert fetcher.failed == []
    _only_fonts_served(fetcher)

    reader = _reader(pdf)
    assert "Signed by us." in _text(reader)
    _assert_nothing_embedded(pdf)
    _assert_no_passwd(pdf)
    assert all(our_font(name) for name in _base_fonts(reader))


def test_even_our_own_assets_are_never_attached():
    # The fetcher would serve these; attachments are dropped before they are ever asked for.
    css_url, font_url = asset_url("static", "css/site.css"), asset_url("font", "noto-sans")
    html = (
        f'<html lang="en"><head><link rel="attachment" href="{css_url}"></head>'
        f'<body><p><a rel="attachment" href="{font_url}">font</a></p></body></html>'
    )
    fetcher = AssetFetcher()
    pdf = _render(html, fetcher=fetcher)
    _assert_nothing_embedded(pdf)
    assert css_url not in fetcher.served
    assert {css_url, font_url} <= set(fetcher.refused)


def test_document_has_no_attachments_after_layout():
    fetcher = AssetFetcher()
    document = html_to_document(
        RAW_HOSTILE_HTML, stylesheet=STYLESHEET, lang="en", title="T", author="A", fetcher=fetcher
    )
    assert len(document.pages) == 1
    assert document.metadata.attachments == []
    assert all(link_type != "attachment" for page in document.pages for link_type, *_ in page.links)
    assert "file:///etc/hostname" in fetcher.refused


# Fonts and scripts


def our_font(name: str) -> bool:
    return "Noto" in name or "IBM-Plex-Sans-Arabic" in name


def test_names_in_many_scripts_use_only_our_fonts():
    names = ["محمد الأحمد", "Иван Петров", "Γιώργος", "王小明", "राहुल शर्मा"]
    pdf = _render(_letter_html(names=names, text="Signed by"))
    reader = _reader(pdf)

    fonts = _base_fonts(reader)
    assert fonts and all(our_font(name) for name in fonts), fonts
    assert any("CJK" in name for name in fonts)

    text = _text(reader)
    for name in ("Иван Петров", "Γιώργος", "王小明", "राहुल"):
        assert name in text
    # pypdf decodes the Devanagari reph cluster of शर्मा with a stray vowel sign (WeasyPrint maps
    # the cluster's text to the reph glyph and its other glyphs to empty strings): all the
    # letters come out in order, possibly with an extra sign in between.
    assert re.search(".*?".join(map(re.escape, "शर्मा")), text)
    # Arabic comes out intact and in reading order (one glyph per letter form: fonts.py).
    assert "محمد الأحمد" in text


def test_glyphs_missing_from_our_fonts_never_fall_back_to_machine_fonts():
    # U+2604 COMET and U+03E2 COPTIC SHEI are in DejaVu Sans (installed on most Linux machines)
    # but in none of our fonts; <code> asks for "monospace", which only the machine has.
    html = '<html lang="en"><body><p>Comet \u2604 shei \u03e2 <code>mono</code></p></body></html>'
    reader = _reader(_render(html))
    fonts = _base_fonts(reader)
    assert fonts and all(our_font(name) for name in fonts), fonts


# Tagged, with language and metadata


def test_pdf_is_tagged_with_language_and_metadata():
    pdf = _render(_letter_html(title="Joint letter"), title="Joint letter", author="Rights Group 1")
    reader = _reader(pdf)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] in (True, "true")
    assert root["/Lang"] == "en"
    assert reader.metadata.title == "Joint letter"
    assert reader.metadata.author == "Rights Group 1"
    assert reader.metadata["/CreationDate"] == "D:20250131120000Z"


def test_rtl_letter_is_tagged_in_arabic():
    html = _letter_html(title="رسالة مشتركة", text="نطالبكم بالتحرك", names=["محمد الأحمد"], lang="ar", rtl=True)
    pdf = _render(html, lang="ar", title="رسالة مشتركة", author="تحالف")
    reader = _reader(pdf)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "ar"
    assert reader.metadata.title == "رسالة مشتركة"
    assert reader.metadata.author == "تحالف"
    assert all(our_font(name) for name in _base_fonts(reader))
    assert "نطالبكم بالتحرك" in _text(reader) and "محمد الأحمد" in _text(reader)
