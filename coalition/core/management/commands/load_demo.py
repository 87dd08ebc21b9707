from django.core.management.base import BaseCommand

from coalition.core.demo import demo_load


class Command(BaseCommand):
    help = "Create the demo organizations, the five demo letters and their translations (safe to run again)."

    def handle(self, *args, **options):
        result = demo_load()
        if result.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo loaded: {len(result.organizations_created)} organization(s) and "
                    f"{len(result.letters_created)} letter(s) created; "
                    f"{len(result.translations_created)} letter translation(s) published."
                )
            )
        else:
            self.stdout.write("Demo content already present: nothing to do.")
