"""The signed PDF, built end to end: what it lists, how it is numbered, reuse, idempotency, access."""

import re
import subprocess
import threading
from datetime import timedelta
from io import BytesIO, StringIO
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from coalition.letters.models import LetterDocument, LetterDocumentChunk, LetterStatus
from coalition.letters.pdf.fetcher import AssetFetcher
from coalition.letters.services import documents
from coalition.orgs.models import Membership
from tests.factories import (
    EditorFactory,
    LetterPageFactory,
    MembershipFactory,
    OrganizationFactory,
    SignatureFactory,
    endorsement_for,
)

pytestmark = pytest.mark.django_db
State = LetterDocument.State


@pytest.fixture(autouse=True)
def small_chunks(small_pdf_chunks):
    """Pages of 12 names and chunks of 2 pages, so a few dozen signers span several chunks."""


@pytest.fixture
def lead(db):
    return OrganizationFactory(name="Syrian Archive", slug="syrian-archive", country="SY")


@pytest.fixture
def letter(index, lead):
    letter = LetterPageFactory(
        title="Reveal the fate of the disappeared", status=LetterStatus.OPEN_FOR_SIGNATURES, lead_organization=lead
    )
    endorsement_for(letter, lead)
    endorsement_for(letter, OrganizationFactory(name="Families for Truth", country="LB"))
    endorsement_for(letter, OrganizationFactory(name="Quiet Partner"), display="undisclosed", list_in_pdf=False)
    endorsement_for(letter, OrganizationFactory(name="Named Partner"), display="undisclosed", list_in_pdf=True)
    return letter


def sign(letter, n: int, **fields):
    defaults = {"first_name": f"Person{n:03d}", "last_name": f"Zed{n:03d}", "show_full_name": True}
    return SignatureFactory(letter=letter, **{**defaults, **fields})


def build(letter, **kwargs) -> LetterDocument:
    document = documents.letter_pdf_request(letter=letter, **kwargs)
    if document.state == State.QUEUED:  # tests run tasks in-process; on_commit ran already or not
        documents.letter_pdf_build(document_id=document.pk)
    document.refresh_from_db()
    return document


def pages_text(document) -> list[str]:
    with document.file.open("rb") as handle:
        reader = PdfReader(BytesIO(handle.read()))
    return [page.extract_text() or "" for page in reader.pages]


def test_the_pdf_lists_every_named_signatory_once_and_nobody_else(letter, django_capture_on_commit_callbacks):
    named = [sign(letter, n) for n in range(40)]
    sign(letter, 900, show_name=False)
    sign(letter, 901, state="withdrawn")
    sign(letter, 902, state="pending_confirmation")
    sign(letter, 903, state="suspect")
    with django_capture_on_commit_callbacks(execute=True):
        document = documents.letter_pdf_request(letter=letter)
    document.refresh_from_db()

    assert document.state == State.READY, document.error
    text = "\n".join(pages_text(document))
    for signature in named:
        assert text.count(signature.first_name) == 1, signature.first_name
    for hidden in ("Person900", "Person901", "Person902", "Person903", "@", "mail.example"):
        assert hidden not in text
    assert document.signatures_count == 40
    assert document.organizations_count == 4  # approved endorsements, named or not
    # The count is every confirmed signer; the list holds those who agreed to be named.
    assert document.individuals_count == 41
    assert "Signed by 4 organizations and 41 individuals" in text
    assert "1 more confirmed signer asked not to be named." in " ".join(text.split())
    assert "Syrian Archive" in text and "Families for Truth" in text and "Named Partner" in text
    assert "Quiet Partner" not in text
    assert "1 organization that asked not to be named" in text
    assert document.chunks_rendered == 2 and document.pages == 1 + 4  # front page, then 40 names on 12-name pages


def test_page_numbers_run_on_across_chunks_and_every_page_carries_both_hashes(letter):
    for n in range(40):
        sign(letter, n)
    document = build(letter)
    texts = pages_text(document)
    total = len(texts)
    assert total == document.pages
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text, (number, text[-200:])
        assert document.text_hash[:12] in text and document.signatories_hash[:12] in text
    numbers = [int(m) for t in texts for m in re.findall(r"Page (\d+) of", t)]
    assert numbers == list(range(1, total + 1))


