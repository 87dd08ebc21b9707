"""The PDF of a delivery's addendum: only the signatories counted since the last delivery.

Made from the signed PDF's own parts (coalition.letters.pdf): the signatory list streamed in
chunks (`confirmed_after` / `confirmed_until` keep the new ones) and laid out by the render
pool, a first page saying what it is, the footers drawn as overlays, everything merged with
pypdf. An addendum holds the signatures of a day or a week, so it is rendered while the
editor waits; nothing in it is cached or reused.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coalition.letters.pdf import content


@dataclass(frozen=True)
class AddendumPdf:
    path: Path
    pages: int
    sha256: str
    size: int
    signatures_count: int
    signatories_hash: str


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def signed_by_line(*, organizations: int, individuals: int, date: str) -> str:
    """ "Signed by 31 organizations and 165,953 individuals as of 12 May 2026.", as the signed PDF says it."""
    return _("Signed by %(organizations)s and %(individuals)s as of %(date)s.") % {
        "organizations": ngettext("%(n)s organization", "%(n)s organizations", organizations)
        % {"n": _number(organizations)},
        "individuals": ngettext("%(n)s individual", "%(n)s individuals", individuals) % {"n": _number(individuals)},
        "date": date,
    }


def addendum_pdf_render(
    *,
    letter,
    after,
    until,
    recipients: list[dict],
    organizations_count: int,
    signatures_total: int,
    text_hash: str,
    work: Path,
) -> AddendumPdf:
    """Write the addendum of the signatories confirmed after `after`, up to `until`, under `work`."""
    with translation.override(letter.language):
        return _render(
            letter=letter,
            after=after,
            until=until,
            recipients=recipients,
            organizations_count=organizations_count,
            signatures_total=signatures_total,
            text_hash=text_hash,
            work=work,
        )


def _render(*, letter, after, until, recipients, organizations_count, signatures_total, text_hash, work):
    # WeasyPrint is imported only when a PDF is made (see letters.services.documents).
    from coalition.letters.pdf.fonts import FONT_STACK
    from coalition.letters.pdf.footer import FooterText, footer_overlays
    from coalition.letters.pdf.merge import pdf_merge
    from coalition.letters.pdf.pool import RenderJob, RenderPool
    from coalition.letters.pdf.render import html_to_pdf

    language, direction = letter.language, letter.direction
    author = letter.lead_organization.name if letter.lead_organization_id else settings.WAGTAIL_SITE_NAME
    stylesheet = render_to_string(
        "letters/pdf/document.css", {"font_stack": FONT_STACK, "start": "right" if direction == "rtl" else "left"}
    )
    stylesheet_path = work / "document.css"
    stylesheet_path.write_text(stylesheet, encoding="utf-8")
    since = content.document_date(after, language)
    heading = _("Additional signatories since %(date)s") % {"date": since}

    list_digest = hashlib.sha256()
    chunks: dict[int, content.Chunk] = {}

    def jobs():
        for chunk in content.signatory_chunks(
            letter,
            group_by_country=False,
            language=language,
            direction=direction,
            list_digest=list_digest,
            confirmed_after=after,
            confirmed_until=until,
        ):
            html_path = work / f"chunk-{chunk.index}.html"
            html = render_to_string(
                "letters/pdf/signatories.html",
                {
                    "pages": content.pages_of(chunk.lines),
                    "language": language,
                    "direction": direction,
                    "title": heading,
                },
            )
            html_path.write_text(html, encoding="utf-8")
            chunks[chunk.index] = chunk
            yield RenderJob(
                html_path=str(html_path),
                pdf_path=str(work / f"chunk-{chunk.index}.pdf"),
                stylesheet_path=str(stylesheet_path),
                lang=language,
                title=heading,
                author=author,
                tag=chunk.index,
            )

    parts: dict[int, Path] = {}
    with RenderPool() as pool:
        for result in pool.run(jobs()):
            parts[result.tag] = Path(result.pdf_path)
    names = sum(chunk.names for chunk in chunks.values())

    date = content.document_date(until, language)
    organization_names = [letter.lead_organization.name] if letter.lead_organization_id else []
    organization_names += [org.name for org in letter.co_drafting_organizations]
    introduction = ngettext(
        "%(n)s more individual signed “%(title)s” between %(since)s and %(until)s.",
        "%(n)s more individuals signed “%(title)s” between %(since)s and %(until)s.",
        names,
    ) % {"n": _number(names), "title": letter.title, "since": since, "until": date}
    summary = signed_by_line(organizations=organizations_count, individuals=signatures_total, date=date)
    front_html = render_to_string(
        "letters/pdf/addendum.html",
        {
            "language": language,
            "direction": direction,
            "heading": heading,
            "letter_title": letter.title,
            "organization_names": organization_names,
            "recipients": recipients,
            "date": date,
            "introduction": introduction,
            "summary_line": summary,
        },
    )
    front_path = work / "front.pdf"
    front_path.write_bytes(
        html_to_pdf(front_html, stylesheet=stylesheet, lang=language, title=heading, author=author, created=until)
    )
    from pypdf import PdfReader

    ordered = [front_path] + [parts[index] for index in sorted(parts)]
    total_pages = sum(len(PdfReader(path).pages) for path in ordered)
    signatories_hash = list_digest.hexdigest()
    hashes = _("Letter text %(text)s · Signatories %(list)s") % {"text": text_hash[:12], "list": signatories_hash[:12]}
    page_format = _("Page {page} of {total}")
    total_label = _number(total_pages)

    def footer(number: int) -> FooterText:
        return FooterText(start=hashes, end=page_format.format(page=_number(number), total=total_label))

    rtl = direction == "rtl" and page_format != "Page {page} of {total}"  # as the signed PDF's footers
    overlays = footer_overlays(texts=footer, total_pages=total_pages, output_dir=work, lang=language, rtl=rtl)
    output = work / "addendum.pdf"
    merged = pdf_merge(
        ordered,
        output,
        overlays=overlays,
        title=f"{letter.title}: {heading}",
        author=author,
        lang=language,
        created=until,
        subject=letter.recipients_line or "",
    )
    return AddendumPdf(
        path=output,
        pages=merged.pages,
        sha256=merged.sha256,
        size=merged.size,
        signatures_count=names,
        signatories_hash=signatories_hash,
    )
