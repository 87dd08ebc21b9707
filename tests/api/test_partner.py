"""The partner scope: an organization's key reads that organization's signatures and endorsements, nothing else."""

import pytest
from django.utils import timezone

from coalition.api.models import ApiKey
from coalition.api.services import api_key_authenticate, api_key_revoke, signature_public_id
from tests.api.conftest import as_key
from tests.factories import OrganizationFactory, SignatureFactory, endorsement_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/partner/signatures/"


def by_id(response) -> dict:
    return {row["id"]: row for row in response.json()["results"]}


def test_a_key_reads_the_signatures_it_brought_in_and_those_that_consented_to_it(api, letter, org_a, org_b, key_a):
    consented = SignatureFactory(letter=letter, first_name="Amina", email="amina@mail.example", consents=[org_a])
    brought = SignatureFactory(letter=letter, first_name="Omar", email="omar@mail.example", source_organization=org_a)
    brought_and_consented = SignatureFactory(letter=letter, source_organization=org_a, consents=[org_a, org_b])
    other = SignatureFactory(letter=letter, first_name="Rana", email="rana@mail.example", consents=[org_b])
    SignatureFactory(letter=letter, state="pending_confirmation", consents=[org_a])  # not confirmed
    SignatureFactory(letter=letter, state="withdrawn", source_organization=org_a)

    response = as_key(api, key_a).get(URL)

    assert response.status_code == 200
    rows = by_id(response)
    assert set(rows) == {signature_public_id(s.pk) for s in (consented, brought, brought_and_consented)}
    row = rows[signature_public_id(consented.pk)]
    assert row["contact_consent"] is True and row["brought_in"] is False
    assert row["contact"]["email"] == "amina@mail.example"
    assert row["contact"]["consent_text"] == "Keep me informed about Syrian Archive's work"
    # Brought in without consent: no contact details at all.
    row = rows[signature_public_id(brought.pk)]
    assert row["brought_in"] is True and row["contact_consent"] is False and row["contact"] is None
    assert "omar@mail.example" not in response.content.decode()
    assert "rana@mail.example" not in response.content.decode()  # consented to B only
    assert str(other.pk) not in [row["id"] for row in rows.values()]
    assert "ip_address" not in response.content.decode()


def test_partner_signatures_filter_by_letter_consent_and_time(api, letter, index, org_a, key_a):
    from tests.factories import LetterPageFactory

    other_letter = LetterPageFactory(status="open_for_signatures", lead_organization=org_a)
    early = SignatureFactory(letter=letter, consents=[org_a])
    SignatureFactory(letter=other_letter, source_organization=org_a)
    late = SignatureFactory(letter=letter, source_organization=org_a)
    type(early).objects.filter(pk=early.pk).update(confirmed_at=timezone.now() - timezone.timedelta(days=2))
    as_key(api, key_a)

    assert len(api.get(URL, {"letter": letter.slug}).json()["results"]) == 2
    assert len(api.get(URL, {"contact_consent": "true"}).json()["results"]) == 1
    since = (timezone.now() - timezone.timedelta(days=1)).isoformat()
    assert set(by_id(api.get(URL, {"confirmed_after": since, "letter": letter.slug}))) == {
        signature_public_id(late.pk)
    }
    assert api.get(URL, {"confirmed_after": "yesterday"}).status_code == 400


def test_partner_signatures_come_oldest_first_in_stable_pages(api, letter, org_a, key_a):
    for n in range(25):
        SignatureFactory(letter=letter, source_organization=org_a, last_name=f"N{n}")
    as_key(api, key_a)
    first = api.get(URL).json()
    second = api.get(first["next"]).json()
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert len(ids) == 25 == len(set(ids)) and second["next"] is None


def test_organization_b_sees_none_of_organization_as_signatures(api, letter, org_a, key_b):
    SignatureFactory(letter=letter, source_organization=org_a, consents=[org_a])
    assert as_key(api, key_b).get(URL).json()["results"] == []


def test_a_key_reads_its_own_endorsements_and_gets_404_for_anyone_elses(api, letter, org_a, org_b, key_a):
    own = endorsement_for(letter, org_a)
    theirs = endorsement_for(letter, org_b)
    as_key(api, key_a)

    rows = api.get("/api/v1/partner/endorsements/").json()["results"]
    assert [row["id"] for row in rows] == [own.pk]
    assert rows[0]["letter"] == letter.slug and rows[0]["state"] == "approved"
    assert "signer_email" not in rows[0]
    assert api.get(f"/api/v1/partner/endorsements/{own.pk}/").status_code == 200
    response = api.get(f"/api/v1/partner/endorsements/{theirs.pk}/")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "code": "not_found", "detail": "Not found."}


def test_partner_routes_need_a_valid_key(api, letter, org_a, key_a):
    assert api.get(URL).status_code == 401
    assert api.get(URL)["WWW-Authenticate"] == 'Bearer realm="api"'
    assert as_key(api, "coa_nope_nope").get(URL).json()["code"] == "authentication_failed"
    assert as_key(api, key_a[:-1] + ("A" if key_a[-1] != "A" else "B")).get(URL).status_code == 401

    api_key = ApiKey.objects.get(organization=org_a)
    api_key_revoke(api_key=api_key, acting_user=api_key.created_by)
    assert as_key(api, key_a).get(URL).status_code == 401
    assert api_key_authenticate(secret=key_a) is None


def test_a_keys_last_use_is_recorded(api, letter, org_a, key_a):
    api_key = ApiKey.objects.get(organization=org_a)
    assert api_key.last_used_at is None
    as_key(api, key_a).get(URL)
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None
    assert api_key.key_hash != key_a and key_a not in str(ApiKey.objects.values_list())


def test_an_anonymised_signer_is_no_longer_shared(api, letter, org_a, key_a):
    SignatureFactory(letter=letter, consents=[org_a], anonymised_at=timezone.now())
    assert as_key(api, key_a).get(URL).json()["results"] == []


def test_an_organization_with_no_letters_gets_an_empty_list_not_an_error(api, db):
    from tests.api.conftest import key_for

    key = key_for(OrganizationFactory())
    assert as_key(api, key).get(URL).json()["results"] == []
