"""A partner, in a real browser: logs in, edits a draft, leaves a comment, signs off."""

import pytest
from allauth.account.models import EmailAddress

from coalition.letters.models import LetterPage, SignOffApproval
from coalition.orgs.models import Membership
from tests.factories import LetterPageFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.browser
PASSWORD = "a-long-test-password"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_partner_edits_comments_and_signs_off(live_server, browser_page, settings, output_dir):
    settings.SITE_URL = live_server.url
    lead, co = OrganizationFactory(name="Lead Rights Group"), OrganizationFactory(name="Co Rights Group")
    partner = UserFactory(email="amal@co.example", first_name="Amal")
    EmailAddress.objects.create(user=partner, email=partner.email, verified=True, primary=True)
    MembershipFactory(organization=co, user=partner, role=Membership.Role.ADMIN)
    letter = LetterPageFactory(title="Draft for the minister", lead_organization=lead, co_drafters=[co], live=False)
    letter.save_revision()
    letter.get_workflow().start(letter, user=None)
    page = browser_page

    page.goto(live_server.url + "/admin/")
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Email").fill(partner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/admin/**")

    page.goto(f"{live_server.url}/admin/pages/{letter.pk}/edit/")
    summary = page.locator("#id_summary")
    summary.fill("A summary rewritten by the co-drafter.")

    # A comment on the summary field, through Wagtail's commenting UI.
    summary.focus()
    page.locator("[data-component='add-comment-button'], .w-field__comment-button").first.click()
    comment_box = page.locator(".comment textarea, textarea.comment__input").first
    comment_box.fill("Can we name the detention centres here?")
    page.get_by_role("button", name="Comment", exact=True).click()

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(output_dir / "partner-edit.png"), full_page=False)

    letter = LetterPage.objects.get(pk=letter.pk)
    latest = letter.get_latest_revision()
    assert latest.user == partner
    assert latest.as_object().summary == "A summary rewritten by the co-drafter."
    assert letter.wagtail_admin_comments.filter(user=partner, text__contains="detention centres").exists()

    page.goto(f"{live_server.url}/admin/letters/{letter.pk}/sign-off/")
    page.get_by_role("button", name="Sign off on this text for Co Rights Group").click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(output_dir / "partner-signoff.png"), full_page=True)

    assert SignOffApproval.objects.filter(organization=co, user=partner, revision=latest).exists()
    assert "Approved" in page.content()
    assert not LetterPage.objects.get(pk=letter.pk).live, "the lead organization has not signed off yet"
