"""The public signature form (letter page, embed) and the buttons behind the signer's emailed links."""

import copy
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property, lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField
from django_countries.widgets import LazySelect

from coalition.core.challenge import challenge_issue, challenge_verify
from coalition.core.validators import validate_multiline, validate_no_formula, validate_single_line
from coalition.orgs.forms import AccessibleFormMixin

# A field people never see and bots love to fill.
HONEYPOT_FIELD = "website"
CHALLENGE_SCOPE = "sign"

# A web address inside a name: a scheme, "www.", or a dot followed by letters (name.tld).
_URL_IN_NAME = re.compile(r"://|\bwww\.|[\w-]\.[^\W\d_]{2,}\b", re.IGNORECASE)


def validate_person_name(value: str) -> None:
    """Names end up on public lists, in the PDF and in exports: no links, no formulas, no "@"."""
    validate_no_formula(value)
    if "@" in value:
        raise ValidationError(_("A name cannot contain “@”: the email address has its own field."), code="email")
    if _URL_IN_NAME.search(value):
        raise ValidationError(_("A name cannot contain a web address."), code="url")
    if "/" in value or "\\" in value:  # paths, and the closing half of markup
        raise ValidationError(_("A name cannot contain “/” or “\\”."), code="slash")


NAME_VALIDATORS = [validate_single_line, validate_person_name]
TEXT_VALIDATORS = [validate_single_line, validate_no_formula]


COUNTRY_CHOICES = [("", _("Choose your country")), *countries]
_CHOICES_BY_LANGUAGE: dict[str, list] = {}


def country_choices() -> list:
    """COUNTRY_CHOICES with the names (and their order) of the active language.

    The module-level list was read when Django started, in its default language; the codes
    are the same in every language, so it still validates, but it is shown in this one.
    """
    language = get_language() or ""
    choices = _CHOICES_BY_LANGUAGE.get(language)
    if choices is None:
        choices = _CHOICES_BY_LANGUAGE[language] = [("", _("Choose your country")), *countries]
    return choices


_RENDERED_SELECTS: dict = {}  # (language, name, value, attributes, renderer) -> HTML
_RENDERED_SELECTS_MAX = 256


class CountrySelect(LazySelect):
    """The country select: about 250 options, each rendered through Django's option templates.

    That is most of a letter page's rendering time, and the result only depends on the
    language, the field's name, the selected value and the input's attributes as long as the
    options are the standard list: rendered once per combination, then reused.
    """

    def __deepcopy__(self, memo):
        obj = copy.copy(self)
        obj.attrs = self.attrs.copy()
        obj._choices = copy.copy(self._choices)  # already normalized: not again through the setter
        memo[id(self)] = obj
        return obj

    def render(self, name, value, attrs=None, renderer=None):
        if self._choices != COUNTRY_CHOICES:
            return super().render(name, value, attrs, renderer)
        try:
            key = (
                get_language(),
                name,
                tuple(self.format_value(value)),
                tuple(sorted({**self.attrs, **(attrs or {})}.items())),
                renderer,
            )
            html = _RENDERED_SELECTS.get(key)
        except TypeError:  # an attribute that cannot be a key: render as usual
            return super().render(name, value, attrs, renderer)
        if html is None:
            standard, self._choices = self._choices, country_choices()  # named in the page's language
            try:
                html = super().render(name, value, attrs, renderer)
            finally:
                self._choices = standard
            if len(_RENDERED_SELECTS) >= _RENDERED_SELECTS_MAX:
                _RENDERED_SELECTS.clear()
            _RENDERED_SELECTS[key] = html
        return html


class CountryChoiceField(LazyTypedChoiceField):
    """The country select, its list of about 250 choices shared by every form rather than deep-copied.

    Django copies a form's fields for each form, and a ChoiceField deep-copies its choices (its
    widget normalizes them again): most of the cost of building this form, on every letter page
    and every signature. The choices are never changed per form and hold only strings and lazy
    translations (which deepcopy returns as they are), so a copy of the list is the same thing.
    """

    widget = CountrySelect

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)
        result._choices = copy.copy(self._choices)
        return result


class QuestionInput(forms.TextInput):
    """The sum's answer is never shown back: a form shown again asks a new question."""

    def format_value(self, value):
        return None


def _answer_label_text(form) -> str:
    return _("To show you are a person: what is %(sum)s?") % {"sum": form.issued_challenge.question}


_answer_label = lazy(_answer_label_text, str)


