"""The letter page reads stored counts, never the signatures themselves: its database work does
not grow with the number of signatures (benchmarks/letter_page_1m.py measures it with a million)."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coalition.letters.models import LetterStatus, Signature, SignatureState
from coalition.letters.selectors import RECENT_SIGNERS
from coalition.letters.services import signature_counts_reconcile
from tests.factories import LetterPageFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

COUNTRIES = ["SY", "LB", "FR", "DE", "TR", "JO", "EG"]
# The signatures table itself, not letters_signaturetally or letters_signatureconsent.
SIGNATURES_TABLE = re.compile(r'\bFROM "letters_signature"(?=\s|$)', re.IGNORECASE)


@pytest.fixture
def letter(index):
    lead = OrganizationFactory(asks_signer_consent=True)
    return LetterPageFactory(
        status=LetterStatus.OPEN_FOR_SIGNATURES,
        signature_goal=1000,
        lead_organization=lead,
        co_drafters=[OrganizationFactory(), OrganizationFactory()],
    )


def add_confirmed_signatures(letter, count: int) -> None:
    """`count` confirmed signatures across countries, every third listed by name; tallies recounted."""
    now = timezone.now()
    Signature.objects.bulk_create(
        Signature(
            letter=letter,
            state=SignatureState.CONFIRMED,
            first_name=f"Signer{n}",
            last_name="Haddad",
            email=f"signer{n}@example.org",
            canonical_email=f"signer{n}@example.org",
            email_domain="example.org",
            country=COUNTRIES[n % len(COUNTRIES)],
            city="Beirut",
            show_name=n % 3 == 0,
            email_confirmed_at=now - timedelta(minutes=n),
            confirmed_at=now - timedelta(minutes=n),
            state_changed_at=now - timedelta(minutes=n),
        )
        for n in range(count)
    )
    signature_counts_reconcile(letter=letter)


def page_queries(client, letter) -> tuple[list[str], str]:
    """The SQL of one view of the letter page with nothing cached (its fragments rebuilt), and the page."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(letter.url)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries], response.content.decode()


def shown_count(html: str) -> str:
    return re.search(r'class="signature-count__number"><strong>([^<]+)</strong>', html).group(1)


def test_the_letter_page_queries_do_not_grow_with_the_number_of_signatures(client, letter):
    client.get(letter.url)  # the first view of all: site root paths, the CSRF cookie
    none, empty_page = page_queries(client, letter)
    add_confirmed_signatures(letter, 50)
    many, full_page = page_queries(client, letter)

    assert shown_count(empty_page) == "0"
    assert shown_count(full_page) == "50"  # the fragments were rebuilt from the new tallies
    assert "Signer0 H." in full_page and "Signer3 H." in full_page  # recent public signers, newest first
    assert "Signer1 H." not in full_page  # not listed: did not choose to show the name
    assert len(many) == len(none), "\n".join(many)


def test_the_letter_page_never_counts_signature_rows(client, letter):
    add_confirmed_signatures(letter, 20)
    queries, _html = page_queries(client, letter)

    on_signatures = [sql for sql in queries if SIGNATURES_TABLE.search(sql)]
    assert on_signatures, "the recent public signers are read from the signatures table"
    for sql in on_signatures:
        assert "COUNT(" not in sql.upper(), sql
        # An index scan for the few newest public signers, never a pass over the table.
        assert re.search(rf"\bLIMIT {RECENT_SIGNERS}\b", sql), sql


def test_a_cached_page_reads_no_signature_data_at_all(client, letter):
    add_confirmed_signatures(letter, 20)
    page_queries(client, letter)  # fills the cached fragments
    with CaptureQueriesContext(connection) as queries:
        assert client.get(letter.url).status_code == 200

    read = [q["sql"] for q in queries.captured_queries if "letters_signature" in q["sql"]]
    assert read == [], read


def test_the_shared_form_parts_never_keep_a_visitors_answers(client, letter):
    """The empty form's fields and the country list are cached; a form sent back with errors is not."""
    client.get(letter.url)  # caches the empty form's fields
    data = {"first_name": "Amina", "last_name": "Khalil", "email": "not-an-address", "country": "LB", "city": "Tyre"}
    sent_back = client.post(letter.url + "sign/", data).content.decode()
    assert '<option value="LB" selected>' in sent_back and 'value="Amina"' in sent_back

    fresh = client.get(letter.url).content.decode()
    assert '<option value="" selected>' in fresh and '<option value="LB" selected>' not in fresh
    assert 'value="Amina"' not in fresh and 'value="Tyre"' not in fresh
