"""Accounts: one allauth login for the site and both admins, two-factor, sessions."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail

from coalition.orgs.models import Membership
from tests.factories import EditorFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def current_code(secret):
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/login/?next=/admin/pages/", "/django-admin/", "/django-admin/login/"]
)
def test_every_admin_login_goes_through_allauth(client, url):
    response = client.get(url, follow=True)
    assert response.redirect_chain, url
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert response.status_code == 200


def test_wagtail_login_form_cannot_be_posted_around_allauth(client):
    editor = verified(EditorFactory())
    response = client.post("/admin/login/", {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_email_and_password_login(client):
    user = verified(UserFactory())
    response = login(client, user.email)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_unverified_address_cannot_log_in(client):
    user = UserFactory()  # no verified EmailAddress
    login(client, user.email)
    assert "_auth_user_id" not in client.session


def test_sign_up_is_closed(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@people.example", "password1": "x-Strong-pass-123", "password2": "x-Strong-pass-123"},
    )
    assert "_auth_user_id" not in client.session
    assert b"closed" in response.content.lower()


def test_password_reset_does_not_reveal_whether_an_account_exists(client):
    user = verified(UserFactory())
    known = client.post("/accounts/password/reset/", {"email": user.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@people.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert [m.to for m in mail.outbox] == [[user.email], ["nobody@people.example"]]


def test_failed_logins_are_rate_limited(client):
    user = verified(UserFactory())
    for _ in range(12):
        login(client, user.email, "wrong-password")
    response = login(client, user.email)  # right password, but blocked for now
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_login_asks_for_the_authenticator_code_when_enabled(client):
    user = verified(UserFactory())
    secret = generate_totp_secret()
    TOTP.activate(user, secret)

    response = login(client, user.email)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session

    client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_recovery_code_works_once(client):
    user = verified(UserFactory())
    TOTP.activate(user, generate_totp_secret())
    code = RecoveryCodes.activate(user).get_unused_codes()[0]

    login(client, user.email)
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert client.session["_auth_user_id"] == str(user.pk)

    client.logout()
    login(client, user.email)
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert "_auth_user_id" not in client.session


def test_organization_requiring_two_factor_sends_members_to_set_it_up(client):
    membership = MembershipFactory(role=Membership.Role.MEMBER, user=verified(UserFactory()))
    membership.organization.require_two_factor = True
    membership.organization.save()
    client.force_login(membership.user)

    for url in ["/partners/", "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/accounts/2fa/totp/activate/", url
    assert client.get("/accounts/2fa/").status_code == 200

    TOTP.activate(membership.user, generate_totp_secret())
    assert client.get("/partners/").status_code == 200


def test_editors_need_two_factor_when_production_requires_it(client, settings):
    settings.COALITION_REQUIRE_2FA_FOR_EDITORS = True
    editor = verified(EditorFactory())
    client.force_login(editor)
    assert client.get("/admin/")["Location"] == "/accounts/2fa/totp/activate/"

    settings.COALITION_REQUIRE_2FA_FOR_EDITORS = False
    assert client.get("/admin/").status_code == 200


def test_session_list_and_sign_out_of_other_sessions(client):
    from django.test import Client

    user = verified(UserFactory())
    other = Client()
    login(other, user.email)
    login(client, user.email)
    assert other.get("/accounts/email/").status_code == 200

    listing = client.get("/accounts/sessions/")
    assert listing.status_code == 200
    client.post("/accounts/sessions/", {})

    assert other.get("/accounts/email/").status_code == 302, "the other session was signed out"
    assert client.get("/accounts/email/").status_code == 200


def test_security_events_are_emailed(client):
    user = verified(UserFactory())
    login(client, user.email)
    mail.outbox.clear()

    client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "another-long-password-42", "password2": "another-long-password-42"},
    )

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "password" in mail.outbox[0].subject.lower()


def test_changing_the_email_address_asks_the_new_address_to_confirm(client):
    user = verified(UserFactory())
    login(client, user.email)
    mail.outbox.clear()

    response = client.post("/accounts/email/", {"action_add": "", "email": "new-address@people.example"})

    assert response.status_code == 302
    assert any(m.to == ["new-address@people.example"] for m in mail.outbox)
    user.refresh_from_db()
    assert user.email != "new-address@people.example", "not changed until the new address confirms"
