"""Signing a letter (LetterPage routes delegate here).

The form posts to the letter's sign/ route and always lands on the same "check your
email" page, whatever happened: a new signature, a duplicate, a confirmed duplicate,
a submission held for review or a bot caught by the honeypot (no oracle). The emailed
links open pages with a button; only their POST confirms or withdraws (mail scanners
open links too). The embed/ route serves the same form to partner sites in a frame.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from coalition.core.ratelimit import client_ip
from coalition.delivery.constituent_form import constituent_preview, constituent_setup
from coalition.orgs.forms import add_service_error

from ..models import LetterPage, Signature, SignatureState
from ..models.pages import embed_origin_list
from ..selectors import letter_share_links, letter_signature_summary
from ..services import (
    letter_accepts_signatures,
    letter_consent_offers,
    signature_confirm,
    signature_counts_version,
    signature_create,
    signature_from_token,
    signature_withdraw,
)
from ..signature_forms import SignatureActionForm, SignatureForm
from .endorsements import _private, _subpage_url

State = SignatureState
ALLOWED = ("GET", "POST")


def signature_form(letter: LetterPage, request, data=None) -> SignatureForm:
    """The form for this letter: its organizations' consent boxes, the `?source=` it came with.

    A constituent letter's form also asks for the region and carries the panel that says who
    the message goes to, with its preview: for `?country=&region=` ("Find your decision
    makers"), or for what a form sent back with errors said.
    """
    source = request.GET.get("source", "")[:100] if request.method == "GET" else ""
    if not slug_re.match(source):
        source = ""  # a mistyped ?source= must not make the hidden field, and so every submission, fail
    setup = constituent_setup(letter=letter)
    if setup is None:
        return SignatureForm(data, consent_offers=letter_consent_offers(letter), source=source)
    asked = data if data is not None else (request.GET if request.method == "GET" else {})
    country = str(asked.get("country", ""))[:2].upper()
    region = str(asked.get("region", ""))[:110]
    signer = " ".join(str(asked.get(name, ""))[:100] for name in ("first_name", "last_name")) if data else ""
    preview = constituent_preview(
        letter=letter,
        setup=setup,
        country=country,
        region=region,
        signer_name=signer,
        signer_city=str(asked.get("city", ""))[:100] if data else "",
    )
    form = SignatureForm(
        data,
        consent_offers=letter_consent_offers(letter),
        source=source,
        constituent=setup,
        country=preview.country,
        region=preview.region_value,
    )
    form.constituent_preview = preview
    return form


def _render(request, letter: LetterPage, template: str, context: dict | None = None, *, status: int = 200):
    context = {"page": letter, "self": letter, **(context or {})}
    return TemplateResponse(request, template, context, status=status)


def _submit(request, letter: LetterPage, form: SignatureForm, *, channel: str) -> bool:
    """Validate and sign; True when the signer should see the "check your email" page."""
    if form.is_bot():
        return True  # looks like success; nothing is stored or sent
    if not form.is_valid():
        return False
    try:
        signature_create(letter=letter, channel=channel, ip=client_ip(request), **form.submission())
    except ValidationError as error:
        add_service_error(form, error)
        return False
    return True


def sign(request, letter: LetterPage):
    if request.method not in ALLOWED:
        return HttpResponseNotAllowed(ALLOWED)
    if request.method == "GET":
        # The form lives on the letter page; keep the attribution it was linked with.
        source = request.GET.get("source", "")
        query = f"?source={source}" if source and source.replace("-", "").isalnum() and len(source) <= 100 else ""
        return HttpResponseRedirect(letter.get_url(request) + query + "#sign")
    form = signature_form(letter, request, request.POST)
    if not letter_accepts_signatures(letter):
        form.add_error(None, _("This letter is not collecting signatures any more, so nothing was saved."))
        status = 403
    elif _submit(request, letter, form, channel=Signature.Channel.FORM):
        # The sibling route of this one (…/sign/ → …/sign/sent/), without asking Wagtail
        # which site serves the letter: that lookup is a query, and this answer is the
        # one a burst of signers all get.
        return HttpResponseRedirect(request.path + "sent/")
    else:
        status = 400
    response = letter.render(request, context_overrides={"sign_form": form, "sign_form_invalid": True})
    response.status_code = status
    return response


def sign_by_path(request, path: str):
    """The letter's sign/ route, reached without walking the page tree once Wagtail has
    served it (letters.sign_routes); anything else goes to Wagtail as usual."""
    from wagtail.views import serve as wagtail_serve

    from ..i18n import letter_response_render
    from ..sign_routes import sign_route_letter

    letter = sign_route_letter(request, "/" + path) if request.method == "POST" else None
    if letter is None:
        return wagtail_serve(request, path + "sign/")
    return letter_response_render(letter, lambda: sign(request, letter=letter))


def sign_sent(request, letter: LetterPage):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    response = _render(
        request,
        letter,
        "letters/sign_sent.html",
        {"share_links": letter_share_links(letter=letter, url=letter.public_url)},
    )
    response["X-Robots-Tag"] = "noindex"
    return response


# --- the signer's emailed links ------------------------------------------------------------


def _invalid_link(request, letter: LetterPage):
    # One page for every reason (unknown, expired, replaced, another letter's): no oracle.
    return _private(_render(request, letter, "letters/signature_link_invalid.html", status=404))


def _signature_link(request, letter: LetterPage, token: str, *, purpose: str):
    signature = signature_from_token(token, purpose=purpose)
    if signature is None or signature.letter_id != letter.pk:
        return None
    return signature


def confirm_page(request, letter: LetterPage, token: str):
    """GET shows a "Confirm my signature" button; only its POST confirms."""
    if request.method not in ALLOWED:
        return HttpResponseNotAllowed(ALLOWED)
    signature = _signature_link(request, letter, token, purpose="confirm")
    if signature is None:
        return _invalid_link(request, letter)
    status = 200
    if request.method == "POST":
        form = SignatureActionForm(request.POST)
        if form.is_valid() and form.cleaned_data["action"] == "confirm":
            try:
                signature_confirm(signature=signature)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return _private(HttpResponseRedirect(request.path))
            messages.success(request, _("Thank you: your signature is confirmed."))
            return _private(HttpResponseRedirect(_subpage_url(request, letter, "thank_you")))
        status = 400
    context = {
        "signature": signature,
        "can_confirm": signature.state not in (State.WITHDRAWN, State.INVALIDATED)
        and signature.email_confirmed_at is None,
        "withdrawn": signature.state in (State.WITHDRAWN, State.INVALIDATED),
    }
    return _private(_render(request, letter, "letters/signature_confirm.html", context, status=status))


def withdraw_page(request, letter: LetterPage, token: str):
    """GET asks "withdraw your signature?"; only the POST withdraws."""
    if request.method not in ALLOWED:
        return HttpResponseNotAllowed(ALLOWED)
    signature = _signature_link(request, letter, token, purpose="withdraw")
    if signature is None:
        return _invalid_link(request, letter)
    status = 200
    if request.method == "POST":
        form = SignatureActionForm(request.POST)
        if form.is_valid() and form.cleaned_data["action"] == "withdraw":
            signature_withdraw(signature=signature)
            messages.success(request, _("Your signature is withdrawn. It no longer counts or appears anywhere."))
            return _private(HttpResponseRedirect(request.path))
        status = 400
    context = {
        "signature": signature,
        "withdrawn": signature.state in (State.WITHDRAWN, State.INVALIDATED),
    }
    return _private(_render(request, letter, "letters/signature_withdraw.html", context, status=status))


# --- the embedded form -------------------------------------------------------------------------


def _framable(response, letter: LetterPage):
    """Only the partner sites named on the letter may show this page in a frame."""
    ancestors = " ".join(["'self'", *embed_origin_list(letter.embed_origins)])
    response["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
    response.xframe_options_exempt = True
    return response


def embed(request, letter: LetterPage):
    """The signature form alone, for a partner's site; attributed with ?source=<organization>.

    Served without CSRF protection (coalition.urls): a browser does not send our
    cookies inside another site's frame. Nothing here acts on a session; the form's
    one-use challenge is what a submission has to carry.
    """
    if request.method not in ALLOWED:
        return HttpResponseNotAllowed(ALLOWED)
    sent = False
    status = 200
    form = signature_form(letter, request, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not letter_accepts_signatures(letter):
            form.add_error(None, _("This letter is not collecting signatures any more, so nothing was saved."))
            status = 403
        elif _submit(request, letter, form, channel=Signature.Channel.EMBED):
            sent = True
            form = None
        else:
            status = 400
    context = {
        "sign_form": form,
        "sent": sent,
        "accepts_signatures": letter_accepts_signatures(letter),
        "signature_summary": SimpleLazyObject(lambda: letter_signature_summary(letter=letter)),
        "signatures_version": signature_counts_version(letter.pk),
    }
    response = _render(request, letter, "letters/embed.html", context, status=status)
    if request.method == "POST":
        add_never_cache_headers(response)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    return _framable(response, letter)
