"""Editors invite organizations to endorse a letter, from a list pasted into the Wagtail admin.

One line per organization: `organization name or website; contact email; contact name`
(semicolons, or tabs when the lines are pasted from a spreadsheet). The editor first
sees a preview: each line with the organization it matched, or the organization that
will be created, and what is wrong with it. Nothing is saved until the editor confirms,
and the confirmation parses the text again rather than trusting the preview.
Below, the letter's invitations with where each stands, and reminders.
"""

import re
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, ProhibitNullCharactersValidator, URLValidator
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from coalition.core.validators import find_forbidden_character, validate_no_formula
from coalition.orgs.models import Organization
from coalition.orgs.selectors import organization_name_key, user_is_editor, website_domain
from coalition.orgs.services import organization_create, organization_unique_slug

from .models import ACTIVE_ENDORSEMENT_STATES, Endorsement, EndorsementInvitation, LetterPage
from .services import (
    InvitationRow,
    endorsement_invitation_can_remind,
    endorsement_invitation_remind,
    endorsement_invitations_create,
    letter_accepts_endorsements,
)

MAX_LINES = 500
MAX_CHARS = 200_000
NAME_MAX = Organization._meta.get_field("name").max_length
WEBSITE_MAX = Organization._meta.get_field("website").max_length
EMAIL_MAX = EndorsementInvitation._meta.get_field("email").max_length
CONTACT_MAX = EndorsementInvitation._meta.get_field("contact_name").max_length
HEADER_EMAILS = {"email", "e-mail", "contact email", "mail", "courriel"}
# "amnesty.org", "https://www.hrw.org/about": one token with a dot in its host.
_WEBSITE = re.compile(r"^(?:https?://)?[^\s/;@]+\.[^\s/;@]{2,}(?:/\S*)?$", re.IGNORECASE)

Answer = EndorsementInvitation.State


def user_can_invite(user) -> bool:
    """Inviting organizations speaks for the coalition: editors only, never partner staff."""
    return user_is_editor(user=user)


# --- reading the pasted lines -----------------------------------------------------------


@dataclass
class PastedLine:
    number: int
    text: str
    organization_text: str = ""
    email: str = ""
    contact_name: str = ""
    organization: Organization | None = None
    new_name: str = ""
    new_website: str = ""
    errors: list[str] = field(default_factory=list)
    note: str = ""
    skip: bool = False

    @property
    def creates_organization(self) -> bool:
        return self.organization is None and not self.errors and not self.skip


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('""', '"').strip()
    return value


def _text_errors(value: str, *, label: str, max_length: int) -> list[str]:
    """What is wrong with one cell: control characters, a formula start, its length."""
    errors = []
    char = find_forbidden_character(value)
    if char is not None:
        errors.append(
            _("%(label)s holds an invisible control character (U+%(code)04X).") % {"label": label, "code": ord(char)}
        )
    try:
        validate_no_formula(value)
    except ValidationError:
        errors.append(_("%(label)s cannot start with =, +, - or @.") % {"label": label})
    if len(value) > max_length:
        errors.append(
            _("%(label)s is too long (%(length)s characters; at most %(max)s).")
            % {"label": label, "length": len(value), "max": max_length}
        )
    return errors


class _OrganizationIndex:
    """Existing organizations by website domain and by name key, loaded once per paste.

    Matches the way coalition.orgs.selectors.organization_match does (lowest pk wins),
    without a query per line.
    """

    def __init__(self):
        self.by_domain: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        for pk, name, website in Organization.objects.values_list("pk", "name", "website").order_by("pk"):
            domain = website_domain(website)
            if domain:
                self.by_domain.setdefault(domain, pk)
            key = organization_name_key(name)
            if key:
                self.by_name.setdefault(key, pk)
        self._loaded: dict[int, Organization] = {}

    def get(self, pk: int | None) -> Organization | None:
        if pk is None:
            return None
        if pk not in self._loaded:
            self._loaded[pk] = Organization.objects.get(pk=pk)
        return self._loaded[pk]


