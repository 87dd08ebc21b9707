"""End to end in a real browser: Debian's Chromium driven by Playwright.

Skipped, with a clear reason, where /usr/bin/chromium is not installed
(`apt-get install -y chromium`; never `playwright install`).
"""

import os
from pathlib import Path

import pytest

from coalition.core.demo import demo_load

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-results" / "e2e"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"browser test skipped: no Chromium at {CHROMIUM}"),
]


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the live server's
    # database work happens in its own thread, so Django's async guard can step aside.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reader_follows_a_letter_from_the_home_page(live_server, browser_page, settings):
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

    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    browser_page.screenshot(path=str(OUTPUT_DIR / "letter-page.png"), full_page=True)
    assert (OUTPUT_DIR / "letter-page.png").stat().st_size > 10_000
    assert requests_elsewhere == [], "the page loaded something from another host"
