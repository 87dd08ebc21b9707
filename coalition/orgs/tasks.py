"""Thin Celery tasks: they take ids and call one service."""

from celery import shared_task

from coalition.core.tasks import EMAIL_TASK_OPTIONS

from . import services


@shared_task(name="orgs.invitation_send", **EMAIL_TASK_OPTIONS)
def invitation_send(invitation_id: int) -> bool:
    return services.invitation_send_email(invitation_id=invitation_id)
