"""An organization without an account signs a letter on, in a real browser: the public
form, the emailed link, an editor's approval, the letter's page, and a reconfirmation
after the text changes."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from PIL import Image, ImageDraw

from coalition.letters.models import Endorsement, EndorsementState, LetterStatus
from coalition.letters.services import endorsement_approve
from tests.factories import EditorFactory, LetterPageFactory

pytestmark = pytest.mark.browser
LINK = re.compile(r"https?://\S+/endorse/[^/\s]+/")


def serve_media_from_disk(page) -> None:
    """The live server serves static files only: hand the browser uploaded files straight from MEDIA_ROOT."""

    def fulfil(route):
        name = route.request.url.split(settings.MEDIA_URL, 1)[1].split("?", 1)[0]
        path = Path(settings.MEDIA_ROOT) / name
        if path.is_file():
            route.fulfill(status=200, body=path.read_bytes(), content_type="image/png")
        else:
            route.fulfill(status=404, body=b"")

    page.route(f"**{settings.MEDIA_URL}**", fulfil)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_organization_signs_on_confirms_is_listed_and_reconfirms_a_changed_text(
    live_server, browser_page, settings, output_dir, tmp_path
):
    settings.SITE_URL = live_server.url
    letter = LetterPageFactory(
        title="Stop the Executions",
        status=LetterStatus.OPEN_FOR_ENDORSEMENT,
        body="<p>We ask you to halt every execution.</p>",
    )
    logo_path = tmp_path / "orontes.png"
    buffer = io.BytesIO()
    drawing = Image.new("RGB", (900, 600), (255, 255, 255))
    ImageDraw.Draw(drawing).ellipse((150, 50, 750, 550), fill=(23, 50, 77))
    drawing.save(buffer, format="PNG")
    logo_path.write_bytes(buffer.getvalue())
    page = browser_page
    serve_media_from_disk(page)

    # The letter invites organizations to sign on.
    page.goto(live_server.url + letter.url)
    page.get_by_role("link", name="Endorse this letter").click()
    page.wait_for_url("**/endorse/")

    page.get_by_label("Organization name").fill("Orontes Legal Aid")
    page.get_by_label("Website", exact=True).fill("orontes-legal.example")
    page.get_by_label("Country", exact=True).select_option("LB")
    page.get_by_label("Kind of organization").select_option("legal")
    page.get_by_label("Logo", exact=True).set_input_files(str(logo_path))
    page.get_by_label("Your name").fill("Layla Haddad")
    page.get_by_label("Your title").fill("Director")
    page.get_by_label("Your email address").fill("layla@orontes-legal.example")
    # The PDF choice matters for undisclosed endorsements only, and shows only for them.
    assert not page.get_by_label("List us in the PDF sent to the recipients").is_visible()
    page.get_by_label("Undisclosed for security reasons").check()
    assert page.get_by_label("List us in the PDF sent to the recipients").is_visible()
    page.get_by_label("Public: show our name, logo and country on the letter").check()
    page.screenshot(path=str(output_dir / "endorse-form.png"), full_page=True)
    page.get_by_role("button", name="Sign on and email me the confirmation link").click()

    page.wait_for_url("**/endorse/sent/")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    endorsement = Endorsement.objects.get(organization__name="Orontes Legal Aid")
    assert endorsement.state == EndorsementState.PENDING_CONFIRMATION
    assert endorsement.organization.website == "https://orontes-legal.example"
    assert len(mail.outbox) == 1
    link = LINK.search(mail.outbox[0].body).group(0)

    # The emailed link shows the text; only the button confirms.
    page.goto(link)
    assert "We ask you to halt every execution." in page.content()
    page.get_by_role("button", name="Confirm the endorsement").click()
    page.wait_for_load_state()
    assert "is confirmed" in page.locator(".messages").inner_text()
    endorsement.refresh_from_db()
    assert endorsement.state == EndorsementState.PENDING_REVIEW

    endorsement_approve(endorsement=endorsement, acting_user=EditorFactory())

    page.goto(live_server.url + letter.url + "#endorsers")
    endorsers = page.locator("#endorsers")
    assert "Signed by 1 organization" in endorsers.get_by_role("heading", level=2).inner_text()
    assert endorsers.get_by_role("link", name="Orontes Legal Aid").get_attribute("href") == (
        "https://orontes-legal.example"
    )
    logo = endorsers.locator("li", has_text="Orontes Legal Aid").locator("img.endorser__logo")
    logo.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=logo.element_handle())
    assert "Lebanon" in endorsers.inner_text()
    page.screenshot(path=str(output_dir / "endorse-letter-page.png"), full_page=True)

    # The text changes: the contact is asked to reconfirm, and the link shows what changed.
    letter.refresh_from_db()
    letter.body = "<p>We ask you to halt all executions now.</p>"
    letter.save_revision().publish()
    endorsement.refresh_from_db()
    assert endorsement.state == EndorsementState.NEEDS_RECONFIRMATION
    reconfirm = mail.outbox[-1]
    assert "please reconfirm" in reconfirm.subject
    page.goto(LINK.search(reconfirm.body).group(0))
    diff = page.locator(".text-diff")
    assert diff.locator("del").first.text_content() == "removed: every execution."
    assert diff.locator("ins").first.text_content() == "added: all executions now."
    page.screenshot(path=str(output_dir / "endorse-reconfirm.png"), full_page=True)
    assert (output_dir / "endorse-reconfirm.png").stat().st_size > 10_000

    page.get_by_role("button", name="Reconfirm the endorsement of the current text").click()
    page.wait_for_load_state()
    assert "is counted again" in page.locator(".messages").inner_text()
    page.goto(live_server.url + letter.url)
    assert "Signed by 1 organization" in page.locator("#endorsers").inner_text()
