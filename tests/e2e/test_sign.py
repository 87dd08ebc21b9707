"""A person signs a letter in a real browser: the form on the letter's page (with and
without JavaScript, and by keyboard alone), the emailed link, the count and the list of
signers; and the embedded form inside a partner's page, on an allowed and a refused site.

Screenshots go to test-results/e2e; with SCREENSHOTS=1 the letter page's sign panel is
also saved as docs/screenshots/sign.png for the README.
"""

import os
import re
import threading
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from coalition.letters.models import LetterPage, LetterStatus, Signature, SignatureState
from coalition.letters.selectors import letter_signature_summary
from coalition.letters.services import signature_confirm, signature_create
from tests.factories import LetterPageFactory, OrganizationFactory

pytestmark = pytest.mark.browser

CONFIRM_LINK = re.compile(r"https?://\S+/sign/confirm/[^/\s]+/")
QUESTION = re.compile(r"what is (\d+) \+ (\d+)\?")
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def open_letter(**overrides):
    lead = OrganizationFactory(name="Syria Justice Network", slug="syria-justice-network", asks_signer_consent=True)
    fields = {
        "title": "Free the Detained",
        "status": LetterStatus.OPEN_FOR_SIGNATURES,
        "signature_goal": 100,
        "lead_organization": lead,
        "body": "<p>We ask you to release every person detained for their opinions.</p>",
    }
    return LetterPageFactory(**{**fields, **overrides})


def fill_signature(form, *, first_name, last_name, email, country, city, show_name=True):
    form.get_by_label("First name", exact=True).fill(first_name)
    form.get_by_label("Last name", exact=True).fill(last_name)
    form.get_by_label("Email", exact=True).fill(email)
    form.get_by_label("Country", exact=True).select_option(country)
    form.get_by_label("City or postcode").fill(city)
    if show_name:
        form.get_by_label("Show my name on the public list of signers").check()


def confirm_link(to: str) -> str:
    bodies = [message.body for message in mail.outbox if to in message.to]
    assert bodies, f"no email to {to}"
    return CONFIRM_LINK.search(bodies[-1]).group(0)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@contextmanager
