import re

import pytest
from django.core.management import call_command

from coalition.core import demo_content
from coalition.letters.models import LetterPage, LetterStatus, LetterStatusChange
from coalition.orgs.models import Organization

pytestmark = pytest.mark.django_db


def test_load_demo_builds_five_letters_and_is_idempotent(capsys):
    call_command("load_demo")
    call_command("load_demo")

    out = capsys.readouterr().out
    assert "5 letter(s) created" in out
    assert "nothing to do" in out
    assert LetterPage.objects.count() == 5
    assert Organization.objects.count() == len(demo_content.ORGANIZATIONS)
    statuses = dict(LetterPage.objects.values_list("slug", "status"))
    assert statuses == {letter["slug"]: letter["status"] for letter in demo_content.LETTERS}
    assert all(page.live for page in LetterPage.objects.all())


def test_demo_letters_have_the_seed_campaigns_shape():
    call_command("load_demo")
    by_slug = {letter.slug: letter for letter in LetterPage.objects.all()}

    coalition_letter = by_slug["syria-cannot-wait-letter-to-the-president"]
    assert coalition_letter.recipients_line == "Dear Mr. President,"
    assert coalition_letter.co_drafters.count() >= 4
    assert coalition_letter.hero_image is not None and coalition_letter.hero_caption

    constituent_letter = by_slug["justice-for-victims-of-atrocities-in-syria"]
    assert "[Decision Maker]" in constituent_letter.recipients_line

    petition = by_slug["stop-the-bloodshed-in-syria"]
    assert petition.status == LetterStatus.DELIVERED
    assert petition.status_changed_at.year == 2011

    australian = by_slug["justice-for-khan-sheikhoun"]
    assert australian.closing == "Yours sincerely,"
    assert australian.updates.count() == 2
    assert australian.related_actions.exists() and australian.donate_url


def test_demo_status_history_is_recorded_through_the_service():
    call_command("load_demo")
    delivered = LetterPage.objects.get(slug="stop-the-bloodshed-in-syria")
    path = list(LetterStatusChange.objects.filter(letter=delivered).order_by("pk").values_list("to_status", flat=True))
    assert path == ["open_for_signatures", "closed", "delivered"]


def test_no_demo_page_shows_a_recipient_email(client):
    call_command("load_demo")
    emails = [r["email"] for letter in demo_content.LETTERS for r in letter["recipients"] if r["email"]]
    assert emails

    pages = ["/", "/letters/"] + [letter.url for letter in LetterPage.objects.all()]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for email in emails:
            assert email not in html, (url, email)
        assert not re.search(r"[\w.+-]+@[\w-]+\.(?:example|gov)\b", html), url


def test_the_demo_coalition_letter_is_signed_by_over_thirty_organizations():
    from coalition.letters.models import Endorsement, EndorsementNotice
    from coalition.letters.text import letter_text_hash
    from tests.factories import EditorFactory

    EditorFactory()
    call_command("load_demo")
    call_command("load_demo")  # idempotent: no second round of endorsements
    letter = LetterPage.objects.get(slug=demo_content.ENDORSED_LETTER)
    endorsements = Endorsement.objects.filter(letter=letter)
    approved = endorsements.filter(state="approved", content_hash=letter_text_hash(letter))
    drafters = 1 + len(next(d for d in demo_content.LETTERS if d["slug"] == letter.slug)["co_drafters"])
    assert approved.count() == drafters + len(demo_content.ENDORSERS) > 30
    assert approved.filter(display="undisclosed").count() == 2
    assert endorsements.filter(state="pending_review").count() == len(demo_content.ENDORSERS_PENDING_REVIEW)
    # Loading the demo owes nobody an email.
    assert not EndorsementNotice.objects.filter(sent_at__isnull=True).exists()


def test_demo_letters_have_confirmed_signers_counted_by_country():
    from coalition.letters.models import Signature, SignatureTally
    from coalition.letters.selectors import letter_signature_summary

    call_command("load_demo")
    call_command("load_demo")  # idempotent: no second round of signers
    for slug, count in demo_content.DEMO_SIGNATURES.items():
        letter = LetterPage.objects.get(slug=slug)
        assert Signature.objects.filter(letter=letter, state="confirmed").count() == count
        summary = letter_signature_summary(letter=letter)
        assert summary.total == count and len(summary.countries) == 10 and summary.recent
        assert all(
            s.confirmed_at and s.created_at < s.confirmed_at for s in Signature.objects.filter(letter=letter)[:5]
        )
    assert sum(SignatureTally.objects.values_list("confirmed", flat=True)) == sum(
        demo_content.DEMO_SIGNATURES.values()
    )


def test_the_demo_coalition_letter_reads_in_english_arabic_and_french(client):
    from django.utils.html import escape

    call_command("load_demo")
    letter = LetterPage.objects.get(slug=demo_content.ENDORSED_LETTER)
    words = demo_content.TRANSLATIONS[demo_content.ENDORSED_LETTER]

    english = client.get(letter.url)
    arabic = client.get(letter.url + "ar/")
    french = client.get(letter.url + "fr/")
    assert (english.status_code, arabic.status_code, french.status_code) == (200, 200, 200)

    html = arabic.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert escape(words["ar"]["title"]) in html
    assert "فخامة الرئيس" in html and "We are Syrian human rights organizations" not in html

    html = french.content.decode()
    assert '<html lang="fr"' in html
    assert escape(words["fr"]["title"]) in html and "Monsieur le Président," in html

    # The English page's language switcher offers both translations.
    links = re.findall(r'<a href="([^"]+)" hreflang="(\w+)" lang="\w+">', english.content.decode())
    assert sorted(links) == [(letter.url + "ar/", "ar"), (letter.url + "fr/", "fr")]


def test_loading_the_demo_twice_keeps_one_published_translation_per_language(capsys):
    from coalition.letters.models import LetterTranslationPage
    from coalition.letters.translations import translation_source_is_current

    call_command("load_demo")
    call_command("load_demo")

    out = capsys.readouterr().out
    assert "2 letter translation(s) published" in out and "nothing to do" in out
    letter = LetterPage.objects.get(slug=demo_content.ENDORSED_LETTER)
    translations = LetterTranslationPage.objects.child_of(letter)
    assert sorted(translations.values_list("language", flat=True)) == ["ar", "fr"]
    assert LetterTranslationPage.objects.count() == 2
    for translation in translations:
        assert translation.live and not translation.has_unpublished_changes
        assert translation.slug == translation.language
        assert translation_source_is_current(translation=translation, letter=letter)
