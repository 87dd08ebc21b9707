"""End to end in a real browser: Debian's Chromium driven by Playwright.

Skipped, with a clear reason, where /usr/bin/chromium is not installed
(`apt-get install -y chromium`; Playwright never downloads a browser of its own here).
"""

import pytest

from coalition.core.demo import demo_load

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reader_follows_a_letter_from_the_home_page(live_server, browser_page, settings, output_dir):
    settings.SITE_URL = live_server.url
    demo_load()
    requests_elsewhere = []
    browser_page.on(
        "request",
        lambda request: None if request.url.startswith(live_server.url) else requests_elsewhere.append(request.url),
    )

    browser_page.goto(live_server.url + "/")
    assert browser_page.get_by_role("heading", level=1).inner_text() == "Many organizations. One letter."
    browser_page.get_by_role("link", name="Syria Cannot Wait: A Letter to the President").click()

    browser_page.wait_for_url("**/letters/syria-cannot-wait-letter-to-the-president/")
    assert browser_page.get_by_role("heading", level=1).inner_text() == "Syria Cannot Wait: A Letter to the President"
    letter = browser_page.locator(".paper")
    assert letter.locator(".paper__salutation").inner_text() == "Dear Mr. President,"
    assert "Families for Freedom" in letter.inner_text()
    assert len(letter.locator(".prose p").all()) >= 3

    # Keyboard users reach the content first.
    browser_page.keyboard.press("Tab")
    assert browser_page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"

    browser_page.screenshot(path=str(output_dir / "letter-page.png"), full_page=True)
    assert (output_dir / "letter-page.png").stat().st_size > 10_000
    assert requests_elsewhere == [], "the page loaded something from another host"
