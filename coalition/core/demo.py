"""Build the demo site from coalition.core.demo_content. Idempotent: keyed on slugs."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from wagtail.images import get_image_model

from coalition.delivery.models import DecisionMaker, RecipientList
from coalition.letters.models import (
    Endorsement,
    EndorsementNotice,
    LetterPage,
    LetterRecipient,
    LetterStatus,
    LetterStatusChange,
    LetterTranslationPage,
    LetterUpdate,
    RelatedAction,
    Signature,
    SignatureState,
)
from coalition.letters.services import (
    endorsement_approve,
    endorsement_confirm,
    endorsement_create_by_partner,
    endorsement_submit_public,
    letter_accepts_endorsements,
    letter_codrafter_add,
    letter_lead_set,
    letter_status_change,
    signature_counts_reconcile,
)
from coalition.letters.site import site_structure_ensure
from coalition.letters.translations import letter_translation_create
from coalition.orgs.models import Organization
from coalition.orgs.selectors import organization_match
from coalition.orgs.services import organization_create

from . import demo_content
from .demo_images import hero_jpeg, logo_png

logger = logging.getLogger(__name__)

# The path each demo status takes from draft, so the audit log reads like a real campaign.
STATUS_PATHS = {
    LetterStatus.DRAFT: [],
    LetterStatus.OPEN_FOR_ENDORSEMENT: [LetterStatus.OPEN_FOR_ENDORSEMENT],
    LetterStatus.OPEN_FOR_SIGNATURES: [LetterStatus.OPEN_FOR_ENDORSEMENT, LetterStatus.OPEN_FOR_SIGNATURES],
    LetterStatus.CLOSED: [LetterStatus.OPEN_FOR_SIGNATURES, LetterStatus.CLOSED],
    LetterStatus.DELIVERED: [LetterStatus.OPEN_FOR_SIGNATURES, LetterStatus.CLOSED, LetterStatus.DELIVERED],
}


@dataclass
class DemoResult:
    organizations_created: list[str] = field(default_factory=list)
    letters_created: list[str] = field(default_factory=list)
    translations_created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.organizations_created or self.letters_created or self.translations_created)


def _image(*, title: str, filename: str, content: bytes):
    Image = get_image_model()
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    from io import BytesIO

    return Image.objects.create(title=title, file=ImageFile(BytesIO(content), name=filename))


def _organization(data: dict, editor, result: DemoResult) -> Organization:
    org = Organization.objects.filter(slug=data["slug"]).first()
    if org:
        return org
    logo = _image(
        title=f"Logo: {data['name']}",
        filename=f"logo-{data['slug']}.png",
        content=logo_png(name=data["name"], colour=data["colour"]),
    )
    org = organization_create(
        acting_user=editor,
        name=data["name"],
        slug=data["slug"],
        website=data["website"],
        country=data["country"],
        kind=data["kind"],
        description=data["description"],
        verified=data["verified"],
        logo=logo,
    )
    result.organizations_created.append(org.slug)
    return org


def _recipient_lists() -> dict[str, RecipientList]:
    """The demo's recipient lists and their decision makers, found by name and external ID."""
    lists = {}
    for data in demo_content.RECIPIENT_LISTS:
        recipient_list, _created = RecipientList.objects.get_or_create(
            name=data["name"], defaults={"description": data["description"], "region_label": data["region_label"]}
        )
        people = []
        for external_id, name, region in data["decision_makers"]:
            person, _created = DecisionMaker.objects.get_or_create(
                external_id=external_id,
                defaults={
                    "name": name,
                    "title": "Senator",
                    "office": "United States Senate",
                    "email": "senator." + name.split()[-1].lower() + "@senate.example",
                    "country": "US",
                    "region": region,
                },
            )
            people.append(person)
        recipient_list.decision_makers.add(*people)
        lists[recipient_list.name] = recipient_list
    return lists


