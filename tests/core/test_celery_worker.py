"""A real Celery worker process, on Redis, runs a task queued by the application.

Runs in the PostgreSQL + Redis leg of CI (REDIS_URL set, a database another process
can open); skipped on the embedded SQLite default, where tasks run in-process.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from coalition import celery_app
from coalition.letters.models import LetterStatus, LetterStatusChange
from coalition.letters.tasks import letter_status_notify
from coalition.orgs.models import Membership
from tests.factories import LetterPageFactory, MembershipFactory, OrganizationFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (the PostgreSQL + Redis CI leg)"),
]


def _database_url() -> str:
    s = connection.settings_dict
    user = quote(s["USER"] or "", safe="")
    password = (":" + quote(s["PASSWORD"], safe="")) if s["PASSWORD"] else ""
    return f"postgres://{user}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def worker(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs a database it can share with the test (PostgreSQL)")
    queue = f"coalition-test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coalition.settings.dev",
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"filemail:///{mail_dir}",  # django-environ drops one leading slash
        "CELERY_QUEUE": queue,
        "SITE_URL": "http://testserver",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "coalition",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield {"queue": queue, "mail_dir": mail_dir, "process": process}
    finally:
        celery_app.conf.task_always_eager = eager
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        print(output[-4000:])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_sends_the_status_notification(worker):
    lead = OrganizationFactory()
    owner = MembershipFactory(organization=lead, role=Membership.Role.OWNER).user
    letter = LetterPageFactory(
        lead_organization=lead, title="Worker check letter", status=LetterStatus.OPEN_FOR_SIGNATURES
    )
    change = LetterStatusChange.objects.create(
        letter=letter, from_status=LetterStatus.OPEN_FOR_SIGNATURES, to_status=LetterStatus.CLOSED
    )

    letter_status_notify.apply_async(args=[change.pk], queue=worker["queue"])

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        change.refresh_from_db()
        if change.notified_at is not None or worker["process"].poll() is not None:
            break
        time.sleep(0.5)

    assert worker["process"].poll() is None, "the worker exited early"
    assert change.notified_at is not None, "the worker did not complete the task within 90 s"
    sent = [p.read_text() for p in worker["mail_dir"].iterdir()]
    assert len(sent) == 1
    assert f"To: {owner.email}" in sent[0]
    assert "Worker check letter" in sent[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_worker_sends_the_confirmation_emails_of_a_burst_in_one_flush(worker):
    from coalition.letters import services
    from coalition.letters.models import Signature
    from coalition.letters.services import signatures as signature_services

    letter = LetterPageFactory(title="Burst check letter", status=LetterStatus.OPEN_FOR_SIGNATURES)
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = worker["queue"]
    signature_services._flush_queued_until = 0.0
    try:
        for n in range(3):
            services.signature_create(
                letter=letter,
                first_name="Amina",
                last_name=f"Signer {n}",
                email=f"burst{n}@example.org",
                country="SY",
                city="Gaziantep",
                ip=f"198.51.100.{n}",
            )
    finally:
        celery_app.conf.task_default_queue = default_queue

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if not Signature.objects.exclude(email_due="").exists() or worker["process"].poll() is not None:
            break
        time.sleep(0.5)

    assert worker["process"].poll() is None, "the worker exited early"
    assert not Signature.objects.exclude(email_due="").exists(), "the emails were not sent within 90 s"
    # The file backend writes each connection's messages to one file, divided by a line of dashes:
    # count the messages, not the files (one flush may send several over one connection).
    sent = [
        message
        for path in worker["mail_dir"].iterdir()
        for message in path.read_text().split("-" * 79)
        if "Subject:" in message
    ]
    assert len(sent) == 3
    assert all("sign/confirm/" in message and "Burst check letter" in message for message in sent)
