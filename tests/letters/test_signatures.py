"""Signature services: one signature per person, double opt-in, honest counts, emails that
are owed on the row and sent once, and limits that hold a flood for review."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from kombu.exceptions import OperationalError

from coalition.core.emails import email_canonical
from coalition.letters import services
from coalition.letters.models import LetterStatus, Signature, SignatureConsent, SignatureState, SignatureTally
from coalition.letters.selectors import letter_signature_summary
from tests.factories import LetterPageFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
State = SignatureState


@pytest.fixture
def lead(db):
    return OrganizationFactory(name="Syrian Archive", slug="syrian-archive", asks_signer_consent=True)


@pytest.fixture
def letter(index, lead):
    return LetterPageFactory(
        title="Release the detainees", status=LetterStatus.OPEN_FOR_SIGNATURES, lead_organization=lead
    )


def sign(letter, *, email="amina.khalil@example.org", ip="198.51.100.7", **overrides):
    fields = {
        "first_name": "Amina",
        "last_name": "Khalil",
        "email": email,
        "country": "SY",
        "city": "Gaziantep",
        "ip": ip,
    }
    fields.update(overrides)
    return services.signature_create(letter=letter, **fields)


def confirm(signature):
    return services.signature_confirm(signature=signature)


def total(letter) -> int:
    return sum(SignatureTally.objects.filter(letter=letter).values_list("confirmed", flat=True))


# --- one person, one signature -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Amina.Khalil@Example.ORG", "amina.khalil@example.org"),
        ("amina+petition@example.org", "amina@example.org"),
        ("A.Mina.Khalil+x@gmail.com", "aminakhalil@gmail.com"),
        ("aminakhalil@googlemail.com", "aminakhalil@gmail.com"),
        ("amina-news@yahoo.com", "amina@yahoo.com"),
        ("first.last@outlook.com", "first.last@outlook.com"),  # dots matter outside Gmail
        ("amina@bücher.example", "amina@xn--bcher-kva.example"),
    ],
)
def test_canonical_email_applies_case_tag_and_provider_rules(typed, canonical):
    assert email_canonical(typed)[0] == canonical


def test_second_signature_with_same_email_changes_nothing(letter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = sign(letter, email="A.Mina.Khalil@gmail.com")
    with django_capture_on_commit_callbacks(execute=True):
        again = sign(letter, email="aminakhalil+again@googlemail.com", first_name="Someone", city="Elsewhere")
    assert first.created and not again.created
    assert Signature.objects.count() == 1
    signature = Signature.objects.get()
    assert (signature.first_name, signature.city, signature.email) == ("Amina", "Gaziantep", "A.Mina.Khalil@gmail.com")
    # The duplicate got a fresh confirmation link, at the address first given.
    assert [m.to for m in mail.outbox] == [["A.Mina.Khalil@gmail.com"]] * 2
    assert "sign/confirm/" in mail.outbox[1].body


def test_confirmed_duplicate_is_told_it_has_already_signed(letter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = sign(letter)
    confirm(first.signature)
    with django_capture_on_commit_callbacks(execute=True):
        sign(letter)
    assert mail.outbox[-1].subject.startswith("You have already signed")
    assert "sign/withdraw/" in mail.outbox[-1].body
    assert "sign/confirm/" not in mail.outbox[-1].body
    assert total(letter) == 1


def test_one_signature_causes_at_most_a_few_emails_however_often_the_form_is_sent(
    letter, settings, django_capture_on_commit_callbacks
):
    settings.COALITION_SIGNATURE_EMAILS_MAX = 3
    for _ in range(10):
        with django_capture_on_commit_callbacks(execute=True):
            sign(letter)
    assert len(mail.outbox) == 3
    assert Signature.objects.get().emails_sent == 3


def test_an_email_owed_while_one_is_waiting_is_not_doubled(letter):
    # Broker slow: the first email is still owed when the duplicate arrives.
    with mock.patch("coalition.letters.tasks.signature_email_send.delay"):
        sign(letter)
        sign(letter)
    services.signatures_resend_pending(grace=timedelta(0))
    assert len(mail.outbox) == 1


def test_signing_a_closed_letter_is_refused(index):
    closed = LetterPageFactory(status=LetterStatus.CLOSED)
    with pytest.raises(ValidationError):
        sign(closed)
    assert not Signature.objects.exists()


# --- double opt-in and counts ----------------------------------------------------------------


def test_a_signature_counts_only_once_confirmed(letter):
    outcome = sign(letter)
    assert outcome.signature.state == State.PENDING_CONFIRMATION
    assert total(letter) == 0
    confirmed = confirm(outcome.signature)
    assert confirmed.state == State.CONFIRMED and confirmed.confirmed_at
    assert total(letter) == 1
    confirm(confirmed)  # idempotent
    assert total(letter) == 1


def test_withdrawing_removes_the_signature_from_counts_and_lists(letter):
    signature = confirm(sign(letter, show_name=True).signature)
    assert letter_signature_summary(letter=letter).recent
    services.signature_withdraw(signature=signature)
    services.signature_withdraw(signature=signature)  # idempotent
    summary = letter_signature_summary(letter=letter)
    assert summary.total == 0 and summary.recent == []
    with pytest.raises(ValidationError):
        confirm(signature)  # a withdrawn signature cannot be confirmed back by an old link


def test_signing_again_after_withdrawing_starts_a_fresh_signature(letter, django_capture_on_commit_callbacks):
    signature = confirm(sign(letter).signature)
    services.signature_withdraw(signature=signature)
    with django_capture_on_commit_callbacks(execute=True):
        again = sign(letter, city="Beirut")
    assert again.created and again.signature.pk == signature.pk
    assert again.signature.state == State.PENDING_CONFIRMATION and again.signature.city == "Beirut"
    assert total(letter) == 0
    confirm(again.signature)
    assert total(letter) == 1


def test_counts_are_kept_per_country_and_summarised_without_counting_rows(letter):
    for n, country in enumerate(["SY", "SY", "TR", "FR"]):
        confirm(sign(letter, email=f"p{n}@example.org", country=country, show_name=n < 2).signature)
    sign(letter, email="unconfirmed@example.org", country="DE")
    summary = letter_signature_summary(letter=letter)
    assert summary.total == 4
    assert [(c.country.code, c.count) for c in summary.countries] == [("SY", 2), ("FR", 1), ("TR", 1)]
    assert summary.countries[0].share == 1.0
    assert len(summary.recent) == 2


def test_goal_progress_is_capped_at_one_hundred_percent(letter):
    letter.signature_goal = 2
    for n in range(3):
        confirm(sign(letter, email=f"p{n}@example.org").signature)
    summary = letter_signature_summary(letter=letter)
    assert summary.total == 3 and summary.percent == 100


def test_public_name_is_what_the_signer_chose(letter):
    short = confirm(sign(letter, email="a@example.org", show_name=True).signature)
    full = confirm(sign(letter, email="b@example.org", show_name=True, show_full_name=True).signature)
    hidden = confirm(sign(letter, email="c@example.org", show_full_name=True).signature)
    assert short.public_name == "Amina K."
    assert full.public_name == "Amina Khalil"
    assert not hidden.show_full_name  # full name only when shown at all
    assert [s.name for s in letter_signature_summary(letter=letter).recent] == ["Amina Khalil", "Amina K."]


def test_reconcile_repairs_counts_that_drifted(letter):
    confirm(sign(letter, email="a@example.org").signature)
    confirm(sign(letter, email="b@example.org", country="TR").signature)
    SignatureTally.objects.filter(letter=letter, country="SY").update(confirmed=40)
    SignatureTally.objects.create(letter=letter, country="ZZ", confirmed=3)
    assert services.signature_counts_reconcile() == 2
    assert total(letter) == 2
    assert services.signature_counts_reconcile() == 0


def test_counts_version_changes_when_a_signature_is_confirmed(letter, django_capture_on_commit_callbacks):
    before = services.signature_counts_version(letter.pk)
    outcome = sign(letter)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(outcome.signature)
    assert services.signature_counts_version(letter.pk) != before


# --- consent and attribution -------------------------------------------------------------------


def test_consent_is_stored_with_the_exact_words_and_only_for_organizations_that_asked(letter, lead):
    stranger = OrganizationFactory(asks_signer_consent=True)
    outcome = sign(letter, consent_organization_ids=[lead.pk, stranger.pk, lead.pk])
    consent = SignatureConsent.objects.get(signature=outcome.signature)
    assert consent.organization == lead
    assert consent.consent_text == "Keep me informed about Syrian Archive's work"
    assert SignatureConsent.objects.count() == 1


def test_no_consent_unless_ticked(letter):
    outcome = sign(letter)
    assert not outcome.signature.consents.exists()


def test_source_attributes_the_signature_to_the_organization_that_brought_it(letter, lead):
    assert sign(letter, source="syrian-archive").signature.source_organization == lead
    assert sign(letter, email="x@example.org", source="no-such-org").signature.source_organization is None


# --- limits: held for review, never refused ----------------------------------------------------


def test_over_the_per_ip_limit_signatures_are_held_for_review(letter, settings):
    settings.COALITION_SIGNATURES_PER_IP_PER_HOUR = 2
    outcomes = [sign(letter, email=f"p{n}@example.org", ip="203.0.113.9") for n in range(3)]
    assert [o.signature.state for o in outcomes] == [State.PENDING_CONFIRMATION] * 2 + [State.SUSPECT]
    assert "network" in outcomes[2].signature.suspect_reason
    # Another address is not affected.
    assert sign(letter, email="q@example.org", ip="203.0.113.10").signature.state == State.PENDING_CONFIRMATION


def test_a_held_signature_does_not_count_until_an_editor_clears_it(letter, settings, editor):
    settings.COALITION_SIGNATURES_PER_IP_PER_HOUR = 0
    held = sign(letter).signature
    assert held.state == State.SUSPECT
    held = confirm(held)
    assert held.state == State.SUSPECT and held.email_confirmed_at
    assert total(letter) == 0
    cleared = services.signature_approve(signature=held, acting_user=editor)
    assert cleared.state == State.CONFIRMED and total(letter) == 1


def test_clearing_a_held_signature_still_waits_for_its_email_confirmation(letter, settings, editor):
    settings.COALITION_SIGNATURES_PER_IP_PER_HOUR = 0
    held = sign(letter).signature
    cleared = services.signature_approve(signature=held, acting_user=editor)
    assert cleared.state == State.PENDING_CONFIRMATION and total(letter) == 0
    assert confirm(cleared).state == State.CONFIRMED


def test_per_domain_limit_spares_big_webmail_providers(letter, settings):
    settings.COALITION_SIGNATURES_PER_DOMAIN_PER_HOUR = 1
    states = [sign(letter, email=f"p{n}@flood.example", ip=f"192.0.2.{n}").signature.state for n in range(2)]
    assert states == [State.PENDING_CONFIRMATION, State.SUSPECT]
    webmail = [sign(letter, email=f"p{n}@gmail.com", ip=f"192.0.2.{n + 10}").signature.state for n in range(3)]
    assert webmail == [State.PENDING_CONFIRMATION] * 3


def test_invalidating_a_confirmed_signature_takes_it_out_of_the_count(letter, editor):
    signature = confirm(sign(letter).signature)
    services.signature_invalidate(signature=signature, acting_user=editor, reason="Flood from one network")
    assert Signature.objects.get().state == State.INVALIDATED and total(letter) == 0
    # The same person signing again changes nothing and sends nothing.
    mail.outbox.clear()
    assert not sign(letter).created and not mail.outbox


# --- emails owed on the row: sent once, swept when the broker was down ---------------------------


def test_signing_succeeds_when_the_broker_is_down_and_the_sweeper_sends_the_email_later(
    letter, django_capture_on_commit_callbacks
):
    with (
        mock.patch(
            "coalition.letters.tasks.signature_email_send.delay", side_effect=OperationalError("Connection refused")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcome = sign(letter)
    signature = Signature.objects.get(pk=outcome.signature.pk)
    assert signature.email_due == Signature.Email.CONFIRM and not mail.outbox
    assert services.signatures_resend_pending() == 0  # within the grace period: the task may still come
    Signature.objects.filter(pk=signature.pk).update(email_due_at=timezone.now() - timedelta(minutes=10))
    assert services.signatures_resend_pending() == 1
    assert services.signatures_resend_pending() == 0
    assert len(mail.outbox) == 1 and "sign/confirm/" in mail.outbox[0].body


def test_the_email_task_is_idempotent(letter):
    with mock.patch("coalition.letters.tasks.signature_email_send.delay"):
        outcome = sign(letter)
    assert services.signature_email_send(signature_id=outcome.signature.pk) is True
    assert services.signature_email_send(signature_id=outcome.signature.pk) is False
    assert len(mail.outbox) == 1


def test_no_confirmation_is_sent_for_a_signature_withdrawn_before_the_email_went(letter):
    with mock.patch("coalition.letters.tasks.signature_email_send.delay"):
        outcome = sign(letter)
    services.signature_withdraw(signature=outcome.signature)
    assert services.signature_email_send(signature_id=outcome.signature.pk) is False
    assert not mail.outbox


def test_task_arguments_carry_ids_never_addresses(letter, django_capture_on_commit_callbacks):
    delay_path = "coalition.letters.tasks.signature_email_send.delay"
    with mock.patch(delay_path) as delay, django_capture_on_commit_callbacks(execute=True):
        outcome = sign(letter)
    delay.assert_called_once_with(outcome.signature.pk)


def test_the_resend_command_and_the_reconcile_command_run_without_a_broker(letter):
    from io import StringIO

    from django.core.management import call_command

    with mock.patch("coalition.letters.tasks.signature_email_send.delay"):
        sign(letter)
    Signature.objects.update(email_due_at=timezone.now() - timedelta(minutes=10))
    out = StringIO()
    call_command("resend_pending_confirmations", stdout=out)
    assert "Sent 1" in out.getvalue() and len(mail.outbox) == 1
    call_command("reconcile_signature_counts", "--letter", letter.slug, stdout=out)
    assert "0 count(s) repaired" in out.getvalue()


# --- tokens -------------------------------------------------------------------------------------


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def test_tokens_name_one_signature_for_one_purpose_and_expire(letter, settings):
    signature = sign(letter).signature
    confirm_token = _token(services.signature_confirm_url(signature))
    withdraw_token = _token(services.signature_withdraw_url(signature))
    assert services.signature_from_token(confirm_token, purpose="confirm") == signature
    assert services.signature_from_token(withdraw_token, purpose="withdraw") == signature
    # A withdraw link is not a confirm link, and the reverse.
    assert services.signature_from_token(withdraw_token, purpose="confirm") is None
    assert services.signature_from_token(confirm_token, purpose="withdraw") is None
    # Tampered, truncated, or signed by someone else.
    assert services.signature_from_token(confirm_token[:-3] + "AAA", purpose="confirm") is None
    assert services.signature_from_token("", purpose="confirm") is None
    assert services.signature_from_token("x" * 5000, purpose="confirm") is None
    # A new nonce revokes the links.
    Signature.objects.filter(pk=signature.pk).update(nonce="0" * 32)
    assert services.signature_from_token(confirm_token, purpose="confirm") is None


def test_confirm_links_expire(letter, settings):
    signature = sign(letter).signature
    token = _token(services.signature_confirm_url(signature))
    with mock.patch("django.core.signing.time.time", return_value=timezone.now().timestamp() + 31 * 86400):
        assert services.signature_from_token(token, purpose="confirm") is None


# --- with a broker: emails owed in the same window go out in one flush ----------------------------


@pytest.fixture
def with_broker(monkeypatch):
    """As in production: tasks go to a broker (here: recorded), not run in-process."""
    from coalition import celery_app
    from coalition.letters.services import signatures as signature_services

    monkeypatch.setattr(signature_services, "_flush_queued_until", 0.0)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with (
            mock.patch("coalition.letters.tasks.signature_emails_flush.apply_async") as flush,
            mock.patch("coalition.letters.tasks.signature_email_send.delay") as one,
        ):
            yield flush, one
    finally:
        celery_app.conf.task_always_eager = eager


def test_with_a_broker_a_burst_of_signatures_queues_one_flush_per_window_and_no_task_per_signature(
    letter, with_broker, django_capture_on_commit_callbacks, settings
):
    flush, one = with_broker
    settings.COALITION_SIGNATURE_EMAIL_BATCH_SECONDS = 2
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            sign(letter, email=f"signer{n}@example.org")
    flush.assert_called_once_with(countdown=2)  # no email address, no id: the rows are the queue
    one.assert_not_called()
    assert Signature.objects.filter(email_due=Signature.Email.CONFIRM).count() == 5 and not mail.outbox

    assert services.signature_emails_flush() == (5, False)
    assert len(mail.outbox) == 5 and not Signature.objects.exclude(email_due="").exists()
    assert services.signature_emails_flush() == (0, False)  # idempotent: nothing is sent twice
    assert len(mail.outbox) == 5


def test_a_flush_is_queued_again_once_the_queued_one_may_have_started(
    letter, with_broker, django_capture_on_commit_callbacks, settings
):
    flush, _one = with_broker
    settings.COALITION_SIGNATURE_EMAIL_BATCH_SECONDS = 2
    with mock.patch("coalition.letters.services.signatures.monotonic", side_effect=[100.0, 101.0, 101.6]):
        for n in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                sign(letter, email=f"later{n}@example.org")
    # 101.0 is inside the 1.5 s margin of the flush queued at 100.0 (which starts at 102.0 or
    # later); 101.6 is not, so a new one is queued for it.
    assert flush.call_count == 2


def test_the_flush_leaves_a_failed_email_owed_for_the_sweeper_and_sends_the_rest(letter, with_broker):
    first = sign(letter, email="first@example.org").signature
    second = sign(letter, email="second@example.org").signature
    real_send = services.signatures.signature_email_send

    def send(*, signature_id, skip_locked=False):
        if signature_id == first.pk:
            raise OSError("SMTP server refused")
        return real_send(signature_id=signature_id, skip_locked=skip_locked)

    with mock.patch("coalition.letters.services.signatures.signature_email_send", side_effect=send):
        assert services.signature_emails_flush() == (1, False)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.email_due == Signature.Email.CONFIRM and second.email_due == ""
    assert [m.to for m in mail.outbox] == [["second@example.org"]]


def test_the_flush_stops_at_its_time_limit_and_says_more_may_be_owed(letter, with_broker):
    for n in range(3):
        sign(letter, email=f"slow{n}@example.org")
    assert services.signature_emails_flush(batch=1, seconds=0) == (0, True)
    sent, more = services.signature_emails_flush(batch=1)
    assert (sent, more) == (3, False) and len(mail.outbox) == 3


def test_the_flush_task_queues_itself_again_when_its_time_ran_out():
    from coalition.letters import tasks

    with (
        mock.patch("coalition.letters.services.signature_emails_flush", return_value=(7, True)),
        mock.patch.object(tasks.signature_emails_flush, "delay") as again,
    ):
        assert tasks.signature_emails_flush() == 7
    again.assert_called_once_with()


# --- outside a transaction: one INSERT that commits itself -------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_signing_outside_a_transaction_stores_the_row_and_sends_the_email(index):
    lead = OrganizationFactory(slug="archive-autocommit", asks_signer_consent=True)
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES, lead_organization=lead)
    plain = sign(letter, email="plain@example.org")  # no consent: a single self-committing INSERT
    with_consent = sign(letter, email="consenting@example.org", consent_organization_ids=[lead.pk])
    again = sign(letter, email="Plain@Example.org")  # the constraint refuses it: the earlier row is used
    assert plain.created and with_consent.created and not again.created
    assert again.signature.pk == plain.signature.pk
    assert Signature.objects.filter(letter=letter).count() == 2
    assert list(SignatureConsent.objects.values_list("signature_id", flat=True)) == [with_consent.signature.pk]
    # The repeat gets a fresh link, at the address the signature was made with.
    assert sorted(m.to[0] for m in mail.outbox) == ["consenting@example.org", "plain@example.org", "plain@example.org"]
