"""Wagtail signals the letters app listens to. Each handler calls one service."""

from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move


def _letter_published(sender, instance, revision=None, **kwargs):
    """Every way a letter gets published (workflow, direct, scheduled) ends here."""
    from .services import endorsements_text_changed

    user = getattr(revision, "user", None) if revision is not None else None
    endorsements_text_changed(letter=instance, acting_user=user)


def connect() -> None:
    from wagtail.models import PageViewRestriction, Site

    from coalition.orgs.models import Organization

    from .models import LetterCoDrafter, LetterPage
    from .sign_routes import sign_routes_forget

    page_published.connect(_letter_published, sender=LetterPage, dispatch_uid="letters.endorsements_text_changed")
    # Whatever could change which letter a sign/ address reaches, or who may reach it,
    # makes the remembered short cuts (letters.sign_routes) be looked up again.
    for signal, sender, name in [
        (post_save, PageViewRestriction, "restriction_saved"),
        (post_delete, PageViewRestriction, "restriction_deleted"),
        (page_unpublished, None, "unpublished"),
        (post_page_move, None, "moved"),
        (page_slug_changed, None, "slug_changed"),
        (post_delete, LetterPage, "letter_deleted"),
        (post_save, Site, "site_saved"),
        (post_delete, Site, "site_deleted"),
        # ... and whatever the kept letter holds: its text, status and organizations.
        (page_published, LetterPage, "letter_published"),
        (post_save, LetterCoDrafter, "codrafter_saved"),
        (post_delete, LetterCoDrafter, "codrafter_deleted"),
        (post_save, Organization, "organization_saved"),
    ]:
        signal.connect(sign_routes_forget, sender=sender, dispatch_uid=f"letters.sign_routes_forget.{name}")
