"""Constituent messages: each confirmed signer's own copy to the decision makers who represent them.

Matching by country and region, tokens filled with hostile names (no header, no recipient,
no markup), one message per signer and decision maker, the daily digest, retries and
permanent failures, a task delivered twice, pacing per domain, and the signature form.
"""

import json
import re
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.utils import timezone

from coalition.api.signing import embed_token_issue
from coalition.core.challenge import challenge_solve
from coalition.delivery import sending, tasks
from coalition.delivery.constituent import (
    constituent_digests_build,
    constituent_message_text,
    constituent_messages_create,
    constituent_tokens_fill,
)
from coalition.delivery.models import DecisionMaker, OutgoingMessage, RecipientList
from coalition.letters.models import LetterPage, LetterStatus, Signature
from coalition.letters.services import signature_approve, signature_confirm, signature_withdraw
from tests.delivery.factories import DecisionMakerFactory, RecipientListFactory, constituent_letter
from tests.factories import EditorFactory, LetterPageFactory, SignatureFactory

pytestmark = pytest.mark.django_db
State = OutgoingMessage.State
HOSTILE_NAME = "Eve\r\nBcc: victim@evil.example\r\n"
XSS = "<script>alert(1)</script>"


@pytest.fixture
def senators(db):
    return [
        DecisionMakerFactory(name="Rosa Alvarado", region="CA", email="alvarado@senate.example"),
        DecisionMakerFactory(name="Ben Whitcombe", region="CA", email="whitcombe@senate.example"),
        DecisionMakerFactory(name="Ines Moreau", region="NY", email="moreau@senate.example"),
        DecisionMakerFactory(name="Olu Adebayo", region="NY", email="adebayo@senate.example"),
    ]


@pytest.fixture
def senate(senators):
    return RecipientListFactory(name="US Senate", region_label="State", decision_makers=senators)


@pytest.fixture
def letter(index, senate):
    return constituent_letter(
        title="Back the referral",
        recipients_line="Dear [Decision Maker],",
        body="<p>My name is [Your Name] and I live in [your city].</p><p>Please act &amp; vote.</p>",
        closing="Sincerely,",
        recipient_lists=[senate],
    )


def pending_signer(letter, **fields) -> Signature:
    fields.setdefault("country", "US")
    fields.setdefault("region", "CA")
    fields.setdefault("city", "Fresno")
    return SignatureFactory(letter=letter, state="pending_confirmation", **fields)


def confirm(signature, capture) -> Signature:
    with capture(execute=True):
        return signature_confirm(signature=signature)


def sent_to(address: str) -> list:
    return [email for email in mail.outbox if email.to == [address]]


# --- matching -----------------------------------------------------------------------------------


def test_a_signer_writes_to_the_two_senators_of_their_state_and_a_texan_to_nobody(letter, senators):
    california = pending_signer(letter, region="ca")  # case does not matter
    texas = pending_signer(letter, region="TX")
    france = pending_signer(letter, country="FR", region="")

    created = constituent_messages_create(signature=california)
    assert constituent_messages_create(signature=texas) == []
    assert constituent_messages_create(signature=france) == []

    messages = OutgoingMessage.objects.filter(pk__in=created)
    assert {m.decision_maker.name for m in messages} == {"Rosa Alvarado", "Ben Whitcombe"}
    assert {m.recipient_email for m in messages} == {"alvarado@senate.example", "whitcombe@senate.example"}
    assert all(m.kind == "constituent" and m.state == State.PENDING for m in messages)


def test_an_office_for_the_whole_country_writes_to_every_region(letter, senate):
    envoy = DecisionMakerFactory(name="Dana Kirk", title="Envoy", region="", email="envoy@state.example")
    senate.decision_makers.add(envoy)

    california = constituent_messages_create(signature=pending_signer(letter, region="CA"))
    texas = constituent_messages_create(signature=pending_signer(letter, region="TX"))

    assert len(california) == 3
    assert [OutgoingMessage.objects.get(pk=pk).decision_maker for pk in texas] == [envoy]


