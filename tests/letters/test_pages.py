import re

import pytest
from django.test import Client
from wagtail.models import Site

from coalition.letters.models import (
    HomePage,
    LetterIndexPage,
    LetterPage,
    LetterRecipient,
    LetterStatus,
    LetterUpdate,
    RelatedAction,
)
from coalition.letters.site import site_structure_ensure
from tests.factories import ImageFactory, LetterPageFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client()


def test_site_structure_is_created_once_and_replaces_the_wagtail_placeholder():
    home, index = site_structure_ensure()
    again = site_structure_ensure()

    assert again == (home, index)
    site = Site.objects.get(is_default_site=True)
    assert site.root_page.specific == home
    assert HomePage.objects.count() == 1
    assert LetterIndexPage.objects.count() == 1
    assert index.url == "/letters/"


def test_home_page_lists_open_letters_only(client, index):
    open_letter = LetterPageFactory(title="Open to the public", status=LetterStatus.OPEN_FOR_SIGNATURES)
    LetterPageFactory(title="Already delivered", status=LetterStatus.DELIVERED)
    LetterPageFactory(title="Still drafting", status=LetterStatus.DRAFT)
    LetterPageFactory(title="Not published", status=LetterStatus.OPEN_FOR_SIGNATURES, live=False)

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Open to the public" in html
    assert open_letter.url in html
    assert "Already delivered" not in html
    assert "Still drafting" not in html
    assert "Not published" not in html


def test_home_page_says_so_when_nothing_is_open(client, index):
    response = client.get("/")
    assert "No letter is open" in response.content.decode()


def test_index_lists_public_letters_and_filters_by_status_and_language(client, index):
    LetterPageFactory(title="English and open", status=LetterStatus.OPEN_FOR_SIGNATURES, language="en")
    LetterPageFactory(title="Arabic and open", status=LetterStatus.OPEN_FOR_SIGNATURES, language="ar")
    LetterPageFactory(title="English delivered", status=LetterStatus.DELIVERED, language="en")
    LetterPageFactory(title="A draft", status=LetterStatus.DRAFT)

    everything = client.get("/letters/").content.decode()
    assert all(t in everything for t in ["English and open", "Arabic and open", "English delivered"])
    assert "A draft" not in everything
    assert "3 letters" in everything

    delivered = client.get("/letters/", {"status": "delivered"}).content.decode()
    assert "English delivered" in delivered
    assert "English and open" not in delivered

    arabic_open = client.get("/letters/", {"status": "open_for_signatures", "language": "ar"}).content.decode()
    assert "Arabic and open" in arabic_open
    assert "English and open" not in arabic_open
    assert "1 letter" in arabic_open


@pytest.mark.parametrize(
    "query",
    [
        {"status": "draft"},
        {"status": "<script>alert(1)</script>"},
        {"language": "=cmd|' /C calc'!A0"},
        {"status": "x" * 10_000},
        {"page": "-1"},
        {"page": "9999"},
        {"language": "en\x00"},
    ],
)
def test_index_survives_hostile_filters(client, index, query):
    LetterPageFactory(title="Visible letter", status=LetterStatus.OPEN_FOR_SIGNATURES)

    response = client.get("/letters/", query)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "Visible letter" in html or "No letter matches" in html


def test_index_paginates(client, index):
    for n in range(14):
        LetterPageFactory(title=f"Paged letter {n}", status=LetterStatus.OPEN_FOR_SIGNATURES)

    first = client.get("/letters/").content.decode()
    second = client.get("/letters/", {"page": 2}).content.decode()

    assert "Page 1 of 2" in first
    assert len(re.findall(r"Paged letter \d+", first)) == 12
    assert len(re.findall(r"Paged letter \d+", second)) == 2


def _full_letter(index):
    lead = OrganizationFactory(name="Physicians Group")
    co = OrganizationFactory(name="Families Group")
    letter = LetterPageFactory(
        title="Refer the situation to the court",
        summary="Ask for a referral.",
        introduction="<p>Why this matters now.</p>",
        recipients_line="Dear Mr. President,",
        body="<p>We urge your administration to act.</p>",
        closing="Yours sincerely,",
        status=LetterStatus.OPEN_FOR_SIGNATURES,
        lead_organization=lead,
        co_drafters=[co],
        hero_image=ImageFactory(),
        hero_caption="Families outside the courthouse.",
        hero_credit="Coalition archive",
        donate_url="https://donate.example.org/",
        share_text="I signed, will you?",
    )
    letter.recipients.add(
        LetterRecipient(name="Jordan Example", title="President", email="president@office.example", country="US")
    )
    from datetime import date

    letter.updates.add(LetterUpdate(date=date(2017, 4, 10), text="<p>Older update</p>"))
    letter.updates.add(LetterUpdate(date=date(2017, 12, 7), text="<p>Newer update</p>"))
    letter.related_actions.add(
        RelatedAction(title="Offer safety", url="https://more.example.org/", text="Another action")
    )
    letter.save_revision().publish()
    return LetterPage.objects.get(pk=letter.pk)


