"""Wagtail signals the letters app listens to. Each handler calls one service."""

from wagtail.signals import page_published


def _letter_published(sender, instance, revision=None, **kwargs):
    """Every way a letter gets published (workflow, direct, scheduled) ends here."""
    from .services import endorsements_text_changed

    user = getattr(revision, "user", None) if revision is not None else None
    endorsements_text_changed(letter=instance, acting_user=user)


def connect() -> None:
    from .models import LetterPage

    page_published.connect(_letter_published, sender=LetterPage, dispatch_uid="letters.endorsements_text_changed")
