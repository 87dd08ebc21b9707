"""The whole co-drafting story over HTTP, as people would live it.

An editor invites two organizations' staff, each accepts, the editor creates a letter
with both organizations, each co-drafts and comments, both sign off, the letter is
published, and a third organization's staff cannot reach it at any point.
"""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from wagtail.models import Comment

from coalition.letters.models import LetterPage
from coalition.orgs.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory, letter_form_data

pytestmark = pytest.mark.django_db

PASSWORD = "Co-drafting-is-teamwork-2026"


def invite_and_accept(editor_client, organization, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("partners:invite", args=[organization.slug]), {"email": email, "role": "admin"}
        )
    assert response.status_code == 302
    message = next(m for m in reversed(mail.outbox) if m.to == [email.lower()])
    link = re.search(r"https?://\S+/partners/invitations/\S+/", message.body).group(0)
    path = link.split("testserver", 1)[1]

    person = Client()
    assert person.get(path).status_code == 200
    response = person.post(
        path, {"first_name": "Nour", "last_name": organization.name, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    return person


def form_data(letter, body):
    return letter_form_data(letter, body=body)


def test_two_organizations_co_draft_sign_off_and_publish(editor, index, django_capture_on_commit_callbacks):
    org_one, org_two, org_three = (
        OrganizationFactory(name="Damascus Doctors Demo"),
        OrganizationFactory(name="Aleppo Lawyers Demo"),
        OrganizationFactory(name="Outsider Group Demo"),
    )
    outsider = Client()
    outsider.force_login(MembershipFactory(organization=org_three, role=Membership.Role.OWNER).user)
    editor_client = Client()
    editor_client.force_login(editor)

    # The editor invites one person from each organization; both accept.
    one = invite_and_accept(editor_client, org_one, "nour@doctors.example", django_capture_on_commit_callbacks)
    two = invite_and_accept(editor_client, org_two, "Sami@Lawyers.example", django_capture_on_commit_callbacks)

    # The editor creates the letter, then chooses its organizations.
    add_url = reverse("wagtailadmin_pages:add", args=["letters", "letterpage", index.pk])
    data = form_data(
        LetterPage(
            title="Release the detainees",
            slug="release-the-detainees",
            summary="Joint call.",
            recipients_line="Dear Minister,",
            closing="Yours sincerely,",
        ),
        "<p>First draft.</p>",
    )
    response = editor_client.post(add_url, data)
    letter = LetterPage.objects.get(slug="release-the-detainees")
    assert response["Location"] == reverse("letters_admin:organizations", args=[letter.pk])
    orgs_url = reverse("letters_admin:organizations", args=[letter.pk])
    editor_client.post(orgs_url, {"action": "lead", "organization": org_one.pk})
    editor_client.post(orgs_url, {"action": "add", "organization": org_two.pk})

    edit_url = reverse("wagtailadmin_pages:edit", args=[letter.pk])
    assert outsider.get(edit_url).status_code == 404

    # Each organization edits the draft; one leaves a comment on the text.
    assert one.post(edit_url, form_data(letter, "<p>Draft with medical evidence.</p>")).status_code == 302
    Comment.objects.create(
        page=letter,
        user=LetterPage.objects.get(pk=letter.pk).get_latest_revision().user,
        text="Please check the figures in paragraph 2.",
        contentpath="body",
    )
    with django_capture_on_commit_callbacks(execute=True):
        data = form_data(letter, "<p>Draft with medical and legal evidence.</p>")
        data["action-submit"] = "Submit to Coalition sign-off"
        assert two.post(edit_url, data).status_code == 302
    assert "Please check the figures" in two.get(edit_url).content.decode()

    # Both organizations sign off on the same text; the letter is published.
    signoff_url = reverse("letters_admin:signoff", args=[letter.pk])
    assert outsider.post(signoff_url).status_code == 404
    one.post(signoff_url)
    assert not LetterPage.objects.get(pk=letter.pk).live
    two.post(signoff_url)

    letter = LetterPage.objects.get(pk=letter.pk)
    assert letter.live
    assert "legal evidence" in letter.body
    assert Client().get(letter.url).status_code == 200

    # The outsider still cannot reach the draft side, or the other organizations' portal pages.
    for url in [edit_url, signoff_url, reverse("wagtailadmin_pages:history", args=[letter.pk])]:
        assert outsider.get(url).status_code == 404, url
    assert outsider.get(reverse("partners:organization", args=[org_one.slug])).status_code == 404