def test_letter_page_shows_the_letter_its_organizations_and_updates_newest_first(client, index):
    letter = _full_letter(index)

    response = client.get(letter.url)

    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Refer the situation to the court",
        "Why this matters now.",
        "Dear Mr. President,",
        "We urge your administration to act.",
        "Yours sincerely,",
        "Jordan Example, President",
        "Physicians Group",
        "Families Group",
        "Families outside the courthouse.",
        "Photo: Coalition archive",
        "Want to do more?",
        "Offer safety",
        "https://donate.example.org/",
        "Open for signatures",
    ]:
        assert text in html, text
    assert html.index("Newer update") < html.index("Older update")
    assert "president@office.example" not in html, "recipient emails are never public"


def test_letter_page_has_landmarks_and_labelled_sections(client, index):
    letter = _full_letter(index)
    html = client.get(letter.url).content.decode()

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<footer" in html
    assert 'aria-labelledby="letter-text-heading"' in html
    assert html.count("<h1") == 1


def test_letter_page_loads_no_third_party_assets(client, index):
    letter = _full_letter(index)
    html = client.get(letter.url).content.decode()

    for tag in re.findall(r"<(?:script|link|img|iframe|source)\b[^>]*>", html):
        for url in re.findall(r'(?:src|href|srcset)="([^"]+)"', tag):
            if 'rel="canonical"' in tag:
                continue
            assert url.startswith("/"), f"asset from another host: {tag}"


def test_rtl_letter_renders_right_to_left(client, index):
    letter = LetterPageFactory(
        title="رسالة إلى الرئيس", language="ar", body="<p>نطالب بالعدالة</p>", status=LetterStatus.OPEN_FOR_SIGNATURES
    )
    html = client.get(letter.url).content.decode()

    assert 'lang="ar" dir="rtl"' in html
    assert "نطالب بالعدالة" in html


def test_text_direction_can_be_forced(index):
    letter = LetterPageFactory(language="en", text_direction="rtl")
    assert letter.direction == "rtl"
    assert LetterPageFactory(language="fa").direction == "rtl"
    assert LetterPageFactory(language="fr").direction == "ltr"


def test_draft_status_letter_says_it_is_being_drafted(client, index):
    letter = LetterPageFactory(status=LetterStatus.DRAFT)
    assert "still being drafted" in client.get(letter.url).content.decode()


def test_unpublished_letter_is_not_found(client, index):
    letter = LetterPageFactory(live=False)
    assert client.get("/letters/" + letter.slug + "/").status_code == 404


def test_thank_you_page_shows_message_share_links_and_donate(client, index):
    letter = LetterPageFactory(
        thank_you_message="<p>Thanks so much for acting.</p>",
        donate_url="https://donate.example.org/",
        share_text="Join me",
        status=LetterStatus.OPEN_FOR_SIGNATURES,
    )

    response = client.get(letter.url + "thank-you/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Thanks so much for acting." in html
    assert "https://donate.example.org/" in html
    assert "mailto:?" in html
    assert 'name="robots" content="noindex"' in html


def test_share_links_use_the_public_site_url(client, index, settings):
    letter = LetterPageFactory(share_text="Sign & share", status=LetterStatus.OPEN_FOR_SIGNATURES)
    html = client.get(letter.url).content.decode()
    assert "http%3A%2F%2Ftestserver%2Fletters%2F" in html


def test_hostile_rich_text_is_sanitized_on_the_page(client, index):
    letter = LetterPageFactory(
        body=(
            '<p>Fine text</p><script>alert("x")</script>'
            '<p><a href="javascript:alert(1)">click</a><img src=x onerror="alert(2)"></p>'
            '<iframe src="https://evil.example/"></iframe><p style="color:red" onclick="steal()">styled</p>'
        ),
        introduction='<p>Intro</p><object data="file:///etc/passwd"></object>',
        status=LetterStatus.OPEN_FOR_SIGNATURES,
    )
    html = client.get(letter.url).content.decode()

    assert "Fine text" in html and "styled" in html
    for bad in ["<script>alert", "javascript:", "onerror", "<iframe", "onclick", "<object", "file:///etc/passwd"]:
        assert bad not in html, bad


def test_hostile_plain_fields_are_escaped(client, index):
    letter = LetterPageFactory(
        title="<script>alert('title')</script>",
        summary='"><img src=x onerror=alert(1)>',
        recipients_line='=HYPERLINK("http://evil.example")',
        status=LetterStatus.OPEN_FOR_SIGNATURES,
    )
    html = client.get(letter.url).content.decode()

    assert "<script>alert('title')</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<img src=x onerror=alert(1)>" not in html
    assert "=HYPERLINK(&quot;http://evil.example&quot;)" in html


def _queries_for(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches (image renditions, site root paths)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("url", ["/", "/letters/"])
def test_listing_queries_do_not_grow_with_the_number_of_letters(client, index, url):
    def add_letters(count):
        for _ in range(count):
            LetterPageFactory(
                status=LetterStatus.OPEN_FOR_SIGNATURES, hero_image=ImageFactory(), co_drafters=[OrganizationFactory()]
            )

    add_letters(2)
    few = _queries_for(client, url)
    add_letters(4)
    many = _queries_for(client, url)

    assert many == few
