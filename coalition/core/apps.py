from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "coalition.core"
    label = "core"
    verbose_name = "Coalition"