def partner_site(html: str):
    """A partner's web page, served from another origin (http://127.0.0.1:<port>)."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def partner_page(embed_url: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Partner</title></head>"
        "<body><h1>A partner's campaign page</h1>"
        f"<iframe id='coalition' src='{embed_url}' title='Sign the letter' width='360' height='1100'"
        " style='border:1px solid #ccc'></iframe></body></html>"
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_person_signs_confirms_by_email_and_is_counted(live_server, browser_page, settings, output_dir):
    settings.SITE_URL = live_server.url
    letter = open_letter()
    page = browser_page
    page.goto(live_server.url + letter.url)

    panel = page.locator("#sign")
    assert panel.locator(".signature-count__number").inner_text() == "0 signatures"
    assert panel.locator(".signature-count__goal").inner_text() == "0% of the goal of 100"
    assert page.locator(".signers").count() == 0  # nobody has signed yet
    form = panel.locator("form.sign-form")
    # With JavaScript the page solves the proof of work: the sum question goes away.
    form.locator(".challenge-question").wait_for(state="hidden")
    honeypot = form.locator(".hp")
    assert honeypot.bounding_box()["width"] <= 1 and honeypot.bounding_box()["height"] <= 1
    assert honeypot.evaluate("e => getComputedStyle(e).clipPath") == "inset(50%)"  # out of sight

    fill_signature(
        form, first_name="Amina", last_name="Khalil", email="amina.khalil@mail.example", country="SY", city="Gaziantep"
    )
    consent = form.get_by_label("Keep me informed about Syria Justice Network's work")
    assert not consent.is_checked()
    consent.check()
    page.screenshot(path=str(output_dir / "sign-form.png"), full_page=True)

    # Keyboard alone: from the consent box, Tab reaches the button (the honeypot and the
    # hidden question are skipped), which shows its focus and submits with Enter.
    consent.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Sign the letter"
    button = form.get_by_role("button", name="Sign the letter")
    assert button.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
    form.screenshot(path=str(output_dir / "sign-focus.png"))
    page.keyboard.press("Enter")

    page.wait_for_url("**/sign/sent/*")  # the form posts to sign/#sign; the fragment carries over
    assert page.get_by_role("heading", level=1).inner_text() == "Almost done: check your email"
    signature = Signature.objects.get()
    assert signature.state == SignatureState.PENDING_CONFIRMATION
    assert signature.channel == Signature.Channel.FORM
    assert [c.organization.name for c in signature.consents.all()] == ["Syria Justice Network"]
    page.screenshot(path=str(output_dir / "sign-sent.png"), full_page=True)

    # Opening the emailed link changes nothing: mail scanners open links too.
    page.goto(confirm_link("amina.khalil@mail.example"))
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm your signature"
    signature.refresh_from_db()
    assert signature.state == SignatureState.PENDING_CONFIRMATION
    assert Signature.objects.filter(letter=letter, state=SignatureState.CONFIRMED).count() == 0
    assert letter_signature_summary(letter=letter).total == 0
    page.get_by_role("button", name="Confirm my signature").click()
    page.wait_for_load_state()
    assert "your signature is confirmed" in page.locator(".messages").inner_text()
    signature.refresh_from_db()
    assert signature.state == SignatureState.CONFIRMED
    assert letter_signature_summary(letter=letter).total == 1

    page.goto(live_server.url + letter.url)
    assert page.locator("#sign .signature-count__number").inner_text() == "1 signature"
    assert page.locator("#sign .progress").get_attribute("aria-valuenow") == "1"
    signers = page.locator(".signers")
    assert signers.locator(".recent-signers__name").all_inner_texts() == ["Amina K."]
    assert "Khalil" not in signers.inner_text()
    assert "Syria" in signers.locator(".country-table").inner_text()
    page.screenshot(path=str(output_dir / "sign-letter-page.png"), full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_javascript_a_person_answers_the_sum(live_server, browser_page, settings, output_dir):
    settings.SITE_URL = live_server.url
    letter = open_letter()
    context = browser_page.context.browser.new_context(
        java_script_enabled=False, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + letter.url)
        form = page.locator("form.sign-form")
        question = form.locator(".challenge-question")
        assert question.is_visible()
        fill_signature(
            form, first_name="Omar", last_name="Haddad", email="omar@mail.example", country="LB", city="Beirut"
        )

        # A wrong sum: the form comes back with what was typed and a new question.
        form.get_by_label(QUESTION).fill("99")
        form.get_by_role("button", name="Sign the letter").click()
        page.wait_for_load_state()
        form = page.locator("form.sign-form")
        assert "Please answer the question" in form.locator(".challenge-question").inner_text()
        assert form.get_by_label("First name", exact=True).input_value() == "Omar"
        assert form.get_by_label(QUESTION).input_value() == ""  # a new question, asked afresh
        assert Signature.objects.count() == 0
        page.screenshot(path=str(output_dir / "sign-nojs-error.png"), full_page=True)

        label = form.locator(".challenge-question label").inner_text()
        a, b = QUESTION.search(label).groups()
        form.get_by_label(QUESTION).fill(str(int(a) + int(b)))
        form.get_by_role("button", name="Sign the letter").click()
        page.wait_for_url("**/sign/sent/*")  # the form posts to sign/#sign; the fragment carries over
        assert page.get_by_role("heading", level=1).inner_text() == "Almost done: check your email"
        assert no_horizontal_scroll(page)

        signature = Signature.objects.get()
        assert (signature.first_name, signature.country.code) == ("Omar", "LB")
        page.goto(confirm_link("omar@mail.example"))
        page.get_by_role("button", name="Confirm my signature").click()
        page.wait_for_load_state()
        signature.refresh_from_db()
        assert signature.state == SignatureState.CONFIRMED
    finally:
        context.close()


# Web Crypto's digest held back until the test lets it go: the proof of work is still running.
HOLD_DIGEST = """
const digest = crypto.subtle.digest.bind(crypto.subtle);
let release;
const gate = new Promise((resolve) => { release = resolve; });
window.releaseDigest = () => release();
crypto.subtle.digest = async (...args) => { await gate; return digest(...args); };
"""
# A browser where Web Crypto fails.
FAIL_DIGEST = "crypto.subtle.digest = () => Promise.reject(new Error('not available'));"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pressing_sign_while_the_browser_is_still_checking_sends_once(live_server, browser_page, settings):
    settings.SITE_URL = live_server.url
    letter = open_letter()
    page = browser_page
    page.add_init_script(HOLD_DIGEST)
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(live_server.url + letter.url)
    form = page.locator("form.sign-form")
    form.locator(".challenge-question").wait_for(state="hidden")
    fill_signature(form, first_name="Lina", last_name="Sabbagh", email="lina@mail.example", country="SY", city="Idlib")

    button = form.get_by_role("button", name="Sign the letter")
    button.click()
    button.click()  # impatient: a second press must not send the form without its proof of work
    assert form.locator(".sign-form__status").inner_text() == "Checking your browser before sending…"
    page.wait_for_timeout(300)
    assert posts == [] and Signature.objects.count() == 0

    page.evaluate("window.releaseDigest()")
    page.wait_for_url("**/sign/sent/*")  # the form posts to sign/#sign; the fragment carries over
    assert posts == [live_server.url + letter.url + "sign/"]
    assert Signature.objects.get().first_name == "Lina"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_when_web_crypto_fails_the_question_comes_back(live_server, browser_page, settings):
    settings.SITE_URL = live_server.url
    letter = open_letter()
    page = browser_page
    page.add_init_script(FAIL_DIGEST)
    page.goto(live_server.url + letter.url)
    form = page.locator("form.sign-form")
    question = form.locator(".challenge-question")
    question.wait_for(state="visible")
    fill_signature(form, first_name="Sami", last_name="Aziz", email="sami@mail.example", country="TR", city="Istanbul")
    a, b = QUESTION.search(question.locator("label").inner_text()).groups()
    form.get_by_label(QUESTION).fill(str(int(a) + int(b)))
    form.get_by_role("button", name="Sign the letter").click()
    page.wait_for_url("**/sign/sent/*")  # the form posts to sign/#sign; the fragment carries over
    assert Signature.objects.get().first_name == "Sami"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sign_panel_and_signers_fit_wide_and_narrow_screens(live_server, browser_page, settings, output_dir):
    settings.SITE_URL = live_server.url
    letter = open_letter(title="Free the Detained: A Letter to the Security Council", signature_goal=50)
    people = [
        ("Amina", "Khalil", "SY", "Gaziantep"),
        ("Omar", "Haddad", "LB", "Beirut"),
        ("Lina", "Sabbagh", "SY", "Idlib"),
        ("Karim", "Nassar", "DE", "Berlin"),
        ("Nour", "Hamdan", "SY", "Aleppo"),
        ("Sami", "Aziz", "TR", "Istanbul"),
        ("Rania", "Youssef", "FR", "Lyon"),
        ("Yara", "Mansour", "SY", ""),
        ("Hadi", "Saleh", "JO", "Amman"),
        ("Dana", "Khoury", "LB", "Tripoli"),
        ("Maya", "Issa", "SE", "Malmö"),
        ("Ziad", "Halabi", "SY", "Homs"),
    ]
    for n, (first, last, country, city) in enumerate(people):
        outcome = signature_create(
            letter=letter,
            first_name=first,
            last_name=last,
            email=f"signer{n}@mail.example",
            country=country,
            city=city or "Daraa",
            show_name=n % 4 != 3,
            show_full_name=n % 3 == 0,
        )
        signature_confirm(signature=outcome.signature)
    # Signed over the last few hours, the newest last.
    for n, signature in enumerate(Signature.objects.order_by("-pk")):
        Signature.objects.filter(pk=signature.pk).update(confirmed_at=timezone.now() - timedelta(minutes=3 + 17 * n))

    page = browser_page
    page.goto(live_server.url + letter.url)
    page.locator("#sign .challenge-question").wait_for(state="hidden")
    assert page.locator("#sign .signature-count__number").inner_text() == "12 signatures"
    assert page.locator("#sign .signature-count__goal").inner_text() == "24% of the goal of 50"
    bar = page.locator("#sign .progress__bar").bounding_box()
    track = page.locator("#sign .progress").bounding_box()
    assert 0.2 < bar["width"] / track["width"] < 0.28
    # Wide screens: first and last name side by side, recent signers beside the countries.
    first, last = (
        page.get_by_label("First name", exact=True).bounding_box(),
        page.get_by_label("Last name", exact=True).bounding_box(),
    )
    assert first["y"] == last["y"] and first["x"] < last["x"]
    recent, chart = page.locator(".recent-signers").bounding_box(), page.locator(".country-chart").bounding_box()
    assert recent["x"] < chart["x"]
    svg = page.locator(".country-table__bar svg").first.bounding_box()
    assert 8 <= svg["height"] <= 12 and svg["width"] > 40
    assert no_horizontal_scroll(page)
    page.locator("#sign").screenshot(path=str(output_dir / "sign-panel.png"))
    page.screenshot(path=str(output_dir / "sign-wide.png"), full_page=True)
    if os.environ.get("SCREENSHOTS") == "1":
        # For the README: the letter's top with the sign panel, the name choice open.
        show_name = page.get_by_label("Show my name on the public list of signers")
        show_name.check()
        page.set_viewport_size({"width": 1280, "height": 1720})
        page.evaluate("window.scrollTo(0, 0)")
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOTS / "sign.png"))
        show_name.uncheck()
        page.set_viewport_size({"width": 1280, "height": 900})

    # Narrow screens: everything stacks, nothing scrolls sideways.
    page.set_viewport_size({"width": 375, "height": 800})
    first, last = (
        page.get_by_label("First name", exact=True).bounding_box(),
        page.get_by_label("Last name", exact=True).bounding_box(),
    )
    assert first["y"] < last["y"] and first["x"] == last["x"]
    recent, chart = page.locator(".recent-signers").bounding_box(), page.locator(".country-chart").bounding_box()
    assert recent["y"] < chart["y"]
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(output_dir / "sign-narrow.png"), full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_right_to_left_letter_mirrors_the_form_and_the_bars(live_server, browser_page, settings, output_dir):
    settings.SITE_URL = live_server.url
    letter = open_letter(title="أطلقوا سراح المعتقلين", language="ar")
    for n, country in enumerate(["SY", "SY", "LB"]):
        outcome = signature_create(
            letter=letter, first_name="Amina", last_name="Khalil", email=f"signer{n}@mail.example",
            country=country, city="Gaziantep", show_name=True,
        )  # fmt: skip
        signature_confirm(signature=outcome.signature)
    page = browser_page
    page.goto(live_server.url + letter.url)
    assert page.locator("main").get_attribute("dir") == "rtl"
    page.get_by_label("اعرضوا اسمي في القائمة العامة للموقّعين").check()  # the Arabic interface

    # The bars grow from the right: Lebanon's half-length bar ends where Syria's does.
    bars = page.locator(".country-table__bar rect")
    syria, lebanon = bars.nth(0).bounding_box(), bars.nth(1).bounding_box()
    assert abs(lebanon["width"] * 2 - syria["width"]) < 2
    assert abs((lebanon["x"] + lebanon["width"]) - (syria["x"] + syria["width"])) < 2
    # The name choice hangs from the right, under its checkbox.
    sub = page.locator(".field--sub")
    assert sub.evaluate("e => getComputedStyle(e).borderRightWidth") == "3px"
    assert sub.evaluate("e => getComputedStyle(e).borderLeftWidth") == "0px"
    progress, bar = page.locator("#sign .progress").bounding_box(), page.locator("#sign .progress__bar").bounding_box()
    assert abs((progress["x"] + progress["width"]) - (bar["x"] + bar["width"])) < 2
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(output_dir / "sign-rtl.png"), full_page=True)


@pytest.fixture
def idle_connections_time_out(monkeypatch):
    """The live server answers one connection at a time (tests/e2e/conftest.py). For a
    frame from another site Chromium opens a spare connection it may never use, which
    would hold that one slot for good: such idle connections are dropped after 2 seconds."""
    from django.test.testcases import QuietWSGIRequestHandler

    monkeypatch.setattr(QuietWSGIRequestHandler, "timeout", 2, raising=False)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_partner_site_embeds_the_form_and_other_sites_cannot(
    live_server, browser_page, settings, output_dir, idle_connections_time_out
):
    settings.SITE_URL = live_server.url
    letter = open_letter()
    partner = OrganizationFactory(name="Beirut Rights Forum", slug="beirut-rights-forum")
    embed_url = f"{live_server.url}{letter.url}embed/?source={partner.slug}"
    page = browser_page

    with partner_site(partner_page(embed_url)) as allowed, partner_site(partner_page(embed_url)) as refused:
        # Editors can only enter https:// sites (tests/letters/test_embed.py); this test's
        # partner is served over http, so the field is set without the page's validation.
        LetterPage.objects.filter(pk=letter.pk).update(embed_origins=allowed)

        page.goto(allowed + "/")
        frame = page.frame_locator("#coalition")
        frame.get_by_role("heading", level=1).wait_for()
        assert frame.get_by_role("heading", level=1).inner_text() == "Free the Detained"
        frame.locator(".challenge-question").wait_for(state="hidden")
        assert frame.locator(".site-header").count() == 0
        page.screenshot(path=str(output_dir / "embed-frame.png"))
        assert page.frame(url=re.compile(r"/embed/")).evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"
        )
        fill_signature(
            frame, first_name="Rasha", last_name="Touma", email="rasha@mail.example", country="LB", city="Saida"
        )
        page.screenshot(path=str(output_dir / "embed-partner.png"), full_page=True)
        frame.get_by_role("button", name="Sign the letter").click()
        frame.get_by_role("heading", name="Almost done: check your email").wait_for()
        page.screenshot(path=str(output_dir / "embed-sent.png"), full_page=True)

        signature = Signature.objects.get()
        assert signature.channel == Signature.Channel.EMBED
        assert signature.source_organization == partner
        assert signature.state == SignatureState.PENDING_CONFIRMATION
        assert confirm_link("rasha@mail.example").startswith(live_server.url + letter.url + "sign/confirm/")

        # A site that is not on the letter's list gets a blocked frame, not the form.
        with (
            page.expect_console_message(lambda message: "frame-ancestors" in message.text) as refusal,
            page.expect_response(re.compile(r"/embed/")) as response_info,
        ):
            page.goto(refused + "/")
        response = response_info.value
        assert response.status == 200
        assert response.headers["content-security-policy"] == f"frame-ancestors 'self' {allowed}"
        assert "The request has been blocked" in refusal.value.text
        assert f"frame-ancestors 'self' {allowed}" in refusal.value.text
        frame = page.frames[-1]
        assert frame != page.main_frame and "/embed/" not in frame.url
        assert "Sign the letter" not in frame.content()
        assert page.frame_locator("#coalition").locator("form.sign-form").count() == 0
        page.screenshot(path=str(output_dir / "embed-refused.png"), full_page=True)
    assert Signature.objects.count() == 1
