"""Signing on the public site: the form on the letter page, the same answer whatever happened,
the emailed links (GET shows a button, only POST acts), and hostile input next to the form."""

import re

import pytest
from django.core import mail

from coalition.core.challenge import challenge_answer, challenge_solve
from coalition.letters import services
from coalition.letters.models import LetterStatus, Signature, SignatureState
from tests.factories import LetterPageFactory, OrganizationFactory

pytestmark = pytest.mark.django_db
State = SignatureState
CONFIRM_LINK = re.compile(r"http://testserver(/letters/\S+/sign/confirm/[^/\s]+/)")
WITHDRAW_LINK = re.compile(r"http://testserver(/letters/\S+/sign/withdraw/[^/\s]+/)")
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def lead(db):
    return OrganizationFactory(name="Caesar Families", slug="caesar-families", asks_signer_consent=True)


@pytest.fixture
def letter(index, lead):
    return LetterPageFactory(
        title="Free the detainees",
        status=LetterStatus.OPEN_FOR_SIGNATURES,
        lead_organization=lead,
        signature_goal=1000,
    )


def challenge_from(html: str) -> str:
    return re.search(r'name="challenge" value="([^"]+)"', html).group(1)


def form_data(client, letter, **overrides) -> dict:
    """What a browser sends: the page's challenge solved, as challenge.js does."""
    token = challenge_from(client.get(letter.url).content.decode())
    data = {
        "first_name": "Amina",
        "last_name": "Khalil",
        "email": "amina@example.org",
        "country": "SY",
        "city": "Gaziantep",
        "challenge": token,
        "pow": challenge_solve(token, 2),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_sign(client, letter, capture, *, ip="198.51.100.20", **overrides):
    data = form_data(client, letter, **overrides)
    with capture(execute=True):
        return client.post(letter.url + "sign/", data, REMOTE_ADDR=ip)


def confirm_via_link(client, capture, body: str):
    path = CONFIRM_LINK.search(body).group(1)
    with capture(execute=True):
        return client.post(path, {"action": "confirm"})


# --- the form ----------------------------------------------------------------------------------


def test_the_letter_page_has_an_accessible_form_with_unticked_choices(client, letter):
    html = client.get(letter.url).content.decode()
    # Back at the form after an error, even on a phone where it is far down the page.
    assert f'action="{letter.url}sign/#sign"' in html
    for name in ("first_name", "last_name", "email", "country", "city", "title", "comment"):
        assert f'for="id_{name}"' in html
    consent = re.search(r'<input[^>]*name="consent_\d+"[^>]*>', html).group(0)
    assert "checked" not in consent
    assert "Keep me informed about Caesar Families&#x27;s work" in html
    show_name = re.search(r'<input[^>]*name="show_name"[^>]*>', html).group(0)
    assert "checked" not in show_name
    assert "0% of the goal of 1,000" in html
    assert 'role="progressbar"' in html


def test_source_in_the_address_is_carried_by_the_form(client, letter, lead):
    html = client.get(letter.url + "?source=caesar-families").content.decode()
    assert 'name="source" value="caesar-families"' in html
    response = client.get(letter.url + "sign/?source=caesar-families")
    assert response.status_code == 302 and response["Location"].endswith("?source=caesar-families#sign")


def test_a_letter_not_open_for_signatures_shows_no_form_and_refuses_posts(client, index):
    closed = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    assert 'name="challenge"' not in client.get(closed.url).content.decode()
    response = client.post(closed.url + "sign/", {"first_name": "Amina"})
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_signing_confirming_and_the_count_going_up(client, letter, django_capture_on_commit_callbacks):
    response = post_sign(client, letter, django_capture_on_commit_callbacks, show_name="on")
    assert response.status_code == 302 and response["Location"] == letter.url + "sign/sent/"
    sent = client.get(response["Location"])
    assert "check your email" in sent.content.decode().lower()
    assert Signature.objects.get().state == State.PENDING_CONFIRMATION
    assert "<strong>0</strong>" in client.get(letter.url).content.decode()

    path = CONFIRM_LINK.search(mail.outbox[0].body).group(1)
    # Opening the link (a mail scanner does) changes nothing.
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my signature" in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    assert Signature.objects.get().state == State.PENDING_CONFIRMATION

    response = confirm_via_link(client, django_capture_on_commit_callbacks, mail.outbox[0].body)
    assert response.status_code == 302
    assert Signature.objects.get().state == State.CONFIRMED
    html = client.get(letter.url).content.decode()
    assert "<strong>1</strong>" in html
    assert "Amina K." in html and "Gaziantep" in html

    # Replaying the link changes nothing and says so.
    replay = client.get(path).content.decode()
    assert "already confirmed" in replay
    assert services.signature_counts_version(letter.pk)  # still one signature
    assert "<strong>1</strong>" in client.get(letter.url).content.decode()


def test_withdraw_link_removes_the_signature(client, letter, django_capture_on_commit_callbacks):
    post_sign(client, letter, django_capture_on_commit_callbacks, show_name="on")
    confirm_via_link(client, django_capture_on_commit_callbacks, mail.outbox[0].body)
    path = WITHDRAW_LINK.search(mail.outbox[0].body).group(1)
    assert "Withdraw my signature" in client.get(path).content.decode()
    assert Signature.objects.get().state == State.CONFIRMED  # GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path, {"action": "withdraw"})
    assert Signature.objects.get().state == State.WITHDRAWN
    html = client.get(letter.url).content.decode()
    assert "<strong>0</strong>" in html and "Amina K." not in html


def test_foreign_tampered_and_wrong_action_links_change_nothing(
    client, letter, index, django_capture_on_commit_callbacks
):
    post_sign(client, letter, django_capture_on_commit_callbacks)
    path = CONFIRM_LINK.search(mail.outbox[0].body).group(1)
    other = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    foreign = path.replace(letter.url, other.url)
    assert client.post(foreign, {"action": "confirm"}).status_code == 404
    assert client.post(path[:-5] + "AAAA/", {"action": "confirm"}).status_code == 404
    response = client.post(path, {"action": "withdraw"})  # a confirm link cannot withdraw
    assert response.status_code == 400
    invalid = client.get(foreign)
    assert "This link does not work" in invalid.content.decode()
    assert Signature.objects.get().state == State.PENDING_CONFIRMATION


# --- no oracle ------------------------------------------------------------------------------


def _answer(response, client) -> tuple:
    page = client.get(response["Location"]).content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return response.status_code, response["Location"], page


def test_new_duplicate_confirmed_duplicate_and_throttled_look_the_same(
    client, letter, settings, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    new = _answer(post_sign(client, letter, capture), client)
    duplicate = _answer(post_sign(client, letter, capture), client)
    confirm_via_link(client, capture, mail.outbox[0].body)
    confirmed_duplicate = _answer(post_sign(client, letter, capture), client)
    settings.COALITION_SIGNATURES_PER_IP_PER_HOUR = 0
    throttled = _answer(post_sign(client, letter, capture, email="other@example.org"), client)
    bot = _answer(post_sign(client, letter, capture, email="bot@example.org", website="http://spam.example"), client)
    assert new == duplicate == confirmed_duplicate == throttled == bot
    assert Signature.objects.filter(email="other@example.org").get().state == State.SUSPECT
    assert not Signature.objects.filter(email="bot@example.org").exists()
    # What differed was the email each got.
    subjects = [m.subject.split(":")[0] for m in mail.outbox]
    assert subjects == [
        "Please confirm your signature",
        "Please confirm your signature",
        "You have already signed",
        "Please confirm your signature",
    ]


def test_rate_limit_keys_on_the_real_client_not_a_spoofed_forwarded_for(
    client, letter, settings, django_capture_on_commit_callbacks
):
    settings.COALITION_SIGNATURES_PER_IP_PER_HOUR = 2
    settings.COALITION_TRUSTED_PROXY_COUNT = 0
    for n in range(3):
        data = form_data(client, letter, email=f"p{n}@example.org")
        client.post(letter.url + "sign/", data, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    states = list(Signature.objects.order_by("pk").values_list("state", flat=True))
    assert states == [State.PENDING_CONFIRMATION, State.PENDING_CONFIRMATION, State.SUSPECT]
    assert set(Signature.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


def test_behind_one_trusted_proxy_the_proxy_added_address_is_used(client, letter, settings):
    settings.COALITION_TRUSTED_PROXY_COUNT = 1
    data = form_data(client, letter)
    client.post(letter.url + "sign/", data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.44")
    assert Signature.objects.get().ip_address == "198.51.100.44"


# --- the challenge ------------------------------------------------------------------------------


def test_a_submission_without_a_solved_challenge_is_refused_with_a_clear_message(client, letter):
    response = client.post(letter.url + "sign/", form_data(client, letter, pow=""))
    assert response.status_code == 400
    assert "Please answer the question" in response.content.decode()
    assert not Signature.objects.exists()


def test_without_javascript_the_sum_answers_the_challenge(client, letter):
    data = form_data(client, letter, pow="")
    data["answer"] = challenge_answer(data["challenge"])
    assert client.post(letter.url + "sign/", data).status_code == 302
    assert Signature.objects.count() == 1


def test_a_solved_challenge_cannot_be_replayed(client, letter):
    data = form_data(client, letter)
    assert client.post(letter.url + "sign/", data).status_code == 302
    replay = client.post(letter.url + "sign/", {**data, "email": "second@example.org"})
    assert replay.status_code == 400
    assert Signature.objects.count() == 1


def test_a_form_error_keeps_what_was_typed_and_gives_a_fresh_challenge(client, letter):
    data = form_data(client, letter, email="not-an-address")
    response = client.post(letter.url + "sign/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="Amina"' in html and 'value="Gaziantep"' in html
    assert challenge_from(html) != data["challenge"]
    assert 'aria-describedby="id_email_error"' in html or 'id="id_email_error"' in html


# --- hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", '=HYPERLINK("http://evil")', "cannot start with"),
        ("last_name", "+1-800", "cannot start with"),
        ("first_name", "-Amina", "cannot start with"),
        ("first_name", "@Amina", "cannot start with"),
        ("first_name", "Visit http://spam.example", "web address"),
        ("last_name", "www.cheap-pills", "web address"),
        ("last_name", "Khalil spam.example.com", "web address"),
        ("last_name", "<b>Khalil</b>", "cannot contain “/”"),
        ("first_name", "amina@example.org", "“@”"),
        ("first_name", "Ami\x00na", "control character"),
        ("last_name", "Khalil\u202e", "control character"),
        ("city", "Gazi\nantep", "control character"),
        ("city", "=cmd|' /C calc'!A0", "cannot start with"),
        ("first_name", "A" * 101, "at most 100"),
        ("comment", "x" * 1001, "at most 1000"),
        ("title", "@SUM(1+1)", "cannot start with"),
        ("email", "amina@example.org\r\nBcc: victim@example.org", "valid email"),
        ("country", "XX", "valid choice"),
    ],
)
def test_hostile_input_is_refused_with_a_clear_message_and_nothing_stored(client, letter, field, value, message):
    response = client.post(letter.url + "sign/", form_data(client, letter, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Signature.objects.exists()


def test_a_huge_request_is_refused_without_an_error_page(client, letter):
    data = form_data(client, letter, comment="x" * 3_000_000)
    response = client.post(letter.url + "sign/", data)
    assert response.status_code == 400
    assert not Signature.objects.exists()


def test_markup_in_every_field_is_shown_as_text_on_the_page_and_in_the_email(
    client, letter, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    name_xss = "<img src=x onerror=alert(1)>"  # names may not hold "/" or web addresses
    post_sign(client, letter, capture, first_name=name_xss, last_name=name_xss, city=XSS, title=XSS, comment=XSS,
              show_name="on", show_full_name="1")  # fmt: skip
    assert mail.outbox[0].content_subtype == "plain" and not getattr(mail.outbox[0], "alternatives", None)
    assert "Hello <img src=x onerror=alert(1)>," in mail.outbox[0].body  # plain text: shown, never run
    confirm_via_link(client, capture, mail.outbox[0].body)
    html = client.get(letter.url).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; &lt;img" in html  # the public name
    assert "&lt;script&gt;alert" in html  # the city


def test_no_email_or_ip_on_any_public_page(client, letter, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    post_sign(client, letter, capture, email="private.person@example.org", show_name="on", ip="198.51.100.99")
    confirm_via_link(client, capture, mail.outbox[0].body)
    signature = Signature.objects.get()
    assert signature.ip_address == "198.51.100.99"
    pages = [
        letter.url,
        letter.url + "sign/sent/",
        letter.url + "thank-you/",
        letter.url + "embed/",
        "/letters/",
        "/",
        "/api/v1/letters/",
        f"/api/v1/letters/{letter.slug}/",
    ]
    for path in pages:
        body = client.get(path).content.decode()
        assert "private.person" not in body, path
        assert str(signature.ip_address) not in body, path