def _letter(
    data: dict, index, organizations: dict, editor, seed: int, result: DemoResult, recipient_lists: dict
) -> LetterPage:
    letter = LetterPage.objects.child_of(index).filter(slug=data["slug"]).first()
    if letter:
        return letter
    hero = _image(
        title=f"Banner: {data['title']}",
        filename=f"banner-{data['slug']}.jpg",
        content=hero_jpeg(palette=tuple(data["hero"]["palette"]), seed=seed),
    )
    letter = LetterPage(
        title=data["title"],
        slug=data["slug"],
        summary=data["summary"],
        introduction=data["introduction"],
        hero_image=hero,
        hero_caption=data["hero"]["caption"],
        hero_credit=data["hero"]["credit"],
        recipients_line=data["recipients_line"],
        body=data["body"],
        closing=data["closing"],
        language=data["language"],
        signature_goal=data["signature_goal"],
        deadline=data["deadline"],
        thank_you_message=data["thank_you"],
        donate_url=data["donate_url"],
        share_text=data["share_text"],
        delivery_mode=data.get("delivery_mode", "coalition"),
        constituent_digest=data.get("constituent_digest", False),
        allow_personal_message=data.get("allow_personal_message", True),
        owner=editor,
    )
    letter.recipient_lists.set([recipient_lists[name] for name in data.get("recipient_lists", [])])
    for position, recipient in enumerate(data["recipients"]):
        letter.recipients.add(LetterRecipient(sort_order=position, **recipient))
    for position, update in enumerate(data["updates"]):
        letter.updates.add(LetterUpdate(sort_order=position, date=update["date"], text=update["text"]))
    for position, action in enumerate(data["related_actions"]):
        letter.related_actions.add(RelatedAction(sort_order=position, **action))
    index.add_child(instance=letter)
    letter.save_revision(user=editor).publish(user=editor)
    letter_lead_set(letter=letter, organization=organizations[data["lead"]], acting_user=editor)
    for slug in data["co_drafters"]:
        letter_codrafter_add(letter=letter, organization=organizations[slug], acting_user=editor)
    changes = [
        letter_status_change(letter=letter, to_status=status, acting_user=editor, note="Demo campaign set-up")
        for status in STATUS_PATHS[LetterStatus(data["status"])]
    ]
    if data.get("status_since") and changes:
        # A historical campaign: date its status history as the real one was, one day
        # per step, ending on the day it reached its current status.
        since = datetime.combine(data["status_since"], time(12, 0), tzinfo=UTC)
        for steps_back, change in enumerate(reversed(changes)):
            LetterStatusChange.objects.filter(pk=change.pk).update(created_at=since - timedelta(days=steps_back))
        LetterPage.objects.filter(pk=letter.pk).update(status_changed_at=since)
    result.letters_created.append(letter.slug)
    return letter


def _endorsements(letter: LetterPage, data: dict, organizations: dict, editor) -> None:
    """The drafting organizations endorse their open letters; the coalition letter also gets
    its public sign-ons, approved (one still waiting for review), as editors would see them."""
    if editor is None or not letter_accepts_endorsements(letter):
        return
    for slug in [data["lead"], *data["co_drafters"]]:
        organization = organizations[slug]
        if Endorsement.objects.filter(letter=letter, organization=organization).exists():
            continue
        endorsement = endorsement_create_by_partner(
            letter=letter,
            organization=organization,
            acting_user=editor,
            signer_name=demo_content.CONTACT_NAMES[-1 - len(organization.name) % 5],
            signer_title="Executive Director",
        )
        if endorsement.state == "pending_review":
            endorsement_approve(endorsement=endorsement, acting_user=editor)
    if letter.slug != demo_content.ENDORSED_LETTER:
        return
    signons = [(row, True) for row in demo_content.ENDORSERS]
    signons += [(row, False) for row in demo_content.ENDORSERS_PENDING_REVIEW]
    for position, ((name, website, country, kind, colour, display), approve) in enumerate(signons):
        if organization_match(name=name, website=website) is not None:
            continue
        result = endorsement_submit_public(
            letter=letter,
            organization_name=name,
            website=website,
            country=country,
            kind=kind,
            logo=ContentFile(logo_png(name=name, colour=colour), name="logo.png") if display == "public" else None,
            signer_name=demo_content.CONTACT_NAMES[position % len(demo_content.CONTACT_NAMES)],
            signer_title=demo_content.CONTACT_TITLES[position % len(demo_content.CONTACT_TITLES)],
            signer_email="contact@" + website.split("//")[1].strip("/"),
            display=display,
            list_in_pdf=display == "public",
        )
        endorsement = endorsement_confirm(endorsement=result.endorsement, content_hash=None)
        if approve:
            endorsement_approve(endorsement=endorsement, acting_user=editor)


