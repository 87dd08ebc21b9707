from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "coalition.api"
    label = "api"
    verbose_name = "API"
