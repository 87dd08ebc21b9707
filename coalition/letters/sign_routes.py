"""A short cut to a letter's sign/ route for the burst after a news story.

Wagtail finds a page by looking up the site, walking the page tree and checking view
restrictions: about half of what a signature costs. Once Wagtail has served a letter's
sign/ route (with all those checks), the letter's id is remembered for that host and
path, and later posts load the letter by id in one query. Anything that could change
the answer (a view restriction added or removed, a letter unpublished, moved, renamed or
deleted) starts a new generation of the remembered routes, so they are never trusted
beyond the state Wagtail checked; they also expire after ROUTE_SECONDS.

The letter itself (with its lead and co-drafting organizations, which the form's consent
boxes need) is kept for LETTER_SECONDS under the same generation: a change of status,
text, organizations or an organization's settings starts a new generation too, and
LETTER_SECONDS bounds how long anything missed could last.
"""

from django.core.cache import cache

ROUTE_SECONDS = 300
LETTER_SECONDS = 30
_GENERATION_KEY = "sign-routes:generation"


def _generation() -> int:
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        generation = 1
        cache.add(_GENERATION_KEY, generation, timeout=None)
    return generation


def _key(request, path: str) -> str:
    return f"sign-route:{_generation()}:{request.get_host()}:{path}"


def sign_route_remember(request, path: str, letter_id: int) -> None:
    """Called from the sign/ route that Wagtail's routing (and its access checks) reached."""
    cache.set(_key(request, path), letter_id, timeout=ROUTE_SECONDS)


def sign_route_letter(request, path: str):
    """The live letter Wagtail served at this host and path, or None (then Wagtail routes)."""
    from .models import LetterPage

    generation = _generation()
    letter_id = cache.get(f"sign-route:{generation}:{request.get_host()}:{path}")
    if letter_id is None:
        return None
    letter_key = f"sign-letter:{generation}:{letter_id}"
    letter = cache.get(letter_key)
    if letter is None:
        try:
            letter = LetterPage.objects.select_related("lead_organization").get(pk=letter_id, live=True)
        except LetterPage.DoesNotExist:
            return None
        letter.co_drafting_organizations  # noqa: B018 - loaded now, kept with the letter
        cache.set(letter_key, letter, timeout=LETTER_SECONDS)
    if not letter.live or letter.url_path.rstrip("/").rsplit("/", 1)[-1] != path.rstrip("/").rsplit("/", 1)[-1]:
        return None
    return letter


def sign_routes_forget(**kwargs) -> None:
    """Start a new generation: every remembered route is looked up by Wagtail again."""
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        cache.add(_GENERATION_KEY, 2, timeout=None)