def test_a_coalition_letter_writes_no_constituent_messages(index, senate, django_capture_on_commit_callbacks):
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    letter.recipient_lists.set([senate])
    letter.save()

    confirm(pending_signer(letter), django_capture_on_commit_callbacks)

    assert not OutgoingMessage.objects.exists()
    assert mail.outbox == []


# --- the message --------------------------------------------------------------------------------


def test_tokens_are_filled_in_one_pass_and_names_stay_on_one_line():
    text = "Dear [Decision Maker], I am [YOUR NAME] from [Your City]. [Unknown] stays."
    filled = constituent_tokens_fill(
        text=text, decision_maker_name="Senator Rosa Alvarado", signer_name="[Your City]\r\nX", signer_city="Fresno"
    )
    assert filled == "Dear Senator Rosa Alvarado, I am [Your City] X from Fresno. [Unknown] stays."


def test_the_message_is_the_letter_filled_in_with_the_signers_paragraph_name_and_city(letter, senators):
    signature = pending_signer(
        letter, first_name="Amina", last_name="Khalil", personal_message="My cousin is missing.\r\nPlease help."
    )

    subject, body = constituent_message_text(letter=letter, signature=signature, decision_maker=senators[0])

    assert subject == "Back the referral"
    assert body.startswith("Dear Senator Rosa Alvarado,\n\nMy name is Amina Khalil and I live in Fresno.")
    assert "Please act & vote." in body  # rich text becomes plain text
    assert "My cousin is missing.\nPlease help.\n\nSincerely,\nAmina Khalil\nFresno\n" in body
    assert "\r" not in body
    assert "mail.example" not in body  # the signer's address is nobody's business


def test_the_personal_paragraph_is_left_out_when_the_letter_does_not_allow_one(letter, senators):
    LetterPage.objects.filter(pk=letter.pk).update(allow_personal_message=False)
    letter.refresh_from_db()
    signature = pending_signer(letter, personal_message="Off the record.")

    _subject, body = constituent_message_text(letter=letter, signature=signature, decision_maker=senators[0])

    assert "Off the record." not in body


