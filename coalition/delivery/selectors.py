"""Read-side queries on decision makers and recipient lists."""

from django.db.models import Q, QuerySet

from .models import DecisionMaker, RecipientList


def _on_letter_lists(letter) -> QuerySet:
    """Ids of the decision makers on any of the letter's recipient lists (as saved in the database)."""
    return RecipientList.decision_makers.through.objects.filter(recipientlist__letters__pk=letter.pk).values(
        "decisionmaker_id"
    )


def _country_code(country) -> str:
    return str(country or "").strip().upper()  # a code, or a django-countries Country


def decision_makers_for(*, letter, country, region) -> QuerySet[DecisionMaker]:
    """The active decision makers who represent someone in `country` and `region` for this letter.

    Those on the letter's recipient lists with that country, whose region is the given
    one (ignoring case and surrounding spaces) or empty: an office for the whole country
    represents every region. Each once, ordered by name.
    """
    region = (region or "").strip()
    place = Q(region="") | Q(region__iexact=region) if region else Q(region="")
    return (
        DecisionMaker.objects.filter(active=True, country=_country_code(country), pk__in=_on_letter_lists(letter))
        .filter(place)
        .select_related("photo")
        .order_by("name", "pk")
    )


def letter_regions(*, letter, country) -> list[tuple[str, str]]:
    """The regions a signer from `country` can choose for this letter, as (value, label) for a select.

    The distinct non-empty regions of the active decision makers on the letter's lists in
    that country; spellings that differ only in case or surrounding spaces count once.
    """
    regions = (
        DecisionMaker.objects.filter(active=True, country=_country_code(country), pk__in=_on_letter_lists(letter))
        .exclude(region="")
        .values_list("region", flat=True)
        .distinct()
    )
    by_key: dict[str, str] = {}
    for region in sorted(regions):
        region = region.strip()
        if region:
            by_key.setdefault(region.casefold(), region)
    return [(region, region) for _key, region in sorted(by_key.items())]
