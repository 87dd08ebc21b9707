"""Thin Celery tasks for delivery: they take ids and call one service."""

from celery import shared_task

from . import sending


@shared_task(name="delivery.message_send", soft_time_limit=120, time_limit=150, acks_late=True)
def message_send(message_id: int) -> bool:
    """Sends one message; a redelivered task finds it claimed or sent and does nothing."""
    return sending.message_send(message_id=message_id)


@shared_task(name="delivery.sweep_messages", soft_time_limit=60, time_limit=90)
def sweep_messages() -> int:
    return sending.messages_sweep()


@shared_task(name="delivery.build_constituent_digests", soft_time_limit=600, time_limit=660)
def build_constituent_digests() -> int:
    """Once a day: each decision maker's batched constituent messages become one digest."""
    from .constituent import constituent_digests_build

    return constituent_digests_build()
