"""Translations in the admin: made from the letter, signed off by its organizations, others kept out."""

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from coalition.letters.models import LetterPage, LetterStatus, LetterTranslationPage
from coalition.letters.signoff import signoff_approve, signoff_current_task_state, signoff_task_states_for_user
from coalition.letters.translations import letter_translation_create
from coalition.orgs.models import Membership
from tests.factories import LetterPageFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coalition_letter(editor, index):
    lead, co, other = OrganizationFactory.create_batch(3)
    people = {
        "owner_lead": MembershipFactory(organization=lead, role=Membership.Role.OWNER).user,
        "admin_co": MembershipFactory(organization=co, role=Membership.Role.ADMIN).user,
        "owner_other": MembershipFactory(organization=other, role=Membership.Role.OWNER).user,
    }
    letter = LetterPageFactory(
        title="Joint letter", lead_organization=lead, co_drafters=[co], status=LetterStatus.OPEN_FOR_SIGNATURES
    )
    return {"letter": LetterPage.objects.get(pk=letter.pk), "orgs": (lead, co, other), "editor": editor, **people}


def test_a_drafter_creates_a_draft_translation_from_the_translations_screen(client, coalition_letter):
    letter = coalition_letter["letter"]
    client.force_login(coalition_letter["admin_co"])
    url = reverse("letters_admin:translations", args=[letter.pk])

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "This letter has no translation yet." in html
    assert '<option value="en"' not in html  # not into its own language

    response = client.post(url, {"language": "ar"})
    translation = LetterTranslationPage.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "wagtailadmin_pages:edit", args=[translation.pk]
    )
    assert translation.language == "ar" and translation.slug == "ar" and not translation.live
    assert translation.get_parent().pk == letter.pk
    assert translation.title == "Joint letter"  # the source text to translate from

    # The editor opens, with the state against the source text.
    edit = client.get(response["Location"])
    assert edit.status_code == 200
    assert "This translation renders the current text" in edit.content.decode()

    # A second Arabic translation is refused with a message, not a crash.
    again = client.post(url, {"language": "ar"})
    assert again.status_code == 200 and LetterTranslationPage.objects.count() == 1


def test_another_organization_cannot_see_or_create_translations(client, coalition_letter):
    letter = coalition_letter["letter"]
    translation = letter_translation_create(letter=letter, language="fr")
    client.force_login(coalition_letter["owner_other"])

    for url in (
        reverse("letters_admin:translations", args=[letter.pk]),
        reverse("letters_admin:translation_po_export", args=[letter.pk, translation.pk]),
        reverse("letters_admin:signoff", args=[translation.pk]),
        reverse("wagtailadmin_pages:edit", args=[translation.pk]),
    ):
        assert client.get(url).status_code in (302, 403, 404), url
    assert client.post(reverse("letters_admin:translations", args=[letter.pk]), {"language": "ar"}).status_code in (
        302,
        403,
        404,
    )
    assert LetterTranslationPage.objects.count() == 1


def test_a_translation_of_another_letter_is_not_found_through_this_one(client, coalition_letter):
    letter = coalition_letter["letter"]
    elsewhere = LetterPageFactory(lead_organization=coalition_letter["orgs"][0])
    foreign = letter_translation_create(letter=elsewhere, language="fr")
    client.force_login(coalition_letter["editor"])
    url = reverse("letters_admin:translation_po_export", args=[letter.pk, foreign.pk])
    assert client.get(url).status_code == 404


