"""Thin Celery tasks: they take ids and call one service."""

from celery import shared_task

from . import services


@shared_task(
    name="orgs.invitation_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def invitation_send(invitation_id: int) -> bool:
    return services.invitation_send_email(invitation_id=invitation_id)
