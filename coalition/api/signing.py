"""Signing through the API: the letter form's rules, and who may post without a key.

A partner's server signs with its organization's API key (the signature is attributed to
that organization). A browser has no key: it sends the letter's embed token, and its
Origin must be this site or one of the partner sites listed for the letter, which is what
stops another site from posting through its visitors' browsers. A person signed in to
the site posts with the session and passes Django's CSRF check instead.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions

from coalition.delivery.constituent_form import constituent_region_check
from coalition.letters.models import LetterPage, Signature
from coalition.letters.models.pages import embed_origin_list
from coalition.letters.services import letter_accepts_signatures, letter_consent_offers, signature_create
from coalition.letters.translations import letter_in_language
from coalition.orgs.models import Organization

from .models import ApiKey

EMBED_TOKEN_SALT = "coalition.api.embed-token"
EMBED_TOKEN_MAX_AGE = 24 * 3600


def embed_token_issue(*, letter: LetterPage) -> str:
    return signing.dumps({"letter": letter.pk}, salt=EMBED_TOKEN_SALT, compress=False)


def embed_token_valid(*, letter: LetterPage, token: str) -> bool:
    if not token or len(token) > 200:
        return False
    try:
        data = signing.loads(token, salt=EMBED_TOKEN_SALT, max_age=EMBED_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return False
    return isinstance(data, dict) and data.get("letter") == letter.pk


def _site_origin() -> str:
    parts = urlsplit(settings.SITE_URL)
    return f"{parts.scheme}://{parts.netloc}"


def letter_allowed_origins(letter: LetterPage) -> list[str]:
    """Browser origins that may post signatures for this letter: ours and the letter's partner sites."""
    return [_site_origin(), *embed_origin_list(letter.embed_origins)]


class LetterClosed(exceptions.APIException):
    status_code = 409
    default_detail = _("This letter is not collecting signatures, so nothing was saved.")
    default_code = "letter_closed"


def check_browser_may_sign(*, request, letter: LetterPage) -> None:
    """For a request without an API key: the embed token, and an Origin we know (when there is one)."""
    if request.user.is_authenticated:
        return  # SessionAuthentication has already enforced the CSRF check
    if not embed_token_valid(letter=letter, token=request.headers.get("X-Embed-Token", "")):
        raise exceptions.PermissionDenied(
            _(
                "Signing without an API key needs the letter's embed token in the X-Embed-Token header "
                "(see embed_token in the letter's details). Partner servers sign with their API key."
            )
        )
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") not in letter_allowed_origins(letter):
        raise exceptions.PermissionDenied(_("This site is not one of the letter's partner sites."))


def api_signature_create(*, letter: LetterPage, data: dict, api_key: ApiKey | None, ip: str) -> None:
    """Sign with validated input; the outcome (new, repeat, held) is deliberately not returned.

    Raises rest_framework ValidationError for consents or a source the letter does not
    offer (or, in constituent mode, a region its lists do not cover), and LetterClosed
    when the letter does not take signatures.
    """
    if not letter_accepts_signatures(letter):
        raise LetterClosed()
    offers = {offer.organization.slug: offer.organization.pk for offer in letter_consent_offers(letter)}
    unknown = [slug for slug in data["contact_consent"] if slug not in offers]
    if unknown:
        raise exceptions.ValidationError(
            {
                "contact_consent": [
                    _("“%(slug)s” is not an organization that asks this letter's signers for consent.")
                    % {"slug": slug}
                    for slug in unknown[:5]
                ]
            }
        )
    source = data.get("source") or ""
    if api_key is not None:
        if source and source != api_key.organization.slug:
            raise exceptions.ValidationError(
                {"source": [_("An API key signs for its own organization: leave source out or use your own slug.")]}
            )
        source = api_key.organization.slug
    elif source and not Organization.objects.filter(slug=source).exists():
        raise exceptions.ValidationError({"source": [_("There is no organization with this slug.")]})
    region = data.get("region", "").strip()
    if letter.delivery_mode == "constituent":
        try:
            region = constituent_region_check(letter=letter, country=data["country"], region=region)
        except ValidationError as error:
            raise exceptions.ValidationError({"region": error.messages}) from None
    language = data.get("language", "").strip()
    if language and language != letter.language:
        reader = letter_in_language(letter, language)
        if getattr(reader, "translation", None) is None:
            raise exceptions.ValidationError(
                {"language": [_("This letter has no published translation into this language.")]}
            )
        letter = reader  # the signature records it; the confirmation email is written in it
    try:
        signature_create(
            letter=letter,
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            email=data["email"],
            country=data["country"],
            city=data["city"].strip(),
            title=data.get("title", "").strip(),
            comment=data.get("comment", "").strip(),
            region=region,
            personal_message=data.get("personal_message", "").strip(),
            show_name=data["show_name_publicly"],
            show_full_name=data["show_full_name"],
            consent_organization_ids=[offers[slug] for slug in data["contact_consent"]],
            source=source,
            channel=Signature.Channel.API,
            # A partner's server is not the signer: its address says nothing about them, and
            # counting it would hold every signature it forwards once past the hourly limit.
            ip="" if api_key is not None else ip,
        )
    except ValidationError as error:
        if getattr(error, "code", None) == "closed":
            raise LetterClosed() from None
        raise exceptions.ValidationError({"non_field_errors": error.messages}) from None
