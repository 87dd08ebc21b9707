"""Delivering a coalition letter from the Wagtail admin: the "Deliver" page and its report.

`/admin/letters/<id>/delivery/` shows the current signed PDF, who will receive it, a covering
note and "Deliver now"; once delivered, the report of every delivery and addendum with each
recipient's message (state, attempts, sent time, message id, last error), and "Send an
addendum" with the new signatures. Editors only: partner staff co-draft letters but do not
send them to heads of state. The views are thin: the services in `snapshots` decide.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.defaults import permission_denied
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from coalition.core.logs import register_log_action
from coalition.core.validators import validate_multiline
from coalition.letters.models import LetterPage
from coalition.letters.services.documents import letter_pdf_current
from coalition.orgs.selectors import user_is_editor

from .history import letter_delivery_report
from .models import DeliveryMode, LetterDelivery
from .snapshots import (
    NOTE_MAX_LENGTH,
    letter_addendum,
    letter_addendum_signatures_count,
    letter_deliver,
    letter_delivery_recipients,
    letter_last_delivery,
    letter_pdf_is_current,
)


def user_can_deliver(user, letter: LetterPage) -> bool:
    """Coalition staff who may publish the letter: delivering it speaks for every organization on it."""
    return user_is_editor(user=user) and letter.permissions_for_user(user).can_publish()


class DeliveryNoteForm(forms.Form):
    message = forms.CharField(
        label=_("Covering note"),
        help_text=_("Sent above the letter in every email, for example who to reply to. Optional."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        validators=[validate_multiline],
    )


class NotAnEditor(Exception):
    pass


def _letter_for(request, page_id: int) -> LetterPage:
    letter = get_object_or_404(LetterPage, pk=page_id)
    if not user_can_deliver(request.user, letter):
        raise NotAnEditor
    if letter.delivery_mode != DeliveryMode.COALITION:
        raise Http404("Constituent letters are not delivered as a whole.")
    return letter


def _forbidden(request):
    # A plain 403, not Wagtail's redirect to the dashboard: partner staff reach the admin, not this page.
    return permission_denied(request, PermissionDenied())


class LetterDeliveryView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "delivery/admin/delivery.html"
    header_icon = "mail"

    def dispatch(self, request, page_id):
        try:
            self.letter = _letter_for(request, page_id)
        except NotAnEditor:
            return _forbidden(request)
        return super().dispatch(request, page_id)

    def get_page_title(self):
        return _("Deliver")

    def get_page_subtitle(self):
        return self.letter.get_admin_display_title()

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtailadmin_pages:edit", args=[self.letter.pk]), "label": self.letter.title},
            {"url": "", "label": _("Deliver")},
        ]

    def get_context_data(self, **kwargs):
        document = letter_pdf_current(self.letter)
        last = letter_last_delivery(letter=self.letter)
        return super().get_context_data(
            letter=self.letter,
            document=document,
            pdf_is_current=letter_pdf_is_current(self.letter, document),
            recipients=letter_delivery_recipients(letter=self.letter),
            reports=letter_delivery_report(letter=self.letter),
            last_delivery=last,
            new_signatures=letter_addendum_signatures_count(letter=self.letter) if last else 0,
            deliver_form=kwargs.pop("deliver_form", None) or DeliveryNoteForm(prefix="deliver"),
            addendum_form=kwargs.pop("addendum_form", None) or DeliveryNoteForm(prefix="addendum"),
            **kwargs,
        )

    def post(self, request, page_id):
        action = request.POST.get("action")
        if action not in ("deliver", "addendum"):
            return redirect("delivery_admin:delivery", page_id=self.letter.pk)
        form = DeliveryNoteForm(request.POST, prefix=action)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(**{f"{action}_form": form}))
        service = letter_deliver if action == "deliver" else letter_addendum
        try:
            delivery = service(letter=self.letter, acting_user=request.user, message=form.cleaned_data["message"])
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return redirect("delivery_admin:delivery", page_id=self.letter.pk)
        recipients = len(delivery.recipients)
        if action == "deliver":
            text = _("The letter is on its way to %(n)s recipient(s). This page shows each message as it goes.")
        else:
            text = _("The addendum is on its way to %(n)s recipient(s). This page shows each message as it goes.")
        messages.success(request, text % {"n": recipients})
        return redirect("delivery_admin:delivery", page_id=self.letter.pk)


class LetterDeliveryPdfView(View):
    """The PDF exactly as it was delivered (the delivery's own copy), for editors."""

    def get(self, request, page_id, delivery_id):
        try:
            letter = _letter_for(request, page_id)
        except NotAnEditor:
            return _forbidden(request)
        delivery = get_object_or_404(LetterDelivery, pk=delivery_id, letter=letter)
        if not delivery.pdf:
            raise Http404
        filename = f"{letter.slug}-{delivery.kind}-{delivery.created_at:%Y-%m-%d}.pdf"
        response = FileResponse(delivery.pdf.open("rb"), content_type="application/pdf", filename=filename)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["ETag"] = f'"{delivery.pdf_sha256}"'
        return response


# --- registered with Wagtail (imported by coalition.delivery.wagtail_hooks) ----------------------


@hooks.register("register_admin_urls")
def register_delivery_admin_urls():
    urls = [
        path("<int:page_id>/delivery/", LetterDeliveryView.as_view(), name="delivery"),
        path("<int:page_id>/delivery/<int:delivery_id>/pdf/", LetterDeliveryPdfView.as_view(), name="delivery_pdf"),
    ]
    return [path("letters/", include((urls, "delivery_admin"), namespace="delivery_admin"))]


class LetterDeliverButton(PageMenuItem):
    label = _("Deliver")
    icon_name = "mail"
    url_name = "delivery_admin:delivery"
    priority = 17


@hooks.register("register_page_header_buttons")
def delivery_header_button(page, user, view_name, next_url=None):
    if not issubclass(page.specific_class or type(page), LetterPage):
        return
    letter = page.specific
    if letter.delivery_mode == DeliveryMode.COALITION and user_can_deliver(user, letter):
        yield LetterDeliverButton(page=page)


@hooks.register("register_log_actions")
def register_delivery_log_actions(actions):
    def delivered(log_entry):
        data = log_entry.data or {}
        return _("Delivered to %(n)s recipient(s)") % {"n": data.get("recipients", "?")}

    def addendum(log_entry):
        data = log_entry.data or {}
        return _("Addendum sent with %(n)s new signatories") % {"n": data.get("signatures", "?")}

    register_log_action(actions, "coalition.letter.delivered", _("Deliver the letter"), delivered)
    register_log_action(actions, "coalition.letter.addendum", _("Send an addendum"), addendum)
