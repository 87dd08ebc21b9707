"""The letter's pdf/ route: the newest signed PDF, for everyone once an editor made it public."""

from django.http import Http404

from ..admin_documents import pdf_file_response
from ..models import LetterPage
from ..services.documents import letter_pdf_for_reader


def letter_pdf(request, letter: LetterPage):
    """Public when the editors said so; otherwise editors and the letter's organizations only (404 to others)."""
    document = letter_pdf_for_reader(letter)  # in the language of the page it is asked from
    if document is None or not document.file:
        raise Http404("No signed PDF of this letter yet.")
    public = letter.pdf_public and letter.live
    if not public and not (request.user.is_authenticated and letter.permissions_for_user(request.user).can_edit()):
        raise Http404("No signed PDF of this letter yet.")
    return pdf_file_response(document, public=public)
