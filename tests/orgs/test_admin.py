import csv
import io

import pytest
from django.urls import reverse

from coalition.orgs.models import Organization
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_coalition_menu_lists_organizations_members_and_status_history(client, editor):
    client.force_login(editor)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    for name in ["Coalition", "Organizations", "Members", "Status history"]:
        assert name in html


def test_editor_lists_filters_and_searches_organizations(client, editor):
    OrganizationFactory(name="Aleppo Doctors Demo", country="SY", verified=True)
    OrganizationFactory(name="Sydney Lawyers Demo", country="AU", verified=False)
    client.force_login(editor)
    url = reverse("orgs_organization:index")

    assert "Aleppo Doctors Demo" in client.get(url).content.decode()
    filtered = client.get(url, {"country": "AU"}).content.decode()
    assert "Sydney Lawyers Demo" in filtered and "Aleppo Doctors Demo" not in filtered
    searched = client.get(url, {"q": "Aleppo"}).content.decode()
    assert "Aleppo Doctors Demo" in searched and "Sydney Lawyers Demo" not in searched


def test_editor_creates_an_organization_and_it_is_in_the_history(client, editor):
    client.force_login(editor)

    response = client.post(
        reverse("orgs_organization:add"),
        {
            "name": "Idlib Relief Demo",
            "slug": "idlib-relief-demo",
            "kind": "ngo",
            "country": "SY",
            "website": "https://relief.example.org/",
            "description": "Demo.",
        },
    )

    assert response.status_code == 302
    org = Organization.objects.get(slug="idlib-relief-demo")
    history = client.get(reverse("orgs_organization:history", args=[org.pk])).content.decode()
    assert editor.get_username() in history or editor.get_full_name() in history


def test_organization_form_refuses_control_characters(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("orgs_organization:add"),
        {"name": "Hidden\u202eevil", "slug": "hidden", "kind": "ngo"},
    )
    assert response.status_code == 200
    assert not Organization.objects.filter(slug="hidden").exists()


def test_csv_export_neutralizes_spreadsheet_formulas(client, editor):
    OrganizationFactory(name='=HYPERLINK("http://evil.example","x")', slug="formula", description="+1+1")
    client.force_login(editor)

    response = client.get(reverse("orgs_organization:index"), {"export": "csv"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    formula_row = next(r for r in rows if r["Slug"] == "formula")
    assert formula_row["Name"].startswith("'=")
    assert formula_row["Description"] == "'+1+1"


def test_xlsx_export_works(client, editor):
    OrganizationFactory()
    client.force_login(editor)
    response = client.get(reverse("orgs_organization:index"), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_members_screen_lists_memberships(client, editor):
    membership = MembershipFactory()
    client.force_login(editor)
    html = client.get(reverse("orgs_membership:index")).content.decode()
    assert membership.organization.name in html


def test_people_without_admin_access_cannot_reach_the_organization_screens(client):
    client.force_login(UserFactory())
    for name in ["orgs_organization:index", "orgs_membership:index", "letters_status_change:index"]:
        response = client.get(reverse(name))
        assert response.status_code in (302, 403), name


def test_membership_added_in_the_admin_goes_through_the_service(client, editor):
    from coalition.orgs.models import OrganizationAuditEntry

    org = OrganizationFactory()
    person = UserFactory()
    client.force_login(editor)

    response = client.post(
        reverse("orgs_membership:add"), {"organization": org.pk, "user": person.pk, "role": "admin"}
    )

    assert response.status_code == 302
    org.refresh_from_db()
    assert person.groups.filter(pk=org.staff_group_id).exists()
    entry = OrganizationAuditEntry.objects.get(organization=org, action="member_added")
    assert entry.acting_user == editor and entry.subject == person.email


def test_the_last_owner_cannot_be_removed_or_demoted_in_the_admin(client, editor):
    owner = MembershipFactory(role="owner")
    client.force_login(editor)

    client.post(reverse("orgs_membership:delete", args=[owner.pk]))
    assert owner.__class__.objects.filter(pk=owner.pk).exists()

    response = client.post(
        reverse("orgs_membership:edit", args=[owner.pk]),
        {"organization": owner.organization_id, "user": owner.user_id, "role": "member"},
        follow=True,
    )
    assert "at least one owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == "owner"