def test_metadata_tags_and_language(letter):
    sign(letter, 1)
    document = build(letter)
    with document.file.open("rb") as handle:
        reader = PdfReader(BytesIO(handle.read()))
    assert reader.metadata.title == letter.title
    assert reader.metadata.author == "Syrian Archive"
    assert reader.metadata.creation_date is not None
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    # Every page, the signatory pages included, is in the structure tree.
    assert all("/StructParents" in page for page in reader.pages)
    assert "/Names" not in root or "/EmbeddedFiles" not in root["/Names"]


def test_hostile_names_and_letter_text_are_printed_as_text_and_fetch_nothing(index, lead):
    hostile = [
        '<img src="file:///etc/passwd">',
        '<link rel="attachment" href="file:///etc/hostname">',
        '<img src="http://127.0.0.1:9/x">',
        "</style><style>@import url(http://127.0.0.1:9/)",
    ]
    letter = LetterPageFactory(
        status=LetterStatus.OPEN_FOR_SIGNATURES,
        lead_organization=lead,
        body="<p>" + " ".join(h.replace("<", "&lt;").replace(">", "&gt;") for h in hostile) + "</p>",
    )
    for n, value in enumerate(hostile):
        email = f"victim{n}@mail.example"
        sign(letter, n, first_name=value[:40], city=value[:40], email=email, ip_address="203.0.113.9")
    asked = []
    real_fetch = AssetFetcher.fetch

    def recording_fetch(self, url, *args, **kwargs):
        asked.append(url)
        return real_fetch(self, url, *args, **kwargs)

    with mock.patch.object(AssetFetcher, "fetch", recording_fetch):
        document = build(letter)
    assert document.state == State.READY, document.error
    assert all(url.startswith("coalition-asset:") for url in asked), asked
    with document.file.open("rb") as handle:
        raw = handle.read()
    reader = PdfReader(BytesIO(raw))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    flat = re.sub(r"\s+", "", text)
    for value in hostile:
        assert re.sub(r"\s+", "", value[:20]) in flat
    assert b"root:" not in raw and b"/EmbeddedFile" not in raw and b"/FileAttachment" not in raw
    assert "victim" not in text and "203.0.113.9" not in text
    assert "victim" not in str(reader.metadata) and b"203.0.113.9" not in raw


def test_a_right_to_left_letter_renders_right_to_left(index, lead):
    letter = LetterPageFactory(
        title="أوقفوا الاختفاء القسري",
        language="ar",
        text_direction="rtl",
        status=LetterStatus.OPEN_FOR_SIGNATURES,
        lead_organization=lead,
        recipients_line="السيد الرئيس،",
        body="<p>نكتب إليكم لنطالب بالكشف عن مصير المختفين.</p>",
        closing="مع الاحترام،",
    )
    sign(letter, 1, first_name="محمد", last_name="الأحمد")
    document = build(letter)
    assert document.state == State.READY, document.error
    with document.file.open("rb") as handle:
        reader = PdfReader(BytesIO(handle.read()))
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    result = subprocess.run(
        ["pdftotext", "-layout", document.file.path, "-"], capture_output=True, text=True, check=True
    )
    letters = "".join(result.stdout.split())
    assert "محمد" in letters and "حمد" in letters  # the signer, in Arabic glyphs (not boxes: no U+FFFD)
    # Copied or extracted, the Arabic reads as written: every letter intact, in reading order.
    extracted = " ".join(page.extract_text() for page in reader.pages)
    assert "محمد الأحمد" in extracted and "نكتب إليكم لنطالب بالكشف عن مصير المختفين" in extracted
    assert "\ufffd" not in result.stdout
    # Right to left: the title starts at the right margin, so pdftotext's layout pads it from the left.
    title_line = next(line for line in result.stdout.splitlines() if "\u202b" in line or "أو" in line)
    assert len(title_line) - len(title_line.lstrip()) > 20


def test_asking_twice_for_the_same_inputs_gives_one_record_and_a_redelivered_task_does_nothing(letter):
    sign(letter, 1)
    first = build(letter)
    again = documents.letter_pdf_request(letter=letter)
    assert again.pk == first.pk and LetterDocument.objects.count() == 1
    assert documents.letter_pdf_build(document_id=first.pk) is None  # claimed already: nothing happens
    assert LetterDocument.objects.get(pk=first.pk).file.name == first.file.name


