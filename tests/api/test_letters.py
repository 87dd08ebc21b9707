import pytest

from coalition.letters.models import LetterRecipient, LetterStatus
from tests.factories import LetterPageFactory, OrganizationFactory, endorsement_for

pytestmark = pytest.mark.django_db


def test_api_root_lists_the_resources(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert set(response.json()) == {
        "letters", "organizations", "partner_signatures", "partner_endorsements", "schema", "docs"
    }  # fmt: skip


def test_letters_endpoint_shows_public_letters_without_emails(client, index):
    lead, co = OrganizationFactory(name="Lead Group"), OrganizationFactory(name="Co Group")
    letter = LetterPageFactory(
        title="Public letter", status=LetterStatus.OPEN_FOR_SIGNATURES, lead_organization=lead, co_drafters=[co]
    )
    letter.recipients.add(LetterRecipient(name="Minister", email="minister@gov.example"))
    letter.save()
    LetterPageFactory(title="Drafting", status=LetterStatus.DRAFT)
    LetterPageFactory(title="Unpublished", status=LetterStatus.OPEN_FOR_SIGNATURES, live=False)

    response = client.get("/api/v1/letters/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["title"] for r in results] == ["Public letter"]
    body = response.content.decode()
    assert "minister@gov.example" not in body
    assert results[0]["organizations"]["lead"] == {"slug": lead.slug, "name": "Lead Group"}
    assert results[0]["organizations"]["co_drafters"] == [{"slug": co.slug, "name": "Co Group"}]
    assert results[0]["url"] == "http://testserver" + letter.url


def test_letters_filter_by_status_and_language(client, index):
    LetterPageFactory(title="Arabic", language="ar", status=LetterStatus.OPEN_FOR_SIGNATURES)
    LetterPageFactory(title="Closed English", language="en", status=LetterStatus.CLOSED)

    assert [r["title"] for r in client.get("/api/v1/letters/?language=ar").json()["results"]] == ["Arabic"]
    assert [r["title"] for r in client.get("/api/v1/letters/?status=closed").json()["results"]] == ["Closed English"]
    assert client.get("/api/v1/letters/?status=<script>").status_code == 400


def test_letter_detail_by_slug_and_draft_is_not_found(client, index):
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    draft = LetterPageFactory(status=LetterStatus.DRAFT)

    assert client.get(f"/api/v1/letters/{letter.slug}/").json()["slug"] == letter.slug
    assert client.get(f"/api/v1/letters/{draft.slug}/").status_code == 404


def test_organizations_endpoint_lists_organizations_publicly_on_a_letter(client, index):
    lead = OrganizationFactory(name="Visible Org", country="SY")
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES, lead_organization=lead)
    endorser = OrganizationFactory(name="Public Endorser")
    endorsement_for(letter, endorser)
    hidden = OrganizationFactory(name="Undisclosed Endorser")
    endorsement_for(letter, hidden, display="undisclosed")
    pending = OrganizationFactory(name="Pending Endorser")
    endorsement_for(letter, pending, state="pending_review")
    OrganizationFactory(name="Lead of a draft only")
    response = client.get("/api/v1/organizations/")
    assert response.status_code == 200
    names = [row["name"] for row in response.json()["results"]]
    assert names == ["Public Endorser", "Visible Org"]
    assert response.json()["results"][1]["country"] == "SY"
    assert client.get(f"/api/v1/organizations/{hidden.slug}/").status_code == 404
    assert "Undisclosed" not in response.content.decode()


def test_a_letter_counts_approved_endorsements_including_undisclosed_without_naming_them(client, index):
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    endorsement_for(letter)
    endorsement_for(letter, OrganizationFactory(name="Secret Group"), display="undisclosed")
    endorsement_for(letter, state="pending_review")
    endorsement_for(letter, state="needs_reconfirmation")
    response = client.get(f"/api/v1/letters/{letter.slug}/")
    assert response.json()["counts"]["endorsements"] == 2
    assert "Secret Group" not in response.content.decode()


def test_a_letter_counts_confirmed_signatures_only_and_names_no_signer(client, index):
    from coalition.letters import services

    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    other = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    for n, country in enumerate(["SY", "SY", "TR"]):
        outcome = services.signature_create(
            letter=letter, first_name="Amina", last_name="Khalil", email=f"p{n}@example.org", country=country,
            city="Gaziantep", show_name=True,
        )  # fmt: skip
        services.signature_confirm(signature=outcome.signature)
    services.signature_create(
        letter=letter, first_name="Unconfirmed", last_name="Person", email="u@example.org", country="FR", city="Lyon"
    )
    endorsement_for(letter)
    endorsement_for(letter)
    response = client.get("/api/v1/letters/")
    rows = {row["slug"]: row for row in response.json()["results"]}
    assert rows[letter.slug]["counts"] == {"signatures": 3, "endorsements": 2}
    assert rows[other.slug]["counts"]["signatures"] == 0
    assert client.get(f"/api/v1/letters/{letter.slug}/").json()["counts"]["signatures"] == 3
    assert "example.org" not in response.content.decode() and "Khalil" not in response.content.decode()


def test_api_is_read_only(client, index):
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    assert client.post("/api/v1/letters/", {}).status_code in (403, 405)
    assert client.delete(f"/api/v1/letters/{letter.slug}/").status_code in (403, 405)
