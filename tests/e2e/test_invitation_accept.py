"""An invited person, in a real browser, creates their account from the emailed link."""

import re

import pytest
from django.core import mail

from coalition.orgs.models import Membership
from coalition.orgs.services import invitation_create
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_invited_person_creates_an_account_and_joins(live_server, browser_page, settings, output_dir):
    settings.SITE_URL = live_server.url
    organization = OrganizationFactory(name="Orontes Demo")
    owner = MembershipFactory(organization=organization, role=Membership.Role.OWNER).user
    invitation_create(organization=organization, email="layla@orontes.example", role="member", acting_user=owner)
    link = re.search(r"https?://\S+/partners/invitations/\S+/", mail.outbox[-1].body).group(0)
    page = browser_page

    page.goto(link)
    page.get_by_label("First name").fill("Layla")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password (again)").fill("short")
    page.get_by_role("button", name="Create my account and join").click()
    assert "too short" in page.content(), "a weak password gets a clear error on the same page"

    page.get_by_label("Password", exact=True).fill("Orontes-legal-aid-2026")
    page.get_by_label("Password (again)").fill("Orontes-legal-aid-2026")
    page.get_by_role("button", name="Create my account and join").click()
    page.wait_for_url(f"**/partners/{organization.slug}/")
    page.screenshot(path=str(output_dir / "invitation-accepted.png"), full_page=True)

    assert Membership.objects.filter(organization=organization, user__email="layla@orontes.example").exists()
    page.goto(link)
    assert "no longer valid" in page.content()
