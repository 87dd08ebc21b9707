"""What one organization may know about a signature: the same record in the API and in its webhooks.

A confirmed signer who agreed to hear from the organization is shared with their contact
details and the exact words they agreed to. A signer the organization only brought in
(its form, its link, its key) without that consent is shared as a count would be:
country, letter and time, and their name only as they chose to show it publicly.
"""

from datetime import UTC

from coalition.letters.models import Signature, SignatureConsent

from .services import signature_public_id


def _iso(value) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def partner_signature_record(*, signature: Signature, organization_id: int, consent: SignatureConsent | None) -> dict:
    """The signature as `organization_id` sees it; `consent` is that organization's consent row or None."""
    record = {
        "id": signature_public_id(signature.pk),
        "letter": signature.letter.slug,
        "state": signature.state,
        "confirmed_at": _iso(signature.confirmed_at),
        "country": str(signature.country or ""),
        "language": signature.language,
        "brought_in": signature.source_organization_id == organization_id,
        "channel": signature.channel,
        "public_name": signature.public_name if signature.show_name else None,
        "contact_consent": consent is not None,
        "contact": None,
    }
    if consent is not None:
        record["contact"] = {
            "first_name": signature.first_name,
            "last_name": signature.last_name,
            "email": signature.email,
            "city": signature.city,
            "title": signature.title,
            "consent_text": consent.consent_text,
            "consented_at": _iso(consent.created_at),
        }
    return record
