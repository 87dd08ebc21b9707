"""Forms for endorsing letters from the partner portal. They validate; the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coalition.core.validators import validate_no_formula, validate_single_line
from coalition.letters.models import Endorsement

from .forms import AccessibleFormMixin

SIGNER_MAX_LENGTH = Endorsement._meta.get_field("signer_name").max_length


class TextHashMixin:
    """The hidden `content_hash` has no place to show an error: a missing one is the form's error."""

    def clean(self):
        cleaned = super().clean()
        if "content_hash" in self.errors:
            del self.errors["content_hash"]
            self.add_error(None, _("This page is out of date: read the letter again and submit once more."))
        return cleaned


class PartnerEndorsementForm(TextHashMixin, AccessibleFormMixin, forms.Form):
    """Who signs for the organization and how it is shown; `content_hash` names the text read."""

    signer_name = forms.CharField(
        label=_("Name of the person signing"),
        max_length=SIGNER_MAX_LENGTH,
        validators=[validate_single_line, validate_no_formula],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    signer_title = forms.CharField(
        label=_("Their title"),
        max_length=Endorsement._meta.get_field("signer_title").max_length,
        validators=[validate_single_line, validate_no_formula],
        help_text=_("Such as “Executive Director”."),
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    display = forms.ChoiceField(
        label=_("How the endorsement is shown"),
        choices=Endorsement.Display.choices,
        initial=Endorsement.Display.PUBLIC,
        widget=forms.RadioSelect,
        help_text=_(
            "Public: the organization is listed on the letter's page. Undisclosed: it counts, "
            "but its name is never shown on the public page."
        ),
    )
    list_in_pdf = forms.BooleanField(
        label=_("Name the organization in the PDF the recipients receive"),
        required=False,
        initial=True,
        help_text=_("For an undisclosed endorsement, untick this to leave the name out of the PDF too."),
    )
    # Rendered by the template from the text it shows, never from earlier input.
    content_hash = forms.CharField(max_length=64, widget=forms.HiddenInput)

    @classmethod
    def for_person(cls, user, **kwargs):
        return cls(initial={"signer_name": user.get_full_name()[:SIGNER_MAX_LENGTH]}, **kwargs)


class TextConfirmForm(TextHashMixin, forms.Form):
    """A confirmation that carries the hash of the text the page showed."""

    content_hash = forms.CharField(max_length=64, widget=forms.HiddenInput)