def test_a_signer_who_asked_not_to_be_named_still_changes_the_count_so_the_pdf_is_built_again(letter):
    sign(letter, 1)
    first = build(letter)
    sign(letter, 2, show_name=False)  # not in the list, but in "Signed by … individuals"
    second = build(letter)
    assert second.pk != first.pk
    assert (first.individuals_count, second.individuals_count) == (1, 2)
    assert second.signatures_count == first.signatures_count == 1


def test_new_signatures_reuse_the_unchanged_chunks_and_the_old_pdf_stays_until_the_new_one_is_ready(letter):
    for n in range(30):
        sign(letter, n)
    first = build(letter)
    assert first.chunks_rendered == 2  # 24 + 6 names
    for n in range(30, 35):
        sign(letter, n)
    second = build(letter)
    assert second.pk != first.pk and second.state == State.READY
    assert (second.chunks_reused, second.chunks_rendered) == (1, 1)
    assert documents.letter_pdf_current(letter).pk == second.pk
    assert default_storage.exists(first.file.name)  # earlier PDFs stay downloadable
    assert LetterDocumentChunk.objects.filter(letter=letter).count() >= 2


def test_a_crash_leaves_no_file_and_the_previous_pdf_current(letter):
    sign(letter, 1)
    first = build(letter)
    sign(letter, 2)
    with mock.patch("coalition.letters.pdf.merge.pdf_merge", side_effect=OSError("disk full")):
        document = documents.letter_pdf_request(letter=letter)
        with pytest.raises(OSError):
            documents.letter_pdf_build(document_id=document.pk)
    document.refresh_from_db()
    assert document.state == State.FAILED and "disk full" in document.error and not document.file
    assert documents.letter_pdf_current(letter).pk == first.pk
    stored = default_storage.listdir(f"letters/pdf/{letter.pk}")[1]
    assert stored == [first.file.name.rsplit("/", 1)[1]]
    # Asking again retries the same record.
    retried = build(letter)
    assert retried.pk == document.pk and retried.state == State.READY


