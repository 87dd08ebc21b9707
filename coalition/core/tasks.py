"""Options shared by the tasks that send email."""

# Email goes through SMTP: a network error is worth retrying with backoff, anything
# else is a bug to see in the logs, not to repeat. The tasks themselves are idempotent.
EMAIL_TASK_OPTIONS = {
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
    "soft_time_limit": 60,
    "time_limit": 90,
}
