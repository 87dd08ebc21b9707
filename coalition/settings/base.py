"""Settings shared by every environment.

Everything that differs between a laptop and production comes from environment
variables (see README "Configuration" and .env.example). The defaults here are the
embedded ones: a SQLite file in the project, Celery tasks run in-process, email
printed to the console, media in a local folder.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

env = environ.Env()
# A developer may keep local overrides in .env (never committed); the process
# environment always wins over the file.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default=None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

# The public address of the site, used in emails, share links and the Wagtail admin.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "coalition.core",
    "coalition.orgs",
    "coalition.letters",
    "coalition.api",
    "coalition.delivery",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_countries",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "coalition.orgs.middleware.TwoFactorRequiredMiddleware",
    "coalition.letters.middleware.PageAdminScopeMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "coalition.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "coalition.core.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "coalition.wsgi.application"

# Database: DATABASE_URL, e.g. postgres://user:pass@host:5432/coalition.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the site read while a write is in progress; the busy timeout makes a
    # concurrent writer wait instead of failing with "database is locked". IMMEDIATE
    # transactions take the write lock when they begin: a transaction that read first
    # and wrote later (allauth's session tracking on every request does) would
    # otherwise fail at once when another writer got there in between, whatever the timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: when REDIS_URL is set it is the Celery broker and the cache; when it is not,
# tasks run in-process (eagerly) and the cache lives in local memory.
REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "coalition.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="coalition"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# In-process mode logs a failing task instead of turning the request that queued it
# into an error page: the row it works on is already committed, and the sweeper retries.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="coalition")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "letters-sweep-status-notifications": {
        "task": "letters.sweep_status_notifications",
        "schedule": crontab(minute="*/10"),
    },
    "letters-sweep-endorsement-notices": {
        "task": "letters.sweep_endorsement_notices",
        "schedule": crontab(minute="5-59/10"),
    },
    "letters-resend-pending-confirmations": {
        "task": "letters.resend_pending_confirmations",
        "schedule": crontab(minute="*/5"),
    },
    "letters-reconcile-signature-counts": {
        "task": "letters.reconcile_signature_counts",
        "schedule": crontab(minute="17"),
    },
    "letters-anonymise-signatures": {
        "task": "letters.anonymise_signatures",
        "schedule": crontab(hour="3", minute="41"),
    },
    "letters-sweep-letter-documents": {
        "task": "letters.sweep_letter_documents",
        "schedule": crontab(minute="*/5"),
    },
    # Webhook deliveries whose task a dead broker dropped, or whose worker died mid-send.
    "delivery-sweep-messages": {
        "task": "delivery.sweep_messages",
        "schedule": crontab(minute="*"),
    },
    "api-sweep-webhook-deliveries": {
        "task": "api.sweep_webhook_deliveries",
        "schedule": crontab(minute="*"),
    },
    # Constituent messages of letters with "one digest a day": one email per decision maker.
    "delivery-build-constituent-digests": {
        "task": "delivery.build_constituent_digests",
        "schedule": crontab(hour="7", minute="0"),
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth). Partner accounts are created by invitation only, so
# public sign-up is closed by the adapter. Every login form (the Wagtail admin's and
# Django admin's too) is allauth's, with its rate limits and two-factor step.
ACCOUNT_ADAPTER = "coalition.core.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Coalition] "
# allauth's rate limits are on with their defaults (login failures, password
# resets, confirmation emails...), kept in the cache.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Coalition"
USERSESSIONS_TRACK_ACTIVITY = True
LOGIN_REDIRECT_URL = "/partners/"
LOGIN_URL = "account_login"
WAGTAILADMIN_LOGIN_URL = "account_login"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("fr", _("French")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own number formats where Django's do not suit a count of signatures (coalition/formats/).
FORMAT_MODULE_PATH = ["coalition.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Languages a letter can be written in (the public interface itself is translated
# separately), and which of them are written right to left.
LETTER_LANGUAGES = [
    ("en", "English"),
    ("ar", "العربية (Arabic)"),
    ("fr", "Français (French)"),
    ("es", "Español (Spanish)"),
    ("de", "Deutsch (German)"),
    ("tr", "Türkçe (Turkish)"),
    ("fa", "فارسی (Persian)"),
    ("he", "עברית (Hebrew)"),
    ("ur", "اردو (Urdu)"),
    ("ru", "Русский (Russian)"),
    ("zh-hans", "简体中文 (Chinese, simplified)"),
    ("hi", "हिन्दी (Hindi)"),
]
RTL_LANGUAGES = {"ar", "fa", "he", "ur"}

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = BASE_DIR / "static_collected"
STATIC_URL = "/static/"

MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = env("MEDIA_URL", default="/media/")

# Media storage: a local folder unless an S3-compatible bucket is configured.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "custom_domain": env("AWS_S3_CUSTOM_DOMAIN", default=None),
            "default_acl": None,
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Email: EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Coalition <no-reply@coalition.localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_SUBJECT_PREFIX = "[Coalition] "

# Requests larger than this are refused before any view reads them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The Wagtail page editor posts many fields for a letter with long inline lists.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "Coalition"
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False

# The API (coalition/api/): keys for partners' servers, the session (with its CSRF check) for
# people signed in; every error in one JSON shape; request bodies of a few kilobytes at most.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "coalition.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["coalition.api.parsers.LimitedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "coalition.api.pagination.NewestFirstCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "coalition.api.schema.CoalitionAutoSchema",
    "EXCEPTION_HANDLER": "coalition.api.exceptions.api_exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "PAGE_SIZE": 20,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": [
        "coalition.api.throttling.AnonymousThrottle",
        "coalition.api.throttling.ApiKeyThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anonymous": env("API_RATE_ANONYMOUS", default="120/minute"),
        "api_key": env("API_RATE_KEY", default="1200/minute"),
        # Signing: a person signs once; a partner's server forwards its own form's signers.
        "sign_anonymous": env("API_RATE_SIGN_ANONYMOUS", default="10/minute"),
        "sign_api_key": env("API_RATE_SIGN_KEY", default="600/minute"),
    },
}
COALITION_API_MAX_BODY_BYTES = env.int("COALITION_API_MAX_BODY_BYTES", default=16 * 1024)

SPECTACULAR_SETTINGS = {
    "TITLE": "Coalition API",
    "DESCRIPTION": (
        "Read letters, their counts, endorsers and public signatories; sign a letter; and, with an "
        "organization's API key, receive the signatures and endorsements that belong to that organization. "
        "Authenticate with `Authorization: Bearer <key>` (keys are created in the partner portal). "
        "Every error has the same JSON shape: `status`, `code`, `detail`, and `fields` for invalid input."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["coalition.api.schema.only_public_api"],
    "ENUM_NAME_OVERRIDES": {
        "CountryEnum": "coalition.api.serializers.COUNTRY_CODES",
        "LetterStatusEnum": "coalition.letters.models.LetterStatus",
        "PublicLetterStatusEnum": "coalition.api.serializers.LETTER_STATUS_CHOICES",
        "EndorsementStateEnum": "coalition.letters.models.EndorsementState",
        "SignatureStateEnum": "coalition.letters.models.SignatureState",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "celery.app.trace": {"level": env("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
        # A line per page laid out and per font table: nothing an operator reads.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Partner accounts: how long an invitation link works.
COALITION_INVITATION_DAYS = env.int("COALITION_INVITATION_DAYS", default=7)
# How many invitations one partner (not an editor) may send per hour.
COALITION_INVITATIONS_PER_HOUR = env.int("COALITION_INVITATIONS_PER_HOUR", default=30)
# Coalition editors (staff) must use two-factor login; production turns this on.
COALITION_REQUIRE_2FA_FOR_EDITORS = env.bool("COALITION_REQUIRE_2FA_FOR_EDITORS", default=False)

# Endorsements: how long a confirmation link works (an unconfirmed public sign-on is
# removed after it), how long an invitation to endorse works, how many emails the
# public sign-on form may cause per address per day, reminders per invitation, and
# sign-ons per client address per hour.
COALITION_ENDORSEMENT_LINK_DAYS = env.int("COALITION_ENDORSEMENT_LINK_DAYS", default=14)
COALITION_ENDORSEMENT_INVITATION_DAYS = env.int("COALITION_ENDORSEMENT_INVITATION_DAYS", default=90)
COALITION_ENDORSEMENT_EMAILS_PER_DAY = env.int("COALITION_ENDORSEMENT_EMAILS_PER_DAY", default=3)
COALITION_ENDORSEMENT_REMINDERS_MAX = env.int("COALITION_ENDORSEMENT_REMINDERS_MAX", default=3)
COALITION_ENDORSEMENTS_PER_IP_PER_HOUR = env.int("COALITION_ENDORSEMENTS_PER_IP_PER_HOUR", default=20)
# Signatures. The confirmation link works for LINK_DAYS, the withdraw link for
# WITHDRAW_DAYS; one signature causes at most EMAILS_MAX emails, however often the
# form is sent. Over the per-IP or per-email-domain hourly limit a signature is held
# for review (`suspect`), not refused; big webmail providers are exempt from the
# domain limit. Anonymisation runs RETENTION_DAYS after a letter closes.
COALITION_SIGNATURE_LINK_DAYS = env.int("COALITION_SIGNATURE_LINK_DAYS", default=30)
COALITION_SIGNATURE_WITHDRAW_DAYS = env.int("COALITION_SIGNATURE_WITHDRAW_DAYS", default=730)
COALITION_SIGNATURE_EMAILS_MAX = env.int("COALITION_SIGNATURE_EMAILS_MAX", default=3)
# The signed PDF: processes that render its signatory pages side by side (unset: one per
# CPU; 0 or 1: in the building process), and how long a build may stay "building" before
# the sweeper declares it failed (a worker that died mid-build).
COALITION_PDF_PROCESSES = env.int("COALITION_PDF_PROCESSES", default=None)
COALITION_PDF_BUILD_STALE_MINUTES = env.int("COALITION_PDF_BUILD_STALE_MINUTES", default=30)
# Without a broker (tasks in-process), build the PDF in a thread beside the request that asked for it.
COALITION_PDF_BUILD_IN_THREAD = env.bool("COALITION_PDF_BUILD_IN_THREAD", default=True)
# With a broker, the emails owed within one window of this many seconds go out together
# in one task at the window's end (letters.services.signatures._email_after_commit).
COALITION_SIGNATURE_EMAIL_BATCH_SECONDS = env.int("COALITION_SIGNATURE_EMAIL_BATCH_SECONDS", default=2)
COALITION_SIGNATURES_PER_IP_PER_HOUR = env.int("COALITION_SIGNATURES_PER_IP_PER_HOUR", default=30)
COALITION_SIGNATURES_PER_DOMAIN_PER_HOUR = env.int("COALITION_SIGNATURES_PER_DOMAIN_PER_HOUR", default=200)
COALITION_SIGNATURE_DOMAIN_LIMIT_EXEMPT = env.list(
    "COALITION_SIGNATURE_DOMAIN_LIMIT_EXEMPT",
    default=[
        "gmail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "icloud.com",
        "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de",
        "mail.ru", "yandex.ru", "qq.com", "163.com", "126.com", "orange.fr", "free.fr", "laposte.net",
        "hotmail.fr", "yahoo.fr", "libero.it", "t-online.de", "btinternet.com", "comcast.net", "naver.com",
    ],
)  # fmt: skip
COALITION_SIGNATURE_RETENTION_DAYS = env.int("COALITION_SIGNATURE_RETENTION_DAYS", default=365)
# The public forms' proof of work: 2**BITS hashes on average in the signer's browser.
COALITION_CHALLENGE_BITS = env.int("COALITION_CHALLENGE_BITS", default=16)
COALITION_CHALLENGE_MAX_AGE = env.int("COALITION_CHALLENGE_MAX_AGE", default=4 * 3600)

# How many reverse proxies in front of the app append to X-Forwarded-For; 0 means the
# client address is REMOTE_ADDR and the header is ignored (it can be forged).
COALITION_TRUSTED_PROXY_COUNT = env.int("COALITION_TRUSTED_PROXY_COUNT", default=0)

# A completed workflow publishes what its approvers signed off (coalition.letters.signoff).
WAGTAIL_FINISH_WORKFLOW_ACTION = "coalition.letters.workflow_actions.publish_after_workflow"

# --- the partner API's webhooks ----------------------------------------------------------------
# Deliveries go to public HTTPS addresses only; development and the test suite may allow
# plain HTTP and addresses on this machine (a receiver they run themselves).
COALITION_WEBHOOK_ALLOW_HTTP = env.bool("COALITION_WEBHOOK_ALLOW_HTTP", default=False)
COALITION_WEBHOOK_ALLOW_PRIVATE = env.bool("COALITION_WEBHOOK_ALLOW_PRIVATE", default=False)
COALITION_WEBHOOK_TIMEOUT_SECONDS = env.float("COALITION_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Seconds to wait before each retry; a delivery is given up after the last one.
COALITION_WEBHOOK_RETRY_DELAYS = [60, 300, 1800, 7200, 21600, 43200]

# --- delivery to decision makers (coalition/delivery/) --------------------------------------------
# At most this many emails a minute to one recipient domain (a ministry's mail server).
COALITION_DELIVERY_PER_DOMAIN_PER_MINUTE = env.int("COALITION_DELIVERY_PER_DOMAIN_PER_MINUTE", default=30)
# Seconds before each retry of a temporary failure; then the message is given up.
COALITION_DELIVERY_RETRY_DELAYS = [60, 300, 1800, 7200, 21600]
