"""The letter detail's public delivery history: when, to whom (names only), with how many signatories."""

from datetime import UTC, datetime

import pytest

from coalition.delivery.models import DeliveryState, LetterDelivery
from coalition.letters.models import LetterStatus
from tests.factories import LetterPageFactory

pytestmark = pytest.mark.django_db

RECIPIENTS = [
    {"name": "Jordan Avery", "title": "President", "office": "The Presidency", "email": "president@gov.example"},
    {"name": "Casey Moore", "title": "Senator", "office": "Senate", "email": "casey@senate.example"},
    {"name": "Rosa Alvarado", "title": "Senator", "office": "Senate", "email": "alvarado@senate.example"},
    {"name": "Ben Whitcombe", "title": "Senator", "office": "Senate", "email": "whitcombe@senate.example"},
]  # fmt: skip


def delivery_on(letter, *, when: datetime, state=DeliveryState.SENT, **fields) -> LetterDelivery:
    fields.setdefault("recipients", RECIPIENTS)
    delivery = LetterDelivery.objects.create(letter=letter, state=state, **fields)
    LetterDelivery.objects.filter(pk=delivery.pk).update(created_at=when)  # auto_now_add ignores a given value
    return delivery


def deliveries_of(client, letter) -> list:
    response = client.get(f"/api/v1/letters/{letter.slug}/")
    assert response.status_code == 200
    return response.json()["deliveries"]


@pytest.fixture
def delivered(index):
    letter = LetterPageFactory(title="Stand with the families", status=LetterStatus.DELIVERED)
    first = delivery_on(
        letter,
        when=datetime(2025, 3, 4, 10, 30, tzinfo=UTC),
        organizations_count=12,
        signatures_count=340,
        signatures_total=340,
    )
    delivery_on(
        letter,
        when=datetime(2025, 4, 1, 9, 0, tzinfo=UTC),
        kind=LetterDelivery.Kind.ADDENDUM,
        addendum_to=first,
        state=DeliveryState.PARTIAL,  # some messages failed: it was still delivered
        organizations_count=12,
        signatures_count=25,
        signatures_total=365,
    )
    return letter


def test_a_delivered_letter_lists_its_delivery_and_addendum_with_counts_and_recipient_names(client, delivered):
    assert deliveries_of(client, delivered) == [
        {
            "kind": "delivery",
            "date": "2025-03-04T10:30:00Z",
            "recipients": ["Jordan Avery", "Casey Moore", "Rosa Alvarado"],
            "other_recipients": 1,
            "organizations": 12,
            "individuals": 340,
        },
        {
            "kind": "addendum",
            "date": "2025-04-01T09:00:00Z",
            "recipients": ["Jordan Avery", "Casey Moore", "Rosa Alvarado"],
            "other_recipients": 1,
            "organizations": 12,
            "individuals": 25,
        },
    ]


def test_the_delivery_history_holds_no_email_address(client, delivered):
    body = client.get(f"/api/v1/letters/{delivered.slug}/").content.decode()

    assert "@" not in body
    for recipient in RECIPIENTS:
        assert recipient["email"] not in body
        assert recipient["office"] not in body


def test_an_undelivered_letter_has_no_deliveries(client, index):
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)

    assert deliveries_of(client, letter) == []


def test_a_delivery_still_sending_or_failed_is_not_listed(client, index):
    letter = LetterPageFactory(status=LetterStatus.CLOSED)
    delivery_on(letter, when=datetime(2025, 5, 1, tzinfo=UTC), state=DeliveryState.SENDING, signatures_count=10)
    delivery_on(letter, when=datetime(2025, 5, 2, tzinfo=UTC), state=DeliveryState.FAILED, signatures_count=10)

    assert deliveries_of(client, letter) == []


def test_recipients_without_a_name_are_left_out(client, index):
    letter = LetterPageFactory(status=LetterStatus.DELIVERED)
    delivery_on(
        letter,
        when=datetime(2025, 6, 1, tzinfo=UTC),
        recipients=[{"name": "", "email": "desk@gov.example"}, {"name": "Ines Moreau", "email": "moreau@gov.example"}],
    )

    [record] = deliveries_of(client, letter)
    assert (record["recipients"], record["other_recipients"]) == (["Ines Moreau"], 0)


def test_the_letter_list_does_not_carry_the_history(client, delivered):
    [result] = client.get("/api/v1/letters/").json()["results"]

    assert result["slug"] == delivered.slug
    assert "deliveries" not in result
