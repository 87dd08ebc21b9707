"""The public interface in the letter's language, and catalogues that keep their placeholders."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from coalition.letters.models import LetterStatus
from tests.factories import LetterPageFactory
from tests.letters.test_sign_public import form_data

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"
# The pages and emails the public sees: every string they use is translated.
PUBLIC_SOURCES = re.compile(
    r"^(templates/(base|404|500)\.html|templates/includes/|templates/letters/[^/]+\.html|templates/letters/includes/"
    r"|templates/letters/emails/(signature|endorsement)_|coalition/letters/signature_forms\.py"
    r"|coalition/letters/forms\.py|coalition/orgs/endorsement_forms\.py|coalition/core/validators\.py"
    r"|coalition/letters/services/signatures\.py)"
)
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[sd]|\{[A-Za-z_]\w*\}")


def open_letter(language: str, **kwargs):
    return LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES, language=language, **kwargs)


def test_arabic_letter_page_is_arabic_and_right_to_left_whatever_the_browser_asks(client, index):
    letter = open_letter("ar", title="رسالة إلى الرئيس")
    response = client.get(letter.url, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()

    assert '<html lang="ar" dir="rtl">' in html
    assert "أضف اسمك" in html  # "Add your name"
    assert "وقّع الرسالة" in html  # the sign button
    assert "Add your name" not in html
    assert response["Content-Language"] == "ar"


def test_signing_an_arabic_letter_leads_to_the_arabic_check_your_email_page(
    client, index, django_capture_on_commit_callbacks
):
    letter = open_letter("ar")
    data = form_data(client, letter)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(letter.url + "sign/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == letter.url + "sign/sent/"

    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "أوشكت على الانتهاء: تحقّق من بريدك الإلكتروني" in html

    # The confirmation email speaks the letter's language too.
    [email] = mail.outbox
    assert email.subject.startswith("يُرجى تأكيد توقيعك")
    assert "شكرًا لتوقيعك الرسالة" in email.body
    assert "Thank you for signing" not in email.body


def test_an_invalid_arabic_form_answers_with_arabic_errors(client, index):
    letter = open_letter("ar")
    data = form_data(client, letter, first_name="amina@example.org")
    # The second post takes the sign/ short cut past the page tree (letters.sign_routes).
    for _attempt in range(2):
        html = client.post(letter.url + "sign/", data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert '<html lang="ar" dir="rtl">' in html
        assert "لا يمكن أن يحتوي الاسم على «@»" in html


def test_french_letter_page_is_french(client, index):
    letter = open_letter("fr")
    html = client.get(letter.url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert "Ajoutez votre nom" in html
    assert "Signer la lettre" in html


def test_english_letter_stays_english_for_an_arabic_browser(client, index):
    letter = open_letter("en")
    html = client.get(letter.url, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "Add your name" in html
    assert "أضف اسمك" not in html


def test_letter_in_an_untranslated_language_keeps_the_visitors_language(client, index):
    letter = open_letter("es")
    html = client.get(letter.url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr" dir="ltr">' in html


# --- the catalogues --------------------------------------------------------------------------


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def po_entries(path: Path) -> list[dict]:
    """A minimal .po reader: msgctxt, msgid, msgid_plural, msgstr / msgstr[n], references, flags."""
    entries, entry, field = [], None, None

    def finish():
        if entry and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            finish()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"refs": [], "flags": set(), "msgstr": {}}
        if line.startswith("#:"):
            entry["refs"] += [ref.rsplit(":", 1)[0] for ref in line[2:].split()]
        elif line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            keyword, value = line.split(" ", 1)
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if match or keyword == "msgstr":
                field = ("msgstr", int(match.group(1)) if match else 0)
                entry["msgstr"][field[1]] = _unquote(value)
            else:
                field = keyword
                entry[field] = _unquote(value)
    return [e for e in entries if e["msgid"]]  # not the header


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text)) | ({"%%"} if "%%" in text else set())


@pytest.mark.parametrize("language, forms", [("ar", 6), ("fr", 2)])
def test_translations_keep_the_placeholders_of_their_source(language, forms):
    for entry in po_entries(LOCALE / language / "LC_MESSAGES" / "django.po"):
        source = placeholders(entry["msgid"]) | placeholders(entry.get("msgid_plural", ""))
        if "msgid_plural" in entry and any(entry["msgstr"].values()):
            assert len(entry["msgstr"]) == forms, entry["msgid"]
        for translation in entry["msgstr"].values():
            if translation:
                assert placeholders(translation) == source, (language, entry["msgid"], translation)


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_every_string_of_the_public_pages_and_emails_is_translated(language):
    missing = [
        entry["msgid"]
        for entry in po_entries(LOCALE / language / "LC_MESSAGES" / "django.po")
        if any(PUBLIC_SOURCES.match(ref) for ref in entry["refs"])
        and ("fuzzy" in entry["flags"] or not all(entry["msgstr"].values()))
    ]
    assert missing == []


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_compiled_catalogues_are_committed_and_up_to_date(language):
    folder = LOCALE / language / "LC_MESSAGES"
    assert (folder / "django.mo").stat().st_mtime >= (folder / "django.po").stat().st_mtime - 1


def test_an_endorsers_email_about_an_arabic_letter_is_in_arabic(index):
    from coalition.letters.models import EndorsementNotice
    from coalition.letters.services import endorsement_notice_send
    from tests.factories import OrganizationFactory, endorsement_for

    letter = open_letter("ar", title="رسالة المنظمات")
    endorsement = endorsement_for(letter, OrganizationFactory(name="Syrian Archive"), state="approved")
    notice = EndorsementNotice.objects.create(
        endorsement=endorsement, kind=EndorsementNotice.Kind.APPROVED, recipient="contact@archive.example"
    )

    assert endorsement_notice_send(notice_id=notice.pk)

    (email,) = mail.outbox
    assert email.subject == "Syrian Archive تؤيّد الآن «رسالة المنظمات»"
    assert email.to == ["contact@archive.example"]


def test_the_country_list_of_an_arabic_letter_is_in_arabic(client, index):
    english, arabic = open_letter("en"), open_letter("ar")
    html = client.get(arabic.url).content.decode()
    assert '<option value="LB">لبنان</option>' in html
    assert '<option value="LB">Lebanon</option>' not in html
    assert '<option value="LB">Lebanon</option>' in client.get(english.url).content.decode()
    assert '<option value="LB">Liban</option>' in client.get(open_letter("fr").url).content.decode()


@pytest.mark.parametrize(
    "language, count, date",
    [
        ("en", "165,953", "22 November 2026"),
        ("ar", "165,953", "22 نوفمبر 2026"),
        ("fr", "165\u202f953", "22 novembre 2026"),
    ],
)
def test_counts_and_dates_are_formatted_for_the_language(language, count, date):
    import datetime

    from django.contrib.humanize.templatetags.humanize import intcomma
    from django.utils import dateformat, translation

    with translation.override(language):
        assert intcomma(165953).replace("\xa0", "\u202f") == count
        assert dateformat.format(datetime.date(2026, 11, 22), "j F Y") == date
