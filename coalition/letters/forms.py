from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import PUBLIC_STATUSES, STATUS_TRANSITIONS, LetterStatus


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
