"""The signed PDF in each published language: the translation's words, the one list of signatories."""

from io import BytesIO

import pytest
from pypdf import PdfReader

from coalition.letters.models import LetterDocument, LetterPage, LetterStatus, LetterTranslationPage
from coalition.letters.services import documents
from coalition.letters.translations import letter_translation_create
from tests.factories import LetterPageFactory, OrganizationFactory, SignatureFactory, endorsement_for

pytestmark = pytest.mark.django_db
State = LetterDocument.State

ARABIC_TITLE = "العدالة لضحايا سوريا"
ARABIC_PARAGRAPH = "نطالبكم بإحالة الوضع في سوريا إلى المحكمة الجنائية الدولية دون تأخير"


@pytest.fixture(autouse=True)
def small_chunks(small_pdf_chunks):
    """Pages of 12 names and chunks of 2 pages."""


@pytest.fixture
def letter(index):
    lead = OrganizationFactory(name="Syrian Archive", country="SY")
    letter = LetterPageFactory(
        title="Justice for the victims in Syria",
        body="<p>We ask you to refer the situation in Syria to the International Criminal Court without delay.</p>",
        status=LetterStatus.OPEN_FOR_SIGNATURES,
        lead_organization=lead,
    )
    endorsement_for(letter, lead)
    translation = letter_translation_create(letter=letter, language="ar")
    translation.title = ARABIC_TITLE
    translation.recipients_line = "السيد الرئيس،"
    translation.body = f"<p>{ARABIC_PARAGRAPH}.</p>"
    translation.closing = "مع فائق الاحترام،"
    translation.save_revision().publish()
    letter = LetterPage.objects.get(pk=letter.pk)
    names = [("Amina", "Khalil"), ("Олена", "Шевченко"), ("Νίκος", "Παπαδόπουλος"), ("Omar", "Haddad")]
    names += [(f"Person{n:02d}", f"Zed{n:02d}") for n in range(30)]
    for first, last in names:
        SignatureFactory(letter=letter, first_name=first, last_name=last, show_full_name=True)
    SignatureFactory(letter=letter, first_name="Hidden", last_name="Signer", show_name=False)
    return letter


def build(letter, **kwargs) -> LetterDocument:
    document = documents.letter_pdf_request(letter=letter, **kwargs)
    if document.state == State.QUEUED:
        documents.letter_pdf_build(document_id=document.pk)
    document.refresh_from_db()
    assert document.state == State.READY, document.error
    return document


def text_of(document) -> str:
    with document.file.open("rb") as handle:
        reader = PdfReader(BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_arabic_pdf_has_the_translation_and_reads_in_logical_order(letter):
    document = build(letter, language="ar")
    text = text_of(document)
    assert ARABIC_TITLE in text
    assert "السيد الرئيس،" in text and "مع فائق الاحترام،" in text
    # The paragraph's words, each intact and in reading order (a line break may fall between two).
    assert ARABIC_PARAGRAPH in " ".join(text.split())
    assert "We ask you to refer" not in text


def listed_names(text: str) -> list[str]:
    """The names of the signatory lines ("name · city, country", or right to left the other way)."""
    lines = [line.split(" · ") for line in text.splitlines() if line.count(" · ") == 1 and "Gaziantep" in line]
    return sorted(next(part.strip() for part in parts if "Gaziantep" not in part) for parts in lines)


def test_the_english_and_arabic_pdfs_list_the_same_signatories(letter):
    english, arabic = build(letter), build(letter, language="ar")
    assert (english.language, arabic.language) == ("en", "ar")
    english_text, arabic_text = text_of(english), text_of(arabic)

    names = listed_names(english_text)
    assert len(names) == 34 and "Олена Шевченко" in names and "Νίκος Παπαδόπουλος" in names
    assert listed_names(arabic_text) == names
    assert "Hidden" not in english_text and "Hidden" not in arabic_text
    assert english.text_hash != arabic.text_hash
    assert "We ask you to refer" in english_text and ARABIC_TITLE not in english_text
    assert arabic.signatures_count == english.signatures_count == 34


def test_a_language_without_a_published_translation_is_not_offered(letter, client, editor):
    from django.urls import reverse

    client.force_login(editor)
    html = client.get(reverse("letters_admin:pdf", args=[letter.pk])).content.decode()
    assert '<option value="ar"' in html and '<option value="en" selected' in html
    assert '<option value="fr"' not in html
    response = client.post(reverse("letters_admin:pdf", args=[letter.pk]), {"language": "fr"})
    assert response.status_code == 200 and not LetterDocument.objects.exists()


def test_the_arabic_page_serves_the_arabic_pdf(letter, client):
    from coalition.letters.services.documents import letter_pdf_set_public

    english, arabic = build(letter), build(letter, language="ar")
    letter_pdf_set_public(letter=letter, public=True)
    arabic_page = LetterTranslationPage.objects.get(language="ar")
    assert client.get(arabic_page.url + "pdf/")["ETag"] == f'"{arabic.sha256}"'
    assert client.get(letter.url + "pdf/")["ETag"] == f'"{english.sha256}"'
