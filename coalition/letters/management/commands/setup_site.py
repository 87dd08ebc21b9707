from django.core.management.base import BaseCommand

from coalition.letters.site import site_structure_ensure


class Command(BaseCommand):
    help = "Create the home page and the /letters/ index if they do not exist (safe to run again)."

    def handle(self, *args, **options):
        home, index = site_structure_ensure()
        self.stdout.write(f"Home page: {home.title} (id {home.pk}); letters index at {index.url_path}")
