from django.core.management.base import BaseCommand, CommandError

from coalition.letters.models import LetterPage
from coalition.letters.services import signature_counts_reconcile


class Command(BaseCommand):
    help = "Recount confirmed signatures per letter and country, and repair the stored counts."

    def add_arguments(self, parser):
        parser.add_argument("--letter", help="Only this letter (its slug).")

    def handle(self, *args, letter=None, **options):
        page = None
        if letter:
            page = LetterPage.objects.filter(slug=letter).first()
            if page is None:
                raise CommandError(f"No letter with the slug “{letter}”.")
        fixed = signature_counts_reconcile(letter=page)
        self.stdout.write(f"{fixed} count(s) repaired.")
