"""The signed PDF: requested by an editor, built in the background, swapped in when complete.

`letter_pdf_request` records a build (one record per set of inputs: asking twice for
the same letter text, organizations and signatories gives the same record) and queues
it after commit. `letter_pdf_build` claims the record (a redelivered task finds it
claimed and does nothing), then:

1. renders the front matter (letterhead, letter, organizations) with WeasyPrint;
2. streams the signatory list from the database in chunks of 4,800 lines; a chunk whose
   key (the hash of its lines and the layout) is already stored is reused, the others
   are laid out by worker processes side by side (letters.pdf.pool);
3. draws the footer of every page ("page X of Y", the short hashes of the letter text
   and of the signatory list) as overlays, merges everything with pypdf, and
4. stores the file under a new name, then marks the record ready in one UPDATE: the
   previous PDF stays the one served until then, and a crash leaves no half file.
"""

import hashlib
import logging
import shutil
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connections, transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.log_actions import log

from ..models import LetterDocument, LetterDocumentChunk, LetterPage
from ..pdf import content
from ..pdf.pool import RenderJob, RenderPool
from ..text import LetterText
from ..translations import language_name, letter_in_language, letter_source, letter_translations

# WeasyPrint (behind pdf.fetcher, pdf.fonts, pdf.render) is imported by the functions that
# build: not when Django starts, since importing it changes Pillow's settings process-wide.

logger = logging.getLogger(__name__)
State = LetterDocument.State


# --- asking for a build ---------------------------------------------------------------------


def _inputs_key(letter: LetterPage, *, language: str, group_by_country: bool) -> str:
    from .endorsements import letter_current_text

    text = letter_current_text(letter)
    organizations = letter.endorsements.filter(content_hash=text.hash).order_by("pk")
    parts = [
        content.LAYOUT_VERSION,
        language,
        str(group_by_country),
        text.hash,
        str(letter.live_revision_id),
        str(letter.lead_organization_id),
        ",".join(str(org.pk) for org in letter.co_drafting_organizations),
        "|".join(
            f"{pk}:{state}:{display}:{in_pdf}:{org_id}"
            for pk, state, display, in_pdf, org_id in organizations.values_list(
                "pk", "state", "display", "list_in_pdf", "organization_id"
            )
        ),
        "|".join(str(recipient) for recipient in letter.recipients.values_list("name", "title")),
        content.signatories_fingerprint(letter),
        # The count on the front page includes signers who asked not to be named.
        str(content.confirmed_individuals(letter)),
    ]
    reader = letter_in_language(letter, language)
    if getattr(reader, "translation", None) is not None:  # the words of the published translation
        parts += [str(reader.translation.pk), str(reader.translation.live_revision_id), LetterText.of(reader).hash]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def letter_pdf_request(
    *, letter: LetterPage, acting_user=None, language: str | None = None, group_by_country: bool = False
) -> LetterDocument:
    """The build of this letter's current inputs: an existing one, or a new one queued after commit."""
    language = language or letter.language
    key = _inputs_key(letter, language=language, group_by_country=group_by_country)
    with transaction.atomic():
        document, created = LetterDocument.objects.get_or_create(
            letter=letter,
            language=language,
            inputs_key=key,
            defaults={"requested_by": acting_user, "group_by_country": group_by_country},
        )
        if not created and document.state == State.FAILED:
            # The same inputs failed before (a worker died, storage was down): try again.
            LetterDocument.objects.filter(pk=document.pk).update(
                state=State.QUEUED, error="", progress_done=0, requested_by=acting_user
            )
            document.refresh_from_db()
            created = True
        if created:
            log(instance=letter, action="coalition.letter.pdf_requested", user=acting_user)
            _build_after_commit(document.pk)
    return document


def _build_after_commit(document_id: int) -> None:
    from celery import current_app

    from ..tasks import letter_pdf_build as task

    if current_app.conf.task_always_eager and settings.COALITION_PDF_BUILD_IN_THREAD:
        # No broker (`make run`): build beside the request, so the editor's page shows the
        # progress bar instead of waiting for the whole build.
        transaction.on_commit(lambda: _build_in_thread(document_id), robust=True)
        return
    # robust: a broker that is down leaves the record queued; the sweeper queues it again.
    transaction.on_commit(lambda: task.delay(document_id), robust=True)


def _build_in_thread(document_id: int) -> threading.Thread:
    def run():
        try:
            letter_pdf_build(document_id=document_id)
        except Exception:  # noqa: BLE001 - recorded on the document as "failed" with its error
            logger.warning("PDF build %s failed in the background thread", document_id)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=f"pdf-build-{document_id}", daemon=True)
    thread.start()
    return thread


