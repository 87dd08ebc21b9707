"""Configuration comes only from the environment; production refuses to start half-configured."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 20 + "production-secret-for-tests-only-0123456789",
    "ALLOWED_HOSTS": "coalition.example.org",
    "SITE_URL": "https://coalition.example.org",
}


def settings_in_subprocess(module: str, env: dict, names: list[str]) -> subprocess.CompletedProcess:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: str(getattr(settings, n)) for n in {names!r}}}))"
    )
    clean_env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SECRET_KEY"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean_env, "DJANGO_SETTINGS_MODULE": module, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults_are_the_embedded_ones():
    result = settings_in_subprocess(
        "coalition.settings.dev", {}, ["DATABASES", "CELERY_TASK_ALWAYS_EAGER", "EMAIL_BACKEND", "STORAGES"]
    )
    values = json.loads(result.stdout)
    assert "sqlite3" in values["DATABASES"] and "db.sqlite3" in values["DATABASES"]
    assert values["CELERY_TASK_ALWAYS_EAGER"] == "True"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert "FileSystemStorage" in values["STORAGES"]


def test_environment_switches_to_postgres_redis_smtp_and_s3():
    result = settings_in_subprocess(
        "coalition.settings.dev",
        {
            "DATABASE_URL": "postgres://app:pw@db.internal:5432/coalition",
            "REDIS_URL": "redis://cache.internal:6379/2",
            "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
            "AWS_STORAGE_BUCKET_NAME": "coalition-media",
            "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
        },
        [
            "DATABASES",
            "CELERY_TASK_ALWAYS_EAGER",
            "CELERY_BROKER_URL",
            "CACHES",
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "STORAGES",
        ],
    )
    values = json.loads(result.stdout)
    assert "postgresql" in values["DATABASES"] and "db.internal" in values["DATABASES"]
    assert values["CELERY_TASK_ALWAYS_EAGER"] == "False"
    assert values["CELERY_BROKER_URL"] == "redis://cache.internal:6379/2"
    assert "RedisCache" in values["CACHES"]
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["EMAIL_HOST"] == "smtp.example.org"
    assert "S3Storage" in values["STORAGES"] and "coalition-media" in values["STORAGES"]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = settings_in_subprocess("coalition.settings.production", env, ["DEBUG"])
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_a_plain_http_site_url():
    result = settings_in_subprocess(
        "coalition.settings.production", {**PRODUCTION_ENV, "SITE_URL": "http://coalition.example.org"}, ["DEBUG"]
    )
    assert result.returncode != 0
    assert "https" in result.stderr


def test_production_is_strict():
    result = settings_in_subprocess(
        "coalition.settings.production",
        PRODUCTION_ENV,
        [
            "DEBUG",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "ALLOWED_HOSTS",
        ],
    )
    values = json.loads(result.stdout)
    assert values == {
        "DEBUG": "False",
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "SECURE_SSL_REDIRECT": "True",
        "SECURE_HSTS_SECONDS": "31536000",
        "ALLOWED_HOSTS": "['coalition.example.org']",
    }
