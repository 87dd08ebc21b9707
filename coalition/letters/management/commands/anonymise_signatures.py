from django.conf import settings
from django.core.management.base import BaseCommand

from coalition.letters.services import signatures_anonymise, signatures_due_for_anonymisation


class Command(BaseCommand):
    help = (
        "Anonymise the signatures of letters closed or delivered more than "
        "COALITION_SIGNATURE_RETENTION_DAYS ago (email, IP address, title, comment, last name)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only say how many signatures are due.")

    def handle(self, *args, dry_run=False, **options):
        days = settings.COALITION_SIGNATURE_RETENTION_DAYS
        if dry_run:
            count = signatures_due_for_anonymisation().count()
            self.stdout.write(f"{count} signature(s) would be anonymised (retention: {days} days).")
            return
        count = signatures_anonymise()
        self.stdout.write(f"{count} signature(s) anonymised (retention: {days} days).")
