"""A short cut to a letter's sign/ route for the burst after a news story.

Wagtail finds a page by looking up the site, walking the page tree and checking view
restrictions: about half of what a signature costs. Once Wagtail has served a letter's
sign/ route (with all those checks), the letter's id is remembered for that host and
path, and later posts load the letter by id in one query. Anything that could change
the answer (a view restriction added or removed, a letter unpublished, moved, renamed or
deleted) starts a new generation of the remembered routes, so they are never trusted
beyond the state Wagtail checked; they also expire after ROUTE_SECONDS.

The letter itself (with its lead and co-drafting organizations, which the form's consent
boxes need) is kept in the process for LETTER_SECONDS under the same generation: a change of
status, text, organizations or an organization's settings starts a new generation too, and
LETTER_SECONDS bounds how long anything missed could last. A signature thus costs one cache
round trip here (the generation and the route together) and no query.
"""

import secrets
import time

from django.core.cache import cache

ROUTE_SECONDS = 300
LETTER_SECONDS = 30
LETTERS_KEPT = 200  # letters one process keeps at most; then it starts afresh
_GENERATION_KEY = "sign-routes:generation"
_letters: dict[tuple[int, int], tuple[float, object]] = {}  # (generation, letter id) -> (expiry, letter)


def _route_key(request, path: str) -> str:
    return f"sign-route:{request.get_host()}:{path}"


def _generation() -> int:
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        # Random rather than 1: a cache emptied by a restart must not bring back the numbers,
        # and with them the routes and letters, of generations already forgotten.
        cache.add(_GENERATION_KEY, secrets.randbelow(2**52) + 1, timeout=None)
        generation = cache.get(_GENERATION_KEY)
    return generation


def sign_route_remember(request, path: str, letter_id: int) -> None:
    """Called from the sign/ route that Wagtail's routing (and its access checks) reached."""
    cache.set(_route_key(request, path), (_generation(), letter_id), timeout=ROUTE_SECONDS)


def sign_route_letter(request, path: str):
    """The live letter Wagtail served at this host and path, or None (then Wagtail routes)."""
    from .models import LetterPage

    route_key = _route_key(request, path)
    found = cache.get_many([_GENERATION_KEY, route_key])
    generation, route = found.get(_GENERATION_KEY), found.get(route_key)
    if generation is None or not isinstance(route, tuple) or route[0] != generation:
        return None
    letter_id = route[1]
    now = time.monotonic()
    expires, letter = _letters.get((generation, letter_id), (0.0, None))
    if expires < now:
        try:
            letter = LetterPage.objects.select_related("lead_organization").get(pk=letter_id, live=True)
        except LetterPage.DoesNotExist:
            return None
        letter.co_drafting_organizations  # noqa: B018 - loaded now, kept with the letter
        if len(_letters) >= LETTERS_KEPT:
            _letters.clear()
        _letters[(generation, letter_id)] = (now + LETTER_SECONDS, letter)
    if not letter.live or letter.url_path.rstrip("/").rsplit("/", 1)[-1] != path.rstrip("/").rsplit("/", 1)[-1]:
        return None
    return letter


def sign_routes_forget(**kwargs) -> None:
    """Start a new generation: every remembered route is looked up by Wagtail again."""
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        _generation()
