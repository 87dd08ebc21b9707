"""Decision makers and recipient lists for the delivery tests."""

import factory

from coalition.delivery.models import DecisionMaker, RecipientList
from coalition.letters.models import LetterStatus
from tests.factories import LetterPageFactory


class DecisionMakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DecisionMaker

    external_id = factory.Sequence(lambda n: f"dm-{n}")
    name = factory.Sequence(lambda n: f"Person Number{n}")
    title = "Senator"
    office = "United States Senate"
    email = factory.Sequence(lambda n: f"office{n}@senate.example")
    country = "US"
    region = "CA"
    active = True


class RecipientListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecipientList
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Recipient list {n}")
    region_label = "State"

    @factory.post_generation
    def decision_makers(self, create, extracted, **kwargs):
        if create and extracted:
            self.decision_makers.add(*extracted)


def constituent_letter(*, recipient_lists=(), **kwargs):
    """A letter open for signatures whose signers write to their own decision makers on `recipient_lists`."""
    kwargs.setdefault("status", LetterStatus.OPEN_FOR_SIGNATURES)
    kwargs.setdefault("delivery_mode", "constituent")
    letter = LetterPageFactory(**kwargs)
    letter.recipient_lists.set(list(recipient_lists))
    letter.save()
    return letter
