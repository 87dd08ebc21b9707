from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "coalition.letters"
    label = "letters"
    verbose_name = "Letters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals

        signals.connect()
