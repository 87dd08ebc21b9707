"""Endorsing letters from the partner portal: who may, what is stored, reconfirming, withdrawing."""

import re
from types import SimpleNamespace

import pytest
from django.core import mail

from coalition.letters.models import Endorsement, EndorsementState, LetterPage, LetterStatus
from coalition.letters.text import letter_text_hash
from coalition.orgs.models import Membership
from tests.factories import (
    EditorFactory,
    LetterPageFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    endorsement_for,
)

pytestmark = pytest.mark.django_db
Role = Membership.Role
State = EndorsementState


@pytest.fixture
def world(db):
    org = OrganizationFactory(name="Families for Freedom", slug="families")
    other_org = OrganizationFactory(name="Hidden Lawyers Network", slug="hidden-lawyers")

    def person(organization, role, first, last):
        user = UserFactory(first_name=first, last_name=last, email=f"{first.lower()}@{organization.slug}.example")
        MembershipFactory(organization=organization, user=user, role=role)
        return user

    return SimpleNamespace(
        org=org,
        other_org=other_org,
        owner=person(org, Role.OWNER, "Olive", "Owner"),
        admin=person(org, Role.ADMIN, "Adam", "Admin"),
        member=person(org, Role.MEMBER, "Mina", "Member"),
        outsider=person(other_org, Role.OWNER, "Omar", "Outsider"),
        editor=EditorFactory(),
        letter=LetterPageFactory(
            title="Free the detained",
            status=LetterStatus.OPEN_FOR_ENDORSEMENT,
            body="<p>We ask for the release of every detainee.</p>",
        ),
    )


def endorse_url(world, letter=None, slug="families"):
    return f"/partners/{slug}/letters/{(letter or world.letter).pk}/endorse/"


def endorse_data(letter, **overrides):
    data = {
        "signer_name": "Olive Owner",
        "signer_title": "Executive Director",
        "display": "public",
        "list_in_pdf": "on",
        "content_hash": letter_text_hash(letter),
    }
    data.update(overrides)
    return data


def refreshed(letter) -> LetterPage:
    return LetterPage.objects.get(pk=letter.pk)


def change_text(letter, body="<p>We ask for the release of all detainees now.</p>") -> LetterPage:
    """Publish a new text; the page_published signal asks endorsers to reconfirm."""
    letter = refreshed(letter)
    letter.body = body
    letter.save_revision().publish()
    return refreshed(letter)


# --- the endorsements page ----------------------------------------------------------------


