"""A reader switches to the Arabic translation of a letter, signs it there, and the one count goes up."""

import pytest
from django.core import mail

from coalition.letters.models import LetterPage, Signature, SignatureState
from coalition.letters.translations import letter_translation_create
from tests.e2e.test_sign import CONFIRM_LINK, open_letter

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reader_signs_the_arabic_translation_and_the_english_count_goes_up(
    live_server, browser_page, settings, output_dir
):
    settings.SITE_URL = live_server.url
    letter = open_letter(title="Free the Detained")
    arabic = letter_translation_create(letter=letter, language="ar")
    arabic.title = "أطلقوا سراح المعتقلين"
    arabic.recipients_line = "السيد الرئيس،"
    arabic.body = "<p>نطالبكم بالإفراج عن كل من اعتُقل بسبب رأيه.</p>"
    arabic.save_revision().publish()
    letter = LetterPage.objects.get(pk=letter.pk)
    page = browser_page

    page.goto(live_server.url + letter.url)
    assert page.locator("#sign .signature-count__number").inner_text() == "0 signatures"
    switcher = page.get_by_role("navigation", name="This letter in other languages")
    switcher.get_by_role("link", name="العربيّة").click()
    page.wait_for_url(f"**{letter.url}ar/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.get_by_role("heading", level=1).inner_text() == "أطلقوا سراح المعتقلين"
    # The form mirrors: its labels start at the right edge.
    form = page.locator("#sign form.sign-form")
    form.locator(".challenge-question").wait_for(state="hidden")
    first_name = form.locator("[name=first_name]")
    label = form.locator("label[for=id_first_name]")
    assert (
        label.bounding_box()["x"] + label.bounding_box()["width"]
        >= first_name.bounding_box()["x"] + first_name.bounding_box()["width"] - 2
    )
    first_name.fill("ليلى")
    form.locator("[name=last_name]").fill("حداد")
    form.locator("[name=email]").fill("layla@mail.example")
    form.locator("[name=country]").select_option("LB")
    form.locator("[name=city]").fill("بيروت")
    form.locator("[name=show_name]").check()
    page.screenshot(path=str(output_dir / "sign-arabic.png"), full_page=True)
    form.locator("button[type=submit]").click()

    page.wait_for_url(f"**{letter.url}ar/sign/sent/*")
    assert page.locator("html").get_attribute("dir") == "rtl"
    signature = Signature.objects.get()
    assert signature.language == "ar" and signature.letter_id == letter.pk

    [email] = [m for m in mail.outbox if m.to == ["layla@mail.example"]]
    assert "أطلقوا سراح المعتقلين" in email.subject
    link = CONFIRM_LINK.search(email.body).group(0)
    assert f"{letter.url}ar/sign/confirm/" in link
    page.goto(link)
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    signature.refresh_from_db()
    assert signature.state == SignatureState.CONFIRMED

    page.goto(live_server.url + letter.url)
    assert page.locator("#sign .signature-count__number").inner_text() == "1 signature"
    assert page.locator(".recent-signers__name").all_inner_texts() == ["ليلى ح."]
    page.goto(live_server.url + letter.url + "ar/")
    assert page.locator("#sign .signature-count__number strong").inner_text() == "1"
    page.screenshot(path=str(output_dir / "letter-arabic-after.png"), full_page=True)
