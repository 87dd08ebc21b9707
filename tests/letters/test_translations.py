"""Translations of a letter: routing and switching, one count, out of date after a source edit."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from coalition.letters.models import LetterPage, LetterStatus, LetterTranslationPage, Signature, SignatureState
from coalition.letters.services import signature_confirm
from coalition.letters.translations import (
    TranslatedLetterNotSaved,
    letter_as_translation,
    letter_in_language,
    letter_translation_create,
)
from tests.factories import LetterPageFactory, SignatureFactory
from tests.letters.test_sign_public import form_data

pytestmark = pytest.mark.django_db

ARABIC_BODY = "<p>نكتب إليكم لنطلب العدالة لضحايا الجرائم الجماعية في سوريا.</p>"
FRENCH_BODY = "<p>Nous vous écrivons pour demander justice pour les victimes.</p>"


def publish(translation: LetterTranslationPage, **words) -> LetterTranslationPage:
    for field, value in words.items():
        setattr(translation, field, value)
    translation.save_revision().publish()
    return LetterTranslationPage.objects.get(pk=translation.pk)


def translated_letter(**kwargs):
    letter = LetterPageFactory(
        status=LetterStatus.OPEN_FOR_SIGNATURES,
        title="Justice for the victims",
        body="<p>We write to ask for justice for the victims of mass atrocities in Syria.</p>",
        **kwargs,
    )
    arabic = publish(
        letter_translation_create(letter=letter, language="ar"),
        title="العدالة للضحايا",
        recipients_line="السيد الرئيس،",
        body=ARABIC_BODY,
        closing="مع فائق الاحترام،",
    )
    french = publish(
        letter_translation_create(letter=letter, language="fr"),
        title="Justice pour les victimes",
        recipients_line="Monsieur le Président,",
        body=FRENCH_BODY,
    )
    # Fresh from the database: the tree (numchild) changed under the object the factory returned.
    return LetterPage.objects.get(pk=letter.pk), arabic, french


def test_a_translation_is_served_at_the_letters_address_and_its_language(client, index):
    letter, arabic, french = translated_letter()
    assert arabic.url == letter.url + "ar/"

    html = client.get(arabic.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="ar" dir="rtl">' in html
    assert "العدالة للضحايا" in html and "نكتب إليكم" in html
    assert "We write to ask" not in html
    assert "أضف اسمك" in html  # the form, in Arabic
    assert 'action="' + arabic.url + 'sign/#sign"' in html


def test_the_switcher_and_hreflang_link_every_published_language(client, index, settings):
    letter, arabic, french = translated_letter()

    for page in (letter, arabic, french):
        html = client.get(page.url).content.decode()
        for version in (letter, arabic, french):
            assert f'hreflang="{version.language}" href="{settings.SITE_URL}{version.url}"' in html
        assert f'<link rel="alternate" hreflang="x-default" href="{settings.SITE_URL}{letter.url}">' in html
        links = re.findall(r'<a href="([^"]+)" hreflang="(\w+)" lang="\w+">', html)
        assert sorted(links) == sorted((v.url, v.language) for v in (letter, arabic, french) if v.pk != page.pk)
    assert '<span aria-current="page" lang="ar">العربيّة</span>' in client.get(arabic.url).content.decode()


def test_a_draft_translation_is_not_served_nor_offered(client, index):
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    draft = letter_translation_create(letter=letter, language="fr")

    assert client.get(letter.url + "fr/").status_code == 404
    assert 'hreflang="fr"' not in client.get(letter.url).content.decode()
    assert not draft.live


def test_a_translation_of_an_unpublished_letter_is_not_served(client, index):
    letter, arabic, _french = translated_letter()
    letter.unpublish()
    assert client.get(arabic.url).status_code == 404


def test_one_translation_per_language_and_never_the_source_language(index):
    letter = LetterPageFactory()
    letter_translation_create(letter=letter, language="fr")
    with pytest.raises(ValidationError):
        letter_translation_create(letter=letter, language="fr")
    with pytest.raises(ValidationError):
        letter_translation_create(letter=letter, language="en")


def test_signing_the_arabic_translation_counts_for_the_one_letter(client, index, django_capture_on_commit_callbacks):
    letter, arabic, french = translated_letter()
    SignatureFactory(letter=letter, state=SignatureState.CONFIRMED)

    data = form_data(client, arabic)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(arabic.url + "sign/", data)
    assert response.status_code == 302 and response["Location"] == arabic.url + "sign/sent/"

    signature = Signature.objects.get(email="amina@example.org")
    assert signature.letter_id == letter.pk
    assert signature.language == "ar"

    # The email is in Arabic, with the translation's title, and its link opens the Arabic page.
    [email] = mail.outbox
    assert "العدالة للضحايا" in email.subject
    confirm_url = re.search(r"https?://\S+/sign/confirm/\S+/", email.body).group(0)
    assert arabic.url + "sign/confirm/" in confirm_url
    confirm_path = confirm_url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + confirm_path)
    assert '<html lang="ar" dir="rtl">' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/" + confirm_path, {"action": "confirm"})
    signature.refresh_from_db()
    assert signature.state == SignatureState.CONFIRMED

    # Two confirmed signatures: the same count on the English, Arabic and French pages.
    from coalition.letters.selectors import letter_signature_summary

    for page in (letter, arabic, french):
        view = letter_in_language(letter, page.language)
        assert letter_signature_summary(letter=view).total == 2
        html = client.get(page.url).content.decode()
        assert '<p class="signature-count__number"><strong>2</strong>' in html, page.language


def test_editing_the_source_marks_translations_out_of_date_until_updated(client, index, settings):
    letter, arabic, french = translated_letter()
    assert "translation-notice--out-of-date" not in client.get(arabic.url).content.decode()

    letter.body = "<p>We write to ask for justice, and for the release of the detained.</p>"
    letter.save_revision().publish()

    html = client.get(arabic.url).content.decode()
    assert "translation-notice--out-of-date" in html
    assert f'href="{letter.url}" hreflang="en"' in html
    assert "translation-notice--out-of-date" in client.get(french.url).content.decode()

    # The translator updates the Arabic words and says they are current: once published, the note goes.
    from coalition.letters.translations import translation_mark_current, translation_source_changes

    draft = arabic.get_latest_revision_as_object()
    changes = translation_source_changes(translation=draft, letter=letter)
    assert not changes["current"]
    assert any(line.kind == "insert" and "release of the detained" in line.text for line in changes["diff"])
    draft.body = "<p>نكتب إليكم لنطلب العدالة والإفراج عن المعتقلين.</p>"
    translation_mark_current(translation=draft, letter=letter)
    draft.save_revision()
    # Saved, not yet signed off and published: the public still reads the old words, marked.
    assert "translation-notice--out-of-date" in client.get(arabic.url).content.decode()

    LetterTranslationPage.objects.get(pk=arabic.pk).get_latest_revision().publish()
    html = client.get(arabic.url).content.decode()
    assert "translation-notice--out-of-date" not in html
    assert "الإفراج عن المعتقلين" in html
    assert "translation-notice--out-of-date" in client.get(french.url).content.decode()


def test_a_letter_served_in_translation_cannot_overwrite_the_source(index):
    letter, arabic, _french = translated_letter()
    view = letter_as_translation(letter, arabic)
    assert view.pk == letter.pk and view.title == "العدالة للضحايا"
    with pytest.raises(TranslatedLetterNotSaved):
        view.save()
    letter.refresh_from_db()
    assert letter.title == "Justice for the victims"


def test_a_signer_of_an_untranslated_language_gets_the_source(index):
    letter, _arabic, _french = translated_letter()
    assert letter_in_language(letter, "es") is letter
    assert letter_in_language(letter, "ar").title == "العدالة للضحايا"


def test_confirming_through_the_source_address_still_works_for_an_arabic_signer(index):
    letter, _arabic, _french = translated_letter()
    signature = SignatureFactory(letter=letter, language="ar", state=SignatureState.PENDING_CONFIRMATION)
    assert signature_confirm(signature=signature) is not None


def test_an_organization_endorsing_from_the_arabic_page_endorses_the_source_text(
    client, index, django_capture_on_commit_callbacks
):
    from coalition.letters.models import Endorsement
    from coalition.letters.services import letter_current_text

    letter, arabic, _french = translated_letter()
    LetterPage.objects.filter(pk=letter.pk).update(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    page = client.get(arabic.url + "endorse/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    # The text shown as the one endorsed is the letter's own, in English, marked as such.
    assert 'class="paper endorse-text" lang="en" dir="ltr"' in page
    assert "We write to ask for justice for the victims of mass atrocities in Syria." in page

    data = {
        "organization_name": "Orontes Legal Aid",
        "website": "https://orontes-legal.example",
        "country": "LB",
        "kind": "legal",
        "signer_name": "Layla Haddad",
        "signer_title": "Director",
        "signer_email": "layla@orontes-legal.example",
        "display": Endorsement.Display.PUBLIC,
        "content_hash": letter_current_text(letter).hash,
        "comment": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(arabic.url + "endorse/", data)
    assert response.status_code == 302 and response["Location"] == arabic.url + "endorse/sent/"
    endorsement = Endorsement.objects.get()
    assert endorsement.letter_id == letter.pk
    assert endorsement.content_hash == letter_current_text(letter).hash


def test_the_editors_preview_of_an_arabic_translation_is_right_to_left(client, index, editor):
    from django.urls import reverse

    letter, arabic, _french = translated_letter()
    client.force_login(editor)
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[arabic.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html and "العدالة للضحايا" in html


def test_filtering_letters_by_language_finds_the_translated_ones(client, index):
    from coalition.letters.selectors import letters_public_list

    letter, _arabic, _french = translated_letter()
    english_only = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES, title="Only in English")
    draft_only = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES, title="A draft translation only")
    letter_translation_create(letter=draft_only, language="ar")

    assert list(letters_public_list(language="ar")) == [letter]
    assert set(letters_public_list(language="en")) == {letter, english_only, LetterPage.objects.get(pk=draft_only.pk)}
    html = client.get("/letters/?language=fr").content.decode()
    assert "Justice for the victims" in html and "Only in English" not in html
    api = client.get("/api/v1/letters/?language=ar").json()
    assert [item["title"] for item in api["results"]] == ["Justice for the victims"]