def invitation_lines_parse(text: str, *, letter: LetterPage) -> list[PastedLine]:
    """Read the pasted text into lines, each matched to an organization, with its errors.

    Reads only: nothing is created or changed.
    """
    index = _OrganizationIndex()
    endorsed = dict(
        Endorsement.objects.filter(letter=letter, state__in=ACTIVE_ENDORSEMENT_STATES).values_list(
            "organization_id", "state"
        )
    )
    invited = {
        invitation.organization_id: invitation
        for invitation in EndorsementInvitation.objects.filter(letter=letter).only(
            "organization_id", "endorsement_id", "email"
        )
    }
    state_labels = dict(Endorsement._meta.get_field("state").choices)
    email_validator = EmailValidator()
    url_validator = URLValidator(schemes=["http", "https"])
    seen: dict[str, int] = {}
    lines: list[PastedLine] = []

    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        line = PastedLine(number=number, text=raw)
        lines.append(line)
        cells = raw.split("\t") if "\t" in raw else raw.split(";")
        cells = [_unquote(cell) for cell in cells]
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > 3:
            line.errors.append(_("Too many columns: write organization; email; contact name."))
            continue
        cells += [""] * (3 - len(cells))
        line.organization_text, line.email, line.contact_name = cells

        if len(lines) == 1 and line.email.lower() in HEADER_EMAILS:
            line.skip = True
            line.note = _("A row of column headings: skipped.")
            continue

        # Each cell: required where needed, no control characters, no formula, not too long.
        if not line.organization_text:
            line.errors.append(_("The organization's name or website is missing."))
        else:
            line.errors += _text_errors(line.organization_text, label=_("The organization"), max_length=NAME_MAX)
        if not line.email:
            line.errors.append(_("The contact email is missing."))
        else:
            email_errors = _text_errors(line.email, label=_("The email"), max_length=EMAIL_MAX)
            if not email_errors:
                try:
                    email_validator(line.email)
                except ValidationError:
                    email_errors.append(_("“%(email)s” is not a valid email address.") % {"email": line.email})
            line.errors += email_errors
        if line.contact_name:
            line.errors += _text_errors(line.contact_name, label=_("The contact name"), max_length=CONTACT_MAX)
        if line.errors:
            continue

        # Which organization: by website domain, or by name.
        value = line.organization_text
        if _WEBSITE.match(value):
            domain = website_domain(value)
            if not domain:
                line.errors.append(
                    _("A page on a shared site (%(site)s) does not say which organization it is: give its name.")
                    % {"site": value}
                )
                continue
            key = f"domain:{domain}"
            line.organization = index.get(index.by_domain.get(domain))
            if line.organization is None:
                website = value if "://" in value else f"https://{value}"
                try:
                    url_validator(website)
                except ValidationError:
                    line.errors.append(_("“%(site)s” is not a valid website address.") % {"site": value})
                    continue
                if len(website) > WEBSITE_MAX:
                    line.errors.append(_("The website address is too long."))
                    continue
                line.new_name, line.new_website = domain, website
        else:
            key = f"name:{organization_name_key(value)}"
            line.organization = index.get(index.by_name.get(organization_name_key(value)))
            if line.organization is None:
                line.new_name = " ".join(value.split())
        if line.organization is not None:
            key = f"pk:{line.organization.pk}"

        if key in seen:
            line.errors.append(_("The same organization as on line %(number)s.") % {"number": seen[key]})
            continue
        seen[key] = number

        if line.organization is not None:
            organization_id = line.organization.pk
            earlier = invited.get(organization_id)
            if organization_id in endorsed:
                line.skip = True
                line.note = _("Already endorses this letter (%(state)s): no invitation is sent.") % {
                    "state": str(state_labels.get(endorsed[organization_id], "")).lower()
                }
            elif earlier is not None and earlier.endorsement_id:
                line.skip = True
                line.note = _("Already endorsed through an invitation: no invitation is sent.")
            elif earlier is not None:
                line.note = _("Invited before (%(email)s): the new invitation replaces the earlier link.") % {
                    "email": earlier.email
                }
    return lines


