"""Test settings: the same environment-driven configuration, made fast and deterministic.

Celery runs tasks eagerly even when REDIS_URL is set (the worker test in
tests/core/test_celery_worker.py switches that off to talk to a real worker).
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
SECRET_KEY = "coalition-test-secret-key-not-for-any-real-deployment-0123456789"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
SITE_URL = "http://testserver"
WAGTAILADMIN_BASE_URL = SITE_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

MEDIA_ROOT = env.path("TEST_MEDIA_ROOT", default=str(BASE_DIR / ".pytest_cache" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405

# Serve static files straight from the app folders: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# A two-bit proof of work: tests solve it in microseconds.
COALITION_CHALLENGE_BITS = 2
# Signed PDFs render in the test process (tests/letters/test_pdf_build.py starts real workers itself).
COALITION_PDF_PROCESSES = 0
COALITION_PDF_BUILD_IN_THREAD = False  # built inside the request: tests see the result at once
# Webhook tests deliver to a receiver they run on 127.0.0.1 over plain HTTP.
COALITION_WEBHOOK_ALLOW_HTTP = True
COALITION_WEBHOOK_ALLOW_PRIVATE = True
