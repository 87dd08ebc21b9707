"""Thin Celery tasks: they take ids and call one service."""

from celery import shared_task

from coalition.core.tasks import EMAIL_TASK_OPTIONS

from . import services


@shared_task(name="letters.letter_status_notify", **EMAIL_TASK_OPTIONS)
def letter_status_notify(status_change_id: int) -> int:
    return services.letter_status_notification_send(status_change_id=status_change_id)


@shared_task(name="letters.sweep_status_notifications", soft_time_limit=240, time_limit=300)
def sweep_status_notifications() -> int:
    return services.letter_status_notifications_sweep()


@shared_task(name="letters.signoff_notify", **EMAIL_TASK_OPTIONS)
def signoff_notify(task_state_id: int, revision_id: int, kind: str) -> int:
    from .signoff import signoff_notify_send

    return signoff_notify_send(task_state_id=task_state_id, revision_id=revision_id, kind=kind)


@shared_task(name="letters.endorsement_notice_send", **EMAIL_TASK_OPTIONS)
def endorsement_notice_send(notice_id: int) -> bool:
    return services.endorsement_notice_send(notice_id=notice_id)


@shared_task(name="letters.sweep_endorsement_notices", soft_time_limit=240, time_limit=300)
def sweep_endorsement_notices() -> int:
    return services.endorsement_notices_sweep()


@shared_task(name="letters.signature_email_send", **EMAIL_TASK_OPTIONS)
def signature_email_send(signature_id: int) -> bool:
    return services.signature_email_send(signature_id=signature_id)


@shared_task(name="letters.signature_emails_flush", soft_time_limit=240, time_limit=300)
def signature_emails_flush() -> int:
    """Sends the emails owed at the end of a batch window; queues itself again if time ran out."""
    sent, more = services.signature_emails_flush()
    if more:
        signature_emails_flush.delay()
    return sent


@shared_task(name="letters.resend_pending_confirmations", soft_time_limit=240, time_limit=300)
def resend_pending_confirmations() -> int:
    return services.signatures_resend_pending()


@shared_task(name="letters.reconcile_signature_counts", soft_time_limit=540, time_limit=600)
def reconcile_signature_counts() -> int:
    return services.signature_counts_reconcile()


@shared_task(name="letters.signature_invalidation_run", soft_time_limit=240, time_limit=300)
def signature_invalidation_run(job_id: int) -> bool:
    """Batches for a couple of minutes; a job that is not finished by then queues this task again."""
    finished = services.signature_invalidation_run(job_id=job_id)
    if not finished:
        signature_invalidation_run.delay(job_id)
    return finished


@shared_task(name="letters.anonymise_signatures", soft_time_limit=1740, time_limit=1800)
def anonymise_signatures() -> int:
    return services.signatures_anonymise()


@shared_task(name="letters.letter_pdf_build", soft_time_limit=1500, time_limit=1800, acks_late=True)
def letter_pdf_build(document_id: int) -> bool:
    """Builds one requested PDF; a redelivered task finds it claimed and does nothing."""
    from .services.documents import letter_pdf_build as build

    return build(document_id=document_id) is not None


@shared_task(name="letters.sweep_letter_documents", soft_time_limit=60, time_limit=120)
def sweep_letter_documents() -> int:
    from .services.documents import letter_documents_sweep

    return letter_documents_sweep()
