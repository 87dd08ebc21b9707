from django.core.management.base import BaseCommand

from coalition.letters.services import signatures_resend_pending


class Command(BaseCommand):
    help = "Send signature emails that a stopped broker or worker never sent (for cron; needs no broker)."

    def handle(self, *args, **options):
        sent = signatures_resend_pending()
        self.stdout.write(f"Sent {sent} signature email(s).")
