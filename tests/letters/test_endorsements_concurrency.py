"""Sign-ons racing each other end with one organization and one endorsement, never a 500.

Needs a database that runs transactions side by side: PostgreSQL (the CI leg with
DATABASE_URL). SQLite serializes writers, so there is nothing to race there.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from coalition.letters import services
from coalition.letters.models import Endorsement, LetterStatus
from coalition.letters.text import letter_text_hash
from coalition.orgs.models import Membership, Organization
from tests.factories import LetterPageFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent transactions)"),
]

RACERS = 6


def _race(target) -> list:
    barrier = threading.Barrier(RACERS)
    outcomes = []

    def run(n):
        try:
            barrier.wait(timeout=10)
            outcomes.append(target(n))
        except Exception as error:  # noqa: BLE001 - the assertion below names any failure
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_simultaneous_public_signons_for_one_new_organization_make_one_of_each():
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    content_hash = letter_text_hash(letter)

    def sign_on(n):
        return services.endorsement_submit_public(
            letter=letter,
            organization_name="Civil Defence Volunteers",
            website="https://civil-defence.example/",
            country="SY",
            kind=Organization.Kind.GRASSROOTS,
            signer_name=f"Contact {n}",
            signer_title="Coordinator",
            signer_email=f"contact{n}@civil-defence.example",
            display=Endorsement.Display.PUBLIC,
            list_in_pdf=True,
            content_hash=content_hash,
        )

    outcomes = _race(sign_on)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Organization.objects.filter(name="Civil Defence Volunteers").count() == 1
    assert Endorsement.objects.filter(letter=letter).count() == 1
    assert sum(1 for o in outcomes if o.created) == 1


def test_simultaneous_partner_endorsements_make_one_and_refuse_the_rest_cleanly():
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    organization = OrganizationFactory(verified=True)
    owners = [UserFactory() for _ in range(RACERS)]
    for owner in owners:
        MembershipFactory(organization=organization, user=owner, role=Membership.Role.OWNER)

    def endorse(n):
        try:
            return services.endorsement_create_by_partner(
                letter=letter,
                organization=organization,
                acting_user=owners[n],
                signer_name=f"Owner {n}",
                signer_title="Director",
            )
        except ValidationError as error:
            return error.code

    outcomes = _race(endorse)
    assert Endorsement.objects.filter(letter=letter, organization=organization).count() == 1
    assert sum(isinstance(o, Endorsement) for o in outcomes) == 1
    assert sorted(o for o in outcomes if not isinstance(o, Endorsement)) == ["already_endorsed"] * (RACERS - 1)
