"""A translation exported as a PO file and imported back: escaped, checked, saved as a draft."""

import os

import polib
import pytest
from django.core.exceptions import ValidationError

from coalition.letters.models import LetterPage, LetterStatus, LetterTranslationPage
from coalition.letters.text import LetterText
from coalition.letters.translation_po import (
    PoImportResult,
    rich_text_blocks,
    translation_po_export,
    translation_po_import,
)
from coalition.letters.translations import letter_translation_create
from tests.factories import LetterPageFactory
from tests.letters.test_translations import publish

pytestmark = pytest.mark.django_db

INTRODUCTION = "<p>Why we write <i>now</i>.</p>"
BODY = (
    "<p>We write to ask for <b>justice</b> for the victims.</p>"
    "<h2>What we ask</h2>"
    '<ul><li>Release the <a href="https://example.org/">detained</a>.</li><li>Open the archives.</li></ul>'
    "<ol><li>Try those responsible.</li></ol>"
    "<blockquote>Never again.</blockquote>"
    "<h3>Our hope</h3>"
    "<p>With hope,<br/>and resolve.</p>"
)

FRENCH = {
    "title": "Justice pour les victimes",
    "summary": "Des organisations demandent des comptes.",
    "introduction:1:p": "Pourquoi nous écrivons maintenant.",
    "recipients_line": "Monsieur le Président,",
    "body:1:p": "Nous vous écrivons pour demander justice pour les victimes.",
    "body:2:h2": "Ce que nous demandons",
    "body:3:li:ul": "Libérez les détenus.",
    "body:4:li:ul": "Ouvrez les archives.",
    "body:5:li:ol": "Jugez les responsables.",
    "body:6:blockquote": "Plus jamais ça.",
    "body:7:h3": "Notre espoir",
    "body:8:p": "Avec espoir,\net détermination.",
    "closing": "Veuillez agréer nos salutations,",
    "share_text": "Signez la lettre",
}
FRENCH_BODY = (
    "<p>Nous vous écrivons pour demander justice pour les victimes.</p>"
    "<h2>Ce que nous demandons</h2>"
    "<ul><li>Libérez les détenus.</li><li>Ouvrez les archives.</li></ul>"
    "<ol><li>Jugez les responsables.</li></ol>"
    "<blockquote>Plus jamais ça.</blockquote>"
    "<h3>Notre espoir</h3>"
    "<p>Avec espoir,<br/>et détermination.</p>"
)


def letter_with_translation(*, published: bool = False):
    letter = LetterPageFactory(
        status=LetterStatus.OPEN_FOR_SIGNATURES,
        title="Justice for the victims",
        introduction=INTRODUCTION,
        body=BODY,
        share_text="Sign the letter",
    )
    translation = letter_translation_create(letter=letter, language="fr")
    if published:
        translation = publish(translation)
    return LetterPage.objects.get(pk=letter.pk), LetterTranslationPage.objects.get(pk=translation.pk)


def parse(data: bytes) -> polib.POFile:
    return polib.pofile(data.decode("utf-8"))


def filled(data: bytes, words: dict[str, str], *, fuzzy=(), **headers) -> bytes:
    po = parse(data)
    for entry in po:
        entry.msgstr = words.get(entry.msgctxt, "")
        if entry.msgctxt in fuzzy:
            entry.flags.append("fuzzy")
    po.metadata.update(headers)
    return str(po).encode("utf-8")


def latest(translation) -> LetterTranslationPage:
    return LetterTranslationPage.objects.get(pk=translation.pk).get_latest_revision_as_object()


def edit_source(letter: LetterPage, body: str) -> LetterPage:
    letter.body = body
    letter.save_revision().publish()
    return LetterPage.objects.get(pk=letter.pk)


def test_the_blocks_of_rich_text_flatten_inline_markup():
    blocks = rich_text_blocks(BODY)
    assert [(b.kind, b.text) for b in blocks] == [
        ("p", "We write to ask for justice for the victims."),
        ("h2", "What we ask"),
        ("li:ul", "Release the detained."),
        ("li:ul", "Open the archives."),
        ("li:ol", "Try those responsible."),
        ("blockquote", "Never again."),
        ("h3", "Our hope"),
        ("p", "With hope,\nand resolve."),
    ]


