"""Signed tokens in emailed links (endorsements, invitations, signatures).

A token names a row and that row's current nonce, is signed with a salt per kind of
link, and carries its own timestamp: it expires, it is compared in constant time, and
a new nonce on the row revokes every link sent before.
"""

import base64
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare


def path_safe(signed: str) -> str:
    """Wagtail serves pages only at paths made of [A-Za-z0-9_-] segments, so the ":" of a
    signed value (and the "." of a compressed one) would never reach the letter's routes:
    the link carries the signed value base64url-encoded."""
    return base64.urlsafe_b64encode(signed.encode()).decode().rstrip("=")


def signed_from_path(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError included
        return ""


def row_token(row, *, salt: str) -> str:
    """A signed link token naming a row and its current nonce."""
    return path_safe(signing.dumps({"i": row.pk, "n": row.nonce}, salt=salt, compress=True))


def row_from_token(token: str, *, queryset, salt: str, days: int):
    """The row a link names, if the link is genuine, its nonce current, and it is younger than `days`."""
    if not token or len(token) > 400:
        return None
    try:
        payload = signing.loads(signed_from_path(token), salt=salt, max_age=timedelta(days=days))
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int):
        return None
    row = queryset.filter(pk=payload["i"]).first()
    if row is None or not constant_time_compare(row.nonce, str(payload.get("n", ""))):
        return None
    return row


def letter_link(letter, route: str, token: str) -> str:
    """The absolute address of one of a letter's routes, for an email."""
    return settings.SITE_URL + letter.url + letter.reverse_subpage(route, args=[token])
