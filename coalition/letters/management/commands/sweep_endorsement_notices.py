from django.core.management.base import BaseCommand

from coalition.letters.services import endorsement_notices_sweep


class Command(BaseCommand):
    help = (
        "Send endorsement emails that were never sent and remove public sign-ons nobody confirmed "
        "(for cron; needs no broker)."
    )

    def handle(self, *args, **options):
        sent = endorsement_notices_sweep()
        self.stdout.write(f"Sent {sent} endorsement email(s).")
