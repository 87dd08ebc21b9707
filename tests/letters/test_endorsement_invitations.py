"""Editors invite organizations to endorse a letter from the admin: paste, preview, confirm, remind."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coalition.letters.models import EndorsementInvitation, EndorsementNotice, LetterPage, LetterStatus
from coalition.letters.services import (
    InvitationRow,
    endorsement_invitation_accept,
    endorsement_invitation_decline,
    endorsement_invitation_open,
    endorsement_invitations_create,
)
from coalition.orgs.models import Membership, Organization
from tests.factories import (
    EditorFactory,
    LetterPageFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    endorsement_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(db):
    return LetterPageFactory(title="Free the detained", status=LetterStatus.OPEN_FOR_ENDORSEMENT)


@pytest.fixture
def archive(db):
    return OrganizationFactory(name="Syrian Archive", slug="syrian-archive", website="https://syrianarchive.example/")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def url(letter):
    return reverse("letters_admin:endorsement_invitations", args=[letter.pk])


def paste(client, letter, text, action="preview"):
    return client.post(url(letter), {"action": action, "lines": text})


def invite(letter, editor, *organizations):
    return endorsement_invitations_create(
        letter=letter,
        rows=[
            InvitationRow(organization=o, email=f"contact@{o.slug}.example", contact_name="") for o in organizations
        ],
        acting_user=editor,
    )


def age(invitation, **delta):
    """Pretend the invitation (and its last reminder) happened earlier."""
    then = timezone.now() - timedelta(**delta)
    EndorsementInvitation.objects.filter(pk=invitation.pk).update(created_at=then)
    EndorsementInvitation.objects.filter(pk=invitation.pk, last_reminded_at__isnull=False).update(
        last_reminded_at=then
    )


# --- who may --------------------------------------------------------------------------------


def test_partner_staff_are_refused_and_do_not_see_the_button(client, letter, archive):
    staff = UserFactory()
    MembershipFactory(organization=letter.lead_organization, user=staff, role=Membership.Role.OWNER)
    client.force_login(staff)
    # Wagtail answers a PermissionDenied in the admin with a redirect to the dashboard and a message.
    response = client.get(url(letter), follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert "do not have permission" in response.content.decode()
    response = paste(client, letter, "Syrian Archive; a@archive.example", action="confirm")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert not EndorsementInvitation.objects.exists()
    assert not EndorsementNotice.objects.exists()
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[letter.pk]))
    assert edit.status_code == 200
    assert url(letter) not in edit.content.decode()


def test_people_without_admin_access_are_sent_away(client, letter):
    client.force_login(UserFactory())
    assert client.get(url(letter)).status_code in (302, 403, 404)


def test_editors_get_the_header_button_on_letter_pages(editor_client, letter):
    edit = editor_client.get(reverse("wagtailadmin_pages:edit", args=[letter.pk]))
    assert url(letter) in edit.content.decode()
    assert "Invite organizations" in edit.content.decode()


def test_an_unknown_letter_is_not_found(editor_client):
    assert editor_client.get(reverse("letters_admin:endorsement_invitations", args=[999999])).status_code == 404


# --- paste and preview -------------------------------------------------------------------------


def test_the_preview_shows_matches_and_new_organizations_and_saves_nothing(editor_client, letter, archive):
    organizations_before = Organization.objects.count()
    text = (
        "the syrian archive; rana@archive.example; Rana Haddad\n"
        "\n"
        "https://www.syrianarchive.example/about; second@archive.example\n"
        "Families for Freedom; info@families.example\n"
        "hrw.example; press@hrw.example; Press Office\n"
    )
    response = paste(editor_client, letter, text)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Preview: nothing is saved yet" in content
    assert "<strong>Syrian Archive</strong>" in content
    assert "The same organization as on line 1." in content
    assert "New organization “Families for Freedom” will be created" in content
    assert "New organization “hrw.example” will be created" in content
    assert 'value="confirm"' not in content  # an error blocks the confirmation
    assert Organization.objects.count() == organizations_before
    assert not EndorsementInvitation.objects.exists()
    assert not EndorsementNotice.objects.exists()
    assert mail.outbox == []


def test_lines_pasted_from_a_spreadsheet_with_headings_are_read(editor_client, letter, archive):
    text = "Organization\tEmail\tName\nSyrian Archive\trana@archive.example\tRana Haddad\t\t\n"
    content = paste(editor_client, letter, text).content.decode()
    assert "A row of column headings: skipped." in content
    assert "<strong>Syrian Archive</strong>" in content
    assert "Rana Haddad" in content
    assert "Invite 1 organization (creating 0 new)" in content


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Syrian Archive; not-an-email", "is not a valid email address"),
        ("Syrian Archive;", "The contact email is missing."),
        ("; someone@example.org", "name or website is missing"),
        ('=HYPERLINK("http://x"); a@example.org', "The organization cannot start with"),
        ("+Group; a@example.org", "The organization cannot start with"),
        ("Group; a@example.org; -Rana", "The contact name cannot start with"),
        ("Group; a@example.org; @Rana", "The contact name cannot start with"),
        ("Gro\x00up; a@example.org", "invisible control character (U+0000)"),
        ("Group; a@example.org; Ra\x1bna", "invisible control character (U+001B)"),
        ("Gro\u202eup; a@example.org", "invisible control character (U+202E)"),
        ("G" * 201 + "; a@example.org", "too long (201 characters; at most 200)"),
        ("Group; a@example.org; " + "R" * 5000, "too long (5000 characters; at most 200)"),
        ("Group; a@example.org; Rana; extra", "Too many columns"),
        ("https://www.facebook.com/somegroup; a@example.org", "does not say which organization it is"),
    ],
    ids=[
        "bad-email",
        "no-email",
        "no-name",
        "formula-org",
        "formula-plus",
        "formula-contact",
        "formula-at",
        "nul",
        "escape",
        "bidi",
        "long-name",
        "long-contact",
        "columns",
        "shared-host",
    ],
)
def test_line_errors_are_shown_on_their_line_and_nothing_can_be_confirmed(
    editor_client, letter, archive, line, message
):
    organizations_before = Organization.objects.count()
    text = f"Syrian Archive; rana@archive.example\n{line}\n"
    response = paste(editor_client, letter, text)
    content = response.content.decode()
    assert response.status_code == 200
    assert message in content
    assert 'value="confirm"' not in content
    response = paste(editor_client, letter, text, action="confirm")
    assert response.status_code == 200
    assert "Nothing was sent" in response.content.decode()
    assert Organization.objects.count() == organizations_before
    assert not EndorsementInvitation.objects.exists()


def test_html_in_a_pasted_line_is_shown_as_text(editor_client, letter):
    content = paste(editor_client, letter, "<img src=x onerror=alert(1)>; a@example.org").content.decode()
    assert "<img src=x onerror" not in content
    assert "&lt;img src=x onerror=alert(1)&gt;" in content


def test_too_many_lines_are_refused_as_a_whole(editor_client, letter):
    text = "\n".join(f"Group {n}; contact{n}@example.org" for n in range(501))
    response = paste(editor_client, letter, text)
    assert "Paste at most 500 organizations at a time" in response.content.decode()
    assert "Preview: nothing is saved yet" not in response.content.decode()


def test_an_organization_that_already_endorses_is_skipped(editor_client, letter, archive):
    endorsement_for(letter, archive, state="approved")
    content = paste(editor_client, letter, "Syrian Archive; rana@archive.example").content.decode()
    assert "Already endorses this letter (approved): no invitation is sent." in content
    assert 'value="confirm"' not in content


# --- confirm ------------------------------------------------------------------------------------


def test_confirming_creates_the_organizations_and_invitations_and_sends_the_emails(
    editor_client, editor, letter, archive, django_capture_on_commit_callbacks
):
    text = (
        "Syrian Archive; rana@archive.example; Rana Haddad\n"
        "Families for Freedom; info@families.example\n"
        "hrw.example\tpress@hrw.example\tPress Office\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = paste(editor_client, letter, text, action="confirm")
    assert response.status_code == 302

    families = Organization.objects.get(name="Families for Freedom")
    hrw = Organization.objects.get(name="hrw.example")
    assert not families.verified and not hrw.verified
    assert hrw.website == "https://hrw.example"
    invitations = {i.organization: i for i in EndorsementInvitation.objects.filter(letter=letter)}
    assert set(invitations) == {archive, families, hrw}
    assert invitations[archive].email == "rana@archive.example"
    assert invitations[archive].contact_name == "Rana Haddad"
    assert invitations[archive].invited_by == editor
    assert sorted(m.to[0] for m in mail.outbox) == [
        "info@families.example",
        "press@hrw.example",
        "rana@archive.example",
    ]
    to_rana = next(m for m in mail.outbox if m.to == ["rana@archive.example"])
    assert "Hello Rana Haddad" in to_rana.body
    assert "/endorse/invited/" in to_rana.body

    page = editor_client.get(response["Location"]).content.decode()
    assert "3 invitations sent; 2 new organizations created." in page
    assert page.count('data-state="invited">Invited</span>') == 3


def test_a_refused_invitation_creates_no_organization(editor_client, letter):
    LetterPage.objects.filter(pk=letter.pk).update(status=LetterStatus.CLOSED)
    response = paste(editor_client, letter, "Families for Freedom; info@families.example", action="confirm")
    assert response.status_code == 200
    assert "Open the letter for endorsements before inviting organizations." in response.content.decode()
    assert not Organization.objects.filter(name="Families for Freedom").exists()
    assert not EndorsementInvitation.objects.exists()


# --- the invitations table ------------------------------------------------------------------------


def test_the_table_shows_where_each_invitation_stands(editor_client, editor, letter):
    quiet, curious, willing, unwilling = (
        OrganizationFactory(name=n) for n in ("Quiet", "Curious", "Willing", "Unwilling")
    )
    invitations = {i.organization.name: i for i in invite(letter, editor, quiet, curious, willing, unwilling)}
    endorsement_invitation_open(invitation=invitations["Curious"])
    endorsement_invitation_decline(invitation=invitations["Unwilling"], reason="Our board <b>said no</b>")
    endorsement_invitation_accept(
        invitation=invitations["Willing"],
        signer_name="Rana Haddad",
        signer_title="Director",
        display="public",
        list_in_pdf=True,
        content_hash=None,
    )
    content = editor_client.get(url(letter)).content.decode()
    for name, state in (
        ("Quiet", "Invited"),
        ("Curious", "Opened"),
        ("Willing", "Endorsed"),
        ("Unwilling", "Declined"),
    ):
        row = content.split(f"<td>{name}</td>", 1)[1].split("</tr>", 1)[0]
        assert f'data-state="{state.lower()}">{state}</span>' in row, name
    assert "Reason: Our board &lt;b&gt;said no&lt;/b&gt;" in content
    # Answered invitations get no reminder button.
    assert content.count('name="action" value="remind"') == 2


# --- reminders ----------------------------------------------------------------------------------------


def remind(client, letter, invitation):
    return client.post(url(letter), {"action": "remind", "invitation": invitation.pk})


def test_a_reminder_goes_at_most_once_a_day(
    editor_client, editor, letter, archive, django_capture_on_commit_callbacks
):
    (invitation,) = invite(letter, editor, archive)
    mail.outbox.clear()
    response = remind(editor_client, letter, invitation)
    assert "Invited less than a day ago." in editor_client.get(response["Location"]).content.decode()
    assert EndorsementInvitation.objects.get().reminders_sent == 0

    age(invitation, days=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = remind(editor_client, letter, invitation)
    assert "Reminder sent to Syrian Archive" in editor_client.get(response["Location"]).content.decode()
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 1 and invitation.last_reminded_at is not None
    assert [m.to for m in mail.outbox] == [["contact@syrian-archive.example"]]
    assert "Reminder" in mail.outbox[0].subject

    response = remind(editor_client, letter, invitation)
    assert "Reminded less than a day ago." in editor_client.get(response["Location"]).content.decode()
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 1

    age(invitation, hours=21)
    remind(editor_client, letter, invitation)
    invitation.refresh_from_db()
    assert invitation.reminders_sent == 2


def test_no_reminder_after_the_most_allowed(editor_client, editor, letter, archive, settings):
    settings.COALITION_ENDORSEMENT_REMINDERS_MAX = 2
    (invitation,) = invite(letter, editor, archive)
    EndorsementInvitation.objects.filter(pk=invitation.pk).update(
        reminders_sent=2,
        last_reminded_at=timezone.now() - timedelta(days=3),
        created_at=timezone.now() - timedelta(days=9),
    )
    response = remind(editor_client, letter, invitation)
    assert "2 reminders sent: the most allowed." in editor_client.get(response["Location"]).content.decode()
    assert EndorsementInvitation.objects.get().reminders_sent == 2


def test_no_reminder_after_the_deadline(editor_client, editor, letter, archive):
    (invitation,) = invite(letter, editor, archive)
    age(invitation, days=3)
    LetterPage.objects.filter(pk=letter.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    content = editor_client.get(url(letter)).content.decode()
    assert "has passed: no more reminders." in content
    assert 'disabled aria-describedby="remind-all-why"' in content
    remind(editor_client, letter, invitation)
    editor_client.post(url(letter), {"action": "remind_all"})
    assert EndorsementInvitation.objects.get().reminders_sent == 0


def test_no_reminder_when_the_letter_is_not_open(editor_client, editor, letter, archive):
    (invitation,) = invite(letter, editor, archive)
    age(invitation, days=3)
    LetterPage.objects.filter(pk=letter.pk).update(status=LetterStatus.CLOSED)
    content = editor_client.get(url(letter)).content.decode()
    assert "Reminders can be sent only while the letter is open for endorsements." in content
    remind(editor_client, letter, invitation)
    assert EndorsementInvitation.objects.get().reminders_sent == 0


def test_remind_all_reminds_only_those_due(editor_client, editor, letter, django_capture_on_commit_callbacks):
    due, fresh, answered = (OrganizationFactory(name=n) for n in ("Due", "Fresh", "Answered"))
    invitations = {i.organization.name: i for i in invite(letter, editor, due, fresh, answered)}
    age(invitations["Due"], days=2)
    age(invitations["Answered"], days=2)
    endorsement_invitation_decline(invitation=invitations["Answered"], reason="")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url(letter), {"action": "remind_all"})
    assert "Reminders sent to 1 organizations." in editor_client.get(response["Location"]).content.decode()
    assert [m.to for m in mail.outbox] == [[invitations["Due"].email]]
    sent = dict(EndorsementInvitation.objects.values_list("organization__name", "reminders_sent"))
    assert sent == {"Due": 1, "Fresh": 0, "Answered": 0}

    response = editor_client.post(url(letter), {"action": "remind_all"})
    assert "No reminder was due" in editor_client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("pk", ["abc", "99999999999999999999999", "", "²"])
def test_a_bad_invitation_id_is_not_found(editor_client, letter, pk):
    assert editor_client.post(url(letter), {"action": "remind", "invitation": pk}).status_code == 404


def test_another_letters_invitation_cannot_be_reminded_here(editor_client, editor, letter, archive):
    other = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    (invitation,) = invite(other, editor, archive)
    age(invitation, days=2)
    assert remind(editor_client, letter, invitation).status_code == 404
    assert EndorsementInvitation.objects.get().reminders_sent == 0


def test_the_reminder_service_refuses_partner_staff(letter, archive):
    from django.core.exceptions import PermissionDenied

    from coalition.letters.services import endorsement_invitation_remind

    (invitation,) = invite(letter, EditorFactory(), archive)
    age(invitation, days=2)
    staff = UserFactory()
    MembershipFactory(organization=archive, user=staff, role=Membership.Role.OWNER)
    with pytest.raises(PermissionDenied):
        endorsement_invitation_remind(invitation=invitation, acting_user=staff)
