"""HTML to PDF with WeasyPrint: our fonts only, our fetcher only, tagged, no attachments.

``html_to_document`` lays the HTML out (useful for page counts), ``html_to_pdf`` writes the PDF.
The HTML is expected to come from a Django template (autoescaped): user text is text. Even raw
markup cannot reach the outside: every URL goes through ``AssetFetcher``, which serves only our
``coalition-asset:`` fonts, static files and stored logos.

Document metadata (title, author, language, creation date) is set from the arguments, not taken
from ``<title>``/``<meta>`` in the HTML. PDF attachments are never embedded: ``<link
rel=attachment>`` entries and ``<a rel=attachment>`` links are dropped after layout, before
anything is fetched for them, and recorded as refused on the fetcher.
"""

from datetime import UTC, datetime

from django.utils import timezone
from weasyprint import CSS, HTML, Document
from weasyprint.html import element_has_link_type

from coalition.letters.pdf.fetcher import AssetFetcher
from coalition.letters.pdf.fonts import font_face_css, isolated_font_config

#: The options every PDF is written with: tagged (structure tree, /MarkInfo, /Lang), no extra
#: attachments, no custom or XMP metadata taken from the HTML.
WRITE_OPTIONS = {"pdf_tags": True, "attachments": None, "custom_metadata": False, "xmp_metadata": None}


def html_to_document(
    html: str,
    *,
    stylesheet: str,
    lang: str,
    title: str,
    author: str,
    created: datetime | None = None,
    fetcher: AssetFetcher | None = None,
    tagged: bool = True,
) -> Document:
    """Lay out ``html`` with ``stylesheet`` (CSS text, our @font-face rules prepended); no PDF yet.

    ``len(document.pages)`` is the page count. Write it with ``document_to_pdf`` (which keeps
    the tagging on), not a bare ``document.write_pdf()``.
    """
    if fetcher is None:
        fetcher = AssetFetcher()
    font_config = isolated_font_config()
    # base_url=None: relative URLs resolve to nothing and are never fetched; absolute ones
    # all go through the fetcher.
    css = CSS(
        string=f"{font_face_css()}\n{stylesheet}",
        base_url=None,
        url_fetcher=fetcher,
        font_config=font_config,
    )
    source = HTML(string=html, base_url=None, url_fetcher=fetcher)
    document = source.render(font_config=font_config, stylesheets=[css], pdf_tags=tagged)

    metadata = document.metadata
    metadata.title = title
    metadata.authors = [author]
    metadata.lang = lang
    metadata.created = metadata.modified = _w3c_date(created or timezone.now())
    metadata.description = None
    metadata.keywords = []
    metadata.generator = None
    metadata.custom = {}
    metadata.xmp_metadata = []
    _drop_attachments(source, document, fetcher)
    return document


def html_to_pdf(
    html: str,
    *,
    stylesheet: str,
    lang: str,
    title: str,
    author: str,
    created: datetime | None = None,
    fetcher: AssetFetcher | None = None,
) -> bytes:
    """The tagged PDF of ``html``, as bytes. See ``html_to_document`` for the arguments."""
    document = html_to_document(
        html, stylesheet=stylesheet, lang=lang, title=title, author=author, created=created, fetcher=fetcher
    )
    return document_to_pdf(document)


def document_to_pdf(document: Document, *, tagged: bool = True) -> bytes:
    """Write a document from ``html_to_document`` (or a ``copy()`` of some of its pages): tagged, no attachments.

    ``tagged=False`` only for the signatory pages, which ``merge.pdf_merge`` tags one paragraph
    per page: WeasyPrint's own tags cost a dozen PDF objects per line of names.
    """
    return document.write_pdf(**{**WRITE_OPTIONS, "pdf_tags": tagged})


def _drop_attachments(source: HTML, document: Document, fetcher: AssetFetcher) -> None:
    """Remove every file attachment WeasyPrint collected, recording its URL as refused.

    WeasyPrint embeds ``<link rel=attachment href>`` (``metadata.attachments``) and
    ``<a rel=attachment href>`` (page links of type "attachment") when writing the PDF,
    fetching them only then; dropping them here means they are never even requested.
    """
    for element in source.etree_element.iter("link"):
        if element_has_link_type(element, "attachment") and element.get("href"):
            fetcher.refuse(element.get("href"), "PDF attachment")
    document.metadata.attachments = []
    for page in document.pages:
        for link_type, target, _rectangle, _box in page.links:
            if link_type == "attachment":
                fetcher.refuse(target, "PDF attachment")
        page.links = [link for link in page.links if link[0] != "attachment"]


def _w3c_date(moment: datetime) -> str:
    """``2025-01-31T12:00:00Z``: the W3C date form WeasyPrint turns into the PDF's CreationDate."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