def test_an_untouched_translation_exports_every_unit_with_an_empty_msgstr():
    letter, translation = letter_with_translation()

    po = parse(translation_po_export(translation=translation, letter=letter))

    assert po.metadata["Language"] == "fr"
    assert letter.slug in po.metadata["Project-Id-Version"]
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert po.metadata["X-Coalition-Source-Hash"] == LetterText.of(letter).hash
    assert [e.msgctxt for e in po] == list(FRENCH)
    assert po.find("title", by="msgctxt").msgid == "Justice for the victims"
    assert po.find("body:3:li:ul", by="msgctxt").msgid == "Release the detained."
    assert all(entry.msgstr == "" for entry in po)


def test_a_round_trip_saves_the_french_words_as_a_draft_revision(admin_user):
    letter, translation = letter_with_translation(published=True)
    exported = translation_po_export(translation=translation, letter=letter)

    result = translation_po_import(
        translation=translation, letter=letter, data=filled(exported, FRENCH), user=admin_user
    )

    assert isinstance(result, PoImportResult)
    assert result.units_translated == len(FRENCH) and result.units_missing == [] and result.errors == []
    draft = latest(translation)
    assert draft.title == "Justice pour les victimes"
    assert draft.body == FRENCH_BODY
    assert draft.introduction == "<p>Pourquoi nous écrivons maintenant.</p>"
    assert (draft.recipients_line, draft.closing, draft.share_text) == (
        "Monsieur le Président,",
        "Veuillez agréer nos salutations,",
        "Signez la lettre",
    )
    # A draft: the published translation keeps its words until the sign-off publishes it.
    live = LetterTranslationPage.objects.get(pk=translation.pk)
    assert live.title == "Justice for the victims" and live.body == BODY
    assert live.has_unpublished_changes and live.latest_revision_id != live.live_revision_id
    assert live.latest_revision.user == admin_user
    # Exported again, the file carries the imported words.
    again = parse(translation_po_export(translation=live, letter=letter))
    assert {e.msgctxt: e.msgstr for e in again} == FRENCH


def test_an_import_into_an_unpublished_translation_does_not_publish_it():
    letter, translation = letter_with_translation()
    exported = translation_po_export(translation=translation, letter=letter)

    translation_po_import(translation=translation, letter=letter, data=filled(exported, FRENCH))

    page = LetterTranslationPage.objects.get(pk=translation.pk)
    assert not page.live and page.live_revision is None
    assert latest(translation).title == "Justice pour les victimes"


def test_markup_in_a_msgstr_is_escaped_never_rendered():
    letter, translation = letter_with_translation()
    exported = translation_po_export(translation=translation, letter=letter)
    hostile = dict(
        FRENCH,
        **{
            "body:1:p": "<script>alert(1)</script>",
            "body:2:h2": '<img src=x onerror="alert(1)">',
            "title": "<b>Justice</b> & =SUM(A1)",
        },
    )

    translation_po_import(translation=translation, letter=letter, data=filled(exported, hostile))

    draft = latest(translation)
    assert "<script" not in draft.body and "<img" not in draft.body
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in draft.body
    assert "<h2>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</h2>" in draft.body
    assert draft.title == "<b>Justice</b> & =SUM(A1)"  # plain text, escaped where it is shown


def test_a_nul_byte_is_refused_and_nothing_is_saved():
    letter, translation = letter_with_translation()
    exported = translation_po_export(translation=translation, letter=letter)
    revisions = translation.revisions.count()

    with pytest.raises(ValidationError, match="NUL"):
        translation_po_import(
            translation=translation, letter=letter, data=filled(exported, dict(FRENCH, title="Jus\x00tice"))
        )
    # An escaped control character in a msgstr is refused too.
    with pytest.raises(ValidationError, match="control character"):
        translation_po_import(
            translation=translation, letter=letter, data=filled(exported, dict(FRENCH, **{"body:1:p": "a\x1bb"}))
        )
    assert translation.revisions.count() == revisions
    assert latest(translation).title == "Justice for the victims"


