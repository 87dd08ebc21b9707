import secrets
import stat
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the local editor account (a Wagtail superuser) with a random password and print it. "
        "Safe to run again: an existing account is left alone and its saved credentials are printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")
        parser.add_argument("--email", default="editor@coalition.localhost")
        parser.add_argument(
            "--credentials-file",
            default=str(Path(settings.BASE_DIR) / ".editor-credentials"),
            help="Where the generated password is kept for the next run (git-ignored, mode 600).",
        )

    def handle(self, *args, username, email, credentials_file, **options):
        User = get_user_model()
        path = Path(credentials_file)
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_superuser(username=username, email=email, password=password)
            # Logins go through allauth, which requires a verified address.
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            path.write_text(f"{username}\n{password}\n")
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)
            self._print(email, password, created=True)
            return
        if user.email and not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
            # Accounts made before logins went through allauth need a verified address.
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
        saved = path.read_text().split() if path.is_file() else []
        if len(saved) == 2 and saved[0] == username and user.check_password(saved[1]):
            self._print(user.email, saved[1], created=False)
        else:
            self.stdout.write(
                f"Editor account '{username}' exists; its password was changed since it was created. "
                f"Set a new one with: python manage.py changepassword {username}"
            )

    def _print(self, email, password, *, created):
        line = "=" * 60
        self.stdout.write(line)
        self.stdout.write(("Created" if created else "Existing") + " editor account for the Wagtail admin:")
        self.stdout.write(f"  URL:      {settings.SITE_URL}/admin/")
        self.stdout.write(f"  Email:    {email}")
        self.stdout.write(f"  Password: {password}")
        self.stdout.write(line)