def test_a_translation_is_published_only_when_every_organization_signs_it_off(
    client, coalition_letter, django_capture_on_commit_callbacks
):
    letter = coalition_letter["letter"]
    translation = letter_translation_create(letter=letter, language="ar")
    translation = LetterTranslationPage.objects.get(pk=translation.pk)
    translation.title = "رسالة مشتركة"
    translation.body = "<p>نطلب العدالة.</p>"
    translation.save_revision(user=coalition_letter["owner_lead"])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        translation.get_workflow().start(translation, user=coalition_letter["owner_lead"])
    assert translation.get_workflow().name == "Coalition sign-off"
    # The letter's organizations are asked, not anyone else.
    asked = sorted(m.to[0] for m in mail.outbox if m.subject == "Please sign off on “رسالة مشتركة”")
    assert asked == sorted([coalition_letter["owner_lead"].email, coalition_letter["admin_co"].email])
    assert all(f"/admin/letters/{translation.pk}/sign-off/" in m.body for m in mail.outbox if m.to[0] in asked)

    # It shows in the lead's and co-drafter's moderation, not the other organization's.
    task_state = signoff_current_task_state(letter=LetterTranslationPage.objects.get(pk=translation.pk))
    task = task_state.task.specific
    assert task_state in signoff_task_states_for_user(task=task, user=coalition_letter["admin_co"])
    assert task_state not in signoff_task_states_for_user(task=task, user=coalition_letter["owner_other"])

    signoff_approve(task_state=task_state, user=coalition_letter["owner_lead"])
    assert not LetterTranslationPage.objects.get(pk=translation.pk).live
    assert client.get(letter.url + "ar/").status_code == 404

    # The co-drafter approves on the sign-off screen; then it is published and served.
    client.force_login(coalition_letter["admin_co"])
    screen = client.get(reverse("letters_admin:signoff", args=[translation.pk]))
    assert screen.status_code == 200 and "Sign off on this text for" in screen.content.decode()
    client.post(reverse("letters_admin:signoff", args=[translation.pk]))
    assert LetterTranslationPage.objects.get(pk=translation.pk).live
    client.logout()
    assert "نطلب العدالة." in client.get(letter.url + "ar/").content.decode()


def test_the_editor_does_not_offer_direct_publishing_of_a_coalition_letters_translation(client, coalition_letter):
    letter = coalition_letter["letter"]
    translation = letter_translation_create(letter=letter, language="fr")
    client.force_login(coalition_letter["admin_co"])
    html = client.get(reverse("wagtailadmin_pages:edit", args=[translation.pk])).content.decode()
    assert 'name="action-publish"' not in html
    assert reverse("letters_admin:signoff", args=[translation.pk]) in html
    assert reverse("letters_admin:translations", args=[letter.pk]) in html


def test_ticking_up_to_date_in_the_editor_records_the_current_source(client, coalition_letter):
    letter = coalition_letter["letter"]
    translation = letter_translation_create(letter=letter, language="fr")
    letter = LetterPage.objects.get(pk=letter.pk)
    letter.body = "<p>A new paragraph the organizations agreed.</p>"
    letter.save_revision().publish()

    client.force_login(coalition_letter["editor"])
    edit_url = reverse("wagtailadmin_pages:edit", args=[translation.pk])
    html = client.get(edit_url).content.decode()
    assert "Out of date:" in html and "A new paragraph the organizations agreed." in html

    data = nested_form_data(
        {
            "title": "Lettre commune",
            "slug": "fr",
            "summary": "",
            "introduction": rich_text(""),
            "recipients_line": "Monsieur le Président,",
            "body": rich_text("<p>Un nouveau paragraphe.</p>"),
            "closing": "",
            "share_text": "",
            "up_to_date": "on",
            "comments": inline_formset([]),
        }
    )
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = LetterTranslationPage.objects.get(pk=translation.pk).get_latest_revision_as_object()
    assert draft.title == "Lettre commune"
    from coalition.letters.text import letter_text_hash

    assert draft.source_text_hash == letter_text_hash(LetterPage.objects.get(pk=letter.pk))
    assert "Out of date:" not in client.get(edit_url).content.decode()


def test_editors_filter_signatures_by_the_language_they_were_read_in(client, coalition_letter):
    from tests.factories import SignatureFactory

    letter = coalition_letter["letter"]
    SignatureFactory(letter=letter, first_name="Amina", language="ar")
    SignatureFactory(letter=letter, first_name="Claire", language="fr")
    client.force_login(coalition_letter["editor"])
    html = client.get(reverse("letters_signature:list"), {"language": "ar"}).content.decode()
    assert "Amina" in html and "Claire" not in html
