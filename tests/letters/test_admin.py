import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset

from coalition.letters.models import LetterPage, LetterStatus, LetterStatusChange
from tests.factories import LetterPageFactory, UserFactory, letter_form_data

pytestmark = pytest.mark.django_db


def test_editor_changes_status_from_the_admin(client, editor):
    letter = LetterPageFactory()
    client.force_login(editor)
    url = reverse("letters_admin:status", args=[letter.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "Open for signatures" in page.content.decode()

    response = client.post(url, {"to_status": "open_for_signatures", "note": "Launch"})

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == LetterStatus.OPEN_FOR_SIGNATURES
    history = client.get(url).content.decode()
    assert "Launch" in history and editor.get_username() in history


def test_status_form_offers_only_allowed_transitions(client, editor):
    letter = LetterPageFactory(status=LetterStatus.CLOSED)
    client.force_login(editor)
    url = reverse("letters_admin:status", args=[letter.pk])

    response = client.post(url, {"to_status": "draft"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == LetterStatus.CLOSED


def test_status_form_explains_why_an_unpublished_letter_cannot_open(client, editor):
    letter = LetterPageFactory(live=False)
    client.force_login(editor)

    response = client.post(reverse("letters_admin:status", args=[letter.pk]), {"to_status": "open_for_signatures"})

    assert response.status_code == 200
    assert "Publish the letter before opening it." in response.content.decode()


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("bad\x00note", "Null characters are not allowed"),
        ("bad\x1b[31mnote", "control character"),
        ("x\u202egnp.exe", "control character"),
    ],
)
def test_status_note_with_control_characters_is_refused(client, editor, note, message):
    letter = LetterPageFactory()
    client.force_login(editor)

    response = client.post(
        reverse("letters_admin:status", args=[letter.pk]), {"to_status": "open_for_signatures", "note": note}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LetterStatusChange.objects.exists()


def test_people_without_publish_permission_cannot_change_status(client):
    letter = LetterPageFactory()
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("letters_admin:status", args=[letter.pk]), {"to_status": "open_for_signatures"})

    assert response.status_code in (302, 403, 404)
    assert LetterPage.objects.get(pk=letter.pk).status == LetterStatus.DRAFT


def test_anonymous_is_sent_to_login(client):
    letter = LetterPageFactory()
    response = client.get(reverse("letters_admin:status", args=[letter.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_edit_page_offers_the_change_status_button(client, editor):
    letter = LetterPageFactory()
    client.force_login(editor)

    html = client.get(reverse("wagtailadmin_pages:edit", args=[letter.pk])).content.decode()

    assert reverse("letters_admin:status", args=[letter.pk]) in html


def _letter_form(organization, **overrides):
    data = letter_form_data(
        recipients=inline_formset(
            [{"name": "A. Minister", "title": "Minister", "email": "m@gov.example", "country": "AU", "region": ""}]
        ),
        **overrides,
    )
    data["action-publish"] = "publish"
    return data


def test_editor_creates_a_letter_in_the_page_editor(client, editor, index, organization):
    client.force_login(editor)
    url = reverse("wagtailadmin_pages:add", args=["letters", "letterpage", index.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, _letter_form(organization))

    assert response.status_code == 302, response.content.decode()[:2000]
    letter = LetterPage.objects.get(slug="a-new-coalition-letter")
    assert response["Location"] == reverse("letters_admin:organizations", args=[letter.pk])
    assert letter.lead_organization is None, "organizations are chosen on their own screen"
    assert letter.live
    assert letter.status == LetterStatus.DRAFT
    assert "We ask you to act." in letter.body
    assert letter.recipients.get().name == "A. Minister"


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": "Evil\u202etxt.exe"},
        {"recipients_line": "Dear\x1bMinister"},
        {"summary": "x" * 501},
        {"closing": "Line\nbreak"},
    ],
)
def test_page_editor_refuses_hostile_fields_and_saves_nothing(client, editor, index, organization, overrides):
    client.force_login(editor)
    url = reverse("wagtailadmin_pages:add", args=["letters", "letterpage", index.pk])

    response = client.post(url, _letter_form(organization, **overrides))

    assert response.status_code == 200
    assert "The page could not be created due to validation errors" in response.content.decode()
    assert not LetterPage.objects.filter(slug="a-new-coalition-letter").exists()


def test_status_history_screen_is_read_only(client, editor):
    letter = LetterPageFactory()
    from coalition.letters.services import letter_status_change

    letter_status_change(letter=letter, to_status="open_for_signatures", acting_user=editor, note="Go")
    client.force_login(editor)

    listing = client.get(reverse("letters_status_change:index"))
    assert listing.status_code == 200
    assert letter.title in listing.content.decode()
    assert client.get(reverse("letters_status_change:index") + "?export=csv").status_code == 200
    assert client.get(reverse("letters_status_change:add")).status_code in (302, 403)
