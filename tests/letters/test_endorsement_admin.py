"""The endorsements screen in the Wagtail admin: review, export, inspect, history, and who may see it."""

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from openpyxl import load_workbook

from coalition.letters.models import Endorsement, EndorsementState, LetterStatus
from coalition.orgs.models import Membership, Organization
from tests.factories import (
    EditorFactory,
    LetterPageFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    endorsement_for,
)

State = EndorsementState
pytestmark = pytest.mark.django_db

LIST = "letters_endorsement:list"


@pytest.fixture
def letter(db):
    return LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT, title="Free the detained journalists")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def partner(letter):
    """Staff of the letter's lead organization: in the Wagtail admin to co-draft it, nothing more."""
    return MembershipFactory(organization=letter.lead_organization, role=Membership.Role.OWNER).user


def bulk_url(action: str, *endorsements, next_url: str = "") -> str:
    url = reverse("wagtail_bulk_action", args=("letters", "endorsement", action))
    params = [("id", e.pk) for e in endorsements] + ([("next", next_url)] if next_url else [])
    return f"{url}?{urlencode(params)}"


def messages_of(response) -> list[str]:
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def states(*endorsements) -> list[str]:
    for endorsement in endorsements:
        endorsement.refresh_from_db()
    return [e.state for e in endorsements]


def publish_new_text(letter, body="<p>We write to ask you to act now.</p>"):
    letter.body = body
    letter.save_revision().publish()
    letter.refresh_from_db()
    return letter


def assert_refused(response):
    """Wagtail answers a refusal in the admin with a redirect to the dashboard (or 403/404)."""
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")


# --- the listing ---------------------------------------------------------------------------


def test_the_endorsements_screen_is_in_the_coalition_menu(editor_client):
    html = editor_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Endorsements" in html and reverse(LIST) in html


def test_the_listing_shows_organization_letter_state_signer_display_and_whether_the_text_is_current(
    editor_client, letter
):
    org = OrganizationFactory(name="Syrian Archive Demo")
    endorsement_for(letter, org, state=State.PENDING_REVIEW, signer_name="Rana Haddad", signer_title="Director")
    undisclosed = endorsement_for(letter, state=State.APPROVED, display="undisclosed")

    html = editor_client.get(reverse(LIST)).content.decode()

    for text in [
        "Syrian Archive Demo",
        "Free the detained journalists",
        "Pending review",
        "Rana Haddad, Director",
        "Public",
        "Undisclosed for security reasons",
        undisclosed.organization.name,
    ]:
        assert text in html
    assert "Current text?" in html and "Yes" in html and "Earlier text" not in html

    publish_new_text(letter)
    assert "Earlier text" in editor_client.get(reverse(LIST)).content.decode()


def test_hostile_names_are_shown_as_text(editor_client, letter):
    org = OrganizationFactory(name="<script>alert(1)</script> Group")
    endorsement_for(letter, org, signer_name="<img src=x onerror=alert(2)>")

    html = editor_client.get(reverse(LIST)).content.decode()

    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Group" in html


def test_the_listing_filters_by_letter_state_country_and_kind(editor_client, letter):
    other_letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT, title="Protect aid workers")
    endorsement_for(letter, OrganizationFactory(name="Aleppo Doctors Demo", country="SY"), state=State.PENDING_REVIEW)
    endorsement_for(
        letter,
        OrganizationFactory(name="Sydney Lawyers Demo", country="AU", kind=Organization.Kind.LEGAL),
        state=State.APPROVED,
    )
    endorsement_for(other_letter, OrganizationFactory(name="Beirut Press Demo", country="LB", kind="media"))
    url = reverse(LIST)

    def names(**params):
        html = editor_client.get(url, params).content.decode()
        return {n for n in ["Aleppo Doctors Demo", "Sydney Lawyers Demo", "Beirut Press Demo"] if n in html}

    assert names(state="pending_review") == {"Aleppo Doctors Demo"}
    assert names(letter=other_letter.pk) == {"Beirut Press Demo"}
    assert names(country="AU") == {"Sydney Lawyers Demo"}
    assert names(kind="media") == {"Beirut Press Demo"}
    assert names(letter=letter.pk, state="approved") == {"Sydney Lawyers Demo"}