class InvitationPasteForm(forms.Form):
    lines = forms.CharField(
        label=gettext_lazy("Organizations to invite"),
        max_length=MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "One organization per line: organization name or website; contact email; contact name (optional). "
            "Lines copied from a spreadsheet (columns separated by tabs) work too."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A NUL byte is reported on its line, with the other problems of that line.
        field_ = self.fields["lines"]
        field_.validators = [v for v in field_.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def clean_lines(self):
        text = self.cleaned_data["lines"]
        count = sum(1 for line in text.splitlines() if line.strip())
        if count > MAX_LINES:
            raise ValidationError(
                _("Paste at most %(max)s organizations at a time (this has %(count)s lines).")
                % {"max": MAX_LINES, "count": count}
            )
        return text


@transaction.atomic
def invitations_from_lines(*, letter: LetterPage, lines: list[PastedLine], acting_user) -> list[EndorsementInvitation]:
    """Create the organizations the lines name that do not exist yet, then invite them all.

    One transaction: if the invitations are refused, the new organizations go too.
    """
    rows = []
    for line in lines:
        if line.errors:
            raise ValidationError(_("Line %(number)s has errors.") % {"number": line.number})
        if line.skip:
            continue
        organization = line.organization
        if organization is None:
            try:
                with transaction.atomic():
                    organization = organization_create(
                        acting_user=acting_user,
                        name=line.new_name,
                        slug=organization_unique_slug(line.new_name),
                        website=line.new_website,
                    )
            except (IntegrityError, ValidationError) as error:
                # Created by someone else a moment ago (same name): invite that one.
                organization = Organization.objects.filter(name__iexact=line.new_name).first()
                if organization is None:
                    raise ValidationError(
                        _("Line %(number)s: the organization could not be created.") % {"number": line.number}
                    ) from error
        rows.append(InvitationRow(organization=organization, email=line.email, contact_name=line.contact_name))
    return endorsement_invitations_create(letter=letter, rows=rows, acting_user=acting_user)


# --- reminders ----------------------------------------------------------------------------


def _reminder_blocked_because(invitation: EndorsementInvitation, letter: LetterPage) -> str:
    """Why no reminder can go now (the same checks as endorsement_invitation_can_remind)."""
    if invitation.state in (Answer.ENDORSED, Answer.DECLINED):
        return _("Answered.")
    if not letter_accepts_endorsements(letter):
        return _("The letter is not open for endorsements.")
    if letter.deadline and letter.deadline < timezone.localdate():
        return _("The deadline has passed.")
    if invitation.reminders_sent >= settings.COALITION_ENDORSEMENT_REMINDERS_MAX:
        return _("%(count)s reminders sent: the most allowed.") % {"count": invitation.reminders_sent}
    if invitation.last_reminded_at:
        return _("Reminded less than a day ago.")
    return _("Invited less than a day ago.")


def _reminders_closed_because(letter: LetterPage) -> str:
    if not letter_accepts_endorsements(letter):
        return _("Reminders can be sent only while the letter is open for endorsements.")
    if letter.deadline and letter.deadline < timezone.localdate():
        return _("The deadline (%(date)s) has passed: no more reminders.") % {"date": letter.deadline}
    return ""


# --- the view ---------------------------------------------------------------------------


class LetterEndorsementInvitationsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "letters/admin/endorsement_invitations.html"
    header_icon = "mail"

    def dispatch(self, request, page_id):
        if not user_can_invite(request.user):
            raise PermissionDenied
        self.letter = get_object_or_404(LetterPage, pk=page_id)
        return super().dispatch(request, page_id)

    def get_page_title(self):
        return _("Invite organizations")

    def get_page_subtitle(self):
        return self.letter.get_admin_display_title()

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtailadmin_pages:edit", args=[self.letter.pk]), "label": self.letter.title},
            {"url": "", "label": _("Invite organizations")},
        ]

    def _url(self):
        return reverse("letters_admin:endorsement_invitations", args=[self.letter.pk])

    def _invitations(self):
        invitations = list(
            EndorsementInvitation.objects.filter(letter=self.letter).select_related("organization", "invited_by")
        )
        rows = []
        for invitation in invitations:
            invitation.letter = self.letter  # one letter for every row: no query per row
            can_remind = endorsement_invitation_can_remind(invitation)
            rows.append(
                {
                    "invitation": invitation,
                    "state": invitation.state,
                    "can_remind": can_remind,
                    "blocked_because": "" if can_remind else _reminder_blocked_because(invitation, self.letter),
                }
            )
        return rows

    def get_context_data(self, **kwargs):
        rows = self._invitations()
        closed_because = _reminders_closed_because(self.letter)
        kwargs.setdefault("form", InvitationPasteForm())
        return super().get_context_data(
            letter=self.letter,
            is_open=letter_accepts_endorsements(self.letter),
            rows=rows,
            unanswered=sum(1 for row in rows if row["state"] in (Answer.INVITED, Answer.OPENED)),
            due=sum(1 for row in rows if row["can_remind"]),
            reminders_closed_because=closed_because,
            reminders_max=settings.COALITION_ENDORSEMENT_REMINDERS_MAX,
            **kwargs,
        )

    def post(self, request, page_id):
        action = request.POST.get("action")
        if action in ("preview", "confirm"):
            return self._paste(request, confirm=action == "confirm")
        if action == "remind":
            pk = request.POST.get("invitation", "")
            invitation = get_object_or_404(
                EndorsementInvitation,
                pk=int(pk) if pk.isascii() and pk.isdigit() and len(pk) < 19 else 0,
                letter=self.letter,
            )
            self._remind([invitation])
        elif action == "remind_all":
            unanswered = EndorsementInvitation.objects.filter(
                letter=self.letter, endorsement__isnull=True, declined_at__isnull=True
            ).select_related("organization")
            self._remind(list(unanswered), all_=True)
        return redirect(self._url())

    def _paste(self, request, *, confirm: bool):
        form = InvitationPasteForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        lines = invitation_lines_parse(form.cleaned_data["lines"], letter=self.letter)
        has_errors = any(line.errors for line in lines)
        to_invite = [line for line in lines if not line.skip and not line.errors]
        if confirm and not has_errors and to_invite:
            try:
                invitations = invitations_from_lines(letter=self.letter, lines=lines, acting_user=request.user)
            except (ValidationError, PermissionDenied) as error:
                text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                messages.error(request, text)
            else:
                created = sum(1 for line in to_invite if line.organization is None)
                messages.success(
                    request,
                    _("%(count)s invitations sent; %(created)s new organizations created.")
                    % {"count": len(invitations), "created": created},
                )
                return redirect(self._url())
        elif confirm:
            messages.error(request, _("Nothing was sent: correct the lines with errors, then preview again."))
        return self.render_to_response(
            self.get_context_data(
                form=form,
                preview=lines,
                preview_errors=has_errors,
                preview_count=len(to_invite),
                preview_new=sum(1 for line in to_invite if line.organization is None),
            )
        )

    def _remind(self, invitations, *, all_: bool = False):
        sent, failed = [], []
        for invitation in invitations:
            try:
                if endorsement_invitation_remind(invitation=invitation, acting_user=self.request.user):
                    sent.append(invitation)
            except (ValidationError, PermissionDenied) as error:
                failed.append(" ".join(getattr(error, "messages", [str(error)])))
        if failed:
            messages.error(self.request, failed[0])
        if all_:
            if sent:
                messages.success(self.request, _("Reminders sent to %(count)s organizations.") % {"count": len(sent)})
            elif not failed:
                messages.warning(self.request, _("No reminder was due: nobody was reminded."))
        elif sent:
            messages.success(
                self.request,
                _("Reminder sent to %(org)s (%(email)s).")
                % {"org": sent[0].organization.name, "email": sent[0].email},
            )
        elif not failed:
            invitation = invitations[0]
            invitation.refresh_from_db()
            messages.warning(
                self.request,
                _("No reminder sent to %(org)s: %(reason)s")
                % {"org": invitation.organization.name, "reason": _reminder_blocked_because(invitation, self.letter)},
            )
