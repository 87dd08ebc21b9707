"""Endorsing on the public site: the sign-on form, the emailed link, invitations, and the
signatories on the letter's page. Hostile input sits next to the form it attacks."""

import io
import re
import time

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.images import get_image_model

from coalition.core.validators import validate_no_formula
from coalition.letters.models import Endorsement, EndorsementInvitation, EndorsementState, LetterStatus
from coalition.letters.services import (
    InvitationRow,
    endorsement_approve,
    endorsement_invitations_create,
    endorsement_token,
    invitation_token,
    letter_current_text,
)
from coalition.orgs.models import Membership, Organization
from tests.factories import (
    ImageFactory,
    LetterPageFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    endorsement_for,
)

pytestmark = pytest.mark.django_db
State = EndorsementState
Image = get_image_model()
LINK = re.compile(r"http://testserver(/letters/\S+/endorse/[^/\s]+/)")
INVITATION_LINK = re.compile(r"http://testserver(/letters/\S+/endorse/invited/[^/\s]+/)")


@pytest.fixture
def letter(index):
    return LetterPageFactory(
        title="Stop the Executions",
        summary="Organizations ask for a moratorium.",
        status=LetterStatus.OPEN_FOR_ENDORSEMENT,
        body="<p>We ask you to halt every execution.</p>",
    )


