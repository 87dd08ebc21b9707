"""Invitations in the partner portal: the email, and every way a link can be followed."""

import logging
import re
import time
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.utils import timezone

from coalition.orgs.models import Invitation, Membership, OrganizationAuditEntry
from coalition.orgs.services import invitation_create, invitation_revoke, invitation_token
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
Role = Membership.Role
User = get_user_model()
PASSWORD = "correct horse battery staple 42"
INVALID = "This invitation link is no longer valid"


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Families for Freedom", slug="families")


@pytest.fixture
def owner(org):
    user = UserFactory(first_name="Olive", last_name="Owner", email="olive@families.example")
    MembershipFactory(organization=org, user=user, role=Role.OWNER)
    return user


def invite(org, owner, email="new.person@families.example", role=Role.ADMIN) -> tuple[Invitation, str]:
    invitation = invitation_create(organization=org, email=email, role=role, acting_user=owner)
    return invitation, f"/partners/invitations/{invitation_token(invitation=invitation)}/"


def new_account(**overrides):
    data = {"first_name": "Nour", "last_name": "Haddad", "password1": PASSWORD, "password2": PASSWORD}
    data.update(overrides)
    return data


def session_user_id(client):
    return client.session.get("_auth_user_id")


# --- sending --------------------------------------------------------------------------


