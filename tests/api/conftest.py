import pytest
from rest_framework.test import APIClient

from coalition.api.services import api_key_create
from coalition.letters.models import LetterStatus
from coalition.orgs.models import Membership
from tests.factories import LetterPageFactory, MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture
def api():
    return APIClient()


def key_for(organization) -> str:
    owner = UserFactory()
    MembershipFactory(organization=organization, user=owner, role=Membership.Role.OWNER)
    return api_key_create(organization=organization, name="CRM sync", acting_user=owner).secret


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Syrian Archive", slug="syrian-archive", asks_signer_consent=True)


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Families for Truth", slug="families-for-truth", asks_signer_consent=True)


@pytest.fixture
def key_a(org_a):
    return key_for(org_a)


@pytest.fixture
def key_b(org_b):
    return key_for(org_b)


@pytest.fixture
def letter(index, org_a, org_b):
    """Open for signatures; both organizations on it ask signers for consent."""
    return LetterPageFactory(
        title="Disclose the fate of the disappeared",
        status=LetterStatus.OPEN_FOR_SIGNATURES,
        lead_organization=org_a,
        co_drafters=[org_b],
        signature_goal=1000,
        embed_origins="https://partner.example.org",
    )


def as_key(client: APIClient, key: str | None) -> APIClient:
    client.credentials(**({"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}))
    return client