def test_the_listing_searches_organization_and_signer_names(editor_client, letter):
    endorsement_for(letter, OrganizationFactory(name="Aleppo Doctors Demo"), signer_name="Omar Khalil")
    endorsement_for(letter, OrganizationFactory(name="Sydney Lawyers Demo"), signer_name="Jane Citizen")
    url = reverse(LIST)

    by_org = editor_client.get(url, {"q": "aleppo"}).content.decode()
    by_signer = editor_client.get(url, {"q": "citizen"}).content.decode()

    assert "Aleppo Doctors Demo" in by_org and "Sydney Lawyers Demo" not in by_org
    assert "Sydney Lawyers Demo" in by_signer and "Aleppo Doctors Demo" not in by_signer


def test_the_csv_export_has_every_column_and_neutralizes_formulas(editor_client, letter):
    org = OrganizationFactory(name="+Plus Group", country="SY", kind=Organization.Kind.MEDIA)
    endorsement = endorsement_for(
        letter,
        org,
        signer_name='=HYPERLINK("http://evil.example","click")',
        signer_title="@Director",
        signer_email="contact@plus.example.org",
        display="undisclosed",
        list_in_pdf=False,
    )

    response = editor_client.get(reverse(LIST), {"export": "csv"})

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["Signed by"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["Title"] == "'@Director"
    assert row["Organization"] == "'+Plus Group"
    assert row["State"] == "Approved"
    assert row["Country"] == "Syria"
    assert row["Kind"] == "Media organization"
    assert row["Contact email"] == "contact@plus.example.org"
    assert row["Display"] == "Undisclosed for security reasons"
    assert row["List in the PDF"] == "False"
    assert row["Text hash"] == endorsement.content_hash
    assert row["Revision id"] == str(endorsement.revision_id)
    assert row["Current text"] == "True"
    assert row["Letter"] == "Free the detained journalists"
    for heading in ["Created", "Approved", "Rejected", "Withdrawn", "Reason for rejection"]:
        assert heading in row


def test_the_xlsx_export_keeps_formulas_as_quoted_text(editor_client, letter):
    endorsement_for(letter, OrganizationFactory(name="-Minus Group"), signer_name="=1+1")

    response = editor_client.get(reverse(LIST), {"export": "xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    headings = [cell.value for cell in sheet[1]]
    signer = sheet.cell(row=2, column=headings.index("Signed by") + 1)
    organization = sheet.cell(row=2, column=headings.index("Organization") + 1)
    assert (signer.value, signer.data_type, signer.quotePrefix) == ("=1+1", "s", True)
    assert (organization.value, organization.data_type, organization.quotePrefix) == ("-Minus Group", "s", True)
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


# --- approve and reject ---------------------------------------------------------------------


def test_an_editor_approves_one_endorsement_from_its_row(editor_client, editor, letter):
    endorsement = endorsement_for(letter, state=State.PENDING_REVIEW)
    listing = editor_client.get(reverse(LIST)).content.decode()
    approve = bulk_url("approve", endorsement, next_url=reverse(LIST))
    assert approve.replace("&", "&amp;") in listing

    confirm = editor_client.get(approve)
    assert confirm.status_code == 200
    assert endorsement.organization.name in confirm.content.decode()
    assert states(endorsement) == [State.PENDING_REVIEW]  # a GET changes nothing

    response = editor_client.post(approve)

    assert response.status_code == 302 and response["Location"] == reverse(LIST)
    assert states(endorsement) == [State.APPROVED]
    assert endorsement.approved_by == editor
    assert "1 endorsement approved." in messages_of(response)


def test_an_editor_approves_many_at_once(editor_client, letter):
    many = [endorsement_for(letter, state=State.PENDING_REVIEW) for _ in range(3)]

    response = editor_client.post(bulk_url("approve", *many))

    assert response.status_code == 302
    assert states(*many) == [State.APPROVED] * 3
    assert "3 endorsements approved." in messages_of(response)


def test_an_editor_rejects_many_with_a_reason(editor_client, editor, letter):
    many = [endorsement_for(letter, state=State.PENDING_REVIEW), endorsement_for(letter, state=State.APPROVED)]

    response = editor_client.post(bulk_url("reject", *many), {"reason": "Not a human rights organization."})

    assert response.status_code == 302
    assert states(*many) == [State.REJECTED] * 2
    assert {(e.rejection_reason, e.rejected_by) for e in many} == {("Not a human rights organization.", editor)}
    assert "2 endorsements rejected." in messages_of(response)


def test_rejecting_without_a_reason_is_refused_and_changes_nothing(editor_client, letter):
    many = [endorsement_for(letter, state=State.PENDING_REVIEW) for _ in range(2)]

    response = editor_client.post(bulk_url("reject", *many), {"reason": "   "})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert states(*many) == [State.PENDING_REVIEW] * 2


def test_approving_an_endorsement_of_an_earlier_text_shows_the_services_refusal(editor_client, letter):
    waiting = endorsement_for(letter, state=State.PENDING_REVIEW)
    stale = endorsement_for(letter, state=State.NEEDS_RECONFIRMATION)

    response = editor_client.post(bulk_url("approve", waiting, stale))

    assert response.status_code == 302
    assert states(waiting, stale) == [State.APPROVED, State.NEEDS_RECONFIRMATION]
    shown = messages_of(response)
    assert f"{stale.organization.name} endorsed an earlier text: it must reconfirm the current one first." in shown
    assert "1 endorsement approved." in shown


def test_a_refused_transition_is_a_message_not_an_error_page(editor_client, letter):
    withdrawn = endorsement_for(letter, state=State.WITHDRAWN)
    unconfirmed = endorsement_for(letter, state=State.PENDING_CONFIRMATION)

    approve = editor_client.post(bulk_url("approve", withdrawn), follow=True)
    reject = editor_client.post(bulk_url("reject", unconfirmed), {"reason": "Spam."}, follow=True)

    assert approve.status_code == reject.status_code == 200
    assert states(withdrawn, unconfirmed) == [State.WITHDRAWN, State.PENDING_CONFIRMATION]
    assert any("withdrew its endorsement" in m for m in messages_of(approve))
    assert any("cannot become" in m for m in messages_of(reject))


def test_select_all_approves_only_what_the_filtered_listing_shows(editor_client, letter):
    other_letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    here = [endorsement_for(letter, state=State.PENDING_REVIEW) for _ in range(2)]
    elsewhere = endorsement_for(other_letter, state=State.PENDING_REVIEW)
    url = reverse("wagtail_bulk_action", args=("letters", "endorsement", "approve"))

    editor_client.post(f"{url}?id=all&letter={letter.pk}&state=pending_review")

    assert states(*here, elsewhere) == [State.APPROVED, State.APPROVED, State.PENDING_REVIEW]


def test_unknown_or_malformed_ids_are_not_found(editor_client):
    url = reverse("wagtail_bulk_action", args=("letters", "endorsement", "approve"))
    assert editor_client.get(f"{url}?id=999999").status_code == 404
    assert editor_client.get(f"{url}?id=1%27%20OR%201=1").status_code == 404


# --- inspect, history, edit ----------------------------------------------------------------------


def test_inspect_shows_the_details_and_the_current_text(editor_client, letter):
    endorsement = endorsement_for(letter, state=State.APPROVED, signer_email="rana@group.example.org")

    html = editor_client.get(reverse("letters_endorsement:inspect", args=[endorsement.pk])).content.decode()

    assert "rana@group.example.org" in html and "Executive Director" in html
    assert reverse("wagtailadmin_pages:revisions_view", args=[letter.pk, endorsement.revision_id]) in html
    assert endorsement.content_hash[:12] in html
    assert "Current: this is the text the letter shows now." in html
    assert endorsement.nonce not in html  # part of the contact's secret link


def test_inspect_shows_how_an_earlier_text_differs_from_the_current_one(editor_client, letter):
    endorsement = endorsement_for(letter, state=State.APPROVED)
    publish_new_text(letter)  # asks the endorser to reconfirm

    html = editor_client.get(reverse("letters_endorsement:inspect", args=[endorsement.pk])).content.decode()

    assert "An earlier text" in html
    assert "<del>act.</del>" in html and "<ins>act now.</ins>" in html
    assert "We write to ask you to" in html
    assert reverse("wagtailadmin_pages:revisions_view", args=[letter.pk, endorsement.revision_id]) in html


def test_history_lists_each_transition_with_the_acting_editor_and_the_reason(editor_client, editor, letter):
    endorsement = endorsement_for(letter, state=State.PENDING_REVIEW)
    editor_client.post(bulk_url("approve", endorsement))
    editor_client.post(bulk_url("reject", endorsement), {"reason": "Not an organization."})

    history = editor_client.get(reverse("letters_endorsement:history", args=[endorsement.pk])).content.decode()
    inspect = editor_client.get(reverse("letters_endorsement:inspect", args=[endorsement.pk])).content.decode()

    for html in (history, inspect):
        assert "Approved" in html
        assert "Rejected (Not an organization.)" in html
        assert editor.get_full_name() in html


def test_editing_changes_only_the_declared_fields(editor_client, letter):
    endorsement = endorsement_for(letter, state=State.PENDING_REVIEW)
    url = reverse("letters_endorsement:edit", args=[endorsement.pk])
    assert editor_client.get(url).status_code == 200

    response = editor_client.post(
        url,
        {
            "signer_name": "Rana Haddad",
            "signer_title": "Director of Programs",
            "signer_email": "new@group.example.org",
            "display": "undisclosed",
            "list_in_pdf": "",
            "state": "approved",
            "content_hash": "forged",
        },
    )

    assert response.status_code == 302
    endorsement.refresh_from_db()
    assert (endorsement.signer_title, endorsement.signer_email) == ("Director of Programs", "new@group.example.org")
    assert (endorsement.display, endorsement.list_in_pdf) == ("undisclosed", False)
    assert endorsement.state == State.PENDING_REVIEW and endorsement.content_hash != "forged"


def test_nobody_adds_or_deletes_endorsements_in_the_admin(editor_client, letter):
    endorsement = endorsement_for(letter)

    listing = editor_client.get(reverse(LIST)).content.decode()
    assert reverse("letters_endorsement:add") not in listing
    assert reverse("letters_endorsement:delete", args=[endorsement.pk]) not in listing
    assert_refused(editor_client.get(reverse("letters_endorsement:add")))
    assert_refused(editor_client.post(reverse("letters_endorsement:delete", args=[endorsement.pk])))
    editor_client.post(bulk_url("delete", endorsement))

    assert Endorsement.objects.filter(pk=endorsement.pk).exists()


def test_no_endorsement_chooser_lists_endorsements(editor_client):
    with pytest.raises(NoReverseMatch):
        reverse("wagtailsnippetchoosers_letters_endorsement:choose")
    assert editor_client.get("/admin/snippets/choose/letters/endorsement/").status_code == 404


# --- who may see it ----------------------------------------------------------------------------


def test_partner_staff_are_refused_everywhere(client, letter, partner):
    endorsement = endorsement_for(letter, letter.lead_organization, state=State.PENDING_REVIEW)
    client.force_login(partner)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[letter.pk])).status_code == 200  # they co-draft

    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse(LIST) not in home and "Endorsements awaiting review" not in home
    for url in [
        reverse(LIST),
        reverse(LIST) + "?export=csv",
        reverse(LIST) + "?export=xlsx",
        reverse("letters_endorsement:list_results"),
        reverse("letters_endorsement:inspect", args=[endorsement.pk]),
        reverse("letters_endorsement:edit", args=[endorsement.pk]),
        reverse("letters_endorsement:history", args=[endorsement.pk]),
        reverse("letters_endorsement:usage", args=[endorsement.pk]),
        bulk_url("approve", endorsement),
        bulk_url("reject", endorsement),
    ]:
        response = client.get(url)
        assert_refused(response)
        assert endorsement.signer_email not in response.content.decode()
    assert_refused(client.post(bulk_url("approve", endorsement)))
    assert_refused(client.post(bulk_url("reject", endorsement), {"reason": "Competitor."}))
    assert_refused(client.post(reverse("letters_endorsement:edit", args=[endorsement.pk]), {"signer_name": "X"}))
    client.post(bulk_url("delete", endorsement))

    endorsement.refresh_from_db()
    assert endorsement.state == State.PENDING_REVIEW and endorsement.signer_name == "Rana Haddad"


def test_people_without_admin_access_are_sent_to_login(client, letter):
    endorsement = endorsement_for(letter)
    client.force_login(UserFactory())
    response = client.get(reverse("letters_endorsement:inspect", args=[endorsement.pk]))
    assert response.status_code == 302 and endorsement.signer_email not in response.content.decode()


def test_an_editor_by_permission_not_superuser_may_review(client, letter):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="Coalition editors")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="change_membership")
    )
    person = UserFactory()
    person.groups.add(group)
    endorsement = endorsement_for(letter, state=State.PENDING_REVIEW)
    client.force_login(person)

    assert client.get(reverse(LIST)).status_code == 200
    client.post(bulk_url("approve", endorsement))

    assert states(endorsement) == [State.APPROVED]


# --- the dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_tells_editors_how_many_endorsements_await_review(client, letter):
    for _ in range(2):
        endorsement_for(letter, state=State.PENDING_REVIEW)
    endorsement_for(letter, state=State.APPROVED)
    client.force_login(EditorFactory())

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "Endorsements awaiting review: 2" in html
    assert reverse(LIST) + "?state=pending_review" in html