def test_the_sweeper_fails_abandoned_builds_and_requeues_forgotten_ones(letter, settings):
    stuck = LetterDocument.objects.create(
        letter=letter, language="en", inputs_key="a" * 64, state=State.BUILDING, started_at=timezone.now()
    )
    LetterDocument.objects.filter(pk=stuck.pk).update(started_at=timezone.now() - timedelta(hours=2))
    forgotten = LetterDocument.objects.create(letter=letter, language="en", inputs_key="b" * 64)
    LetterDocument.objects.filter(pk=forgotten.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    with mock.patch("coalition.letters.tasks.letter_pdf_build.delay") as delay:
        assert documents.letter_documents_sweep() == 2
    delay.assert_called_once_with(forgotten.pk)
    assert LetterDocument.objects.get(pk=stuck.pk).state == State.FAILED


def test_grouped_by_country_with_a_count_per_country(letter):
    for n in range(5):
        sign(letter, n, country="FR")
    for n in range(5, 8):
        sign(letter, n, country="SY")
    document = build(letter, group_by_country=True)
    text = "\n".join(pages_text(document))
    assert "France (5)" in text and "Syria (3)" in text
    assert text.index("France (5)") < text.index("Syria (3)")


# --- who may download it ------------------------------------------------------------------------


def test_the_pdf_route_is_private_until_an_editor_makes_it_public(letter, lead):
    sign(letter, 1)
    build(letter)
    url = letter.url + "pdf/"
    anonymous = Client()
    assert anonymous.get(url).status_code == 404

    staff = MembershipFactory(organization=lead, role=Membership.Role.MEMBER).user
    insider = Client()
    insider.force_login(staff)
    response = insider.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    outsider = Client()
    outsider.force_login(MembershipFactory(organization=OrganizationFactory()).user)
    assert outsider.get(url).status_code == 404

    documents.letter_pdf_set_public(letter=letter, public=True, acting_user=None)
    letter.refresh_from_db()
    assert anonymous.get(url).status_code == 200


def test_no_pdf_yet_is_a_404_even_when_public(letter):
    documents.letter_pdf_set_public(letter=letter, public=True, acting_user=None)
    assert Client().get(letter.url + "pdf/").status_code == 404


def test_editors_build_it_from_the_admin_and_watch_its_progress(letter, client, django_capture_on_commit_callbacks):
    sign(letter, 1)
    client.force_login(EditorFactory())
    page = client.get(reverse("letters_admin:pdf", args=[letter.pk]))
    assert page.status_code == 200 and b"Build the PDF" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letters_admin:pdf", args=[letter.pk]), {"group_by_country": ""})
    assert response.status_code == 302
    document = LetterDocument.objects.get(letter=letter)
    progress = client.get(reverse("letters_admin:pdf_progress", args=[letter.pk, document.pk])).json()
    assert progress["state"] == "ready" and progress["percent"] == 100
    download = client.get(reverse("letters_admin:pdf_download", args=[letter.pk, document.pk]))
    assert download.status_code == 200
    page = client.get(reverse("letters_admin:pdf", args=[letter.pk]))
    assert b"Make it public" in page.content
    client.post(reverse("letters_admin:pdf", args=[letter.pk]), {"action": "public"})
    letter.refresh_from_db()
    assert letter.pdf_public


def test_partner_staff_cannot_reach_another_letters_pdf_admin(letter):
    sign(letter, 1)
    document = build(letter)
    outsider = Client()
    outsider.force_login(MembershipFactory(organization=OrganizationFactory()).user)
    for name, args in (
        ("letters_admin:pdf", [letter.pk]),
        ("letters_admin:pdf_progress", [letter.pk, document.pk]),
        ("letters_admin:pdf_download", [letter.pk, document.pk]),
    ):
        assert outsider.get(reverse(name, args=args)).status_code in (302, 403, 404)


def test_the_command_builds_from_a_shell(letter):
    sign(letter, 1)
    out = StringIO()
    call_command("build_letter_pdf", letter.slug, stdout=out)
    assert "Ready:" in out.getvalue()
    assert LetterDocument.objects.get(letter=letter).state == State.READY


def test_worker_processes_render_the_same_pages(letter, settings):
    for n in range(30):
        sign(letter, n)
    settings.COALITION_PDF_PROCESSES = 2
    document = build(letter)
    assert document.state == State.READY, document.error
    text = "\n".join(pages_text(document))
    assert all(f"Person{n:03d}" in text for n in range(30))


def test_the_letter_page_links_the_public_pdf_only(letter):
    sign(letter, 1)
    build(letter)
    assert b'pdf/" type="application/pdf"' not in Client().get(letter.url).content
    documents.letter_pdf_set_public(letter=letter, public=True, acting_user=None)
    page = Client().get(letter.url).content.decode()
    assert 'pdf/" type="application/pdf"' in page and "Download the PDF (2 pages" in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_a_broker_the_build_runs_beside_the_request(index, settings, tmp_path):
    """`make run` has no worker: the editor's page shows the progress while a thread builds."""
    settings.COALITION_PDF_BUILD_IN_THREAD = True
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    sign(letter, 1)
    document = documents.letter_pdf_request(letter=letter)  # autocommit: the thread starts at once
    assert document.state in (State.QUEUED, State.BUILDING)  # the request did not wait for it
    builder = next((t for t in threading.enumerate() if t.name == f"pdf-build-{document.pk}"), None)
    if builder is not None:
        builder.join(timeout=60)
    document.refresh_from_db()
    assert document.state == State.READY, document.error


def test_worker_processes_are_replaced_after_their_share_of_chunks(tmp_path, settings):
    """A long build does not let one worker's memory grow without end."""
    from coalition.letters.pdf.pool import RenderJob, RenderPool

    css = tmp_path / "style.css"
    css.write_text("@page { size: A6 }")
    jobs = []
    for n in range(5):
        html = tmp_path / f"part-{n}.html"
        html.write_text(f'<html lang="en"><body><p>Part {n}</p></body></html>')
        jobs.append(
            RenderJob(
                html_path=str(html), pdf_path=str(tmp_path / f"part-{n}.pdf"), stylesheet_path=str(css),
                lang="en", title="t", author="a", tag=n,
            )
        )  # fmt: skip
    with RenderPool(processes=2, jobs_per_worker=2) as pool:
        results = sorted(pool.run(jobs), key=lambda result: result.tag)
        started = pool.workers_started
    assert [result.tag for result in results] == [0, 1, 2, 3, 4]
    assert all(result.pages == 1 for result in results)
    assert started >= 3  # the first two were replaced after two chunks each
