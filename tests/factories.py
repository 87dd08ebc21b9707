"""factory_boy factories for the models tests build on."""

import factory
from django.contrib.auth import get_user_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from coalition.letters.models import LetterIndexPage, LetterPage, LetterStatus
from coalition.letters.services import letter_codrafter_add, letter_lead_set
from coalition.letters.site import site_structure_ensure
from coalition.orgs.models import Membership, Organization
from coalition.orgs.services import membership_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@people.example")
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.PostGenerationMethodCall("set_password", "a-long-test-password")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class EditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"editor{n}")
    is_staff = True
    is_superuser = True


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_image_model()

    title = factory.Sequence(lambda n: f"Image {n}")
    file = factory.LazyFunction(get_test_image_file)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Rights Group {n}")
    slug = factory.Sequence(lambda n: f"rights-group-{n}")
    website = factory.Sequence(lambda n: f"https://group{n}.example.org/")
    country = "SY"
    kind = Organization.Kind.NGO
    description = "Documents violations and supports survivors."


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the service, so the person joins the organization's staff group.
        return membership_create(acting_user=None, audit=False, **kwargs)


def letter_index() -> LetterIndexPage:
    _home, index = site_structure_ensure()
    return index


class LetterPageFactory(factory.Factory):
    """Builds a LetterPage and adds it under /letters/ (Wagtail pages need add_child)."""

    class Meta:
        model = LetterPage

    title = factory.Sequence(lambda n: f"Letter number {n}")
    slug = factory.Sequence(lambda n: f"letter-{n}")
    summary = "Organizations ask for accountability."
    recipients_line = "Dear Mr. President,"
    body = "<p>We write to ask you to act.</p>"
    closing = "Yours sincerely,"
    language = "en"
    lead_organization = factory.SubFactory(OrganizationFactory)
    status = LetterStatus.DRAFT

    @classmethod
    def _create(cls, model_class, *args, parent=None, live=True, co_drafters=(), **kwargs):
        lead = kwargs.pop("lead_organization")
        page = model_class(*args, **kwargs)
        page.live = live
        (parent or letter_index()).add_child(instance=page)
        if live:
            page.save_revision().publish()
        if lead is not None:
            letter_lead_set(letter=page, organization=lead, acting_user=None)
        for org in co_drafters:
            letter_codrafter_add(letter=page, organization=org, acting_user=None)
        return LetterPage.objects.get(pk=page.pk)


def letter_form_data(letter=None, *, body: str = "<p>We ask you to act.</p>", **overrides) -> dict:
    """POST data for the Wagtail page editor of a LetterPage (create or edit)."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    fields = {
        "title": getattr(letter, "title", "A new coalition letter"),
        "slug": getattr(letter, "slug", "a-new-coalition-letter"),
        "summary": getattr(letter, "summary", "Short summary."),
        "recipients_line": getattr(letter, "recipients_line", "Dear Minister,"),
        "body": rich_text(body),
        "introduction": rich_text(""),
        "thank_you_message": rich_text(""),
        "closing": getattr(letter, "closing", "Yours sincerely,"),
        "language": "en",
        "text_direction": "auto",
        "delivery_mode": "coalition",
        "recipients": inline_formset([]),
        "updates": inline_formset([]),
        "related_actions": inline_formset([]),
        "comments": inline_formset([]),
    }
    fields.update(overrides)
    return nested_form_data(fields)


def endorsement_for(
    letter,
    organization=None,
    *,
    state: str = "approved",
    display: str = "public",
    signer_email: str = "",
    signer_name: str = "Rana Haddad",
    signer_title: str = "Executive Director",
    list_in_pdf: bool = True,
):
    """An endorsement of the letter's current text, put straight into `state`.

    For tests that need endorsements to exist; the services' own tests walk the
    transitions instead.
    """
    import secrets

    from django.utils import timezone

    from coalition.letters.models import Endorsement
    from coalition.letters.text import letter_text_hash

    organization = organization or OrganizationFactory()
    now = timezone.now()
    return Endorsement.objects.create(
        letter=letter,
        organization=organization,
        state=state,
        display=display,
        list_in_pdf=list_in_pdf,
        signer_name=signer_name,
        signer_title=signer_title,
        signer_email=signer_email or f"contact@{organization.slug}.example.org",
        source=Endorsement.Source.PUBLIC_FORM,
        nonce=secrets.token_urlsafe(24),
        revision=letter.live_revision,
        content_hash=letter_text_hash(letter),
        state_changed_at=now,
        confirmed_at=now if state != "pending_confirmation" else None,
        approved_at=now if state == "approved" else None,
    )


class SignatureFactory(factory.django.DjangoModelFactory):
    """A signature put straight into its state (default: confirmed), with its tally moved to match.

    For tests that need signatures to exist; the services' own tests walk the transitions.
    """

    class Meta:
        model = "letters.Signature"

    letter = factory.LazyFunction(lambda: LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES))
    state = "confirmed"
    first_name = "Amina"
    last_name = factory.Sequence(lambda n: f"Signer{n}")
    email = factory.LazyAttribute(lambda o: f"{o.first_name}.{o.last_name}@mail.example".lower())
    country = "SY"
    city = "Gaziantep"
    show_name = True
    language = "en"

    @classmethod
    def _create(cls, model_class, *args, consents=(), **kwargs):
        from django.utils import timezone

        from coalition.core.emails import email_canonical
        from coalition.letters.models import SignatureConsent, SignatureTally

        canonical, domain = email_canonical(kwargs["email"])
        kwargs.setdefault("canonical_email", canonical)
        kwargs.setdefault("email_domain", domain)
        now = timezone.now()
        if kwargs["state"] == "confirmed":
            kwargs.setdefault("email_confirmed_at", now)
            kwargs.setdefault("confirmed_at", now)
        kwargs.setdefault("state_changed_at", now)
        created_at = kwargs.pop("created_at", None)
        signature = model_class.objects.create(*args, **kwargs)
        if created_at is not None:  # auto_now_add ignores a given value
            model_class.objects.filter(pk=signature.pk).update(created_at=created_at)
            signature.created_at = created_at
        if signature.state == "confirmed":
            tally, _created = SignatureTally.objects.get_or_create(
                letter=signature.letter, country=str(signature.country)
            )
            tally.confirmed += 1
            tally.save()
        for organization in consents:
            SignatureConsent.objects.create(
                signature=signature,
                organization=organization,
                consent_text=f"Keep me informed about {organization.name}'s work",
            )
        return signature
