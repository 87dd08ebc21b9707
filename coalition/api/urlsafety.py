"""Where webhooks may be sent: public HTTPS addresses, never the platform's own network.

A partner types the URL, and the platform's servers make the request: without these
checks a webhook could reach the database, the cache or a cloud metadata service. The
address is checked when it is registered and its name is resolved again before every
delivery (a name can be pointed somewhere else after it was checked).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

_url_validator = URLValidator(schemes=["http", "https"])


def _address_is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _private_allowed() -> bool:
    # Development and the test suite deliver to receivers on this machine.
    return getattr(settings, "COALITION_WEBHOOK_ALLOW_PRIVATE", False)


def validate_webhook_url(url: str) -> None:
    """Refuse what a webhook must never target; say why in words a partner understands."""
    if len(url) > 500:
        raise ValidationError({"url": _("The address is too long (500 characters at most).")})
    try:
        _url_validator(url)
    except ValidationError:
        raise ValidationError({"url": _("Enter a full web address, starting with https://.")}) from None
    parts = urlsplit(url)
    if parts.scheme != "https" and not getattr(settings, "COALITION_WEBHOOK_ALLOW_HTTP", False):
        raise ValidationError({"url": _("Webhooks are sent over HTTPS only: the address must start with https://.")})
    if parts.username or parts.password:
        raise ValidationError({"url": _("Leave user names and passwords out of the address.")})
    host = (parts.hostname or "").rstrip(".").lower()
    if not _private_allowed():
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise ValidationError({"url": _("The address must be on the public internet.")})
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None and not _address_is_public(literal):
            raise ValidationError({"url": _("The address must be on the public internet.")})


def resolve_public_addresses(url: str) -> list[str]:
    """The addresses a delivery may connect to; ValidationError when any of them is not public."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError(_("The address’s name does not resolve: %(error)s") % {"error": error}) from None
    addresses = sorted({info[4][0] for info in infos})
    if not _private_allowed():
        for address in addresses:
            if not _address_is_public(ipaddress.ip_address(address.split("%")[0])):
                raise ValidationError(_("The address resolves to a private network address; nothing was sent."))
    return addresses