def png(size=(1200, 800), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def sign_on_data(letter, **overrides) -> dict:
    data = {
        "organization_name": "Orontes Legal Aid",
        "website": "https://orontes-legal.example",
        "country": "LB",
        "kind": Organization.Kind.LEGAL,
        "signer_name": "Layla Haddad",
        "signer_title": "Director",
        "signer_email": "layla@orontes-legal.example",
        "display": Endorsement.Display.PUBLIC,
        "content_hash": letter_current_text(letter).hash,
        "comment": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def endorse_path(letter) -> str:
    return letter.url + "endorse/"


def sent_path(letter) -> str:
    return letter.url + "endorse/sent/"


def manage_path(endorsement) -> str:
    return endorsement.letter.url + f"endorse/{endorsement_token(endorsement)}/"


def sign_on(client, letter, capture, **overrides):
    with capture(execute=True):
        return client.post(endorse_path(letter), sign_on_data(letter, **overrides))


def snapshot() -> tuple:
    """What a refused submission must leave untouched."""
    return Organization.objects.count(), Endorsement.objects.count(), Image.objects.count(), len(mail.outbox)


def assert_private(response):
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "noindex" in response["X-Robots-Tag"]


# --- the sign-on form ----------------------------------------------------------------


def test_sign_on_form_shows_the_letter_and_every_field(client, letter):
    response = client.get(endorse_path(letter))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Stop the Executions" in html and "Organizations ask for a moratorium." in html
    assert "We ask you to halt every execution." in html
    assert f'name="content_hash" value="{letter_current_text(letter).hash}"' in html
    for name in ("organization_name", "website", "country", "kind", "logo", "signer_name", "signer_title"):
        assert f'name="{name}"' in html
    assert 'type="email" name="signer_email"' in html
    assert "Undisclosed for security reasons" in html
    assert "List us in the PDF sent to the recipients" in html
    # The honeypot is out of sight, out of the accessibility tree and out of the tab order.
    honeypot = re.search(r'<div class="hp" aria-hidden="true" inert>.*?</div>\s*</div>', html, re.S).group(0)
    assert 'name="comment"' in honeypot and 'tabindex="-1"' in honeypot
    assert "Endorse as" not in html


def test_a_public_sign_on_creates_the_organization_and_emails_a_link_to_confirm(
    client, letter, django_capture_on_commit_callbacks
):
    logo = SimpleUploadedFile("logo.jpg", png(), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(endorse_path(letter), {**sign_on_data(letter), "logo": logo})

    assert response.status_code == 302
    assert response["Location"] == sent_path(letter)
    organization = Organization.objects.get(name="Orontes Legal Aid")
    assert organization.website == "https://orontes-legal.example"
    assert organization.country.code == "LB" and organization.kind == Organization.Kind.LEGAL
    with organization.logo.file.open() as stored, PILImage.open(stored) as image:
        assert image.format == "PNG"
        assert max(image.size) <= 512
    endorsement = Endorsement.objects.get(organization=organization)
    assert endorsement.state == State.PENDING_CONFIRMATION
    assert endorsement.letter_id == letter.pk and endorsement.created_organization
    assert endorsement.content_hash == letter_current_text(letter).hash
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["layla@orontes-legal.example"]
    path = LINK.search(message.body).group(1)

    page = client.get(path)
    assert page.status_code == 200
    assert_private(page)
    assert "Confirm the endorsement" in page.content.decode()
    assert "We ask you to halt every execution." in page.content.decode()
    endorsement.refresh_from_db()
    assert endorsement.state == State.PENDING_CONFIRMATION, "opening the link (a mail scanner does) confirms nothing"

    confirmed = client.post(path, {"action": "confirm", "content_hash": letter_current_text(letter).hash})
    assert confirmed.status_code == 302 and confirmed["Location"] == path
    endorsement.refresh_from_db()
    assert endorsement.state == State.PENDING_REVIEW and endorsement.confirmed_at is not None
    after = client.get(path).content.decode()
    assert "is confirmed" in after
    assert "Confirm the endorsement" not in after


def test_the_page_after_signing_on_says_to_check_the_email(client, letter):
    response = client.get(sent_path(letter))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Check your email" in html and "14 days" in html
    assert '<meta name="robots" content="noindex">' in html


def test_a_sign_on_matches_an_existing_organization_by_its_website_domain(
    client, letter, django_capture_on_commit_callbacks
):
    existing = OrganizationFactory(name="Syrian Archive", website="https://syrianarchive.org/")
    before = Organization.objects.count()

    response = sign_on(
        client,
        letter,
        django_capture_on_commit_callbacks,
        organization_name="The Syrian Archive project",
        website="http://www.SyrianArchive.org/about",
    )

    assert response.status_code == 302
    assert Organization.objects.count() == before
    endorsement = Endorsement.objects.get()
    assert endorsement.organization == existing and not endorsement.created_organization
    existing.refresh_from_db()
    assert existing.name == "Syrian Archive", "a sign-on never renames an existing organization"


def test_a_sign_on_matches_an_existing_organization_by_its_normalized_name(
    client, letter, django_capture_on_commit_callbacks
):
    existing = OrganizationFactory(name="Families for Freedom", website="")
    before = Organization.objects.count()

    sign_on(
        client, letter, django_capture_on_commit_callbacks, organization_name="the  FAMILIES-for-Freedom", website=""
    )

    assert Organization.objects.count() == before
    assert Endorsement.objects.get().organization == existing


def test_signing_on_an_organization_that_already_endorsed_looks_the_same_and_emails_the_submitter(
    client, letter, django_capture_on_commit_callbacks
):
    existing = OrganizationFactory(name="Orontes Legal Aid", website="https://orontes-legal.example")
    standing = endorsement_for(letter, existing, state=State.APPROVED, signer_name="Rana Haddad")
    first = sign_on(client, letter, django_capture_on_commit_callbacks, organization_name="Some New Group", website="")
    mail.outbox.clear()

    response = sign_on(client, letter, django_capture_on_commit_callbacks, signer_email="someone@else.example")

    assert response.status_code == 302
    assert response["Location"] == first["Location"] == sent_path(letter), "no page tells the two apart"
    standing.refresh_from_db()
    assert standing.state == State.APPROVED and standing.signer_name == "Rana Haddad"
    assert Endorsement.objects.filter(organization=existing).count() == 1
    assert [m.to for m in mail.outbox] == [["someone@else.example"]]
    assert "Orontes Legal Aid" in mail.outbox[0].subject


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(client, letter, django_capture_on_commit_callbacks):
    before = snapshot()
    response = sign_on(client, letter, django_capture_on_commit_callbacks, comment="Great letter! http://spam.example")

    assert response.status_code == 302 and response["Location"] == sent_path(letter)
    assert snapshot() == before


def test_too_many_sign_ons_from_one_address_are_refused_with_the_data_kept(
    client, letter, settings, django_capture_on_commit_callbacks
):
    settings.COALITION_ENDORSEMENTS_PER_IP_PER_HOUR = 1
    assert sign_on(client, letter, django_capture_on_commit_callbacks).status_code == 302
    before = snapshot()

    response = sign_on(
        client, letter, django_capture_on_commit_callbacks, organization_name="Second Group", website=""
    )

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many sign-ons came from your network" in html
    assert 'value="Second Group"' in html
    assert snapshot() == before


@pytest.mark.parametrize(
    ("status", "heading"),
    [
        (LetterStatus.DRAFT, "Endorsements are not open yet"),
        (LetterStatus.CLOSED, "Endorsements are closed"),
        (LetterStatus.DELIVERED, "Endorsements are closed"),
    ],
)
def test_a_letter_not_taking_endorsements_shows_no_form_and_refuses_a_post(
    client, index, status, heading, django_capture_on_commit_callbacks
):
    letter = LetterPageFactory(status=status)
    page = client.get(endorse_path(letter))
    assert page.status_code == 200
    assert heading in page.content.decode()
    assert 'name="organization_name"' not in page.content.decode()

    before = snapshot()
    refused = sign_on(client, letter, django_capture_on_commit_callbacks)
    assert refused.status_code == 403
    assert heading in refused.content.decode()
    assert snapshot() == before


def test_a_text_changed_while_reading_is_explained_on_the_form(client, letter, django_capture_on_commit_callbacks):
    before = snapshot()
    response = sign_on(client, letter, django_capture_on_commit_callbacks, content_hash="0" * 64)

    assert response.status_code == 200
    html = response.content.decode()
    assert "text changed while you were reading it" in html
    assert f'name="content_hash" value="{letter_current_text(letter).hash}"' in html, "the new text is offered"
    assert snapshot() == before


def test_an_organization_manager_is_offered_to_endorse_from_the_partner_portal(client, letter):
    mine = OrganizationFactory(name="Damascus Center", slug="damascus-center")
    other = OrganizationFactory(name="Only A Member Here", slug="only-member")
    person = UserFactory()
    MembershipFactory(organization=mine, user=person, role=Membership.Role.ADMIN)
    MembershipFactory(organization=other, user=person, role=Membership.Role.MEMBER)
    client.force_login(person)

    html = client.get(endorse_path(letter)).content.decode()

    assert "Endorse as Damascus Center" in html
    assert f'href="/partners/damascus-center/letters/{letter.pk}/endorse/"' in html
    assert "Only A Member Here" not in html


# --- hostile input -------------------------------------------------------------------------


def test_markup_in_names_is_kept_as_literal_text_and_escaped_on_pages(
    client, letter, editor, django_capture_on_commit_callbacks
):
    name = '<script>alert("org")</script> Rights <b>Watch</b>'
    sign_on(
        client,
        letter,
        django_capture_on_commit_callbacks,
        organization_name=name,
        signer_name="<img src=x onerror=alert(1)>",
        website="",
    )
    endorsement = Endorsement.objects.get()
    assert endorsement.organization.name == name
    assert endorsement.signer_name == "<img src=x onerror=alert(1)>"

    manage = client.get(manage_path(endorsement)).content.decode()
    assert "<script>alert" not in manage and "<img src=x" not in manage
    assert "&lt;script&gt;alert(&quot;org&quot;)&lt;/script&gt; Rights &lt;b&gt;Watch&lt;/b&gt;" in manage

    client.post(manage_path(endorsement), {"action": "confirm", "content_hash": letter_current_text(letter).hash})
    endorsement_approve(endorsement=endorsement, acting_user=editor)
    page = client.get(letter.url).content.decode()
    assert "<script>alert" not in page and "<b>Watch</b>" not in page
    assert "&lt;script&gt;alert(&quot;org&quot;)&lt;/script&gt; Rights &lt;b&gt;Watch&lt;/b&gt;" in page


@pytest.mark.parametrize("field", ["organization_name", "signer_name", "signer_title"])
@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil.example","x")', "+1-555", "-2+3", "@SUM(A1)", "  =1+1"])
def test_names_and_titles_a_spreadsheet_would_run_as_formulas_are_refused(
    client, letter, field, value, django_capture_on_commit_callbacks
):
    before = snapshot()
    response = sign_on(client, letter, django_capture_on_commit_callbacks, **{field: value})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "cannot start with =, +, - or @" in html
    assert snapshot() == before


@pytest.mark.parametrize("field", ["organization_name", "signer_name", "signer_title"])
@pytest.mark.parametrize("value", ["Rights\x00Group", "Rights\u202eGroup", "Rights\u2066Group", "Rights\x1bGroup"])
def test_nul_bytes_and_invisible_control_characters_are_refused(
    client, letter, field, value, django_capture_on_commit_callbacks
):
    before = snapshot()
    response = sign_on(client, letter, django_capture_on_commit_callbacks, **{field: value})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "Null characters are not allowed" in html or "invisible control character" in html
    assert snapshot() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("organization_name", "A" * 5000, "at most 200 characters"),
        ("signer_name", "B" * 201, "at most 200 characters"),
        ("signer_title", "C" * 100_000, "at most 200 characters"),
        ("website", "https://example.org/" + "a" * 400, "at most 300 characters"),
        ("signer_email", "x" * 300 + "@example.org", "at most 254 characters"),
        ("signer_email", "layla\x00@example.org", "Enter a valid email address"),
        ("website", "javascript:alert(1)", "Enter a valid URL"),
        ("website", "ftp://files.example.org/", "Enter a valid URL"),
        ("country", "XX", "Select a valid choice"),
        ("kind", "government", "Select a valid choice"),
        ("display", "secret", "Select a valid choice"),
        ("organization_name", "   ", "This field is required"),
    ],
)
def test_huge_or_malformed_values_are_refused_next_to_their_field(
    client, letter, field, value, message, django_capture_on_commit_callbacks
):
    before = snapshot()
    response = sign_on(client, letter, django_capture_on_commit_callbacks, **{field: value})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert snapshot() == before


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("logo.png", b"this is not an image at all", "Upload a PNG, JPEG or WebP image"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
            "SVG included",
        ),
        ("logo.png", b"<svg onload=alert(1)>", "Upload a PNG, JPEG or WebP image"),
        ("logo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "Upload a PNG, JPEG or WebP image"),
        ("huge.png", png((8, 8))[:16] + b"\x00" * (50 * 1024 * 1024), "larger than 2 MB"),
    ],
    ids=["not-an-image", "svg-with-script", "svg-named-png", "gif", "50-mb"],
)
def test_a_logo_that_is_not_a_small_png_jpeg_or_webp_is_refused_and_nothing_is_stored(
    client, letter, filename, content, message, django_capture_on_commit_callbacks
):
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            endorse_path(letter),
            {**sign_on_data(letter), "logo": SimpleUploadedFile(filename, content, content_type="image/png")},
        )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_logo_error"' in html
    assert message in html
    assert snapshot() == before


