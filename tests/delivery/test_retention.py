"""Retention and constituent messages: an anonymised signer's words leave the messages sent for them.

The row of each message stays (to whom, when, in what state); its body, which held the
signer's full name, city and paragraph, is replaced by a note. A digest names several
signers and goes as soon as one of them is anonymised.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from coalition.delivery.constituent import constituent_digests_build, constituent_messages_create
from coalition.delivery.models import OutgoingMessage
from coalition.letters.models import LetterPage, LetterStatus
from coalition.letters.services import signatures_anonymise
from coalition.letters.services.signature_retention import _messages_redact
from tests.delivery.factories import DecisionMakerFactory, RecipientListFactory, constituent_letter
from tests.factories import SignatureFactory

pytestmark = pytest.mark.django_db
State = OutgoingMessage.State
Kind = OutgoingMessage.Kind
PARAGRAPH = "My brother was taken from our home in Daraya in 2013."
KEPT = ["recipient_name", "recipient_email", "subject", "state", "sent_at", "created_at", "decision_maker_id"]


@pytest.fixture(autouse=True)
def retention(settings):
    settings.COALITION_SIGNATURE_RETENTION_DAYS = 365


@pytest.fixture
def senate(db):
    return RecipientListFactory(
        name="US Senate",
        decision_makers=[
            DecisionMakerFactory(name="Rosa Alvarado", region="CA", email="alvarado@senate.example"),
            DecisionMakerFactory(name="Ben Whitcombe", region="CA", email="whitcombe@senate.example"),
        ],
    )


def letter_for(senate, **kwargs) -> LetterPage:
    return constituent_letter(
        recipients_line="Dear [Decision Maker],",
        body="<p>My name is [Your Name] and I live in [Your City].</p>",
        allow_personal_message=True,
        recipient_lists=[senate],
        **kwargs,
    )


def retire(letter, *, days_ago: int = 400) -> None:
    """Closed long enough ago for its signatures to be due."""
    LetterPage.objects.filter(pk=letter.pk).update(
        status=LetterStatus.CLOSED, status_changed_at=timezone.now() - timedelta(days=days_ago)
    )


def signer_with_messages(letter, **fields):
    """A confirmed signer in California whose messages went out."""
    values = {"country": "US", "region": "CA", "show_name": True, "personal_message": PARAGRAPH}
    signature = SignatureFactory(letter=letter, **{**values, **fields})
    ids = constituent_messages_create(signature=signature)
    assert len(ids) == 2
    OutgoingMessage.objects.filter(pk__in=ids, state=State.PENDING).update(state=State.SENT, sent_at=timezone.now())
    return signature


def snapshot(messages) -> dict:
    return {message.pk: {field: getattr(message, field) for field in KEPT} for message in messages}


@pytest.fixture
def closed_letter(index, senate):
    return letter_for(senate, title="Back the referral")


def test_an_anonymised_signers_messages_lose_the_body_and_keep_the_record(closed_letter):
    signature = signer_with_messages(closed_letter, first_name="Amina", last_name="Khalil", city="Fresno")
    messages = list(OutgoingMessage.objects.filter(signature=signature))
    assert all("Amina Khalil" in m.body and "Fresno" in m.body and PARAGRAPH in m.body for m in messages)
    before = snapshot(messages)
    retire(closed_letter)

    assert signatures_anonymise() == 1

    messages = list(OutgoingMessage.objects.filter(signature=signature))
    assert len(messages) == 2
    today = timezone.localdate().isoformat()
    for message in messages:
        for word in ("Amina", "Khalil", "Fresno", "Daraya", "brother"):
            assert word not in message.body
        assert message.body == (
            f"[Removed: this message's sender was anonymised on {today} under the retention policy.]"
        )
    assert snapshot(messages) == before
    assert {m.state for m in messages} == {State.SENT}
    assert {m.recipient_email for m in messages} == {"alvarado@senate.example", "whitcombe@senate.example"}


def test_messages_of_signers_not_anonymised_are_untouched(index, senate, closed_letter):
    signer_with_messages(closed_letter, first_name="Amina", last_name="Khalil", city="Fresno")
    still_open = letter_for(senate, title="Still open")
    other = signer_with_messages(still_open, first_name="Omar", last_name="Haddad", city="Sacramento")
    recently_closed = letter_for(senate, title="Closed last month")
    recent = signer_with_messages(recently_closed, first_name="Lina", last_name="Saleh", city="Oakland")
    retire(recently_closed, days_ago=30)
    bodies = dict(OutgoingMessage.objects.filter(signature__in=[other, recent]).values_list("pk", "body"))
    retire(closed_letter)

    assert signatures_anonymise() == 1

    assert dict(OutgoingMessage.objects.filter(signature__in=[other, recent]).values_list("pk", "body")) == bodies
    assert all("Omar Haddad" in body or "Lina Saleh" in body for body in bodies.values())


def test_running_it_again_changes_nothing(closed_letter):
    signature = signer_with_messages(closed_letter, first_name="Amina", last_name="Khalil", city="Fresno")
    retire(closed_letter)
    assert signatures_anonymise() == 1
    after_first = {m.pk: (m.body, *snapshot([m])[m.pk].values()) for m in signature.outgoing_messages.all()}

    assert signatures_anonymise(now=timezone.now() + timedelta(days=3)) == 0

    assert {m.pk: (m.body, *snapshot([m])[m.pk].values()) for m in signature.outgoing_messages.all()} == after_first


# --- digests ------------------------------------------------------------------------------------


@pytest.fixture
def digested(index, senate):
    """Two signers whose messages went out in one digest per senator."""
    letter = letter_for(senate, title="Back the referral daily", constituent_digest=True)
    amina = signer_with_messages(letter, first_name="Amina", last_name="Khalil", city="Fresno")
    omar = signer_with_messages(letter, first_name="Omar", last_name="Haddad", city="Sacramento", personal_message="")
    assert constituent_digests_build() == 2
    OutgoingMessage.objects.filter(kind=Kind.DIGEST).update(state=State.SENT, sent_at=timezone.now())
    OutgoingMessage.objects.filter(kind=Kind.CONSTITUENT).update(state=State.IN_DIGEST, sent_at=timezone.now())
    return letter, amina, omar


def test_a_digest_loses_its_body_when_its_signers_are_anonymised(digested):
    letter, amina, omar = digested
    digests = list(OutgoingMessage.objects.filter(kind=Kind.DIGEST))
    assert all("Amina Khalil, Fresno" in d.body and "Omar Haddad, Sacramento" in d.body for d in digests)
    before = snapshot(digests)
    retire(letter)

    assert signatures_anonymise() == 2

    digests = list(OutgoingMessage.objects.filter(kind=Kind.DIGEST))
    for digest in digests:
        for word in ("Amina", "Khalil", "Fresno", "Omar", "Haddad", "Sacramento", "Daraya"):
            assert word not in digest.body
        assert digest.body.startswith("[Removed: a sender named in this digest was anonymised on ")
    assert snapshot(digests) == before
    assert all(m.body.startswith("[Removed: ") for m in OutgoingMessage.objects.filter(kind=Kind.CONSTITUENT))
    assert set(OutgoingMessage.objects.filter(kind=Kind.CONSTITUENT).values_list("state", flat=True)) == {
        State.IN_DIGEST
    }


def test_one_anonymised_signer_is_enough_to_remove_a_digests_body(digested):
    _letter, amina, omar = digested
    omars_messages = dict(OutgoingMessage.objects.filter(signature=omar).values_list("pk", "body"))

    assert _messages_redact(signature_ids=[amina.pk], now=timezone.now()) == 4  # two messages, two digests

    assert all(d.body.startswith("[Removed: ") for d in OutgoingMessage.objects.filter(kind=Kind.DIGEST))
    assert dict(OutgoingMessage.objects.filter(signature=omar).values_list("pk", "body")) == omars_messages
    assert _messages_redact(signature_ids=[amina.pk, omar.pk], now=timezone.now()) == 2  # only Omar's own


def test_a_digest_of_another_letter_is_untouched(digested, index, senate):
    letter, _amina, _omar = digested
    other = letter_for(senate, title="Another daily letter", constituent_digest=True)
    signer_with_messages(other, first_name="Lina", last_name="Saleh", city="Oakland")
    assert constituent_digests_build() == 2
    kept = dict(OutgoingMessage.objects.filter(kind=Kind.DIGEST, letter=other).values_list("pk", "body"))
    assert all("Lina Saleh, Oakland" in body for body in kept.values())
    retire(letter)

    assert signatures_anonymise() == 2

    assert dict(OutgoingMessage.objects.filter(kind=Kind.DIGEST, letter=other).values_list("pk", "body")) == kept


def test_an_anonymised_signers_unsent_messages_are_cancelled_and_their_own_words_removed(closed_letter):
    signature = SignatureFactory(
        letter=closed_letter, country="US", region="CA", show_name=True, personal_message=PARAGRAPH
    )
    ids = constituent_messages_create(signature=signature)
    assert OutgoingMessage.objects.filter(pk__in=ids, state=State.PENDING).count() == 2  # never sent
    retire(closed_letter)

    signatures_anonymise()

    assert set(OutgoingMessage.objects.filter(pk__in=ids).values_list("state", flat=True)) == {State.CANCELLED}
    signature.refresh_from_db()
    assert signature.personal_message == "" and signature.region == ""
