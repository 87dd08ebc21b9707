"""Email addresses as identities: one person, one canonical form."""

import contextlib

# Providers that ignore dots in the local part, and their alias domains.
_DOTLESS_PROVIDERS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# Providers that treat "-" as the sub-address separator instead of "+".
_DASH_TAG_PROVIDERS = {"yahoo.com", "ymail.com", "rocketmail.com"}


def email_canonical(address: str) -> tuple[str, str]:
    """(canonical address, its domain): lower case, sub-address tag removed, provider rules applied.

    "Amina.Khalil+petition@GoogleMail.com" and "aminakhalil@gmail.com" are one person.
    The address as typed is kept separately for sending: the canonical one may not be
    deliverable (a dash tag at Yahoo, say) and is only ever compared.
    """
    local, _, domain = address.strip().rpartition("@")
    domain = domain.lower().rstrip(".")
    with contextlib.suppress(UnicodeError):  # not a valid IDN: compared as typed
        domain = domain.encode("idna").decode("ascii")
    local = local.lower()
    local = local.split("+", 1)[0] or local
    if domain in _DASH_TAG_PROVIDERS:
        local = local.split("-", 1)[0] or local
    if domain in _DOTLESS_PROVIDERS:
        domain = _DOTLESS_PROVIDERS[domain]
        local = local.replace(".", "")
    return f"{local}@{domain}", domain
