"""Local development: the embedded defaults, debug pages, and a fixed local secret."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# A local-only key; production.py has no default and refuses to start without one.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-coalition-local-development-key-never-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# A webhook receiver you run yourself (http://127.0.0.1:9000/...) is fine in development.
COALITION_WEBHOOK_ALLOW_HTTP = env.bool("COALITION_WEBHOOK_ALLOW_HTTP", default=True)
COALITION_WEBHOOK_ALLOW_PRIVATE = env.bool("COALITION_WEBHOOK_ALLOW_PRIVATE", default=True)