def _signatures(letter: LetterPage, count: int) -> None:
    """Confirmed demo signatures, made directly (the demo signers never had an inbox).

    Written in bulk and counted once by signature_counts_reconcile, as a restored
    backup would be; everything after that (signing, confirming) goes through the services.
    """
    if count <= 0 or Signature.objects.filter(letter=letter).exists():
        return
    first, last, places = (
        demo_content.SIGNER_FIRST_NAMES,
        demo_content.SIGNER_LAST_NAMES,
        demo_content.SIGNER_PLACES,
    )
    start = LetterPage.objects.filter(pk=letter.pk).values_list("status_changed_at", flat=True).first()
    start = start or timezone.now()
    rows = []
    for n in range(count):
        country, city = places[(n * 7 + n // len(places)) % len(places)]
        signed = start - timedelta(minutes=37 * (count - n))
        rows.append(
            Signature(
                letter=letter,
                state=SignatureState.CONFIRMED,
                first_name=first[(n * 5) % len(first)],
                last_name=last[(n * 3 + n // len(last)) % len(last)],
                email=f"signer{n}@{letter.slug[:30]}.example",
                canonical_email=f"signer{n}@{letter.slug[:30]}.example",
                email_domain=f"{letter.slug[:30]}.example",
                country=country,
                city=city,
                show_name=n % 3 == 0,
                show_full_name=n % 6 == 0,
                language=letter.language,
                created_at=signed,
                email_confirmed_at=signed + timedelta(minutes=4),
                confirmed_at=signed + timedelta(minutes=4),
                state_changed_at=signed + timedelta(minutes=4),
            )
        )
    Signature.objects.bulk_create(rows, batch_size=500)
    # auto_now_add ignored the dates given: date them as the campaign ran.
    Signature.objects.filter(letter=letter).update(created_at=F("confirmed_at") - timedelta(minutes=4))
    signature_counts_reconcile(letter=letter)


def _translations(letter: LetterPage, editor, result: DemoResult) -> None:
    """The letter's demo translations, published as its editors would once signed off.

    A language that already has a translation (published or not) is left as it is.
    """
    for language, words in demo_content.TRANSLATIONS.get(letter.slug, {}).items():
        if LetterTranslationPage.objects.child_of(letter).filter(language=language).exists():
            continue
        translation = letter_translation_create(letter=letter, language=language, user=editor)
        for name, value in words.items():
            setattr(translation, name, value)
        translation.save_revision(user=editor).publish(user=editor)
        result.translations_created.append(f"{letter.slug}/{language}")


def demo_load() -> DemoResult:
    """Create the home page, /letters/, the demo organizations, the five demo letters and their translations."""
    result = DemoResult()
    editor = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    with transaction.atomic():
        _home, index = site_structure_ensure()
        organizations = {data["slug"]: _organization(data, editor, result) for data in demo_content.ORGANIZATIONS}
        Organization.objects.filter(slug__in=demo_content.ASKS_SIGNER_CONSENT).update(asks_signer_consent=True)
        recipient_lists = _recipient_lists()
        for seed, data in enumerate(demo_content.LETTERS):
            letter = _letter(data, index, organizations, editor, seed, result, recipient_lists)
            _endorsements(letter, data, organizations, editor)
            _signatures(letter, demo_content.DEMO_SIGNATURES.get(letter.slug, 0))
            # Last: a translation is a child page, so the letter object above is stale after it.
            _translations(letter, editor, result)
        # Demo contacts live at .example addresses: the emails these sign-ons owe are
        # marked sent before commit, so loading the demo prints no mail.
        EndorsementNotice.objects.filter(sent_at__isnull=True).update(sent_at=timezone.now())
    return result
