import time

from django.core.management.base import BaseCommand, CommandError

from coalition import celery_app
from coalition.letters.models import LetterDocument, LetterPage
from coalition.letters.services.documents import letter_pdf_build, letter_pdf_request


class Command(BaseCommand):
    help = (
        "Build a letter's signed PDF, as the “Build the PDF” button in the admin does. With a broker the "
        "build runs in a worker and this waits for it (unless --no-wait); without one it runs here."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the letter's slug")
        parser.add_argument("--language", help="the language of the text (default: the letter's)")
        parser.add_argument("--group-by-country", action="store_true", help="group the signatories by country")
        parser.add_argument("--no-wait", action="store_true", help="queue the build and return")
        parser.add_argument("--timeout", type=int, default=3600, help="seconds to wait for a worker (default 3600)")

    def handle(self, *args, slug, language=None, group_by_country=False, no_wait=False, timeout=3600, **options):
        letter = LetterPage.objects.filter(slug=slug).first()
        if letter is None:
            raise CommandError(f"No letter with the slug {slug!r}.")
        document = letter_pdf_request(letter=letter, language=language, group_by_country=group_by_country)
        self.stdout.write(f"PDF {document.pk} of “{letter.title}”: {document.get_state_display()}")
        if no_wait:
            return
        if celery_app.conf.task_always_eager:
            # No broker: build here (if the queued task already ran, this finds it claimed and returns).
            letter_pdf_build(document_id=document.pk)
        shown = -1
        deadline = time.monotonic() + timeout
        while True:
            document.refresh_from_db()
            if document.state in (LetterDocument.State.READY, LetterDocument.State.FAILED):
                break
            if time.monotonic() > deadline:
                state = document.get_state_display().lower()
                raise CommandError(f"Still {state} after {timeout} s: is a worker running?")
            if document.progress_done != shown:
                shown = document.progress_done
                self.stdout.write(f"  {document.progress_done} of {document.progress_total} signatories laid out")
            time.sleep(1)
        if document.state == LetterDocument.State.FAILED:
            raise CommandError(f"The build failed: {document.error}")
        self.stdout.write(
            f"Ready: {document.file.name} ({document.pages} pages, {document.organizations_count} organizations, "
            f"{document.signatures_count} individuals, {document.size / 1e6:.1f} MB, "
            f"{document.duration_seconds or 0:.1f} s, sha256 {document.sha256})"
        )