def test_validate_no_formula_refuses_formula_starts_only():
    for value in ["=1+1", "+44 20", "-x", "@cmd", " \u00a0=1"]:
        with pytest.raises(ValidationError):
            validate_no_formula(value)
    for value in ["", "Amnesty International", "1+1=2", "Rights-Watch", "e@mail", "«Al-Haq»"]:
        validate_no_formula(value)


# --- the contact's emailed link ------------------------------------------------------------


@pytest.fixture
def pending(letter):
    return endorsement_for(letter, OrganizationFactory(name="Haven Network"), state=State.PENDING_CONFIRMATION)


def test_an_invalid_link_is_a_friendly_404_that_says_nothing_about_why(client, letter, caplog):
    response = client.get(letter.url + "endorse/not-a-real-token/")
    assert response.status_code == 404
    assert_private(response)
    assert "not-a-real-token" not in caplog.text, "the request log never records a token"
    html = response.content.decode()
    assert "This link does not work" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html


def test_an_expired_link_is_a_404(client, letter, pending, monkeypatch, settings):
    past = time.time() - (settings.COALITION_ENDORSEMENT_LINK_DAYS + 1) * 86400
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: past)
        old = manage_path(pending)
    assert client.get(old).status_code == 404
    assert client.post(old, {"action": "withdraw"}).status_code == 404
    pending.refresh_from_db()
    assert pending.state == State.PENDING_CONFIRMATION


