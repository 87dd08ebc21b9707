"""The signature form of a constituent letter: the regions it asks about, and the panel above it.

The panel says who the signer's message goes to once their country and region are known
("Your senators: ..."), with a preview of the message, tokens marked. Built for the view
that builds the form (letters.views.signatures.signature_form) and checked again by the
form and the API: a region is one the letter's recipient lists cover, or none at all when
the signer's country has no regions on them.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_countries import countries

from coalition.letters.text import LetterText

from .constituent import CONSTITUENT, decision_maker_display_name, letter_subject, one_line, token_segments
from .models import DecisionMaker
from .selectors import decision_makers_for, letter_regions


@dataclass(frozen=True)
class RegionOption:
    """A region a letter's decision makers represent, as the form offers it ("US:CA")."""

    country: str
    code: str
    label: str

    @property
    def value(self) -> str:
        return f"{self.country}:{self.code}"


@dataclass(frozen=True)
class ConstituentSetup:
    """What a constituent letter's signature form asks: the regions its lists cover, and their name."""

    region_label: str
    regions: tuple[RegionOption, ...]
    countries: tuple[tuple[str, str], ...]
    personal_message: bool

    @property
    def region_countries(self) -> set[str]:
        return {option.country for option in self.regions}

    def region_choices(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Grouped by country, for a select: [(country name, [(value, label), ...]), ...]."""
        names = dict(self.countries)
        groups: dict[str, list[tuple[str, str]]] = {}
        for option in self.regions:
            groups.setdefault(names.get(option.country, option.country), []).append((option.value, option.label))
        return list(groups.items())

    def find(self, *, country: str, code: str) -> RegionOption | None:
        key = (country.upper(), code.casefold())
        return next((o for o in self.regions if (o.country, o.code.casefold()) == key), None)


def _country_name(code: str) -> str:
    return str(countries.name(code)) or code


def constituent_setup(*, letter) -> ConstituentSetup | None:
    """The form's regions for a constituent letter (None for any other letter)."""
    if letter.delivery_mode != CONSTITUENT:
        return None
    lists = list(letter.recipient_lists.all())
    covered = sorted(
        {
            str(code)
            for code in DecisionMaker.objects.filter(recipient_lists__in=lists, active=True)
            .values_list("country", flat=True)
            .distinct()
            if code
        },
        key=_country_name,
    )
    regions = []
    for country in covered:
        for code, label in letter_regions(letter=letter, country=country):
            if not code:
                continue
            text = label if label and code.casefold() in label.casefold() else f"{label} ({code})" if label else code
            regions.append(RegionOption(country=country, code=code, label=one_line(text)))
    region_label = next((one_line(lst.region_label) for lst in lists if lst.region_label.strip()), "")
    return ConstituentSetup(
        region_label=region_label or _("Region"),
        regions=tuple(regions),
        countries=tuple((code, _country_name(code)) for code in covered),
        personal_message=bool(letter.allow_personal_message),
    )


def constituent_region_resolve(*, setup: ConstituentSetup, country: str, value: str) -> str:
    """The region code a signer chose ("US:CA", or "CA" with country "US"), checked against the letter.

    Raises ValidationError when the country has regions on the letter's lists and none was
    chosen, when the region is in another country, or when it is not on the lists at all.
    """
    country = (country or "").strip().upper()
    value = one_line(value)
    label = setup.region_label
    if not value:
        if country in setup.region_countries:
            raise ValidationError(
                _("Choose your %(label)s: your message goes to the decision makers who represent it.")
                % {"label": label.lower()},
                code="required",
            )
        return ""
    region_country, _sep, code = value.rpartition(":")
    region_country = region_country.strip().upper() or country
    code = code.strip()
    if country and region_country != country:
        raise ValidationError(
            _("The %(label)s you chose is not in the country you chose: choose one in %(country)s.")
            % {"label": label.lower(), "country": _country_name(country)},
            code="country",
        )
    option = setup.find(country=region_country, code=code)
    if option is None:
        raise ValidationError(
            _(
                "“%(value)s” is not a %(label)s that this letter's decision makers represent: "
                "choose yours from the list."
            )
            % {"value": value[:100], "label": label.lower()},
            code="invalid_region",
        )
    return option.code


def constituent_region_check(*, letter, country: str, region: str) -> str:
    """For callers without a form (the API): the region code to store, or ValidationError."""
    setup = constituent_setup(letter=letter)
    if setup is None:
        return ""
    return constituent_region_resolve(setup=setup, country=country, value=region)


def _plural_heading(decision_makers: list[DecisionMaker], language: str) -> str:
    """ "Your senators" when they share a one-word English title, else "Your decision makers"."""
    titles = {dm.title.strip() for dm in decision_makers}
    if len(titles) == 1 and language == "en":
        (title,) = titles
        if re.fullmatch(r"[A-Za-z]+", title or ""):
            word = title.lower() if title[1:].islower() else title
            return f"Your {word}s" if len(decision_makers) > 1 else f"Your {word}"
    return _("Your decision makers")


@dataclass
class ConstituentPreview:
    """What the panel shows: who the message goes to, and the message itself, tokens marked."""

    country: str = ""
    region: str = ""  # the code, once it is known and on the lists
    region_value: str = ""  # "US:CA", what the selects show as chosen
    region_known: bool = False
    decision_makers: list[DecisionMaker] = field(default_factory=list)
    heading: str = ""
    subject: str = ""
    paragraphs: list[list[tuple[str, str]]] = field(default_factory=list)
    personal_message: bool = False
    signature_lines: list[list[tuple[str, str]]] = field(default_factory=list)
    error: str = ""

    @property
    def names(self) -> list[str]:
        return [decision_maker_display_name(dm) for dm in self.decision_makers]


def constituent_preview(
    *,
    letter,
    setup: ConstituentSetup,
    country: str = "",
    region: str = "",
    signer_name: str = "",
    signer_city: str = "",
) -> ConstituentPreview:
    """The panel for what the page was asked about (`?country=US&region=CA`, or a form sent back).

    Never raises: an unknown region becomes a message in the panel.
    """
    country = one_line(country).upper()[:2]
    region = one_line(region)[:110]
    if not country and ":" in region:
        country = region.partition(":")[0].strip().upper()[:2]
    if country and country not in countries:
        country = ""
    preview = ConstituentPreview(country=country, personal_message=setup.personal_message)
    if country:
        try:
            code = constituent_region_resolve(setup=setup, country=country, value=region)
        except ValidationError as error:
            code = None
            if region:
                preview.error = " ".join(error.messages)
        if code is not None:
            preview.region = code
            preview.region_value = f"{country}:{code}" if code else ""
            preview.region_known = True
            preview.decision_makers = [
                dm for dm in decision_makers_for(letter=letter, country=country, region=code) if dm.email
            ]
            preview.heading = _plural_heading(preview.decision_makers, letter.language)
    first = preview.decision_makers[0] if preview.decision_makers else None
    values = {
        "decision maker": decision_maker_display_name(first) if first else "",
        "your name": one_line(signer_name),
        "your city": one_line(signer_city),
    }
    text = LetterText.of(letter)
    preview.subject = letter_subject(letter)
    preview.paragraphs = [token_segments(line, values) for line in (text.recipients_line, *text.paragraphs) if line]
    preview.signature_lines = [
        token_segments(line, values) for line in (text.closing, "[Your Name]", "[Your City]") if line
    ]
    return preview
