from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from coalition.core.validators import validate_multiline, validate_no_formula, validate_single_line
from coalition.orgs.forms import LOGO_MAX_BYTES, AccessibleFormMixin, logo_reencode
from coalition.orgs.models import Organization

from .models import PUBLIC_STATUSES, STATUS_TRANSITIONS, Endorsement, LetterStatus


class LetterFilterForm(forms.Form):
    """The GET form on /letters/; unknown values are simply invalid, never an error page."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))] + [(s, LetterStatus(s).label) for s in PUBLIC_STATUSES],
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Any language"))] + list(settings.LETTER_LANGUAGES),
    )


class LetterStatusChangeForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=())
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        help_text=_("Optional: why the status changes. Kept in the letter's history."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, letter, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = sorted(STATUS_TRANSITIONS[LetterStatus(letter.status)], key=LetterStatus.values.index)
        self.fields["to_status"].choices = [(s, LetterStatus(s).label) for s in allowed]

    def clean_note(self):
        from coalition.core.validators import validate_multiline

        note = self.cleaned_data["note"].strip()
        validate_multiline(note)
        return note


class LetterLeadForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Lead organization"), queryset=None, empty_label=_("Choose an organization")
    )

    def __init__(self, *args, **kwargs):
        from coalition.orgs.models import Organization

        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.order_by("name")


class LetterCoDrafterAddForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Add a co-drafting organization"), queryset=None, empty_label=_("Choose an organization")
    )

    def __init__(self, *args, letter, **kwargs):
        from coalition.orgs.models import Organization

        super().__init__(*args, **kwargs)
        taken = [letter.lead_organization_id, *letter.co_drafters.values_list("organization_id", flat=True)]
        self.fields["organization"].queryset = Organization.objects.exclude(pk__in=[t for t in taken if t]).order_by(
            "name"
        )


# --- endorsing --------------------------------------------------------------------

# Names and titles end up in listings, the PDF and spreadsheet exports.
NAME_VALIDATORS = [validate_single_line, validate_no_formula]
# A field people never see and bots love to fill (a free-text "comment").
HONEYPOT_FIELD = "comment"


class EndorsementSignerForm(AccessibleFormMixin, forms.Form):
    """Who signs for the organization and how it appears: shared by the public form and invitations."""

    signer_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        validators=NAME_VALIDATORS,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    signer_title = forms.CharField(
        label=_("Your title"),
        max_length=200,
        validators=NAME_VALIDATORS,
        help_text=_("Such as “Executive Director”."),
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    display = forms.ChoiceField(
        label=_("How your organization appears"),
        choices=[
            (Endorsement.Display.PUBLIC, _("Public: show our name, logo and country on the letter")),
            (
                Endorsement.Display.UNDISCLOSED,
                _("Undisclosed for security reasons: count us, but never show our name"),
            ),
        ],
        initial=Endorsement.Display.PUBLIC,
        widget=forms.RadioSelect,
        help_text=_(
            "Choose undisclosed if being named could put your staff or partners at risk. Public pages then "
            "only say that an organization signed without being named; coalition editors still know who you are."
        ),
    )
    list_in_pdf = forms.BooleanField(
        label=_("List us in the PDF sent to the recipients"),
        required=False,
        help_text=_(
            "For undisclosed endorsements only: the decision makers who receive the letter see your "
            "organization's name; the public never does."
        ),
    )
    # The hash of the text the page showed: the services refuse it if the text changed since.
    content_hash = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("display") == Endorsement.Display.PUBLIC:
            cleaned["list_in_pdf"] = True  # a public endorser is named everywhere
        return cleaned

    def signer_details(self) -> dict:
        data = self.cleaned_data
        return {
            "signer_name": data["signer_name"],
            "signer_title": data["signer_title"],
            "display": data["display"],
            "list_in_pdf": data["list_in_pdf"],
            "content_hash": data.get("content_hash") or "",
        }


class PublicEndorsementForm(EndorsementSignerForm):
    """The public sign-on form, for organizations without a partner account."""

    organization_name = forms.CharField(
        label=_("Organization name"),
        max_length=200,
        validators=NAME_VALIDATORS,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    website = forms.URLField(
        label=_("Website"),
        max_length=300,
        required=False,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Optional. The full address, such as https://example.org"),
    )
    country = CountryField(blank_label=_("Choose a country")).formfield(
        label=_("Country"), help_text=_("Where the organization is based.")
    )
    kind = forms.ChoiceField(
        label=_("Kind of organization"), choices=Organization.Kind.choices, initial=Organization.Kind.NGO
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=_("Optional. PNG, JPEG or WebP, up to 2 MB. We resize it and remove its metadata."),
    )
    signer_email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("We send the confirmation link here. It is never shown on public pages."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    comment = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "tabindex": "-1", "autocomplete": "off"}),
    )

    field_order = [
        "organization_name",
        "website",
        "country",
        "kind",
        "logo",
        "signer_name",
        "signer_title",
        "signer_email",
        "display",
        "list_in_pdf",
        "content_hash",
        HONEYPOT_FIELD,
    ]
    organization_fields = ("organization_name", "website", "country", "kind", "logo")
    person_fields = ("signer_name", "signer_title", "signer_email")

    def is_bot(self) -> bool:
        """The honeypot is filled: only software that reads the HTML, not the page, does that."""
        return bool(str(self.data.get(HONEYPOT_FIELD, "")).strip())

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        # The size first: nothing of a file that is too big is decoded.
        if upload.size > LOGO_MAX_BYTES:
            raise ValidationError(_("This file is larger than 2 MB: upload a smaller image."), code="logo_size")
        return logo_reencode(upload)

    def submission(self) -> dict:
        """Keyword arguments for letters.services.endorsement_submit_public."""
        data = self.cleaned_data
        return {
            "organization_name": data["organization_name"],
            "website": data["website"],
            "country": data["country"],
            "kind": data["kind"],
            "logo": data["logo"],
            "signer_email": data["signer_email"],
            **self.signer_details(),
        }

    def add_service_error(self, error: ValidationError) -> None:
        """A service's error next to its field; the organization's "name" is this form's organization_name."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                field = "organization_name" if field == "name" else field
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class InvitationEndorseForm(EndorsementSignerForm):
    """Endorsing from an editor's invitation link: the organization is already known."""


class InvitationDeclineForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        validators=[validate_multiline],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the coalition's editors read it."),
    )


class EndorsementActionForm(forms.Form):
    """A button on the contact's emailed link: confirm, reconfirm or withdraw."""

    action = forms.ChoiceField(choices=[("confirm", "confirm"), ("reconfirm", "reconfirm"), ("withdraw", "withdraw")])
    content_hash = forms.CharField(required=False, max_length=64)