def test_a_link_replaced_by_a_newer_one_is_a_404(client, letter, pending):
    old = manage_path(pending)
    Endorsement.objects.filter(pk=pending.pk).update(nonce="a-new-nonce")
    assert client.get(old).status_code == 404


def test_a_link_used_under_another_letters_address_is_a_404(client, letter, pending):
    other = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    token = endorsement_token(pending)
    assert client.get(other.url + f"endorse/{token}/").status_code == 404
    assert client.post(other.url + f"endorse/{token}/", {"action": "withdraw"}).status_code == 404
    pending.refresh_from_db()
    assert pending.state == State.PENDING_CONFIRMATION


def test_the_contact_withdraws_from_the_emailed_link(client, letter, django_capture_on_commit_callbacks):
    endorsement = endorsement_for(letter, OrganizationFactory(name="Haven Network"), state=State.APPROVED)
    path = manage_path(endorsement)
    page = client.get(path).content.decode()
    assert "Withdraw Haven Network's endorsement" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"action": "withdraw"})

    assert response.status_code == 302 and response["Location"] == path
    assert_private(response)
    endorsement.refresh_from_db()
    assert endorsement.state == State.WITHDRAWN and endorsement.withdrawn_at is not None
    assert [m.to for m in mail.outbox] == [[endorsement.signer_email]]
    after = client.get(path).content.decode()
    assert "endorsement is withdrawn" in after
    assert 'value="withdraw"' not in after


