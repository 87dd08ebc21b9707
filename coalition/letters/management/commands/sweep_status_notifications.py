from django.core.management.base import BaseCommand

from coalition.letters.services import letter_status_notifications_sweep


class Command(BaseCommand):
    help = "Send letter status notifications that were never sent (for cron; needs no broker)."

    def handle(self, *args, **options):
        sent = letter_status_notifications_sweep()
        self.stdout.write(f"Sent {sent} notification email(s).")