def test_hostile_names_add_no_recipient_no_header_and_no_markup(
    letter, senate, senators, django_capture_on_commit_callbacks
):
    villain = DecisionMakerFactory(name=f"{XSS}\r\nCc: spy@evil.example", region="CA", email="villain@senate.example")
    senate.decision_makers.add(villain)
    LetterPage.objects.filter(pk=letter.pk).update(title="Back the referral\r\nBcc: all@evil.example")
    letter.refresh_from_db()
    signature = pending_signer(letter, first_name=HOSTILE_NAME, last_name=XSS, city="Fresno\nCc: spy@evil.example")

    confirm(signature, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 3
    for email in mail.outbox:
        assert len(email.to) == 1 and email.to[0].endswith("@senate.example")
        assert email.cc == [] and email.bcc == []
        assert email.recipients() == email.to
        message = email.message()
        assert message.get_all("Cc") is None and message.get_all("Bcc") is None
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
        assert "evil.example" not in str(message["To"])
        assert XSS in email.body  # plain text: the markup is only characters
        assert "\nBcc:" not in email.body and "\nCc:" not in email.body
        assert email.content_subtype == "plain"
    assert {email.to[0] for email in mail.outbox} == {
        "alvarado@senate.example",
        "whitcombe@senate.example",
        "villain@senate.example",
    }


# --- creating and sending -----------------------------------------------------------------------


def test_one_message_per_signer_and_decision_maker_even_when_confirm_runs_twice(
    letter, django_capture_on_commit_callbacks
):
    signature = pending_signer(letter)

    confirm(signature, django_capture_on_commit_callbacks)
    confirm(signature, django_capture_on_commit_callbacks)
    again = constituent_messages_create(signature=signature)

    assert again == []
    assert OutgoingMessage.objects.filter(signature=signature).count() == 2
    assert len(mail.outbox) == 2


def test_messages_go_out_after_the_confirmation_commits_with_the_senator_as_only_recipient(
    letter, django_capture_on_commit_callbacks
):
    signature = pending_signer(letter, first_name="Amina", last_name="Khalil")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        signature_confirm(signature=signature)
    assert mail.outbox == []  # nothing before the commit
    assert OutgoingMessage.objects.filter(state=State.PENDING).count() == 2
    for callback in callbacks:
        callback()

    assert sorted(email.to[0] for email in mail.outbox) == ["alvarado@senate.example", "whitcombe@senate.example"]
    alvarado = sent_to("alvarado@senate.example")[0]
    assert alvarado.subject == "Back the referral"
    assert alvarado.body.startswith("Dear Senator Rosa Alvarado,")
    rows = OutgoingMessage.objects.filter(signature=signature)
    assert all(row.state == State.SENT and row.sent_at and row.message_id and row.attempts == 1 for row in rows)


def test_a_held_signature_writes_once_an_editor_approves_it(letter, django_capture_on_commit_callbacks):
    held = SignatureFactory(
        letter=letter, state="suspect", country="US", region="CA", email_confirmed_at=timezone.now()
    )

    with django_capture_on_commit_callbacks(execute=True):
        signature_approve(signature=held, acting_user=EditorFactory())

    assert len(mail.outbox) == 2


def test_a_task_delivered_twice_sends_once(letter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        ids = signature_confirm(signature=pending_signer(letter)) and list(
            OutgoingMessage.objects.values_list("pk", flat=True)
        )

    assert tasks.message_send(ids[0]) is True
    assert tasks.message_send(ids[0]) is False
    assert sending.message_send(message_id=ids[0]) is False

    assert len(mail.outbox) == 1
    assert OutgoingMessage.objects.get(pk=ids[0]).attempts == 1


def test_a_second_message_to_the_same_domain_within_the_minute_waits(
    letter, settings, django_capture_on_commit_callbacks
):
    settings.COALITION_DELIVERY_PER_DOMAIN_PER_MINUTE = 1

    confirm(pending_signer(letter), django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    waiting = OutgoingMessage.objects.get(state=State.PENDING)
    assert waiting.attempts == 0 and waiting.last_error == ""
    assert waiting.next_attempt_at > timezone.now() + timedelta(seconds=30)
    assert not OutgoingMessage.objects.filter(state__in=[State.FAILED, State.RETRYING]).exists()


# --- failures -------------------------------------------------------------------------------------


class DisconnectOnceBackend(EmailBackend):
    """The mail server drops the first connection, then accepts."""

    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class RefusingBackend(EmailBackend):
    """The mail server refuses the address for good."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"no such user")})


def _one_pending_message(letter, capture) -> OutgoingMessage:
    with capture(execute=False):
        signature_confirm(signature=pending_signer(letter, region="NY"))
    message = OutgoingMessage.objects.order_by("pk").first()
    OutgoingMessage.objects.exclude(pk=message.pk).update(state=State.CANCELLED)
    return message


def test_a_dropped_connection_is_retried_later_and_then_sent(letter, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = f"{__name__}.DisconnectOnceBackend"
    DisconnectOnceBackend.calls = 0
    message = _one_pending_message(letter, django_capture_on_commit_callbacks)

    assert sending.message_send(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.state == State.RETRYING and message.attempts == 1
    assert "SMTPServerDisconnected" in message.last_error
    assert message.next_attempt_at > timezone.now()
    assert sending.message_send(message_id=message.pk) is False  # not due yet

    OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert sending.message_send(message_id=message.pk) is True
    message.refresh_from_db()
    assert message.state == State.SENT and message.attempts == 2
    assert len(mail.outbox) == 1


def test_a_refused_address_fails_at_once_for_good(letter, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    message = _one_pending_message(letter, django_capture_on_commit_callbacks)

    assert sending.message_send(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.state == State.FAILED and message.attempts == 1
    assert "SMTPRecipientsRefused" in message.last_error
    assert sending.messages_sweep(grace=timedelta(0)) == 0  # nothing left to retry


# --- the daily digest -----------------------------------------------------------------------------


@pytest.fixture
def digest_letter(letter):
    LetterPage.objects.filter(pk=letter.pk).update(constituent_digest=True)
    letter.refresh_from_db()
    return letter


def test_digest_mode_batches_messages_and_sends_one_digest_per_senator(
    digest_letter, django_capture_on_commit_callbacks
):
    first = pending_signer(digest_letter, first_name="Amina", last_name="Khalil", personal_message="Act now.")
    second = pending_signer(digest_letter, first_name="Omar", last_name=XSS, city="San Diego")
    confirm(first, django_capture_on_commit_callbacks)
    confirm(second, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert OutgoingMessage.objects.filter(state=State.BATCHED).count() == 4

    with django_capture_on_commit_callbacks(execute=True):
        assert constituent_digests_build() == 2

    digests = OutgoingMessage.objects.filter(kind="digest")
    assert digests.count() == 2 and all(d.state == State.SENT for d in digests)
    assert sorted(email.to[0] for email in mail.outbox) == ["alvarado@senate.example", "whitcombe@senate.example"]
    email = sent_to("alvarado@senate.example")[0]
    assert email.subject == "2 constituents wrote to you about Back the referral"
    assert email.body.count("Dear Senator Rosa Alvarado,") == 1  # the letter once
    assert "1. Amina Khalil, Fresno, United States of America\n   Act now." in email.body
    assert f"2. Omar {XSS}, San Diego, United States of America" in email.body
    batched = OutgoingMessage.objects.filter(kind="constituent")
    assert all(m.state == State.IN_DIGEST and m.digest_id and m.sent_at for m in batched)
    assert {m.digest.recipient_email for m in batched} == {"alvarado@senate.example", "whitcombe@senate.example"}

    with django_capture_on_commit_callbacks(execute=True):
        assert constituent_digests_build() == 0
    assert OutgoingMessage.objects.filter(kind="digest").count() == 2
    assert len(mail.outbox) == 2


def test_a_withdrawn_signers_batched_messages_are_cancelled_not_digested(
    digest_letter, django_capture_on_commit_callbacks
):
    stays = pending_signer(digest_letter)
    leaves = pending_signer(digest_letter)
    confirm(stays, django_capture_on_commit_callbacks)
    confirm(leaves, django_capture_on_commit_callbacks)
    signature_withdraw(signature=leaves)

    with django_capture_on_commit_callbacks(execute=True):
        constituent_digests_build()

    assert set(OutgoingMessage.objects.filter(signature=leaves).values_list("state", flat=True)) == {State.CANCELLED}
    assert all("1 constituent wrote to you" in email.subject for email in mail.outbox)


def test_the_daily_build_is_a_scheduled_task(settings):
    from coalition.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["delivery-build-constituent-digests"]
    assert entry["task"] == "delivery.build_constituent_digests" in app.tasks
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}


# --- the signature form ---------------------------------------------------------------------------


def _challenge(html: str) -> str:
    return re.search(r'name="challenge" value="([^"]+)"', html).group(1)


def sign(client, letter, capture, **overrides):
    token = _challenge(client.get(letter.url).content.decode())
    data = {
        "first_name": "Amina",
        "last_name": "Khalil",
        "email": "amina@example.org",
        "country": "US",
        "city": "Fresno",
        "challenge": token,
        "pow": challenge_solve(token, 2),
    }
    data.update(overrides)
    with capture(execute=True):
        return client.post(letter.url + "sign/", {k: v for k, v in data.items() if v is not None})


def test_the_form_asks_for_the_state_and_a_personal_paragraph(client, letter):
    html = client.get(letter.url).content.decode()

    region = re.search(r'<select name="region".*?</select>', html, re.S).group(0)
    assert '<optgroup label="United States of America">' in region
    assert '<option value="US:CA">CA</option>' in region and '<option value="US:NY">NY</option>' in region
    assert 'for="id_region">State</label>' in html
    assert 'name="personal_message"' in html
    assert "Find your decision makers" in html
    assert "Choose your country and state to see who your message goes to." in html
    assert f'action="{letter.url}#sign"' in html and 'method="get"' in html


def test_the_state_is_required_and_one_off_the_lists_is_refused(client, letter, django_capture_on_commit_callbacks):
    missing = sign(client, letter, django_capture_on_commit_callbacks)
    assert missing.status_code == 400
    assert "Choose your state: your message goes to the decision makers who represent it." in missing.content.decode()

    texas = sign(client, letter, django_capture_on_commit_callbacks, region="US:TX")
    assert texas.status_code == 400
    assert "is not a state that this letter&#x27;s decision makers represent" in texas.content.decode()

    elsewhere = sign(client, letter, django_capture_on_commit_callbacks, country="FR", region="US:CA")
    assert elsewhere.status_code == 400
    assert "The state you chose is not in the country you chose" in elsewhere.content.decode()
    assert not Signature.objects.exists()


def test_signing_stores_the_state_and_paragraph_and_confirming_writes_to_the_senators(
    client, letter, django_capture_on_commit_callbacks
):
    response = sign(
        client, letter, django_capture_on_commit_callbacks, region="US:CA", personal_message="  Please listen.  "
    )
    assert response.status_code == 302

    signature = Signature.objects.get()
    assert (signature.region, signature.personal_message) == ("CA", "Please listen.")
    mail.outbox.clear()
    confirm(signature, django_capture_on_commit_callbacks)
    assert sorted(email.to[0] for email in mail.outbox) == ["alvarado@senate.example", "whitcombe@senate.example"]
    assert "Please listen." in mail.outbox[0].body


def test_a_signer_from_a_country_without_regions_signs_without_one(client, letter, django_capture_on_commit_callbacks):
    response = sign(client, letter, django_capture_on_commit_callbacks, country="FR")

    assert response.status_code == 302
    assert Signature.objects.get().region == ""


def test_a_personal_paragraph_that_starts_a_formula_is_refused(client, letter, django_capture_on_commit_callbacks):
    response = sign(
        client, letter, django_capture_on_commit_callbacks, region="US:CA", personal_message="=HYPERLINK()"
    )

    assert response.status_code == 400
    assert not Signature.objects.exists()


def test_the_page_says_who_the_message_goes_to_and_previews_it(client, letter):
    html = client.get(letter.url + "?country=US&region=CA").content.decode()

    assert "Your senators: Senator Ben Whitcombe, Senator Rosa Alvarado" in html
    assert 'Dear <mark data-token="decision_maker">Senator Ben Whitcombe</mark>,' in html
    assert '<mark data-token="your_name">[Your Name]</mark>' in html
    assert '<mark data-token="your_city">[Your City]</mark>' in html
    assert "Please act &amp; vote." in html
    # The form's country and state are chosen for them.
    form_region = re.search(r'<select name="region".*?</select>', html, re.S).group(0)
    form_country = re.search(r'<select name="country".*?</select>', html, re.S).group(0)
    assert '<option value="US:CA" selected>CA</option>' in form_region
    assert '<option value="US" selected>United States of America</option>' in form_country
    assert "@senate.example" not in html  # addresses are never shown


def test_the_page_accepts_a_bare_region_code_and_says_when_a_region_is_unknown(client, letter):
    assert (
        "Your senators: Senator Ines Moreau, Senator Olu Adebayo"
        in client.get(letter.url + "?country=US&region=ny").content.decode()
    )

    unknown = client.get(letter.url + "?country=US&region=TX").content.decode()
    assert "“TX” is not a state that this letter&#x27;s decision makers represent" in unknown
    assert "Your senators" not in unknown


def test_hostile_decision_maker_names_are_escaped_in_the_panel(client, letter, senate):
    senate.decision_makers.add(DecisionMakerFactory(name=XSS, region="CA", email="x@senate.example"))

    html = client.get(letter.url + "?country=US&region=CA&" + "x=<b>").content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert XSS not in html


def test_a_hostile_query_changes_nothing_on_the_page(client, letter):
    response = client.get(letter.url + "?country=%3Cscript%3E&region=%3Cscript%3Ealert(1)")

    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()


def test_the_country_chosen_above_does_not_leak_into_other_visitors_forms(client, letter):
    client.get(letter.url + "?country=US&region=CA")

    plain = client.get(letter.url).content.decode()

    country = re.search(r'<select name="country".*?</select>', plain, re.S).group(0)
    assert "selected" not in country.replace('value="" selected', "")


def test_a_coalition_letters_form_is_unchanged(client, index, senate):
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    letter.recipient_lists.set([senate])
    letter.save()

    html = client.get(letter.url + "?country=US&region=CA").content.decode()

    assert 'name="region"' not in html and 'name="personal_message"' not in html
    assert "Find your decision makers" not in html and "constituent.js" not in html


def test_the_embedded_form_has_the_panel_too(client, letter):
    html = client.get(letter.url + "embed/?country=US&region=CA").content.decode()

    assert "Your senators: Senator Ben Whitcombe, Senator Rosa Alvarado" in html
    assert f'action="{letter.url}embed/#sign"' in html


# --- the API --------------------------------------------------------------------------------------


def test_the_api_takes_the_region_and_paragraph_and_refuses_a_region_off_the_lists(letter):
    from rest_framework.test import APIClient

    api = APIClient()
    url = f"/api/v1/letters/{letter.slug}/signatures/"
    signer = {
        "first_name": "Amina",
        "last_name": "Khalil",
        "email": "amina@mail.example",
        "country": "US",
        "city": "Fresno",
    }
    token = embed_token_issue(letter=letter)

    refused = api.post(
        url, json.dumps({**signer, "region": "TX"}), content_type="application/json", HTTP_X_EMBED_TOKEN=token
    )
    assert refused.status_code == 400 and "is not a state" in refused.json()["fields"]["region"][0]

    accepted = api.post(
        url,
        json.dumps({**signer, "region": "ca", "personal_message": "Hear us."}),
        content_type="application/json",
        HTTP_X_EMBED_TOKEN=token,
    )
    assert accepted.status_code == 202
    assert Signature.objects.values_list("region", "personal_message").get() == ("CA", "Hear us.")


# --- the demo -------------------------------------------------------------------------------------


def test_the_demo_senate_letter_writes_to_each_readers_senators(client, django_capture_on_commit_callbacks):
    call_command("load_demo")
    call_command("load_demo")  # idempotent

    senate = RecipientList.objects.get(name="US Senate")
    assert DecisionMaker.objects.filter(recipient_lists=senate).count() == 8
    regions = list(senate.decision_makers.values_list("region", flat=True))
    assert all(regions.count(region) == 2 for region in regions)
    letter = LetterPage.objects.get(slug="refer-syria-to-the-icc-senate")
    assert letter.delivery_mode == "constituent" and letter.status == LetterStatus.OPEN_FOR_SIGNATURES
    assert list(letter.recipient_lists.all()) == [senate]
    assert not OutgoingMessage.objects.exists()  # loading the demo writes to nobody

    html = client.get(letter.url + "?country=US&region=CA").content.decode()
    assert "Your senators: Senator Rosalind Achterberg, Senator Tomas Villanueva-Hart" in html

    signature = SignatureFactory(
        letter=letter, state="pending_confirmation", country="US", region="CA", first_name="Ada", city="Fresno"
    )
    confirm(signature, django_capture_on_commit_callbacks)
    assert sorted(email.to[0] for email in mail.outbox) == [
        "senator.achterberg@senate.example",
        "senator.villanueva-hart@senate.example",
    ]
    assert "My name is Ada " in mail.outbox[0].body and "constituents in Fresno" in mail.outbox[0].body
