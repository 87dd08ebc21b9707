"""The partner portal's signatures page: what an organization brought in, and its signers' download.

For owners and admins of the organization (and coalition editors): the download holds
personal data, the contact details of signers who agreed to hear from this
organization, in the words they agreed to. Nobody else's signers are ever in it.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coalition.core.exports import SPREADSHEET_FORMATS, spreadsheet_response

from .selectors import organization_consented_signers, organization_signature_counts
from .services import organization_signers_export_record
from .views import _base_context, _forbidden, organization_view


def _download_headings() -> list[str]:
    return [
        _("First name"),
        _("Last name"),
        _("Email"),
        _("Country"),
        _("City or postcode"),
        _("Letter"),
        _("Agreed to"),
        _("Agreed on"),
    ]


def _download_row(consent) -> list:
    signature = consent.signature
    return [
        signature.first_name,
        signature.last_name,
        signature.email,
        signature.country.name if signature.country else "",
        signature.city,
        signature.letter.title,
        consent.consent_text,
        timezone.localtime(consent.created_at).strftime("%Y-%m-%d %H:%M"),
    ]


@organization_view(manage=True)
def signatures(request, access):
    organization = access.organization
    export_format = request.GET.get("export")
    if export_format in SPREADSHEET_FORMATS:
        rows = [_download_row(consent) for consent in organization_consented_signers(organization=organization)]
        try:
            organization_signers_export_record(
                organization=organization, acting_user=request.user, count=len(rows), export_format=export_format
            )
        except PermissionDenied as error:
            return _forbidden(request, access, str(error))
        return spreadsheet_response(
            headings=_download_headings(),
            rows=rows,
            filename=f"signers-{slugify(organization.slug)}",
            export_format=export_format,
        )

    letters = organization_signature_counts(organization=organization)
    context = _base_context(access, "signatures")
    context.update(
        letters=letters,
        totals={
            "brought_in_confirmed": sum(row.brought_in_confirmed for row in letters),
            "brought_in_pending": sum(row.brought_in_pending for row in letters),
            "consented": sum(row.consented for row in letters),
        },
    )
    return render(request, "partners/signatures.html", context)
