"""The signed PDF in the Wagtail admin: build it, watch its progress, download it, make it public."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .models import LetterDocument, LetterPage
from .services.documents import letter_pdf_languages, letter_pdf_progress, letter_pdf_request, letter_pdf_set_public


def user_can_build_pdf(user, letter: LetterPage) -> bool:
    """Building and publishing the signed PDF is a publishing decision."""
    return letter.permissions_for_user(user).can_publish()


class LetterPdfForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("The letter's own language, or one of its published translations. The signatories are the same."),
    )
    group_by_country = forms.BooleanField(
        label=_("Group the individual signatories by country, with a count per country"), required=False
    )

    def __init__(self, *args, letter: LetterPage, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = letter_pdf_languages(letter)
        self.fields["language"].initial = letter.language


def _letter_for(request, page_id: int) -> LetterPage:
    letter = get_object_or_404(LetterPage, pk=page_id)
    if not user_can_build_pdf(request.user, letter):
        raise PermissionDenied
    return letter


class LetterPdfView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "letters/admin/pdf.html"
    header_icon = "doc-full"

    def dispatch(self, request, page_id):
        self.letter = _letter_for(request, page_id)
        return super().dispatch(request, page_id)

    def get_page_title(self):
        return _("Signed PDF")

    def get_page_subtitle(self):
        return self.letter.get_admin_display_title()

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtailadmin_pages:edit", args=[self.letter.pk]), "label": self.letter.title},
            {"url": "", "label": _("Signed PDF")},
        ]

    def get_context_data(self, **kwargs):
        documents = list(LetterDocument.objects.filter(letter=self.letter).select_related("requested_by")[:20])
        building = [d for d in documents if d.state in (LetterDocument.State.QUEUED, LetterDocument.State.BUILDING)]
        current = next((d for d in documents if d.state == LetterDocument.State.READY), None)
        return super().get_context_data(
            letter=self.letter,
            documents=documents,
            building=building,
            current=current,
            form=kwargs.pop("form", None) or LetterPdfForm(letter=self.letter),
            public_url=self.letter.url + "pdf/" if self.letter.live and self.letter.url else "",
            **kwargs,
        )

    def post(self, request, page_id):
        action = request.POST.get("action")
        if action in ("public", "private"):
            letter_pdf_set_public(letter=self.letter, public=action == "public", acting_user=request.user)
            if action == "public":
                messages.success(request, _("Anyone can now download the newest signed PDF from the letter's page."))
            else:
                messages.success(request, _("The signed PDF is no longer public."))
            return redirect("letters_admin:pdf", page_id=self.letter.pk)
        form = LetterPdfForm(request.POST, letter=self.letter)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        document = letter_pdf_request(
            letter=self.letter,
            acting_user=request.user,
            language=form.cleaned_data["language"] or None,  # None: the letter's own
            group_by_country=form.cleaned_data["group_by_country"],
        )
        if document.state == LetterDocument.State.READY:
            messages.info(request, _("Nothing changed since the last PDF: it is still the current one."))
        else:
            messages.success(request, _("The PDF is being built. This page shows its progress."))
        return redirect("letters_admin:pdf", page_id=self.letter.pk)


class LetterPdfProgressView(View):
    """The progress bar's data, polled by the admin page while a build runs."""

    def get(self, request, page_id, document_id):
        letter = _letter_for(request, page_id)
        document = get_object_or_404(LetterDocument, pk=document_id, letter=letter)
        response = JsonResponse(letter_pdf_progress(document))
        response["Cache-Control"] = "no-store"
        return response


class LetterPdfDownloadView(View):
    """Any built PDF of the letter, for its editors (the public route serves only the newest)."""

    def get(self, request, page_id, document_id):
        letter = _letter_for(request, page_id)
        document = get_object_or_404(LetterDocument, pk=document_id, letter=letter)
        if document.state != LetterDocument.State.READY or not document.file:
            raise Http404
        return pdf_file_response(document)


def pdf_file_response(document: LetterDocument, *, public: bool = False) -> FileResponse:
    language = "" if document.language == document.letter.language else f"-{document.language}"
    filename = f"{document.letter.slug}{language}-{document.finished_at:%Y-%m-%d}.pdf"
    response = FileResponse(document.file.open("rb"), content_type="application/pdf", filename=filename)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    response["ETag"] = f'"{document.sha256}"'
    return response
