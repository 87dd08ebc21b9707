"""The partner portal's signatures page and its download of signers who agreed to hear from the organization."""

import csv
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from coalition.letters.models import LetterPage, LetterStatus, SignatureState
from coalition.letters.services import letter_consent_offers, signatures_anonymise
from coalition.orgs.models import Membership, OrganizationAuditEntry
from tests.factories import (
    EditorFactory,
    LetterPageFactory,
    MembershipFactory,
    OrganizationFactory,
    SignatureFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Role = Membership.Role
State = SignatureState
URL = "/partners/families/signatures/"


@pytest.fixture
def world(db):
    org = OrganizationFactory(name="Families for Freedom", slug="families", asks_signer_consent=True)
    other_org = OrganizationFactory(name="Hidden Lawyers Network", slug="hidden-lawyers", asks_signer_consent=True)

    def person(organization, role, first):
        user = UserFactory(first_name=first, last_name="Person", email=f"{first.lower()}@{organization.slug}.example")
        MembershipFactory(organization=organization, user=user, role=role)
        return user

    return SimpleNamespace(
        org=org,
        other_org=other_org,
        owner=person(org, Role.OWNER, "Olive"),
        admin=person(org, Role.ADMIN, "Adam"),
        member=person(org, Role.MEMBER, "Mina"),
        outsider=person(other_org, Role.OWNER, "Omar"),
        editor=EditorFactory(),
        letter=LetterPageFactory(
            title="Free the detained", status=LetterStatus.OPEN_FOR_SIGNATURES, lead_organization=org
        ),
        other_letter=LetterPageFactory(
            title="Protect aid workers",
            status=LetterStatus.OPEN_FOR_SIGNATURES,
            lead_organization=other_org,
            co_drafters=[org],
        ),
    )


@pytest.fixture
def signers(world):
    """Who signed, who agreed to hear from whom."""
    return SimpleNamespace(
        ours=SignatureFactory(
            letter=world.letter, first_name="Amina", last_name="Ours", email="amina@mail.example", consents=[world.org]
        ),
        both=SignatureFactory(
            letter=world.other_letter,
            first_name="Bilal",
            last_name="Both",
            email="bilal@mail.example",
            city="Beirut",
            country="LB",
            consents=[world.org, world.other_org],
            source_organization=world.org,
        ),
        theirs_only=SignatureFactory(
            letter=world.other_letter,
            first_name="Theo",
            last_name="TheirsOnly",
            email="theo@mail.example",
            consents=[world.other_org],
            source_organization=world.org,
        ),
        nobody=SignatureFactory(
            letter=world.letter,
            first_name="Nadia",
            last_name="NoConsent",
            email="nadia@mail.example",
            source_organization=world.org,
        ),
        withdrawn=SignatureFactory(
            letter=world.letter,
            first_name="Walid",
            last_name="Withdrawn",
            email="walid@mail.example",
            state=State.WITHDRAWN,
            consents=[world.org],
        ),
        pending=SignatureFactory(
            letter=world.letter,
            first_name="Petra",
            last_name="Pending",
            email="petra@mail.example",
            state=State.PENDING_CONFIRMATION,
            consents=[world.org],
            source_organization=world.org,
        ),
        invalidated=SignatureFactory(
            letter=world.letter,
            first_name="Ivan",
            last_name="Invalid",
            email="ivan@mail.example",
            state=State.INVALIDATED,
            consents=[world.org],
        ),
    )


NOT_IN_OUR_DOWNLOAD = ["theo@mail.example", "nadia@mail.example", "walid@mail.example", "petra@mail.example",
                       "ivan@mail.example"]  # fmt: skip


def fresh(letter):
    return LetterPage.objects.get(pk=letter.pk)


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# --- who may open it ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin", "editor"])
def test_owners_admins_and_editors_open_the_page(client, world, signers, who):
    client.force_login(getattr(world, who))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1


def test_members_are_refused_and_do_not_see_the_link(client, world, signers):
    client.force_login(world.member)
    assert client.get(URL).status_code == 403
    response = client.get(URL + "?export=csv")
    assert response.status_code == 403 and "amina@mail.example" not in response.content.decode()
    assert URL not in client.get("/partners/families/").content.decode()


def test_the_portal_navigation_links_to_the_page_for_owners(client, world):
    client.force_login(world.owner)
    html = client.get("/partners/families/").content.decode()
    assert f'href="{URL}"' in html


@pytest.mark.parametrize("suffix", ["", "?export=csv", "?export=xlsx"])
def test_another_organizations_staff_get_not_found(client, world, signers, suffix):
    client.force_login(world.outsider)
    response = client.get(URL + suffix)
    assert response.status_code == 404
    assert "amina@mail.example" not in response.content.decode()


def test_signed_out_people_are_sent_to_sign_in(client, world, signers):
    response = client.get(URL + "?export=csv")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the counts ------------------------------------------------------------------------------------


def test_the_page_counts_signatures_brought_in_and_signers_who_agreed(client, world, signers):
    client.force_login(world.owner)
    html = " ".join(client.get(URL).content.decode().split())

    # Free the detained: brought in 1 counted (Nadia) and 1 pending (Petra); agreed: Amina.
    assert '<th scope="row">Free the detained</th> <td>1</td> <td>1</td> <td>1</td>' in html
    # Protect aid workers: brought in Bilal and Theo (counted); agreed to hear from us: Bilal.
    assert '<th scope="row">Protect aid workers</th> <td>2</td> <td>0</td> <td>1</td>' in html
    assert '<th scope="row">All letters</th> <td>3</td> <td>1</td> <td>2</td>' in html
    assert "?export=csv" in html and "?export=xlsx" in html
    for email in ["amina@mail.example", *NOT_IN_OUR_DOWNLOAD]:
        assert email not in html  # the page shows counts, not people


def test_with_nobody_to_download_there_is_no_download_link(client, world):
    client.force_login(world.owner)
    html = client.get(URL).content.decode()
    assert "No one has signed through Families for Freedom" in html and "?export=csv" not in html


# --- the download ----------------------------------------------------------------------------------


def test_the_csv_holds_only_counted_signers_who_agreed_to_hear_from_this_organization(client, world, signers):
    client.force_login(world.owner)

    response = client.get(URL + "?export=csv")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="signers-families.csv"'
    assert "no-store" in response["Cache-Control"]
    rows = csv_rows(response)
    assert [row["Email"] for row in rows] == ["amina@mail.example", "bilal@mail.example"]
    body = response.content.decode()
    for email in NOT_IN_OUR_DOWNLOAD:
        assert email not in body
    bilal = rows[1]
    assert (bilal["First name"], bilal["Last name"], bilal["Country"], bilal["City or postcode"]) == (
        "Bilal",
        "Both",
        "Lebanon",
        "Beirut",
    )
    assert bilal["Letter"] == "Protect aid workers"
    assert bilal["Agreed to"] == "Keep me informed about Families for Freedom's work"
    assert bilal["Agreed on"] == timezone.localtime(
        signers.both.consents.get(organization=world.org).created_at
    ).strftime("%Y-%m-%d %H:%M")
    assert set(rows[0]) == {
        "First name",
        "Last name",
        "Email",
        "Country",
        "City or postcode",
        "Letter",
        "Agreed to",
        "Agreed on",
    }


def test_the_other_organization_gets_its_own_signers_only(client, world, signers):
    client.force_login(world.outsider)

    rows = csv_rows(client.get("/partners/hidden-lawyers/signatures/?export=csv"))

    assert [row["Email"] for row in rows] == ["bilal@mail.example", "theo@mail.example"]
    assert all(row["Agreed to"] == "Keep me informed about Hidden Lawyers Network's work" for row in rows)


def test_the_xlsx_holds_the_same_signers_as_text(client, world, signers):
    client.force_login(world.admin)

    response = client.get(URL + "?export=xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["First name", "Last name", "Email"]
    assert [row[2] for row in values[1:]] == ["amina@mail.example", "bilal@mail.example"]
    assert not any(email in str(values) for email in NOT_IN_OUR_DOWNLOAD)


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_the_download_neutralizes_formulas(client, world, prefix):
    SignatureFactory(
        letter=world.letter,
        first_name=f'{prefix}HYPERLINK("http://evil.example")',
        last_name=f"{prefix}1+1",
        city=f"{prefix}cmd|' /C calc'!A0",
        email="formula@mail.example",
        consents=[world.org],
    )
    client.force_login(world.owner)

    [row] = csv_rows(client.get(URL + "?export=csv"))
    sheet = load_workbook(io.BytesIO(client.get(URL + "?export=xlsx").content)).active

    assert row["First name"] == f'\'{prefix}HYPERLINK("http://evil.example")'
    assert row["Last name"] == f"'{prefix}1+1"
    assert row["City or postcode"] == f"'{prefix}cmd|' /C calc'!A0"
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert (cells[0].value, cells[0].data_type, cells[0].quotePrefix) == (
        f'{prefix}HYPERLINK("http://evil.example")',
        "s",
        True,
    )
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_an_xss_payload_is_downloaded_literally(client, world):
    payload = '<script>alert("x")</script>'
    SignatureFactory(letter=world.letter, first_name=payload, email="xss@mail.example", consents=[world.org])
    client.force_login(world.owner)

    [row] = csv_rows(client.get(URL + "?export=csv"))
    page = client.get(URL).content.decode()

    assert row["First name"] == payload
    assert payload not in page


def test_anonymised_signers_are_never_downloaded(client, world, signers):
    LetterPage.objects.filter(pk=world.letter.pk).update(
        status=LetterStatus.CLOSED, status_changed_at=timezone.now() - timedelta(days=400)
    )
    signatures_anonymise()
    client.force_login(world.owner)

    rows = csv_rows(client.get(URL + "?export=csv"))

    assert [row["Email"] for row in rows] == ["bilal@mail.example"]


def test_each_download_is_recorded_in_the_organizations_history(client, world, signers):
    client.force_login(world.admin)
    client.get(URL + "?export=xlsx")

    entry = ModelLogEntry.objects.get(action="coalition.signers_exported")
    assert entry.user == world.admin and entry.object_id == str(world.org.pk)
    assert entry.data == {"count": 2, "format": "xlsx"}


# --- asking signers for permission ---------------------------------------------------------------------


def test_owners_switch_asking_signers_for_consent_on_the_profile(client, world):
    world.org.asks_signer_consent = False
    world.org.save()
    client.force_login(world.owner)
    assert 'name="asks_signer_consent"' in client.get("/partners/families/profile/").content.decode()
    data = {
        "name": world.org.name,
        "website": world.org.website,
        "country": world.org.country.code,
        "description": world.org.description,
    }

    response = client.post("/partners/families/profile/", {**data, "asks_signer_consent": "on"})

    assert response.status_code == 302
    world.org.refresh_from_db()
    assert world.org.asks_signer_consent is True
    entry = OrganizationAuditEntry.objects.get(action=OrganizationAuditEntry.Action.PROFILE_UPDATED)
    assert entry.acting_user == world.owner and entry.data["fields"] == ["asks_signer_consent"]
    assert [offer.organization for offer in letter_consent_offers(fresh(world.letter))] == [world.org]

    client.post("/partners/families/profile/", data)
    world.org.refresh_from_db()
    assert world.org.asks_signer_consent is False
    assert letter_consent_offers(fresh(world.letter)) == []


def test_members_cannot_switch_it(client, world):
    client.force_login(world.member)
    response = client.post("/partners/families/profile/", {"name": world.org.name, "asks_signer_consent": ""})
    assert response.status_code == 403
    world.org.refresh_from_db()
    assert world.org.asks_signer_consent is True