def letter_pdf_set_public(*, letter: LetterPage, public: bool, acting_user=None) -> None:
    """Let anyone download the newest signed PDF at the letter's pdf/ address, or stop that."""
    with transaction.atomic():
        LetterPage.objects.filter(pk=letter.pk).update(pdf_public=public)
        letter.pdf_public = public
        log(
            instance=letter,
            action="coalition.letter.pdf_public" if public else "coalition.letter.pdf_private",
            user=acting_user,
        )


def letter_documents_sweep(*, now=None) -> int:
    """Queue again the builds a dead broker dropped; fail those a dead worker left building."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=settings.COALITION_PDF_BUILD_STALE_MINUTES)
    failed = LetterDocument.objects.filter(state=State.BUILDING, started_at__lt=stale).update(
        state=State.FAILED, error=_("The build stopped without finishing (the worker was stopped)."), finished_at=now
    )
    queued = list(
        LetterDocument.objects.filter(state=State.QUEUED, created_at__lt=now - timedelta(minutes=5)).values_list(
            "pk", flat=True
        )
    )
    from ..tasks import letter_pdf_build as task

    for pk in queued:
        task.delay(pk)
    return failed + len(queued)


# --- building ----------------------------------------------------------------------------------


def _claim(document_id: int) -> LetterDocument | None:
    claimed = LetterDocument.objects.filter(pk=document_id, state=State.QUEUED).update(
        state=State.BUILDING, started_at=timezone.now(), error=""
    )
    if not claimed:
        return None  # built, being built, or gone: a redelivered task does nothing
    return LetterDocument.objects.select_related("letter", "letter__lead_organization").get(pk=document_id)


def _progress(document: LetterDocument, **fields) -> None:
    LetterDocument.objects.filter(pk=document.pk).update(**fields)


def _stylesheet(direction: str) -> str:
    from ..pdf.fonts import FONT_STACK

    return render_to_string(
        "letters/pdf/document.css",
        {"font_stack": FONT_STACK, "start": "right" if direction == "rtl" else "left"},
    )


def _front_html(front: content.FrontMatter, *, language: str, direction: str, grouped: bool) -> str:
    from ..pdf.fetcher import asset_url

    letter = front.letter
    logos = [
        {"name": org.name, "logo_url": asset_url("media", org.logo_name)} for org in content.letterhead_logos(front)
    ]
    organizations = [
        {
            "name": org.name,
            "country": org.country,
            "role": org.role,
            "logo_url": asset_url("media", org.logo_name) if org.logo_name else "",
        }
        for org in front.organizations
    ]
    date = content.document_date(front.as_of, language)
    if grouped:
        signatories_line = _(
            "Every confirmed individual signatory who agreed to be named, by country, in the order they signed."
        )
    else:
        signatories_line = _("Every confirmed individual signatory who agreed to be named, in the order they signed.")
    summary = _("Signed by %(organizations)s and %(individuals)s as of %(date)s.") % {
        "organizations": ngettext("%(n)s organization", "%(n)s organizations", front.organizations_count)
        % {"n": formats.number_format(front.organizations_count, force_grouping=True)},
        "individuals": ngettext("%(n)s individual", "%(n)s individuals", front.individuals_count)
        % {"n": formats.number_format(front.individuals_count, force_grouping=True)},
        "date": date,
    }
    return render_to_string(
        "letters/pdf/front.html",
        {
            "language": language,
            "direction": direction,
            "letter": letter,
            "text": front.text,
            "body": front.body_html,
            "recipients": front.recipients,
            "date": date,
            "logos": logos,
            "lead_and_codrafters": [org for org in front.organizations if org.role],
            "organizations": organizations,
            "unnamed_count": front.unnamed_count,
            "summary_line": summary,
            "signatories_count": front.signatories_count,
            "unlisted_count": front.individuals_count - front.signatories_count,
            "signatories_line": signatories_line,
        },
    )


def _chunk_html(chunk: content.Chunk, *, language: str, direction: str, title: str) -> str:
    return render_to_string(
        "letters/pdf/signatories.html",
        {"pages": content.pages_of(chunk.lines), "language": language, "direction": direction, "title": title},
    )


def _chunk_storage_name(letter: LetterPage, key: str) -> str:
    return f"letters/pdf-chunks/{letter.pk}/{key}.pdf"


def _local_copy(name: str, target: Path) -> Path:
    with default_storage.open(name, "rb") as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, 1024 * 1024)
    return target


def letter_pdf_build(*, document_id: int) -> LetterDocument | None:
    """Build a queued document; None when another run has it (idempotent)."""
    document = _claim(document_id)
    if document is None:
        return None
    started = time.perf_counter()
    # In the document's language: its published translation's words, the one list of signatories.
    letter = letter_in_language(document.letter.specific, document.language)
    language = document.language
    direction = letter.direction
    author = letter.lead_organization.name if letter.lead_organization_id else settings.WAGTAIL_SITE_NAME
    work = Path(tempfile.mkdtemp(prefix=f"coalition-pdf-{document.pk}-"))
    try:
        with translation.override(language):
            result = _build(document, letter, work, language=language, direction=direction, author=author)
    except Exception as error:
        logger.exception("letter %s: PDF build %s failed", letter.pk, document.pk)
        failure = f"{type(error).__name__}: {error}"[:2000]
        _progress(document, state=State.FAILED, error=failure, finished_at=timezone.now())
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started
    _progress(document, duration_seconds=round(elapsed, 3))
    document.refresh_from_db()
    logger.info(
        "letter %s: PDF %s ready, %s pages, %s signatories, %.1f s", letter.pk, document.pk, result.pages,
        document.signatures_count, elapsed,
    )  # fmt: skip
    return document


def _build(document: LetterDocument, letter: LetterPage, work: Path, *, language: str, direction: str, author: str):
    from ..pdf.footer import FooterText, footer_overlays
    from ..pdf.merge import pdf_merge

    stylesheet_path = work / "document.css"
    stylesheet_path.write_text(_stylesheet(direction), encoding="utf-8")
    names_total = content.listed_signatures(letter).count()
    _progress(document, progress_total=names_total, progress_done=0)

    list_digest = hashlib.sha256()
    parts: dict[int, Path] = {}  # chunk index -> local PDF
    pages: dict[int, int] = {}
    used_keys: list[str] = []
    reused = rendered = 0
    names_done = 0

    def jobs():
        nonlocal reused, names_done
        for chunk in content.signatory_chunks(
            letter,
            group_by_country=document.group_by_country,
            language=language,
            direction=direction,
            list_digest=list_digest,
        ):
            used_keys.append(chunk.key)
            stored = LetterDocumentChunk.objects.filter(letter=letter, key=chunk.key).first()
            if stored is not None and default_storage.exists(stored.file.name):
                parts[chunk.index] = _local_copy(stored.file.name, work / f"chunk-{chunk.index}.pdf")
                pages[chunk.index] = stored.pages
                LetterDocumentChunk.objects.filter(pk=stored.pk).update(last_used_at=timezone.now())
                reused += 1
                names_done += chunk.names
                _progress(document, progress_done=names_done)
                continue
            html_path = work / f"chunk-{chunk.index}.html"
            html_path.write_text(
                _chunk_html(chunk, language=language, direction=direction, title=letter.title), encoding="utf-8"
            )
            pending[chunk.index] = chunk
            yield RenderJob(
                html_path=str(html_path),
                pdf_path=str(work / f"chunk-{chunk.index}.pdf"),
                stylesheet_path=str(stylesheet_path),
                lang=language,
                title=letter.title,
                author=author,
                tag=chunk.index,
            )

    pending: dict[int, content.Chunk] = {}
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[phase] = round(now - clock, 3)
        clock = now

    with RenderPool() as pool:
        for result in pool.run(jobs()):
            chunk = pending.pop(result.tag)
            path = Path(result.pdf_path)
            if result.pages != chunk.pages:
                raise RuntimeError(f"chunk {chunk.index}: {result.pages} pages laid out, {chunk.pages} planned")
            _chunk_store(letter, chunk, path)
            parts[chunk.index] = path
            pages[chunk.index] = result.pages
            rendered += 1
            names_done += chunk.names
            _progress(document, progress_done=names_done)

    lap("signatories")
    front = content.front_matter(letter, signatories_count=names_total)
    from ..pdf.render import html_to_pdf

    front_path = work / "front.pdf"
    front_html = _front_html(front, language=language, direction=direction, grouped=document.group_by_country)
    front_path.write_bytes(
        html_to_pdf(
            front_html, stylesheet=stylesheet_path.read_text(encoding="utf-8"), lang=language, title=letter.title,
            author=author, created=front.as_of,
        )
    )  # fmt: skip
    from pypdf import PdfReader

    front_pages = len(PdfReader(front_path).pages)
    ordered = [front_path] + [parts[index] for index in sorted(parts)]
    total_pages = front_pages + sum(pages.values())
    signatories_hash = list_digest.hexdigest()

    hashes = _("Letter text %(text)s · Signatories %(list)s") % {
        "text": front.text.hash[:12],
        "list": signatories_hash[:12],
    }
    page_format = _("Page {page} of {total}")
    total_label = formats.number_format(total_pages, force_grouping=True)

    def footer(number: int) -> FooterText:
        page = formats.number_format(number, force_grouping=True)
        return FooterText(start=hashes, end=page_format.format(page=page, total=total_label))

    # Right to left only when the words are in a right-to-left language (not English words
    # under an Arabic letter whose interface strings are not translated yet).
    rtl = direction == "rtl" and page_format != "Page {page} of {total}"
    lap("front_matter")
    overlays = footer_overlays(texts=footer, total_pages=total_pages, output_dir=work, lang=language, rtl=rtl)
    lap("footers")
    output = work / "letter.pdf"
    merged = pdf_merge(
        ordered,
        output,
        overlays=overlays,
        title=letter.title,
        author=author,
        lang=language,
        created=front.as_of,
        subject=front.text.recipients_line or "",
    )
    lap("merge")
    name = f"letters/pdf/{letter.pk}/{letter.slug}-{document.pk}-{merged.sha256[:8]}.pdf"
    with output.open("rb") as handle:
        stored_name = default_storage.save(name, File(handle))
    lap("store")
    LetterDocument.objects.filter(pk=document.pk).update(
        timings=timings,
        state=State.READY,
        file=stored_name,
        sha256=merged.sha256,
        size=merged.size,
        pages=merged.pages,
        organizations_count=front.organizations_count,
        signatures_count=names_total,
        individuals_count=front.individuals_count,
        text_hash=front.text.hash,
        signatories_hash=signatories_hash,
        revision_id=letter.live_revision_id,
        progress_done=names_total,
        chunks_reused=reused,
        chunks_rendered=rendered,
        finished_at=timezone.now(),
    )
    _chunks_prune(letter, keep=used_keys)
    return merged


def _chunk_store(letter: LetterPage, chunk: content.Chunk, path: Path) -> None:
    name = _chunk_storage_name(letter, chunk.key)
    if default_storage.exists(name):
        default_storage.delete(name)
    with path.open("rb") as handle:
        stored = default_storage.save(name, File(handle))
    LetterDocumentChunk.objects.update_or_create(
        letter=letter,
        key=chunk.key,
        defaults={
            "file": stored,
            "first_signature_id": chunk.first_signature_id,
            "last_signature_id": chunk.last_signature_id,
            "names": chunk.names,
            "pages": chunk.pages,
        },
    )


def _chunks_prune(letter: LetterPage, *, keep: list[str]) -> None:
    """Drop the chunks this build did not use and no build used for a day."""
    old = LetterDocumentChunk.objects.filter(letter=letter, last_used_at__lt=timezone.now() - timedelta(days=1))
    for chunk in old.exclude(key__in=keep):
        default_storage.delete(chunk.file.name)
        chunk.delete()


# --- reading ----------------------------------------------------------------------------------------


def letter_pdf_current(letter: LetterPage, *, language: str | None = None) -> LetterDocument | None:
    """The newest ready PDF (of `language`, or of any language when None)."""
    documents = LetterDocument.objects.filter(letter=letter, state=State.READY)
    if language:
        documents = documents.filter(language=language)
    return documents.order_by("-finished_at", "-pk").first()


def letter_pdf_for_reader(letter: LetterPage) -> LetterDocument | None:
    """The PDF a reader of this page gets: in the page's language, else the source's, else any."""
    source = letter_source(letter)
    return (
        letter_pdf_current(letter, language=letter.language)
        or letter_pdf_current(letter, language=source.language)
        or letter_pdf_current(letter)
    )


def letter_pdf_languages(letter: LetterPage) -> list[tuple[str, str]]:
    """The languages a PDF can be built in: the letter's own, and its published translations'."""
    source = letter_source(letter)
    return [(source.language, language_name(source.language))] + [
        (code, language_name(code)) for code in letter_translations(source).values_list("language", flat=True)
    ]


def letter_pdf_progress(document: LetterDocument) -> dict:
    document.refresh_from_db()
    return {
        "state": document.state,
        "state_label": str(document.get_state_display()),
        "done": document.progress_done,
        "total": document.progress_total,
        "percent": document.progress_percent,
        "pages": document.pages,
        "error": document.error if document.state == State.FAILED else "",
    }


__all__ = [
    "letter_documents_sweep",
    "letter_pdf_build",
    "letter_pdf_current",
    "letter_pdf_progress",
    "letter_pdf_request",
    "letter_pdf_set_public",
]
