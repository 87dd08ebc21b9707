"""Endorsing a letter on the public site (LetterPage routes delegate here).

The public sign-on form and the page after it; the contact's emailed link (confirm,
reconfirm, withdraw); an editor's invitation link (endorse or decline). Views stay
thin: a form validates, one service writes, and a service's ValidationError is shown
on the page, never turned into an error page. Pages reached through a token are
private: never cached, noindex, and their address is kept out of Referer headers and
of the request log.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from coalition.core.ratelimit import client_ip, rate_limit_hit
from coalition.orgs.forms import add_service_error

from ..forms import EndorsementActionForm, InvitationDeclineForm, InvitationEndorseForm, PublicEndorsementForm
from ..models import Endorsement, EndorsementState, LetterPage
from ..selectors import letter_endorse_as_organizations
from ..services import (
    endorsement_confirm,
    endorsement_endorsed_text,
    endorsement_from_token,
    endorsement_invitation_accept,
    endorsement_invitation_decline,
    endorsement_invitation_open,
    endorsement_reconfirm,
    endorsement_submit_public,
    endorsement_withdraw,
    invitation_from_token,
    letter_accepts_endorsements,
    letter_current_text,
)
from ..text import letter_text_diff

State = EndorsementState
ALLOWED = ("GET", "POST")


def _render(request, letter: LetterPage, template: str, context: dict | None = None, *, status: int = 200):
    context = {"page": letter, "self": letter, **(context or {})}
    return TemplateResponse(request, template, context, status=status)


def _private(response):
    """A page whose address holds a token: not cached, not indexed, not leaked.

    "same-origin", not "no-referrer" (as on the partner invitation pages): with
    no-referrer, browsers send `Origin: null` on the page's form posts and Django's
    CSRF check refuses them.
    """
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response._has_been_logged = True  # Django's request log would record the token in the path
    return response


def _subpage_url(request, letter: LetterPage, name: str, *args) -> str:
    return letter.get_url(request) + letter.reverse_subpage(name, args=list(args))


def _invalid_link(request, letter: LetterPage):
    # One page for every reason (unknown, expired, replaced, another letter's): no oracle.
    return _private(_render(request, letter, "letters/endorsement_link_invalid.html", status=404))


def _closed(request, letter: LetterPage):
    status = 200 if request.method == "GET" else 403
    return _render(request, letter, "letters/endorse_closed.html", status=status)


# --- the public sign-on form ---------------------------------------------------------


def endorse(request, letter: LetterPage):
    if request.method not in ALLOWED:
        return HttpResponseNotAllowed(ALLOWED)
    if not letter_accepts_endorsements(letter):
        return _closed(request, letter)
    sent_url = _subpage_url(request, letter, "endorse_sent")
    status = 200
    if request.method == "POST":
        form = PublicEndorsementForm(request.POST, request.FILES)
        if form.is_bot():
            return HttpResponseRedirect(sent_url)  # looks like success; nothing is stored or sent
        limited = rate_limit_hit(
            scope="endorse-public",
            key=client_ip(request),
            limit=settings.COALITION_ENDORSEMENTS_PER_IP_PER_HOUR,
            window_seconds=3600,
        )
        if limited:
            form.add_error(
                None,
                _(
                    "Too many sign-ons came from your network in the last hour, so this one was not saved. "
                    "Please try again in an hour."
                ),
            )
            status = 429
        elif form.is_valid():
            try:
                endorsement_submit_public(letter=letter, **form.submission())
            except ValidationError as error:
                form.add_service_error(error)
            else:
                # The same page whether the organization is new, known or already signed on.
                return HttpResponseRedirect(sent_url)
    else:
        form = PublicEndorsementForm()
    context = {
        "form": form,
        "text": letter_current_text(letter),
        "endorse_as": letter_endorse_as_organizations(letter=letter, user=request.user),
    }
    return _render(request, letter, "letters/endorse.html", context, status=status)


def endorse_sent(request, letter: LetterPage):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _render(
        request,
        letter,
        "letters/endorse_sent.html",
        {"link_days": settings.COALITION_ENDORSEMENT_LINK_DAYS},
    )


# --- the contact's emailed link ----------------------------------------------------------


def _endorsement_action(endorsement: Endorsement, *, action: str, content_hash: str) -> str:
    """Do what the button asks; return the message to show after the redirect."""
    organization = endorsement.organization.name
    if action == "confirm":
        result = endorsement_confirm(endorsement=endorsement, content_hash=content_hash)
        if result.state == State.PENDING_REVIEW:
            return _(
                "Thank you: %(org)s's endorsement is confirmed. A coalition editor reviews it next, "
                "and we will email you when it is listed."
            ) % {"org": organization}
    elif action == "reconfirm":
        result = endorsement_reconfirm(endorsement=endorsement, content_hash=content_hash, acting_user=None)
        if result.state == State.APPROVED:
            return _("Thank you: %(org)s endorses the current text and is counted again.") % {"org": organization}
        if result.state == State.PENDING_REVIEW:
            return _("Thank you: %(org)s endorses the current text. A coalition editor reviews it next.") % {
                "org": organization
            }
    elif action == "withdraw":
        endorsement_withdraw(endorsement=endorsement, by_contact=True)
        return _("%(org)s's endorsement is withdrawn.") % {"org": organization}
    return _("Nothing changed: this endorsement is already “%(state)s”.") % {
        "state": endorsement.get_state_display().lower()
    }


def endorsement_manage(request, letter: LetterPage, token: str):
    """What the contact sees from the emailed link. GET never changes anything: mail
    scanners open links too, so every change is a button (POST)."""
    if request.method not in ALLOWED:
        return HttpResponseNotAllowed(ALLOWED)
    endorsement = endorsement_from_token(token)
    if endorsement is None or endorsement.letter_id != letter.pk:
        return _invalid_link(request, letter)

    form = None
    status = 200
    if request.method == "POST":
        form = EndorsementActionForm(request.POST)
        if form.is_valid():
            try:
                message = _endorsement_action(
                    endorsement,
                    action=form.cleaned_data["action"],
                    content_hash=form.cleaned_data["content_hash"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, message)
                return _private(HttpResponseRedirect(request.path))
        status = 400
        endorsement.refresh_from_db()

    accepts = letter_accepts_endorsements(letter)
    current = letter_current_text(letter)
    context = {
        "endorsement": endorsement,
        "organization": endorsement.organization,
        "form": form,
        "text": current,
        "accepts_endorsements": accepts,
        "can_confirm": accepts and endorsement.state == State.PENDING_CONFIRMATION,
        "can_reconfirm": accepts and endorsement.state == State.NEEDS_RECONFIRMATION,
        "can_withdraw": endorsement.is_active,
    }
    if endorsement.state == State.NEEDS_RECONFIRMATION:
        endorsed = endorsement_endorsed_text(endorsement)
        context["diff"] = letter_text_diff(endorsed, current, context=2) if endorsed else None
    return _private(_render(request, letter, "letters/endorsement_manage.html", context, status=status))


# --- an editor's invitation link ------------------------------------------------------


def endorse_invited(request, letter: LetterPage, token: str):
    if request.method not in ALLOWED:
        return HttpResponseNotAllowed(ALLOWED)
    invitation = invitation_from_token(token)
    if invitation is None or invitation.letter_id != letter.pk:
        return _invalid_link(request, letter)

    accepts = letter_accepts_endorsements(letter)
    endorse_form = InvitationEndorseForm(initial={"signer_name": invitation.contact_name})
    decline_form = InvitationDeclineForm(prefix="decline")
    status = 200
    if request.method == "GET":
        endorsement_invitation_open(invitation=invitation)
    elif not accepts or invitation.endorsement_id:
        status = 403  # nothing to answer any more; the page says why
    elif request.POST.get("action") == "decline":
        decline_form = InvitationDeclineForm(request.POST, prefix="decline")
        if decline_form.is_valid():
            try:
                endorsement_invitation_decline(invitation=invitation, reason=decline_form.cleaned_data["reason"])
            except ValidationError as error:
                add_service_error(decline_form, error)
            else:
                messages.success(request, _("Thank you for letting us know. The invitation is declined."))
                return _private(HttpResponseRedirect(request.path))
        status = 400
    else:
        endorse_form = InvitationEndorseForm(request.POST)
        if endorse_form.is_valid():
            try:
                endorsement_invitation_accept(invitation=invitation, **endorse_form.signer_details())
            except ValidationError as error:
                add_service_error(endorse_form, error)
            else:
                messages.success(
                    request,
                    _("Thank you: %(org)s now endorses this letter.") % {"org": invitation.organization.name},
                )
                return _private(HttpResponseRedirect(request.path))
        status = 400
    invitation.refresh_from_db()

    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "endorsement": invitation.endorsement,
        "accepts_endorsements": accepts,
        "endorse_form": endorse_form,
        "decline_form": decline_form,
        "text": letter_current_text(letter),
    }
    return _private(_render(request, letter, "letters/endorse_invited.html", context, status=status))
