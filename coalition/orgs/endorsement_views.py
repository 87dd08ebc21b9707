"""The partner portal's endorsements: letters to endorse, endorsing, reconfirming, withdrawing.

Owners and admins endorse for their organization in one step (they are known people,
so there is no email round); members see the same pages read-only. Every page that
asks for a signature shows the letter's current text and posts back its hash, so a
text published meanwhile is never endorsed unseen.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from coalition.letters.models import (
    ACTIVE_ENDORSEMENT_STATES,
    PUBLIC_STATUSES,
    Endorsement,
    EndorsementState,
    LetterPage,
)
from coalition.letters.services import (
    CurrentTextChecker,
    endorsement_create_by_partner,
    endorsement_endorsed_text,
    endorsement_reconfirm,
    endorsement_withdraw,
    letter_accepts_endorsements,
    letter_current_text,
)
from coalition.letters.text import letter_text_diff

from .endorsement_forms import PartnerEndorsementForm, TextConfirmForm
from .forms import add_service_error
from .selectors import organization_endorsements, organization_letters_to_endorse
from .views import PER_PAGE, _base_context, _forbidden, organization_view

State = EndorsementState


def _manager_only(request, access):
    return _forbidden(
        request,
        access,
        _("Only owners and admins of %(org)s can endorse letters or change its endorsements.")
        % {"org": access.organization.name},
    )


def _published_letter_or_404(letter_id: int) -> LetterPage:
    """A letter the public can read; drafts and unpublished letters do not exist here."""
    letter = (
        LetterPage.objects.live()
        .public()
        .filter(pk=letter_id, status__in=PUBLIC_STATUSES)
        .select_related("lead_organization")
        .first()
    )
    if letter is None:
        raise Http404
    return letter


def _endorsement_or_404(access, pk: int) -> Endorsement:
    endorsement = (
        Endorsement.objects.select_related("letter", "organization")
        .filter(pk=pk, organization=access.organization)
        .first()
    )
    if endorsement is None:
        raise Http404
    return endorsement


def _service_error_text(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


# --- the list -------------------------------------------------------------------------


@organization_view()
def endorsements(request, access):
    organization = access.organization
    page_obj = Paginator(organization_endorsements(organization=organization), PER_PAGE).get_page(
        request.GET.get("page")
    )
    text_is_current = CurrentTextChecker()
    rows = []
    for endorsement in page_obj:
        rows.append(
            {
                "endorsement": endorsement,
                "letter": endorsement.letter,
                "is_current": text_is_current(endorsement),
                "can_withdraw": access.can_manage and endorsement.state in ACTIVE_ENDORSEMENT_STATES,
                "can_reconfirm": access.can_manage and endorsement.state == State.NEEDS_RECONFIRMATION,
            }
        )
    context = _base_context(access, "endorsements")
    context.update(
        letters_to_endorse=organization_letters_to_endorse(organization=organization),
        rows=rows,
        page_obj=page_obj,
    )
    return render(request, "partners/endorsements.html", context)


# --- endorsing ------------------------------------------------------------------------


@organization_view(methods=("GET", "POST"))
def endorse(request, access, letter_id):
    letter = _published_letter_or_404(letter_id)
    if not access.can_manage:
        return _manager_only(request, access)
    organization = access.organization
    existing = Endorsement.objects.filter(letter=letter, organization=organization).first()
    standing = existing if existing is not None and existing.state != State.WITHDRAWN else None

    if request.method == "POST":
        form = PartnerEndorsementForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                endorsement = endorsement_create_by_partner(
                    letter=letter,
                    organization=organization,
                    acting_user=request.user,
                    signer_name=data["signer_name"],
                    signer_title=data["signer_title"],
                    display=data["display"],
                    list_in_pdf=data["list_in_pdf"],
                    content_hash=data["content_hash"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _endorsed_message(endorsement, letter))
                return redirect("partners:endorsements", slug=organization.slug)
    else:
        form = PartnerEndorsementForm.for_person(request.user)

    context = _base_context(access, "endorsements")
    context.update(
        letter=letter,
        text_hash=letter_current_text(letter).hash,
        is_open=letter_accepts_endorsements(letter),
        standing=standing,
        form=form,
    )
    return render(request, "partners/endorse.html", context)


def _endorsed_message(endorsement: Endorsement, letter: LetterPage) -> str:
    names = {"org": endorsement.organization.name, "title": letter.title}
    if endorsement.state == State.APPROVED:
        return _("%(org)s now endorses “%(title)s”. The endorsement is approved and counts at once.") % names
    return (
        _(
            "%(org)s's endorsement of “%(title)s” is saved and waits for review: the coalition's editors "
            "check endorsements from organizations they have not verified yet. You will get an email "
            "when it is approved."
        )
        % names
    )


# --- reconfirming and withdrawing -------------------------------------------------------


@organization_view(methods=("GET", "POST"))
def endorsement_reconfirm_view(request, access, pk):
    endorsement = _endorsement_or_404(access, pk)
    if not access.can_manage:
        return _manager_only(request, access)
    slug = access.organization.slug
    if endorsement.state != State.NEEDS_RECONFIRMATION:
        messages.info(
            request,
            _("The endorsement of “%(title)s” does not need reconfirming (it is %(state)s).")
            % {"title": endorsement.letter.title, "state": endorsement.get_state_display().lower()},
        )
        return redirect("partners:endorsements", slug=slug)

    form = TextConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = endorsement_reconfirm(
                endorsement=endorsement,
                content_hash=form.cleaned_data["content_hash"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            names = {"org": access.organization.name, "title": endorsement.letter.title}
            if result.state == State.APPROVED:
                messages.success(request, _("%(org)s endorses the current text of “%(title)s”.") % names)
            else:
                messages.success(
                    request, _("%(org)s reconfirmed “%(title)s”; the coalition's editors review it next.") % names
                )
            return redirect("partners:endorsements", slug=slug)

    letter = endorsement.letter
    current = letter_current_text(letter)
    endorsed = endorsement_endorsed_text(endorsement)
    context = _base_context(access, "endorsements")
    context.update(
        endorsement=endorsement,
        letter=letter,
        text_hash=current.hash,
        diff=letter_text_diff(endorsed, current) if endorsed is not None else None,
        is_open=letter_accepts_endorsements(letter),
        form=form,
    )
    return render(request, "partners/endorsement_reconfirm.html", context)


@organization_view(methods=("GET", "POST"))
def endorsement_withdraw_view(request, access, pk):
    endorsement = _endorsement_or_404(access, pk)
    if not access.can_manage:
        return _manager_only(request, access)
    slug = access.organization.slug
    names = {"org": access.organization.name, "title": endorsement.letter.title}
    if endorsement.state not in ACTIVE_ENDORSEMENT_STATES:
        messages.info(
            request,
            _("The endorsement of “%(title)s” cannot be withdrawn: it is %(state)s.")
            % {**names, "state": endorsement.get_state_display().lower()},
        )
        return redirect("partners:endorsements", slug=slug)
    if request.method != "POST":
        context = {**_base_context(access, "endorsements"), "endorsement": endorsement, "letter": endorsement.letter}
        return render(request, "partners/endorsement_withdraw.html", context)
    try:
        endorsement_withdraw(endorsement=endorsement, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, _service_error_text(error))
    except PermissionDenied as error:
        return _forbidden(request, access, str(error))
    else:
        messages.success(
            request,
            _("%(org)s's endorsement of “%(title)s” is withdrawn: it is no longer listed or counted.") % names,
        )
    return redirect("partners:endorsements", slug=slug)
