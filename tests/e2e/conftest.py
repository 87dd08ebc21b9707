import os
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIServer

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-results" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class SerialWSGIServer(WSGIServer):
    """One request at a time, in the live server's own thread.

    On the embedded default the test database is SQLite in memory, and the live server
    shares the test's single connection; a browser's parallel requests (the admin loads
    several at once) would otherwise interleave transactions on it.
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override or {}


@pytest.fixture(scope="session", autouse=True)
def _serial_live_server():
    from django.test.testcases import LiveServerThread

    original = LiveServerThread.server_class
    LiveServerThread.server_class = SerialWSGIServer
    yield
    LiveServerThread.server_class = original


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"browser test skipped: no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def browser_page(monkeypatch):
    """A page in Debian's Chromium (/usr/bin/chromium), driven by Playwright; no browser is downloaded."""
    # Playwright's sync API runs an event loop in this thread; the live server's
    # database work happens in its own thread, so Django's async guard can step aside.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture
def output_dir():
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR
