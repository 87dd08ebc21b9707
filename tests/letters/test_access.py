"""Who can reach a letter in the Wagtail admin: a permission matrix over its URLs."""

import pytest
from django.urls import reverse
from wagtail.models import GroupPagePermission

from coalition.letters.models import LetterPage
from coalition.letters.services import letter_codrafter_add, letter_codrafter_remove, letter_lead_set
from coalition.orgs.models import Membership
from tests.factories import LetterPageFactory, MembershipFactory, OrganizationFactory, letter_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(editor, index):
    org_a, org_b, org_c = OrganizationFactory.create_batch(3)
    letter_a = LetterPageFactory(title="Letter of A", lead_organization=org_a, co_drafters=[org_c], live=False)
    letter_b = LetterPageFactory(title="Letter of B", lead_organization=org_b, live=False)
    revision = letter_a.save_revision(user=editor)
    letter_a.save_revision(user=editor)
    return {
        "editor": editor,
        "member_a": MembershipFactory(organization=org_a, role=Membership.Role.MEMBER).user,
        "codrafter_c": MembershipFactory(organization=org_c, role=Membership.Role.ADMIN).user,
        "member_b": MembershipFactory(organization=org_b, role=Membership.Role.OWNER).user,
        "letter_a": letter_a,
        "letter_b": letter_b,
        "revision": revision,
        "index": index,
        "orgs": (org_a, org_b, org_c),
    }


def letter_urls(letter, revision):
    pid = letter.pk
    return {
        "edit": reverse("wagtailadmin_pages:edit", args=[pid]),
        "preview": reverse("wagtailadmin_pages:preview_on_edit", args=[pid]),
        "view_draft": reverse("wagtailadmin_pages:view_draft", args=[pid]),
        "revision_view": reverse("wagtailadmin_pages:revisions_view", args=[pid, revision.pk]),
        "compare": reverse("wagtailadmin_pages:revisions_compare", args=[pid, "live", revision.pk]),
        "history": reverse("wagtailadmin_pages:history", args=[pid]),
        "workflow_history": reverse("wagtailadmin_pages:workflow_history", args=[pid]),
        "delete": reverse("wagtailadmin_pages:delete", args=[pid]),
        "move": reverse("wagtailadmin_pages:move", args=[pid]),
        "copy": reverse("wagtailadmin_pages:copy", args=[pid]),
        "chooser": reverse("wagtailadmin_choose_page_child", args=[pid]),
        "status": reverse("letters_admin:status", args=[pid]),
        "organizations": reverse("letters_admin:organizations", args=[pid]),
    }


# (url name, expected for a member of the owning or co-drafting organization)
PARTNER_CAN = {"edit", "preview", "view_draft", "revision_view", "compare", "history", "workflow_history", "chooser"}


@pytest.mark.parametrize("who", ["member_a", "codrafter_c"])
def test_staff_of_the_letters_organizations_can_work_on_it(client, world, who):
    client.force_login(world[who])
    for name, url in letter_urls(world["letter_a"], world["revision"]).items():
        response = client.get(url)
        if name in PARTNER_CAN:
            assert response.status_code == 200, (name, response.status_code)
        else:
            assert response.status_code in (302, 403, 404), (name, response.status_code)
            if response.status_code == 302:
                assert response["Location"] == "/admin/" or "login" not in response["Location"], name


def test_staff_of_another_organization_get_404_everywhere(client, world):
    client.force_login(world["member_b"])
    for name, url in letter_urls(world["letter_a"], world["revision"]).items():
        response = client.get(url)
        assert response.status_code in (403, 404), (name, response.status_code)
    response = client.post(reverse("wagtailadmin_pages:edit", args=[world["letter_a"].pk]), {"title": "hijack"})
    assert response.status_code in (403, 404)
    assert LetterPage.objects.get(pk=world["letter_a"].pk).title == "Letter of A"


def test_editor_reaches_everything(client, world):
    client.force_login(world["editor"])
    for name, url in letter_urls(world["letter_a"], world["revision"]).items():
        assert client.get(url).status_code == 200, name


def test_anonymous_is_sent_to_the_login(client, world):
    for name, url in letter_urls(world["letter_a"], world["revision"]).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert "/accounts/login/" in response["Location"] or "/admin/login/" in response["Location"], name


def test_partner_explorer_search_and_chooser_show_only_their_letters(client, world):
    client.force_login(world["member_a"])

    explorer = client.get(reverse("wagtailadmin_explore_root"), follow=True).content.decode()
    assert "Letter of A" in explorer and "Letter of B" not in explorer
    # With a second letter, the explorer lists both of theirs and still not B's.
    LetterPageFactory(title="Second of A", lead_organization=world["orgs"][0], live=False)
    explorer = client.get(reverse("wagtailadmin_explore_root"), follow=True).content.decode()
    assert "Letter of A" in explorer and "Second of A" in explorer and "Letter of B" not in explorer

    search = client.get(reverse("wagtailadmin_pages:search"), {"q": "Letter"}).content.decode()
    assert "Letter of A" in search and "Letter of B" not in search

    chooser = client.get(reverse("wagtailadmin_choose_page_child", args=[world["index"].pk])).json()
    assert "Letter of A" in chooser["html"] and "Letter of B" not in chooser["html"]


def test_partner_cannot_reach_settings_users_or_organizations_admin(client, world):
    client.force_login(world["member_a"])
    for url in ["/admin/sites/", "/admin/users/", "/admin/groups/", "/admin/organizations/", "/admin/workflows/list/"]:
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        if response.status_code == 302:
            assert response["Location"] in ("/admin/", "/admin")


def test_partner_edits_the_draft(client, world):
    letter = world["letter_a"]
    client.force_login(world["codrafter_c"])
    data = letter_form_data(
        letter, body="<p>Stronger words from the co-drafter.</p>", title="Letter of A, revised by C"
    )

    response = client.post(reverse("wagtailadmin_pages:edit", args=[letter.pk]), data)

    assert response.status_code == 302
    latest = LetterPage.objects.get(pk=letter.pk).get_latest_revision()
    assert latest.user == world["codrafter_c"]
    assert "Stronger words" in latest.as_object().body
    assert LetterPage.objects.get(pk=letter.pk).lead_organization == world["orgs"][0], (
        "partners cannot change the lead"
    )


def test_removing_a_co_drafter_revokes_access_at_once(client, world):
    org_c = world["orgs"][2]
    client.force_login(world["codrafter_c"])
    edit_url = reverse("wagtailadmin_pages:edit", args=[world["letter_a"].pk])
    assert client.get(edit_url).status_code == 200

    letter_codrafter_remove(letter=world["letter_a"], organization=org_c, acting_user=world["editor"])

    assert client.get(edit_url).status_code == 404
    assert not GroupPagePermission.objects.filter(page=world["letter_a"], group=org_c.staff_group).exists()


def test_adding_a_co_drafter_and_changing_the_lead_grant_access(client, world):
    org_b = world["orgs"][1]
    client.force_login(world["member_b"])
    edit_url = reverse("wagtailadmin_pages:edit", args=[world["letter_a"].pk])
    assert client.get(edit_url).status_code == 404

    letter_codrafter_add(letter=world["letter_a"], organization=org_b, acting_user=world["editor"])
    assert client.get(edit_url).status_code == 200

    letter_codrafter_remove(letter=world["letter_a"], organization=org_b, acting_user=world["editor"])
    letter_lead_set(letter=world["letter_a"], organization=org_b, acting_user=world["editor"])
    assert client.get(edit_url).status_code == 200
    client.force_login(world["member_a"])
    assert client.get(edit_url).status_code == 404, "the old lead lost access"


def test_leaving_an_organization_revokes_access(client, world):
    from coalition.orgs.services import membership_remove

    member = world["member_a"]
    client.force_login(member)
    edit_url = reverse("wagtailadmin_pages:edit", args=[world["letter_a"].pk])
    assert client.get(edit_url).status_code == 200

    membership_remove(membership=member.memberships.get(), acting_user=world["editor"])

    assert client.get(edit_url).status_code == 404


def test_organizations_screen_is_for_editors(client, world):
    url = reverse("letters_admin:organizations", args=[world["letter_a"].pk])
    client.force_login(world["editor"])
    org_b = world["orgs"][1]

    assert "Letter of A" in client.get(url).content.decode()
    response = client.post(url, {"action": "add", "organization": org_b.pk})
    assert response.status_code == 302
    assert world["letter_a"].co_drafters.filter(organization=org_b).exists()

    response = client.post(url, {"action": "remove", "organization": org_b.pk})
    assert not world["letter_a"].co_drafters.filter(organization=org_b).exists()

    # Staff of the letter's own organization are refused (Wagtail's "no permission" redirect).
    client.force_login(world["member_a"])
    assert client.get(url)["Location"] == "/admin/"
    client.post(url, {"action": "add", "organization": org_b.pk})
    assert not world["letter_a"].co_drafters.filter(organization=org_b).exists()


def test_partner_menus_and_reports_never_name_another_organizations_letter(client, world):
    client.force_login(world["member_a"])
    home = client.get("/admin/").content.decode()
    assert "Status history" not in home

    urls = [
        "/admin/",
        "/admin/reports/locked/",
        "/admin/reports/workflow/",
        "/admin/reports/workflow_tasks/",
        "/admin/reports/site-history/",
        "/admin/reports/aging-pages/",
        "/admin/letter-status-history/",
        "/admin/pages/usage/letters/letterpage/",
    ]
    for url in urls:
        response = client.get(url)
        assert "Letter of B" not in response.content.decode(), url