def test_a_line_break_in_a_single_line_field_is_refused():
    letter, translation = letter_with_translation()
    exported = translation_po_export(translation=translation, letter=letter)

    with pytest.raises(ValidationError) as error:
        translation_po_import(
            translation=translation, letter=letter, data=filled(exported, dict(FRENCH, title="Justice\npour"))
        )
    assert "title" in error.value.message_dict


def test_a_file_for_another_language_is_refused():
    letter, translation = letter_with_translation()
    exported = translation_po_export(translation=translation, letter=letter)

    with pytest.raises(ValidationError, match="language"):
        translation_po_import(translation=translation, letter=letter, data=filled(exported, FRENCH, Language="ar"))
    assert latest(translation).title == "Justice for the victims"


def test_a_file_exported_before_the_source_changed_shape_is_refused_naming_the_unit():
    letter, translation = letter_with_translation()
    exported = translation_po_export(translation=translation, letter=letter)
    letter = edit_source(letter, BODY + "<p>And one more paragraph.</p>")

    with pytest.raises(ValidationError) as error:
        translation_po_import(translation=translation, letter=letter, data=filled(exported, FRENCH))
    assert "body:9:p" in error.value.messages[0]


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(4096),
        b"msgid " * (2 * 1024 * 1024 // 6),  # 2 MB
        b"Just some text\nthat is not a PO file\n",
        b"/etc/passwd",
        b"",
    ],
    ids=["random", "2mb", "text", "path", "empty"],
)
def test_a_file_that_is_not_a_po_file_is_refused(data):
    letter, translation = letter_with_translation()

    with pytest.raises(ValidationError):
        translation_po_import(translation=translation, letter=letter, data=data)
    assert translation.revisions.count() == 1


def test_fuzzy_and_empty_entries_keep_the_existing_words():
    letter, translation = letter_with_translation()
    # The translation already has a French title and first paragraph.
    translation.title = "Justice pour les victimes (ancien)"
    translation.body = BODY.replace(
        "We write to ask for <b>justice</b> for the victims.", "Nous demandons <b>justice</b>."
    )
    translation.save_revision()
    exported = translation_po_export(translation=translation, letter=letter)
    assert parse(exported).find("body:1:p", by="msgctxt").msgstr == "Nous demandons justice."

    words = dict(FRENCH, title="Titre incertain")
    del words["body:2:h2"]
    result = translation_po_import(
        translation=translation, letter=letter, data=filled(exported, words, fuzzy=("title", "body:1:p"))
    )

    assert sorted(result.units_missing) == ["body:1:p", "body:2:h2", "title"]
    assert result.units_translated == len(FRENCH) - 3
    draft = latest(translation)
    assert draft.title == "Justice pour les victimes (ancien)"
    assert draft.body.startswith("<p>Nous demandons justice.</p><h2>What we ask</h2><ul><li>Libérez")


def test_only_a_file_exported_from_the_current_source_marks_the_translation_current():
    letter, translation = letter_with_translation()
    old_hash = translation.source_text_hash
    before = translation_po_export(translation=translation, letter=letter)
    # Same shape, different words: the file still matches the units but not the text.
    letter = edit_source(letter, BODY.replace("Never again.", "Never, ever again."))
    new_hash = LetterText.of(letter).hash
    assert new_hash != old_hash

    result = translation_po_import(translation=translation, letter=letter, data=filled(before, FRENCH))
    assert latest(translation).source_text_hash == old_hash
    assert latest(translation).title == "Justice pour les victimes"
    assert not result.marked_current
    assert any("body:6:blockquote" in problem for problem in result.errors)

    after = translation_po_export(translation=translation, letter=letter)
    assert parse(after).find("body:6:blockquote", by="msgctxt").msgid == "Never, ever again."
    result = translation_po_import(translation=translation, letter=letter, data=filled(after, FRENCH))
    assert result.marked_current and result.errors == []
    draft = latest(translation)
    assert draft.source_text_hash == new_hash
    assert draft.source_lines == LetterText.of(letter).lines()
