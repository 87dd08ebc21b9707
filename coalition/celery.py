"""The Celery application.

With REDIS_URL set, tasks go to Redis and a worker runs them
(`celery -A coalition worker -B`); without it, settings make every task run
in-process right after the transaction that queued it commits.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings.dev")

app = Celery("coalition")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