def test_a_stale_confirmation_is_explained_and_changes_nothing(client, letter, pending):
    response = client.post(manage_path(pending), {"action": "confirm", "content_hash": "f" * 64})
    assert response.status_code == 400
    assert "text changed while you were reading it" in response.content.decode()
    pending.refresh_from_db()
    assert pending.state == State.PENDING_CONFIRMATION


def change_text(letter, body: str):
    letter.refresh_from_db()
    letter.body = body
    letter.save_revision().publish()
    letter.refresh_from_db()
    return letter


def test_after_a_text_change_the_link_shows_what_changed_and_reconfirming_counts_again(
    client, letter, django_capture_on_commit_callbacks
):
    endorsement = endorsement_for(letter, OrganizationFactory(name="Haven Network"), state=State.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        change_text(letter, "<p>We ask you to halt all executions now.</p><p>A new paragraph.</p>")
    endorsement.refresh_from_db()
    assert endorsement.state == State.NEEDS_RECONFIRMATION
    assert len(mail.outbox) == 1
    path = LINK.search(mail.outbox[0].body).group(1)

    page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert "The text changed after you endorsed it" in html
    # A paragraph replaced by two: the old one is removed, the new ones added.
    assert '<del><span class="visually-hidden">removed: </span>We ask you to halt every execution.</del>' in html
    assert '<ins><span class="visually-hidden">added: </span>A new paragraph.</ins>' in html
    endorsement.refresh_from_db()
    assert endorsement.state == State.NEEDS_RECONFIRMATION

    with django_capture_on_commit_callbacks(execute=True):
        change_text(letter, "<p>We ask you to halt all executions now.</p>")
    html = client.get(path).content.decode()
    # One paragraph for one: the words that changed inside it are marked.
    assert '<p class="text-diff__line text-diff__line--delete">' in html
    assert '<del><span class="visually-hidden">removed: </span>every execution.</del>' in html
    assert '<ins><span class="visually-hidden">added: </span>all executions now.</ins>' in html
    assert "A new paragraph." not in html

    response = client.post(path, {"action": "reconfirm", "content_hash": letter_current_text(letter).hash})
    assert response.status_code == 302
    endorsement.refresh_from_db()
    assert endorsement.state == State.APPROVED
    assert endorsement.content_hash == letter_current_text(letter).hash
    assert "is counted again" in client.get(path).content.decode()


# --- an editor's invitation ------------------------------------------------------------------


@pytest.fixture
def invited(letter, editor, django_capture_on_commit_callbacks):
    organization = OrganizationFactory(name="Invited Aid")
    with django_capture_on_commit_callbacks(execute=True):
        [invitation] = endorsement_invitations_create(
            letter=letter,
            rows=[InvitationRow(organization=organization, email="nour@invited.example", contact_name="Nour Aziz")],
            acting_user=editor,
        )
    path = INVITATION_LINK.search(mail.outbox[-1].body).group(1)
    return invitation, path


def test_opening_an_invitation_marks_it_opened_and_shows_the_text_and_both_answers(client, invited):
    invitation, path = invited
    response = client.get(path)

    assert response.status_code == 200
    assert_private(response)
    html = response.content.decode()
    assert "We ask you to halt every execution." in html
    assert 'value="Nour Aziz"' in html
    assert "Endorse for Invited Aid" in html and "Decline the invitation" in html
    invitation.refresh_from_db()
    assert invitation.opened_at is not None and invitation.endorsement_id is None


def test_endorsing_from_an_invitation_is_approved_at_once(client, letter, invited):
    invitation, path = invited
    response = client.post(
        path,
        {
            "action": "endorse",
            "signer_name": "Nour Aziz",
            "signer_title": "Coordinator",
            "display": "public",
            "content_hash": letter_current_text(letter).hash,
        },
    )

    assert response.status_code == 302 and response["Location"] == path
    invitation.refresh_from_db()
    endorsement = invitation.endorsement
    assert endorsement.state == State.APPROVED and endorsement.source == Endorsement.Source.INVITATION
    assert endorsement.signer_email == "nour@invited.example"
    assert "has answered this invitation" in client.get(path).content.decode()
    assert "Invited Aid" in client.get(letter.url).content.decode()


def test_an_invalid_answer_to_an_invitation_is_shown_on_its_form(client, letter, invited):
    invitation, path = invited
    response = client.post(
        path, {"action": "endorse", "signer_name": "=cmd|' /C calc'!A0", "signer_title": "", "display": "public"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_signer_name_error"' in html and 'id="id_signer_title_error"' in html
    assert not Endorsement.objects.exists()


def test_declining_an_invitation_keeps_the_reason(client, invited):
    invitation, path = invited
    response = client.post(path, {"action": "decline", "decline-reason": "Our board\nhas not met yet."})

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == EndorsementInvitation.State.DECLINED
    assert invitation.decline_reason == "Our board has not met yet."
    assert "You declined this invitation" in client.get(path).content.decode()


def test_an_invitation_link_that_is_invalid_or_for_another_letter_is_a_404(client, letter, invited):
    invitation, _path = invited
    other = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    assert client.get(letter.url + "endorse/invited/garbage/").status_code == 404
    assert client.get(other.url + f"endorse/invited/{invitation_token(invitation)}/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.opened_at is None


# --- the letter's page -------------------------------------------------------------------------


def endorsers_section(html: str) -> str:
    return re.search(r'<section class="endorsers".*?</section>', html, re.S).group(0)


def listed_names(html: str) -> list[str]:
    return re.findall(r'class="endorser__name"[^>]*>([^<]+)<', endorsers_section(html))


def test_the_lead_comes_first_then_co_drafters_in_order_then_everyone_alphabetically(client, index):
    lead = OrganizationFactory(name="Zaytoun Lead")
    first, second = OrganizationFactory(name="Yarmouk First"), OrganizationFactory(name="Barada Second")
    letter = LetterPageFactory(
        status=LetterStatus.OPEN_FOR_SIGNATURES, lead_organization=lead, co_drafters=[first, second]
    )
    for name in ["zeta Group", "Alpha Group", "beta Group"]:
        endorsement_for(letter, OrganizationFactory(name=name))
    for organization in (first, second, lead):
        endorsement_for(letter, organization)

    html = client.get(letter.url).content.decode()

    assert listed_names(html) == [
        "Zaytoun Lead",
        "Yarmouk First",
        "Barada Second",
        "Alpha Group",
        "beta Group",
        "zeta Group",
    ]
    assert "Signed by 6 organizations" in html


def test_a_listed_organization_shows_its_logo_name_link_and_country(client, letter):

    organization = OrganizationFactory(
        name="Cedar Watch", website="https://cedar.example/", country="LB", logo=ImageFactory()
    )
    endorsement_for(letter, organization)

    section = endorsers_section(client.get(letter.url).content.decode())

    assert '<a class="endorser__name" href="https://cedar.example/" rel="nofollow noopener">Cedar Watch</a>' in section
    # The name follows the logo, so the logo is decorative for screen readers.
    assert re.search(r'<img[^>]*alt=""[^>]*class="endorser__logo"|<img[^>]*class="endorser__logo"[^>]*alt=""', section)
    assert "Lebanon" in section


def test_only_approved_endorsements_of_the_current_text_are_counted(client, letter):
    endorsement_for(letter, OrganizationFactory(name="Counted Public"))
    endorsement_for(letter, OrganizationFactory(name="Counted Hidden"), display="undisclosed")
    endorsement_for(letter, OrganizationFactory(name="Still Pending"), state=State.PENDING_REVIEW)
    endorsement_for(letter, OrganizationFactory(name="Not Confirmed"), state=State.PENDING_CONFIRMATION)
    endorsement_for(letter, OrganizationFactory(name="Gone Away"), state=State.WITHDRAWN)
    stale = endorsement_for(letter, OrganizationFactory(name="Old Text"))
    Endorsement.objects.filter(pk=stale.pk).update(content_hash="0" * 64)

    html = client.get(letter.url).content.decode()

    assert "Signed by 2 organizations" in html
    assert "including 1 organization undisclosed for security reasons" in html
    assert listed_names(html) == ["Counted Public"]
    for name in ["Counted Hidden", "Still Pending", "Not Confirmed", "Gone Away", "Old Text"]:
        assert name not in html


def test_the_page_says_how_many_are_reconfirming_after_a_text_change(client, letter):
    for name in ["One", "Two", "Three"]:
        endorsement_for(letter, OrganizationFactory(name=f"Reconfirming {name}"))
    endorsement_for(letter, OrganizationFactory(name="Never Reviewed"), state=State.PENDING_REVIEW)
    change_text(letter, "<p>A different text.</p>")
    endorsement_for(letter, OrganizationFactory(name="Signed The New Text"))

    html = client.get(letter.url).content.decode()

    assert "Signed by 1 organization" in html
    assert "3 organizations are reconfirming after the text changed" in html
    assert listed_names(html) == ["Signed The New Text"]
    assert "Reconfirming One" not in html


def test_many_endorsers_can_be_filtered_by_country_without_javascript(client, letter):
    for n in range(10):
        endorsement_for(letter, OrganizationFactory(name=f"Syrian Group {n:02}", country="SY"))
    for n in range(3):
        endorsement_for(letter, OrganizationFactory(name=f"French Group {n}", country="FR"))

    everyone = client.get(letter.url).content.decode()
    assert len(listed_names(everyone)) == 13
    assert f'action="{letter.url}#endorsers"' in everyone
    assert '<option value="FR">France</option>' in everyone and '<option value="SY">Syria</option>' in everyone

    french = client.get(letter.url, {"org_country": "FR"}).content.decode()
    assert listed_names(french) == ["French Group 0", "French Group 1", "French Group 2"]
    assert '<option value="FR" selected>' in french
    assert "Showing 3 of 13 listed organizations" in french
    assert "Signed by 13 organizations" in french

    assert len(listed_names(client.get(letter.url, {"org_country": "<b>"}).content.decode())) == 13


def test_a_short_list_has_no_country_filter(client, letter):
    endorsement_for(letter, OrganizationFactory(country="FR"))
    assert 'name="org_country"' not in client.get(letter.url).content.decode()


def test_the_letter_invites_organizations_to_endorse_while_it_is_open(client, index):
    open_letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    closed = LetterPageFactory(status=LetterStatus.CLOSED)
    endorsement_for(closed, OrganizationFactory(name="Signed Before Closing"))

    assert f'href="{open_letter.url}endorse/"' in client.get(open_letter.url).content.decode()
    closed_html = client.get(closed.url).content.decode()
    assert "endorse/" not in closed_html
    assert "Signed Before Closing" in closed_html


# --- undisclosed endorsers never appear in public --------------------------------------------


@pytest.fixture
def undisclosed(letter):

    organization = OrganizationFactory(
        name="Hidden Defenders Network",
        slug="hidden-defenders",
        website="https://hidden-defenders.example/",
        logo=ImageFactory(title="Hidden Defenders Network logo"),
    )
    endorsement_for(letter, organization, display="undisclosed")
    endorsement_for(letter, OrganizationFactory(name="Open Voices"))
    return organization


@pytest.mark.parametrize(
    "path",
    ["/", "/letters/", "{letter}", "{letter}endorse/", "{letter}endorse/sent/", "/api/v1/letters/"],
)
def test_an_undisclosed_endorser_appears_on_no_public_page(client, letter, undisclosed, path):
    response = client.get(path.format(letter=letter.url))
    assert response.status_code == 200
    body = response.content.decode()
    for secret in ("Hidden Defenders", "hidden-defenders", undisclosed.logo.file.name.rsplit("/", 1)[-1]):
        assert secret not in body


def test_an_undisclosed_endorser_is_counted_on_the_letter_page(client, letter, undisclosed):
    html = client.get(letter.url).content.decode()
    assert "Signed by 2 organizations" in html
    assert "including 1 organization undisclosed for security reasons" in html


def test_an_organization_known_only_from_an_undisclosed_or_unconfirmed_sign_on_is_not_in_the_api(
    client, letter, undisclosed, django_capture_on_commit_callbacks
):
    sign_on(client, letter, django_capture_on_commit_callbacks, organization_name="Unconfirmed Sign On", website="")
    assert Organization.objects.filter(name="Unconfirmed Sign On").exists()

    body = client.get("/api/v1/organizations/", {"page_size": 1000}).content.decode()

    assert "Open Voices" in body
    assert "Hidden Defenders" not in body and "hidden-defenders" not in body
    assert "Unconfirmed Sign On" not in body


def test_the_letter_page_queries_do_not_grow_with_the_number_of_endorsers(client, letter):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page_queries() -> int:
        client.get(letter.url)  # renditions are made on the first view
        with CaptureQueriesContext(connection) as queries:
            assert client.get(letter.url).status_code == 200
        return len(queries)

    for _ in range(3):
        endorsement_for(letter, OrganizationFactory(logo=ImageFactory()))
    few = page_queries()
    for _ in range(9):
        endorsement_for(letter, OrganizationFactory(logo=ImageFactory()))
    assert page_queries() == few