def test_inviting_from_the_portal_emails_a_working_link(client, org, owner, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/partners/families/members/invite/", {"email": "Nour@Families.Example", "role": "admin"}
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nour@families.example" and invitation.role == Role.ADMIN
    assert invitation.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nour@families.example"]
    assert "Families for Freedom" in message.subject
    path = re.search(r"http://testserver(/partners/invitations/[^/\s]+/)", message.body).group(1)

    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert "Families for Freedom" in page.content.decode() and "Admin" in page.content.decode()


def test_inviting_someone_already_in_the_organization_explains_why_not(client, org, owner):
    client.force_login(owner)
    response = client.post("/partners/families/members/invite/", {"email": "OLIVE@families.example", "role": "member"})
    assert response.status_code == 200
    assert "is already a member of this organization" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_invalid_address_is_refused_next_to_the_field(client, org, owner):
    client.force_login(owner)
    response = client.post("/partners/families/members/invite/", {"email": "not an address", "role": "member"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_error"' in html and 'aria-describedby="id_email_error"' in html
    assert not Invitation.objects.exists()


def test_an_admin_cannot_invite_an_owner(client, org, owner):
    admin = UserFactory()
    MembershipFactory(organization=org, user=admin, role=Role.ADMIN)
    client.force_login(admin)
    response = client.post("/partners/families/members/invite/", {"email": "boss@example.org", "role": "owner"})
    assert response.status_code == 200
    assert 'id="id_role_error"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_revoking_from_the_portal_kills_the_link(client, org, owner):
    invitation, path = invite(org, owner)
    client.force_login(owner)
    response = client.post(f"/partners/families/invitations/{invitation.pk}/revoke/", follow=True)
    assert "is revoked" in response.content.decode()
    client.logout()
    assert client.get(path).status_code == 410


# --- accepting as a new person ----------------------------------------------------------


def test_a_new_person_creates_an_account_and_joins(client, org, owner):
    invitation, path = invite(org, owner)

    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Create my account and join" in html and "new.person@families.example" in html
    assert html.count("<h1") == 1 and '<label for="id_password1">' in html
    assert not User.objects.filter(email="new.person@families.example").exists(), "GET changes nothing"

    response = client.post(path, new_account())

    assert response.status_code == 302 and response["Location"] == "/partners/families/"
    user = User.objects.get(email="new.person@families.example")
    assert (user.first_name, user.last_name) == ("Nour", "Haddad")
    assert user.check_password(PASSWORD)
    assert EmailAddress.objects.filter(
        user=user, email="new.person@families.example", verified=True, primary=True
    ).exists()
    assert Membership.objects.get(organization=org, user=user).role == Role.ADMIN
    assert user.groups.filter(pk=org.staff_group_id).exists()
    assert session_user_id(client) == str(user.pk)
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert OrganizationAuditEntry.objects.filter(action="invitation_accepted", subject=user.email).exists()
    assert "Welcome to Families for Freedom" in client.get("/partners/families/").content.decode()


def test_the_new_account_can_sign_in_with_its_password_later(client, org, owner):
    _invitation, path = invite(org, owner)
    client.post(path, new_account())
    client.logout()
    client.post("/accounts/login/", {"login": "new.person@families.example", "password": PASSWORD})
    assert session_user_id(client) is not None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"password1": "password1234", "password2": "password1234"}, "password1", "too common"),
        ({"password2": PASSWORD + "x"}, "password2", "not the same"),
        ({"first_name": "Nour\x00"}, "first_name", "Null characters are not allowed"),
        ({"first_name": "Nour\u202eruoN"}, "first_name", "invisible control character"),
        ({"first_name": ""}, "first_name", "This field is required"),
    ],
)
def test_bad_account_details_are_refused_and_nothing_is_created(client, org, owner, overrides, field, message):
    invitation, path = invite(org, owner)
    response = client.post(path, new_account(**overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in html and message in html
    assert not User.objects.filter(email=invitation.email).exists()
    assert session_user_id(client) is None
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_password_like_the_address_is_refused(client, org, owner):
    _invitation, path = invite(org, owner, email="nourhaddad@families.example")
    response = client.post(path, new_account(password1="nourhaddad@families", password2="nourhaddad@families"))
    assert "too similar" in response.content.decode()


def test_names_with_html_are_kept_as_text_and_escaped(client, org, owner):
    _invitation, path = invite(org, owner)
    client.post(path, new_account(first_name="<b>Nour</b>"))
    client.force_login(owner)
    html = client.get("/partners/families/members/").content.decode()
    assert "&lt;b&gt;Nour&lt;/b&gt;" in html and "<b>Nour</b>" not in html


# --- links that no longer work ----------------------------------------------------------


def assert_dead(client, path):
    response = client.get(path)
    assert response.status_code == 410
    html = response.content.decode()
    assert INVALID in html
    assert "Families for Freedom" not in html, "a dead link says nothing about the organization"
    post = client.post(path, new_account())
    assert post.status_code == 410
    return response


def test_an_expired_invitation_is_refused(client, org, owner):
    invitation, path = invite(org, owner)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert_dead(client, path)
    assert not User.objects.filter(email=invitation.email).exists()


def test_a_link_older_than_the_invitation_days_is_refused_by_its_signature(client, org, owner, monkeypatch, settings):
    invitation, _path = invite(org, owner)
    past = time.time() - (settings.COALITION_INVITATION_DAYS + 1) * 86400
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: past)
        old_token = invitation_token(invitation=invitation)
    assert_dead(client, f"/partners/invitations/{old_token}/")


def test_a_used_link_does_not_work_twice(client, org, owner):
    invitation, path = invite(org, owner)
    client.post(path, new_account())
    client.logout()
    assert_dead(client, path)
    assert User.objects.filter(email=invitation.email).count() == 1


def test_a_used_link_is_dead_even_for_the_person_who_used_it(client, org, owner):
    _invitation, path = invite(org, owner)
    client.post(path, new_account())
    response = client.get(path)
    assert response.status_code == 410


def test_a_revoked_link_is_refused(client, org, owner):
    invitation, path = invite(org, owner)
    invitation_revoke(invitation=invitation, acting_user=owner)
    assert_dead(client, path)


def test_a_newer_invitation_replaces_the_older_link(client, org, owner):
    _old, old_path = invite(org, owner, role=Role.MEMBER)
    _new, new_path = invite(org, owner, role=Role.ADMIN)
    assert_dead(client, old_path)
    client.post(new_path, new_account())
    assert Membership.objects.get(user__email="new.person@families.example").role == Role.ADMIN


@pytest.mark.parametrize("token", ["nonsense", "eyJpIjoxLCJuIjoieCJ9:1tXyZa:forged-signature", "." + "A" * 300])
def test_forged_links_are_refused(client, org, owner, token):
    invite(org, owner)
    assert_dead(client, f"/partners/invitations/{token}/")


def test_the_token_never_reaches_the_logs_and_is_not_sent_as_referrer(client, org, owner, caplog):
    invitation, path = invite(org, owner)
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    token = path.split("/")[3]
    caplog.set_level(logging.DEBUG)

    dead = client.get(path)
    other = UserFactory()
    client.force_login(other)
    valid_token = invitation_token(invitation=invite(org, owner, email="second@families.example")[0])
    refused = client.post(f"/partners/invitations/{valid_token}/")

    assert dead.status_code == 410 and refused.status_code == 403
    assert dead["Referrer-Policy"] == "same-origin" and refused["Referrer-Policy"] == "same-origin"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert token not in logged and valid_token not in logged


# --- people who already have an account -------------------------------------------------


def test_an_existing_account_must_sign_in_first(client, org, owner):
    existing = UserFactory(email="known@families.example")
    _invitation, path = invite(org, owner, email="known@families.example")

    page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert "already have an account" in html
    assert f'href="/accounts/login/?next={path.replace(":", "%3A")}"' in html
    assert "password1" not in html, "no account form for an address that has an account"

    client.post(path, new_account())
    assert User.objects.filter(email__iexact="known@families.example").count() == 1
    assert not Membership.objects.filter(organization=org, user=existing).exists()


def test_an_existing_account_in_another_case_must_sign_in_first(client, org, owner):
    UserFactory(email="Known@Families.Example")
    _invitation, path = invite(org, owner, email="known@families.example")
    assert "already have an account" in client.get(path).content.decode()


def test_a_signed_in_person_with_the_invited_address_accepts_with_one_button(client, org, owner):
    person = UserFactory(email="known@families.example")
    invitation, path = invite(org, owner, email="known@families.example", role=Role.MEMBER)
    client.force_login(person)

    page = client.get(path)
    assert "Accept and join Families for Freedom" in page.content.decode()
    assert not Membership.objects.filter(user=person).exists(), "GET changes nothing"

    response = client.post(path)

    assert response.status_code == 302 and response["Location"] == "/partners/families/"
    assert Membership.objects.get(organization=org, user=person).role == Role.MEMBER
    assert EmailAddress.objects.get(user=person).verified
    invitation.refresh_from_db()
    assert invitation.accepted_by == person


def test_an_invitation_in_another_case_is_accepted_by_the_lowercase_account(client, org, owner):
    person = UserFactory(email="foo@example.org")
    _invitation, path = invite(org, owner, email="Foo@Example.org")
    client.force_login(person)
    assert client.post(path).status_code == 302
    assert Membership.objects.filter(organization=org, user=person).exists()


def test_a_mixed_case_account_accepts_a_lowercase_invitation(client, org, owner):
    person = UserFactory(email="Foo@Example.org")
    _invitation, path = invite(org, owner, email="foo@example.org")
    client.force_login(person)
    assert client.post(path).status_code == 302
    assert Membership.objects.filter(organization=org, user=person).exists()


def test_someone_signed_in_with_another_address_is_refused(client, org, owner):
    invitation, path = invite(org, owner, email="invited@families.example")
    intruder = UserFactory(email="intruder@elsewhere.example")
    client.force_login(intruder)

    page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert "This invitation is for another address" in html
    assert "Accept and join" not in html

    response = client.post(path)

    assert response.status_code == 403
    assert not Membership.objects.filter(user=intruder).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_accepting_as_an_existing_member_keeps_the_current_role(client, org, owner):
    person = UserFactory(email="twice@families.example")
    invitation, path = invite(org, owner, email="twice@families.example", role=Role.MEMBER)
    MembershipFactory(organization=org, user=person, role=Role.ADMIN)
    client.force_login(person)
    assert client.post(path).status_code == 302
    assert Membership.objects.get(organization=org, user=person).role == Role.ADMIN
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_the_invitation_page_is_open_to_members_of_two_factor_organizations(client, org, owner):
    org.require_two_factor = True
    org.save()
    person = UserFactory(email="known@families.example")
    _invitation, path = invite(org, owner, email="known@families.example")
    client.force_login(person)
    assert client.get(path).status_code == 200


def test_accepting_works_for_an_account_whose_primary_address_is_another_one(client, org, owner):
    person = UserFactory(email="current@families.example")
    EmailAddress.objects.create(user=person, email="old@families.example", verified=True, primary=True)
    _invitation, path = invite(org, owner, email="current@families.example")
    client.force_login(person)

    response = client.post(path)

    assert response.status_code == 302
    assert Membership.objects.filter(organization=org, user=person).exists()
    assert EmailAddress.objects.get(user=person, email="current@families.example").verified
    assert EmailAddress.objects.get(user=person, primary=True).email == "old@families.example"


def test_someone_else_claiming_the_address_unverified_does_not_block_the_invitee(client, org, owner):
    squatter = UserFactory(email="squatter@elsewhere.example")
    EmailAddress.objects.create(user=squatter, email="invitee@families.example", verified=False, primary=False)
    _invitation, path = invite(org, owner, email="invitee@families.example")

    response = client.post(path, new_account())

    assert response.status_code == 302
    user = User.objects.get(email="invitee@families.example")
    assert Membership.objects.filter(organization=org, user=user).exists()
    assert not Membership.objects.filter(user=squatter).exists()


def test_an_account_with_the_address_as_a_verified_second_address_must_sign_in(client, org, owner):
    person = UserFactory(email="main@families.example")
    EmailAddress.objects.create(user=person, email="second@families.example", verified=True, primary=False)
    _invitation, path = invite(org, owner, email="second@families.example")
    assert "already have an account" in client.get(path).content.decode()
    client.post(path, new_account())
    assert not User.objects.filter(email="second@families.example").exists()


def test_a_second_address_made_primary_can_accept(client, org, owner):
    person = UserFactory(email="main@families.example")
    EmailAddress.objects.create(user=person, email="main@families.example", verified=True, primary=True)
    EmailAddress.objects.create(user=person, email="second@families.example", verified=True, primary=False)
    _invitation, path = invite(org, owner, email="second@families.example")
    client.force_login(person)
    assert 'href="/accounts/email/"' in client.get(path).content.decode()

    client.post("/accounts/email/", {"action_primary": "", "email": "second@families.example"})
    person.refresh_from_db()
    assert person.email == "second@families.example"
    assert client.post(path).status_code == 302
    assert Membership.objects.filter(organization=org, user=person).exists()


def test_signing_in_from_the_invitation_comes_back_to_it(client, org, owner):
    person = UserFactory(email="known@families.example")
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    _invitation, path = invite(org, owner, email="known@families.example")
    login_url = re.search(r'href="(/accounts/login/\?next=[^"]+)"', client.get(path).content.decode()).group(1)

    response = client.post(login_url, {"login": person.email, "password": "a-long-test-password"})

    assert response.status_code == 302 and response["Location"] == path
    assert client.post(path).status_code == 302
    assert Membership.objects.filter(organization=org, user=person).exists()