class SignatureForm(AccessibleFormMixin, forms.Form):
    """What a person gives to sign; `consent_<org id>` boxes are added per letter."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        validators=NAME_VALIDATORS,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        validators=NAME_VALIDATORS,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We email you a link to confirm your signature. Never shown to anyone."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    country = CountryChoiceField(label=_("Country"), choices=COUNTRY_CHOICES)
    city = forms.CharField(
        label=_("City or postcode"),
        max_length=100,
        validators=TEXT_VALIDATORS,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    title = forms.CharField(
        label=_("Title or affiliation (optional)"),
        max_length=150,
        required=False,
        validators=TEXT_VALIDATORS,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        validators=[validate_multiline, validate_no_formula],
        help_text=_("Up to 1,000 characters. Read by the campaign team; not published."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
    )
    show_name = forms.BooleanField(label=_("Show my name on the public list of signers"), required=False)
    show_full_name = forms.TypedChoiceField(
        label=_("How my name appears"),
        choices=[("0", _("First name and the initial of my last name")), ("1", _("Full name"))],
        coerce=lambda value: value == "1",
        initial="0",
        required=False,
        widget=forms.RadioSelect,
    )
    source = forms.SlugField(required=False, max_length=100, widget=forms.HiddenInput)
    website = forms.CharField(label=_("Leave this empty"), required=False, max_length=200)
    challenge = forms.CharField(widget=forms.HiddenInput, max_length=300)
    pow = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    answer = forms.CharField(
        label=_("To show you are a person: what is the sum?"),
        required=False,
        max_length=10,
        widget=QuestionInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 4}),
    )

    def __init__(
        self,
        *args,
        consent_offers=(),
        source: str = "",
        constituent=None,
        country: str = "",
        region: str = "",
        **kwargs,
    ):
        """`constituent`: a delivery.constituent_form.ConstituentSetup for a letter in constituent mode,
        which adds the region and personal paragraph fields; `country` and `region` pre-fill them
        (from "Find your decision makers")."""
        super().__init__(*args, **kwargs)
        self.consent_offers = list(consent_offers)
        for offer in self.consent_offers:
            self.fields[f"consent_{offer.organization.pk}"] = forms.BooleanField(label=offer.text, required=False)
        if not self.is_bound:
            self.initial["source"] = source
        self.constituent = constituent
        self.constituent_preview = None  # set by the view that builds the form
        self.initial_country = ""
        if constituent is not None:
            self._constituent_fields_add(constituent)
            if not self.is_bound:
                self.initial_country = country if country in countries else ""
                self.initial["country"] = self.initial_country
                self.initial["region"] = region
        # The question is only known once the challenge is issued, which a valid submission never needs.
        self.fields["answer"].label = _answer_label(self)

    @cached_property
    def issued_challenge(self):
        """A new challenge each time the form is shown, a failed submission included.

        (Not `challenge`: templates would find the field of that name first.)
        """
        return challenge_issue(scope=CHALLENGE_SCOPE)

    @property
    def consent_fields(self):
        return [self[f"consent_{offer.organization.pk}"] for offer in self.consent_offers]

    @property
    def consent_offers_key(self) -> str:
        """What the fields of a form nobody has filled in depend on besides the language (their cache key)."""
        key = "|".join(f"{offer.organization.pk}:{offer.text}" for offer in self.consent_offers)
        # A constituent letter's form may come with its country chosen ("Find your decision makers").
        return f"{key}|country={self.initial_country}" if self.initial_country else key

    def _constituent_fields_add(self, setup) -> None:
        label = setup.region_label
        self.fields["region"] = forms.CharField(
            label=label,
            required=False,  # required when the chosen country has regions on the lists: see clean()
            max_length=110,
            validators=[validate_single_line],
            help_text=_("Your message goes to the decision makers who represent your %(region)s.")
            % {"region": label.lower()},
            widget=forms.Select(
                choices=[("", _("Choose your %(region)s") % {"region": label.lower()}), *setup.region_choices()],
                attrs={"autocomplete": "address-level1", "data-constituent-region": ""},
            ),
        )
        self.fields["region"].widget.attrs.pop("maxlength", None)  # a select has no length
        if setup.personal_message:
            self.fields["personal_message"] = forms.CharField(
                label=_("Your own paragraph (optional)"),
                max_length=2000,
                required=False,
                validators=[validate_multiline, validate_no_formula],
                help_text=_("Added to your message after the letter; up to 2,000 characters. Not published."),
                widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
            )

    def _constituent_clean(self, cleaned: dict) -> None:
        from coalition.delivery.constituent_form import constituent_region_resolve

        if "region" in self.errors or "country" in self.errors:
            return
        try:
            cleaned["region"] = constituent_region_resolve(
                setup=self.constituent, country=cleaned.get("country", ""), value=cleaned.get("region", "")
            )
        except ValidationError as error:
            self.add_error("region", error)

    def is_bot(self) -> bool:
        """The honeypot is filled: only software that reads the HTML, not the page, does that."""
        return bool(str(self.data.get(HONEYPOT_FIELD, "")).strip())

    def clean_email(self):
        email = self.cleaned_data["email"]
        validate_single_line(email)
        return email

    def clean(self):
        cleaned = super().clean()
        if self.constituent is not None:
            self._constituent_clean(cleaned)
        if self.errors:
            return cleaned  # the challenge stays unspent until the rest is right
        if not challenge_verify(
            token=cleaned.get("challenge", ""),
            solution=cleaned.get("pow", ""),
            answer=cleaned.get("answer", ""),
            scope=CHALLENGE_SCOPE,
        ):
            self.add_error(
                "answer",
                ValidationError(_("Please answer the question (the sum of the two numbers)."), code="challenge"),
            )
        return cleaned

    def submission(self) -> dict:
        data = self.cleaned_data
        return {
            "first_name": data["first_name"].strip(),
            "last_name": data["last_name"].strip(),
            "email": data["email"],
            "country": data["country"],
            "city": data["city"].strip(),
            "title": data["title"].strip(),
            "comment": data["comment"].strip(),
            "show_name": data["show_name"],
            "show_full_name": bool(data.get("show_full_name")),
            "consent_organization_ids": [
                offer.organization.pk for offer in self.consent_offers if data.get(f"consent_{offer.organization.pk}")
            ],
            "source": data.get("source") or "",
            "region": data.get("region") or "",
            "personal_message": (data.get("personal_message") or "").strip(),
        }


class SignatureActionForm(forms.Form):
    """The button on an emailed link's page: GET shows it, only this POST acts."""

    action = forms.ChoiceField(choices=[("confirm", "confirm"), ("withdraw", "withdraw")])
