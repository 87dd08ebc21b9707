"""Retention: signers' personal details are removed a year after their letter closed or was delivered."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from coalition.letters.models import LetterPage, LetterStatus, Signature, SignatureState, SignatureTally
from coalition.letters.services import signature_from_token, signatures_anonymise, signatures_due_for_anonymisation
from coalition.letters.services.signatures import WITHDRAW_SALT
from coalition.letters.services.tokens import row_token
from tests.factories import LetterPageFactory, SignatureFactory

pytestmark = pytest.mark.django_db


def letter_with_status(status, *, days_ago: int, **kwargs) -> LetterPage:
    letter = LetterPageFactory(status=status, **kwargs)
    LetterPage.objects.filter(pk=letter.pk).update(status_changed_at=timezone.now() - timedelta(days=days_ago))
    return LetterPage.objects.get(pk=letter.pk)


@pytest.fixture
def old_closed(db):
    return letter_with_status(LetterStatus.CLOSED, days_ago=400, title="Closed long ago")


def signer(letter, **fields) -> Signature:
    values = {
        "first_name": "Amina",
        "last_name": "Khalil",
        "email": "Amina.Khalil+petition@mail.example",
        "ip_address": "203.0.113.9",
        "title": "Journalist",
        "comment": "For my colleagues.",
        "city": "Gaziantep",
        "country": "SY",
        "show_name": True,
    }
    values.update(fields)
    return SignatureFactory(letter=letter, **values)


def test_a_signature_on_a_letter_closed_over_a_year_ago_is_anonymised(old_closed, settings):
    settings.COALITION_SIGNATURE_RETENTION_DAYS = 365
    listed = signer(old_closed)
    unlisted = signer(old_closed, email="other@mail.example", show_name=False, last_name="  barakat")
    tallies_before = list(SignatureTally.objects.values_list("letter_id", "country", "confirmed"))

    assert signatures_anonymise() == 2

    listed.refresh_from_db()
    unlisted.refresh_from_db()
    assert (listed.email, listed.ip_address, listed.title, listed.comment) == ("", None, "", "")
    assert listed.canonical_email == f"anonymised-{listed.pk}"
    assert (listed.first_name, listed.last_name, listed.city) == ("Amina", "K", "Gaziantep")
    assert (unlisted.last_name, unlisted.city) == ("b", "")
    for signature in (listed, unlisted):
        assert signature.anonymised_at is not None
        assert (signature.state, signature.country.code) == (SignatureState.CONFIRMED, "SY")
        assert signature.email_domain == "mail.example"  # no one is found by a domain
    assert list(SignatureTally.objects.values_list("letter_id", "country", "confirmed")) == tallies_before
    assert listed.public_name == "Amina K."


def test_delivered_letters_count_too_and_states_are_kept(settings):
    delivered = letter_with_status(LetterStatus.DELIVERED, days_ago=366)
    withdrawn = signer(delivered, state=SignatureState.WITHDRAWN)

    assert signatures_anonymise() == 1

    withdrawn.refresh_from_db()
    assert withdrawn.state == SignatureState.WITHDRAWN and withdrawn.email == ""


def test_recent_or_open_letters_are_left_alone(settings):
    settings.COALITION_SIGNATURE_RETENTION_DAYS = 365
    recent = signer(letter_with_status(LetterStatus.CLOSED, days_ago=100))
    still_open = signer(letter_with_status(LetterStatus.OPEN_FOR_SIGNATURES, days_ago=800))
    never_changed = signer(LetterPageFactory(status=LetterStatus.CLOSED))  # no status_changed_at

    assert signatures_anonymise() == 0

    for signature in (recent, still_open, never_changed):
        signature.refresh_from_db()
        assert signature.anonymised_at is None and signature.email


def test_the_retention_period_comes_from_the_settings(settings):
    signature = signer(letter_with_status(LetterStatus.CLOSED, days_ago=40))
    settings.COALITION_SIGNATURE_RETENTION_DAYS = 365
    assert signatures_anonymise() == 0
    settings.COALITION_SIGNATURE_RETENTION_DAYS = 30
    assert signatures_anonymise() == 1
    signature.refresh_from_db()
    assert signature.anonymised_at is not None


def test_now_can_be_given(old_closed):
    signature = signer(old_closed)
    assert signatures_anonymise(now=timezone.now() - timedelta(days=100)) == 0
    assert signatures_anonymise(now=timezone.now()) == 1
    signature.refresh_from_db()
    assert signature.anonymised_at is not None


def test_it_runs_in_batches_and_is_idempotent(old_closed):
    signatures = [signer(old_closed, email=f"s{n}@mail.example") for n in range(5)]

    assert signatures_anonymise(batch_size=2) == 5
    first = {s.pk: Signature.objects.get(pk=s.pk).anonymised_at for s in signatures}
    assert signatures_anonymise(batch_size=2) == 0

    assert {s.pk: Signature.objects.get(pk=s.pk).anonymised_at for s in signatures} == first
    assert signatures_due_for_anonymisation().count() == 0
    assert len({Signature.objects.get(pk=s.pk).canonical_email for s in signatures}) == 5


def test_no_email_is_owed_and_the_signers_links_stop_working(old_closed):
    signature = signer(old_closed, email_due="confirm", email_due_at=timezone.now())
    token = row_token(signature, salt=WITHDRAW_SALT)
    assert signature_from_token(token, purpose="withdraw") == signature

    signatures_anonymise()

    signature.refresh_from_db()
    assert (signature.email_due, signature.email_due_at) == ("", None)
    assert signature_from_token(token, purpose="withdraw") is None


def test_the_command_anonymises_and_dry_run_only_counts(old_closed, capsys):
    signatures = [signer(old_closed, email=f"s{n}@mail.example") for n in range(3)]

    call_command("anonymise_signatures", "--dry-run")
    assert "3 signature(s) would be anonymised (retention: 365 days)." in capsys.readouterr().out
    assert all(Signature.objects.get(pk=s.pk).anonymised_at is None for s in signatures)

    call_command("anonymise_signatures")
    assert "3 signature(s) anonymised" in capsys.readouterr().out
    assert all(Signature.objects.get(pk=s.pk).email == "" for s in signatures)

    call_command("anonymise_signatures")
    assert "0 signature(s) anonymised" in capsys.readouterr().out


def test_the_task_runs_nightly_and_calls_the_service(old_closed, settings):
    from coalition.letters.tasks import anonymise_signatures

    signer(old_closed)
    entry = settings.CELERY_BEAT_SCHEDULE["letters-anonymise-signatures"]
    assert entry["task"] == anonymise_signatures.name == "letters.anonymise_signatures"

    assert anonymise_signatures.delay().get() == 1
