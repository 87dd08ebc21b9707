from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "coalition.orgs"
    label = "orgs"
    verbose_name = "Organizations"
    default_auto_field = "django.db.models.BigAutoField"
