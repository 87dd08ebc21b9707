"""Thin Celery tasks for the webhooks: they take ids and call one service."""

from celery import shared_task

from . import webhooks


# No autoretry: a failed delivery is retried on the schedule kept on its row
# (COALITION_WEBHOOK_RETRY_DELAYS). The time limits sit above the request's own
# timeout, which the service enforces; the claim keeps a redelivered task from sending twice.
@shared_task(name="api.webhook_delivery_send", soft_time_limit=60, time_limit=90, acks_late=True)
def webhook_delivery_send(delivery_id: int) -> bool:
    return webhooks.webhook_delivery_send(delivery_id=delivery_id)


@shared_task(name="api.sweep_webhook_deliveries", soft_time_limit=50, time_limit=60)
def sweep_webhook_deliveries() -> int:
    return webhooks.webhook_deliveries_sweep()
