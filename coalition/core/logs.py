"""Wagtail log actions whose message is computed from the log entry."""

from wagtail.log_actions import LogFormatter


def register_log_action(actions, action: str, label, message) -> None:
    """Register `action` with a message function of the log entry.

    Wagtail's three-argument register_action(action, label, message) takes a fixed
    message; a function given there would be shown as "<bound method …>".
    """
    formatter = type(
        "CoalitionLogFormatter",
        (LogFormatter,),
        {"label": label, "format_message": lambda self, log_entry: message(log_entry)},
    )
    actions.register_action(action)(formatter)
