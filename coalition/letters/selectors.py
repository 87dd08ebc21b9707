"""Read-side queries for letters; each returns rows with their relations loaded."""

from urllib.parse import urlencode

from django.db.models import QuerySet

from .models import PUBLIC_STATUSES, LetterPage, LetterStatus, LetterStatusChange

OPEN_STATUSES = [LetterStatus.OPEN_FOR_SIGNATURES, LetterStatus.OPEN_FOR_ENDORSEMENT]


def letters_public_list(*, parent=None, status: str | None = None, language: str | None = None) -> QuerySet:
    """Live letters the public may see in listings, open ones first, newest first."""
    qs = LetterPage.objects.live().public().filter(status__in=PUBLIC_STATUSES)
    if parent is not None:
        qs = qs.child_of(parent)
    if status:
        qs = qs.filter(status=status)
    if language:
        qs = qs.filter(language=language)
    return qs.select_related("lead_organization", "hero_image").order_by("-first_published_at", "-pk")


def letters_open_list() -> QuerySet:
    """Live letters that accept signatures or endorsements right now."""
    return letters_public_list().filter(status__in=OPEN_STATUSES)


def letter_status_history(*, letter: LetterPage) -> QuerySet:
    return LetterStatusChange.objects.filter(letter=letter).select_related("acting_user")


def letter_status_changes_unnotified(*, older_than) -> QuerySet:
    """Status changes whose notification email has not gone out (the sweeper's work list)."""
    return LetterStatusChange.objects.filter(notified_at__isnull=True, created_at__lt=older_than).order_by("pk")


def letter_share_links(*, letter: LetterPage, url: str) -> list[dict]:
    """Plain share links: no third-party script or image is ever loaded by the page."""
    text = letter.share_text or letter.title
    return [
        {
            "label": "Email",
            "url": "mailto:?" + urlencode({"subject": letter.title, "body": f"{text}\n\n{url}"}),
        },
        {"label": "Bluesky", "url": "https://bsky.app/intent/compose?" + urlencode({"text": f"{text} {url}"})},
        {"label": "X", "url": "https://x.com/intent/post?" + urlencode({"text": text, "url": url})},
        {"label": "Facebook", "url": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})},
        {"label": "WhatsApp", "url": "https://wa.me/?" + urlencode({"text": f"{text} {url}"})},
    ]
