"""Signatures racing each other: one row per person, counts that add up, never a 500.

Needs a database that runs transactions side by side: PostgreSQL (the CI leg with
DATABASE_URL). SQLite serializes writers, so there is nothing to race there.
"""

import threading

import pytest
from django.db import connection, connections

from coalition.letters import services
from coalition.letters.models import LetterStatus, Signature, SignatureTally
from tests.factories import LetterPageFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent transactions)"),
]

RACERS = 20


def _race(target, racers: int = RACERS) -> list:
    barrier = threading.Barrier(racers)
    outcomes = []

    def run(n):
        try:
            barrier.wait(timeout=10)
            outcomes.append(target(n))
        except Exception as error:  # noqa: BLE001 - the assertion below names any failure
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _sign(letter, email: str, n: int = 0):
    return services.signature_create(
        letter=letter,
        first_name=f"Signer{n}",
        last_name="Khalil",
        email=email,
        country="SY",
        city="Gaziantep",
        ip=f"198.51.100.{n}",
    )


def test_twenty_simultaneous_submissions_with_one_email_leave_exactly_one_row(settings):
    settings.COALITION_SIGNATURE_EMAILS_MAX = 3
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    # Spelled twenty ways, one person.
    outcomes = _race(lambda n: _sign(letter, f"Amina.Khalil+{n}@gmail.com" if n % 2 else "aminakhalil@gmail.com", n))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Signature.objects.filter(letter=letter).count() == 1
    assert sum(1 for o in outcomes if o.created) == 1
    assert Signature.objects.get().emails_sent <= 3


def test_simultaneous_confirmations_add_up_exactly():
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    signatures = [_sign(letter, f"person{n}@example.org", n).signature for n in range(RACERS)]
    outcomes = _race(lambda n: services.signature_confirm(signature=signatures[n]))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert SignatureTally.objects.get(letter=letter, country="SY").confirmed == RACERS
    assert services.signature_counts_reconcile(letter=letter) == 0


def test_one_signature_confirmed_and_withdrawn_at_once_is_counted_consistently():
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    signature = _sign(letter, "amina@example.org").signature

    def act(n):
        if n % 2:
            return services.signature_withdraw(signature=signature)
        try:
            return services.signature_confirm(signature=signature)
        except Exception as error:  # noqa: BLE001 - confirming a withdrawn signature is refused
            return error

    _race(act, racers=6)
    signature.refresh_from_db()
    tally = SignatureTally.objects.filter(letter=letter).first()
    assert signature.state == "withdrawn"
    assert (tally.confirmed if tally else 0) == 0
    assert services.signature_counts_reconcile(letter=letter) == 0