def test_managers_see_open_letters_with_an_endorse_button(client, world):
    client.force_login(world.owner)
    response = client.get("/partners/families/endorsements/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Free the detained" in content
    assert endorse_url(world) in content


def test_members_see_the_endorsements_read_only(client, world):
    endorsement_for(world.letter, world.org, state=State.NEEDS_RECONFIRMATION)
    LetterPageFactory(title="Second letter", status=LetterStatus.OPEN_FOR_SIGNATURES)
    client.force_login(world.member)
    response = client.get("/partners/families/endorsements/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "Second letter" in content and "Free the detained" in content
    assert "/endorse/" not in content
    assert "/withdraw/" not in content and "/reconfirm/" not in content


def test_the_header_links_to_the_endorsements_page(client, world):
    client.force_login(world.member)
    assert 'href="/partners/families/endorsements/"' in client.get("/partners/families/").content.decode()


def test_drafts_closed_and_already_endorsed_letters_are_not_offered(client, world):
    LetterPageFactory(title="Still a draft", status=LetterStatus.DRAFT)
    LetterPageFactory(title="Unpublished", status=LetterStatus.OPEN_FOR_ENDORSEMENT, live=False)
    LetterPageFactory(title="Already closed", status=LetterStatus.CLOSED)
    endorsed = LetterPageFactory(title="Endorsed before", status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    endorsement_for(endorsed, world.org, state=State.PENDING_REVIEW)
    client.force_login(world.owner)
    content = client.get("/partners/families/endorsements/").content.decode()
    for title in ("Still a draft", "Unpublished", "Already closed"):
        assert title not in content
    assert endorse_url(world, endorsed) not in content
    assert endorse_url(world) in content


def test_the_list_says_whether_each_endorsement_is_of_the_current_text(client, world):
    endorsement_for(world.letter, world.org, state=State.APPROVED)
    client.force_login(world.owner)
    assert "The current text" in client.get("/partners/families/endorsements/").content.decode()
    change_text(world.letter)
    content = client.get("/partners/families/endorsements/").content.decode()
    assert "An earlier text" in content
    assert "Needs reconfirmation" in content


# --- endorsing --------------------------------------------------------------------------


def test_the_endorse_page_shows_the_current_text_and_the_signer_defaults_to_me(client, world):
    client.force_login(world.owner)
    response = client.get(endorse_url(world))
    content = response.content.decode()
    assert response.status_code == 200
    assert "We ask for the release of every detainee." in content
    assert "Dear Mr. President," in content and "Yours sincerely," in content
    assert 'value="Olive Owner"' in content
    assert f'name="content_hash" value="{letter_text_hash(world.letter)}"' in content
    assert "not verified by the coalition yet" in content


def test_the_owner_of_a_verified_organization_endorses_and_it_counts_at_once(
    client, world, django_capture_on_commit_callbacks
):
    world.org.verified = True
    world.org.save()
    client.force_login(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(endorse_url(world), endorse_data(world.letter, display="undisclosed", list_in_pdf=""))
    assert response.status_code == 302
    assert response["Location"] == "/partners/families/endorsements/"
    endorsement = Endorsement.objects.get(letter=world.letter, organization=world.org)
    assert endorsement.state == State.APPROVED
    assert endorsement.source == Endorsement.Source.PARTNER
    assert endorsement.submitted_by == world.owner
    assert endorsement.signer_email == world.owner.email
    assert endorsement.display == Endorsement.Display.UNDISCLOSED
    assert endorsement.list_in_pdf is False
    assert endorsement.content_hash == letter_text_hash(world.letter)
    assert endorsement.revision_id == refreshed(world.letter).live_revision_id
    assert [m.to for m in mail.outbox] == [[world.owner.email]]
    page = client.get(response["Location"]).content.decode()
    assert "approved and counts at once" in page


def test_an_unverified_organizations_endorsement_waits_for_review(client, world):
    client.force_login(world.admin)
    response = client.post(endorse_url(world), endorse_data(world.letter, signer_name="Adam Admin"))
    assert response.status_code == 302
    assert Endorsement.objects.get(organization=world.org).state == State.PENDING_REVIEW
    assert "waits for review" in client.get(response["Location"]).content.decode()


def test_a_member_cannot_endorse(client, world):
    client.force_login(world.member)
    assert client.get(endorse_url(world)).status_code == 403
    response = client.post(endorse_url(world), endorse_data(world.letter))
    assert response.status_code == 403
    assert "Only owners and admins" in response.content.decode()
    assert not Endorsement.objects.exists()


def test_outsiders_and_anonymous_visitors_cannot_endorse(client, world):
    client.force_login(world.outsider)
    assert client.post(endorse_url(world), endorse_data(world.letter)).status_code == 404
    client.logout()
    response = client.post(endorse_url(world), endorse_data(world.letter))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Endorsement.objects.exists()


def test_an_editor_may_endorse_for_any_organization(client, world):
    client.force_login(world.editor)
    assert client.post(endorse_url(world), endorse_data(world.letter)).status_code == 302
    assert Endorsement.objects.get(organization=world.org).submitted_by == world.editor


@pytest.mark.parametrize(
    "letter_kwargs",
    [
        {"status": LetterStatus.DRAFT},
        {"status": LetterStatus.OPEN_FOR_ENDORSEMENT, "live": False},
    ],
    ids=["draft", "unpublished"],
)
def test_a_draft_or_unpublished_letter_is_not_found(client, world, letter_kwargs):
    letter = LetterPageFactory(**letter_kwargs)
    client.force_login(world.owner)
    assert client.get(endorse_url(world, letter)).status_code == 404
    assert client.post(endorse_url(world, letter), endorse_data(letter)).status_code == 404
    assert client.get("/partners/families/letters/999999/endorse/").status_code == 404
    assert not Endorsement.objects.exists()


def test_a_closed_letter_says_so_and_takes_no_endorsement(client, world):
    letter = LetterPageFactory(status=LetterStatus.CLOSED)
    client.force_login(world.owner)
    response = client.get(endorse_url(world, letter))
    assert response.status_code == 200
    assert "not open for endorsements" in response.content.decode()
    assert 'name="signer_name"' not in response.content.decode()
    response = client.post(endorse_url(world, letter), endorse_data(letter))
    assert response.status_code == 200
    assert "not open for endorsements" in response.content.decode()
    assert not Endorsement.objects.exists()


def test_a_second_endorsement_is_refused_on_the_form(client, world):
    endorsement_for(world.letter, world.org, state=State.PENDING_REVIEW)
    client.force_login(world.owner)
    assert "has already endorsed this letter" in client.get(endorse_url(world)).content.decode()
    response = client.post(endorse_url(world), endorse_data(world.letter))
    assert response.status_code == 200
    assert "has already endorsed this letter" in response.content.decode()
    assert Endorsement.objects.count() == 1


def test_a_text_changed_while_reading_is_refused_and_the_new_text_shown(client, world):
    client.force_login(world.owner)
    stale = endorse_data(world.letter)
    letter = change_text(world.letter, "<p>A different demand altogether.</p>")
    response = client.post(endorse_url(world), stale)
    content = response.content.decode()
    assert response.status_code == 200
    assert "changed while you were reading it" in content
    assert "A different demand altogether." in content
    assert f'name="content_hash" value="{letter_text_hash(letter)}"' in content
    assert not Endorsement.objects.exists()
    # Submitting again from the page that now shows the new text works.
    assert client.post(endorse_url(world), endorse_data(letter)).status_code == 302


def test_a_missing_text_hash_is_refused_with_a_visible_error(client, world):
    client.force_login(world.owner)
    response = client.post(endorse_url(world), endorse_data(world.letter, content_hash=""))
    assert response.status_code == 200
    assert "out of date" in response.content.decode()
    assert not Endorsement.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("signer_name", '=HYPERLINK("http://evil.example","x")', "cannot start with"),
        ("signer_name", "+1+cmd|' /C calc'!A0", "cannot start with"),
        ("signer_title", "-2+3", "cannot start with"),
        ("signer_title", "@SUM(A1:A9)", "cannot start with"),
        ("signer_name", "  =1+1", "cannot start with"),
        ("signer_name", "Olive\x00Owner", "Null characters"),
        ("signer_title", "Director\x1b[31m", "control character"),
        ("signer_name", "Olive\nOwner", "control character"),
        ("signer_title", "Director\u202eroticeriD", "control character"),
        ("signer_name", "O" * 201, "at most 200"),
        ("signer_title", "T" * 100_000, "at most 200"),
        ("signer_name", "", "required"),
        ("display", "everyone", "Select a valid choice"),
    ],
    ids=[
        "formula-equals",
        "formula-plus",
        "formula-minus",
        "formula-at",
        "formula-after-spaces",
        "nul",
        "escape",
        "newline",
        "bidi",
        "long-name",
        "huge-title",
        "empty-name",
        "bad-display",
    ],
)
def test_hostile_input_is_refused_and_nothing_is_stored(client, world, field, value, message):
    client.force_login(world.owner)
    response = client.post(endorse_url(world), endorse_data(world.letter, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Endorsement.objects.exists()


def test_html_in_the_name_and_title_is_stored_as_text_and_shown_literally(client, world):
    client.force_login(world.owner)
    data = endorse_data(world.letter, signer_name="<script>alert(1)</script>", signer_title="<b>Boss</b>")
    assert client.post(endorse_url(world), data).status_code == 302
    endorsement = Endorsement.objects.get()
    assert endorsement.signer_name == "<script>alert(1)</script>"
    content = client.get("/partners/families/endorsements/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<script>alert(1)" not in content
    assert "&lt;b&gt;Boss&lt;/b&gt;" in content


def test_endorsing_again_after_withdrawing_starts_over(client, world):
    endorsement_for(world.letter, world.org, state=State.WITHDRAWN)
    client.force_login(world.owner)
    content = client.get("/partners/families/endorsements/").content.decode()
    assert endorse_url(world) in content
    assert client.post(endorse_url(world), endorse_data(world.letter, signer_name="Olive O.")).status_code == 302
    endorsement = Endorsement.objects.get()
    assert endorsement.state == State.PENDING_REVIEW
    assert endorsement.signer_name == "Olive O."


def test_an_earlier_approval_does_not_carry_over_to_a_new_endorsement(client, world):
    """Approved, withdrawn, endorsed again by an unverified organization: an editor reviews
    it, and a later reconfirmation does not skip that review."""
    endorsement = endorsement_for(world.letter, world.org, state=State.APPROVED)
    client.force_login(world.owner)
    client.post(withdraw_url(endorsement))
    assert client.post(endorse_url(world), endorse_data(world.letter)).status_code == 302
    endorsement.refresh_from_db()
    assert endorsement.state == State.PENDING_REVIEW
    assert endorsement.approved_at is None
    letter = change_text(world.letter)
    client.post(reconfirm_url(endorsement), {"content_hash": letter_text_hash(letter)})
    endorsement.refresh_from_db()
    assert endorsement.state == State.PENDING_REVIEW


# --- reconfirming -------------------------------------------------------------------------


def reconfirm_url(endorsement, slug="families"):
    return f"/partners/{slug}/endorsements/{endorsement.pk}/reconfirm/"


def withdraw_url(endorsement, slug="families"):
    return f"/partners/{slug}/endorsements/{endorsement.pk}/withdraw/"


def test_after_a_text_change_the_owner_sees_the_diff_and_reconfirms(client, world, django_capture_on_commit_callbacks):
    endorsement = endorsement_for(world.letter, world.org, state=State.APPROVED)
    letter = change_text(world.letter)
    endorsement.refresh_from_db()
    assert endorsement.state == State.NEEDS_RECONFIRMATION

    client.force_login(world.owner)
    listing = client.get("/partners/families/endorsements/").content.decode()
    assert reconfirm_url(endorsement) in listing
    response = client.get(reconfirm_url(endorsement))
    content = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<del>(<span[^>]*>[^<]*</span>)?\s*every detainee\.</del>", content)
    assert re.search(r"<ins>(<span[^>]*>[^<]*</span>)?\s*all detainees now\.</ins>", content)
    assert f'name="content_hash" value="{letter_text_hash(letter)}"' in content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reconfirm_url(endorsement), {"content_hash": letter_text_hash(letter)})
    assert response.status_code == 302
    endorsement.refresh_from_db()
    assert endorsement.state == State.APPROVED
    assert endorsement.content_hash == letter_text_hash(letter)
    assert endorsement.reconfirmed_at is not None
    assert "endorses the current text" in client.get(response["Location"]).content.decode()


def test_reconfirming_a_text_that_changed_again_meanwhile_is_refused(client, world):
    endorsement = endorsement_for(world.letter, world.org, state=State.APPROVED)
    first_change = change_text(world.letter)
    change_text(world.letter, "<p>Yet another wording.</p>")
    client.force_login(world.owner)
    response = client.post(reconfirm_url(endorsement), {"content_hash": letter_text_hash(first_change)})
    content = response.content.decode()
    assert response.status_code == 200
    assert "changed while you were reading it" in content
    assert "Yet another wording." in content
    endorsement.refresh_from_db()
    assert endorsement.state == State.NEEDS_RECONFIRMATION


def test_reconfirming_what_needs_no_reconfirmation_just_goes_back(client, world):
    endorsement = endorsement_for(world.letter, world.org, state=State.APPROVED)
    client.force_login(world.owner)
    response = client.get(reconfirm_url(endorsement))
    assert response.status_code == 302
    assert "does not need reconfirming" in client.get(response["Location"]).content.decode()


# --- withdrawing ----------------------------------------------------------------------------


def test_withdrawing_asks_for_confirmation_then_withdraws(client, world, django_capture_on_commit_callbacks):
    endorsement = endorsement_for(world.letter, world.org, state=State.APPROVED, signer_email="olive@families.example")
    client.force_login(world.admin)
    response = client.get(withdraw_url(endorsement))
    assert response.status_code == 200
    assert "Yes, withdraw the endorsement" in response.content.decode()
    endorsement.refresh_from_db()
    assert endorsement.state == State.APPROVED

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(withdraw_url(endorsement))
    assert response.status_code == 302
    endorsement.refresh_from_db()
    assert endorsement.state == State.WITHDRAWN
    assert endorsement.withdrawn_by == world.admin
    assert [m.to for m in mail.outbox] == [["olive@families.example"]]
    assert "is withdrawn" in client.get(response["Location"]).content.decode()


def test_withdrawing_twice_changes_nothing(client, world):
    endorsement = endorsement_for(world.letter, world.org, state=State.WITHDRAWN)
    client.force_login(world.owner)
    response = client.post(withdraw_url(endorsement))
    assert response.status_code == 302
    assert "cannot be withdrawn" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("url", [withdraw_url, reconfirm_url], ids=["withdraw", "reconfirm"])
def test_a_member_cannot_withdraw_or_reconfirm(client, world, url):
    endorsement = endorsement_for(world.letter, world.org, state=State.NEEDS_RECONFIRMATION)
    client.force_login(world.member)
    assert client.get(url(endorsement)).status_code == 403
    response = client.post(url(endorsement), {"content_hash": letter_text_hash(world.letter)})
    assert response.status_code == 403
    assert "You cannot do this" in response.content.decode()
    endorsement.refresh_from_db()
    assert endorsement.state == State.NEEDS_RECONFIRMATION


@pytest.mark.parametrize("url", [withdraw_url, reconfirm_url], ids=["withdraw", "reconfirm"])
def test_another_organizations_endorsement_is_not_found(client, world, url):
    theirs = endorsement_for(world.letter, world.other_org, state=State.NEEDS_RECONFIRMATION)
    client.force_login(world.owner)
    assert client.get(url(theirs)).status_code == 404
    assert client.post(url(theirs), {"content_hash": letter_text_hash(world.letter)}).status_code == 404
    # Nor through the other organization's own address.
    assert client.post(url(theirs, slug="hidden-lawyers")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == State.NEEDS_RECONFIRMATION


def test_other_organizations_endorsements_never_appear(client, world):
    endorsement_for(world.letter, world.other_org, state=State.APPROVED, signer_name="Secret Signer")
    client.force_login(world.owner)
    content = client.get("/partners/families/endorsements/").content.decode()
    assert "Secret Signer" not in content
    assert endorse_url(world) in content


def test_a_refusal_by_the_service_is_shown_on_the_form(client, world, monkeypatch):
    from django.core.exceptions import PermissionDenied

    from coalition.orgs import endorsement_views

    def refuse(**kwargs):
        raise PermissionDenied("Only the organization's owners and admins can endorse or withdraw for it.")

    monkeypatch.setattr(endorsement_views, "endorsement_create_by_partner", refuse)
    client.force_login(world.owner)
    response = client.post(endorse_url(world), endorse_data(world.letter))
    assert response.status_code == 200
    assert "owners and admins can endorse or withdraw" in response.content.decode()


def test_a_rejected_organization_is_told_so_and_gets_no_form(client, world):
    endorsement_for(world.letter, world.org, state=State.REJECTED)
    client.force_login(world.owner)
    content = client.get(endorse_url(world)).content.decode()
    assert "did not accept" in content
    assert 'name="signer_name"' not in content
    assert endorse_url(world) not in client.get("/partners/families/endorsements/").content.decode()
