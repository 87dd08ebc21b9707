"""Every route and method, as anonymous, organization A's key, organization B's key and an editor."""

import json

import pytest
from rest_framework.test import APIClient

from coalition.api.services import signature_public_id
from tests.api.conftest import as_key
from tests.factories import EditorFactory, LetterPageFactory, SignatureFactory, endorsement_for

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "key_a", "key_b", "editor"]
SIGN = {"first_name": "Amina", "last_name": "Khalil", "email": "a@mail.example", "country": "SY", "city": "Homs"}

# (method, path, {who: expected status}); {slug}, {draft}, {org}, {endorsement_a} are filled in.
ALL_200 = dict.fromkeys(WHO, 200)
ALL_404 = dict.fromkeys(WHO, 404)
ALL_405 = dict.fromkeys(WHO, 405)
PARTNER_READ = {"anonymous": 401, "key_a": 200, "key_b": 200, "editor": 401}
PARTNER_WRITE = {"anonymous": 401, "key_a": 405, "key_b": 405, "editor": 401}
MATRIX = [
    ("get", "/api/v1/", ALL_200),
    ("post", "/api/v1/", ALL_405),
    ("get", "/api/v1/schema/", ALL_200),
    ("get", "/api/v1/docs/", ALL_200),
    ("get", "/api/v1/letters/", ALL_200),
    ("post", "/api/v1/letters/", ALL_405),
    ("get", "/api/v1/letters/{slug}/", ALL_200),
    ("put", "/api/v1/letters/{slug}/", ALL_405),
    ("patch", "/api/v1/letters/{slug}/", ALL_405),
    ("delete", "/api/v1/letters/{slug}/", ALL_405),
    ("get", "/api/v1/letters/{draft}/", ALL_404),
    ("get", "/api/v1/letters/{slug}/signatures/", ALL_200),
    # Without a key or a session, a browser needs the embed token (not sent here).
    ("post", "/api/v1/letters/{slug}/signatures/", {"anonymous": 403, "key_a": 202, "key_b": 202, "editor": 202}),
    ("delete", "/api/v1/letters/{slug}/signatures/", ALL_405),
    ("get", "/api/v1/letters/{draft}/signatures/", ALL_404),
    ("post", "/api/v1/letters/{draft}/signatures/", ALL_404),
    ("get", "/api/v1/letters/{slug}/endorsements/", ALL_200),
    ("post", "/api/v1/letters/{slug}/endorsements/", ALL_405),
    ("get", "/api/v1/letters/{draft}/endorsements/", ALL_404),
    ("get", "/api/v1/letters/{slug}/stats/", ALL_200),
    ("post", "/api/v1/letters/{slug}/stats/", ALL_405),
    ("get", "/api/v1/letters/{draft}/stats/", ALL_404),
    ("get", "/api/v1/organizations/", ALL_200),
    ("post", "/api/v1/organizations/", ALL_405),
    ("get", "/api/v1/organizations/{org}/", ALL_200),
    ("delete", "/api/v1/organizations/{org}/", ALL_405),
    ("get", "/api/v1/organizations/no-such-org/", ALL_404),
    ("get", "/api/v1/partner/signatures/", PARTNER_READ),
    ("post", "/api/v1/partner/signatures/", PARTNER_WRITE),
    ("get", "/api/v1/partner/endorsements/", PARTNER_READ),
    ("post", "/api/v1/partner/endorsements/", PARTNER_WRITE),
    ("get", "/api/v1/partner/endorsements/{endorsement_a}/", {**PARTNER_READ, "key_b": 404}),
    ("delete", "/api/v1/partner/endorsements/{endorsement_a}/", PARTNER_WRITE),
    ("get", "/api/v1/no-such-route/", ALL_404),
]


@pytest.fixture
def world(letter, org_a, org_b, key_a, key_b, index):
    draft = LetterPageFactory(status="draft", lead_organization=org_a)
    endorsement = endorsement_for(letter, org_a)
    SignatureFactory(letter=letter, source_organization=org_a, consents=[org_a], email="only-a@mail.example")
    SignatureFactory(letter=letter, source_organization=org_b, consents=[org_b], email="only-b@mail.example")
    clients = {"anonymous": APIClient(), "key_a": as_key(APIClient(), key_a), "key_b": as_key(APIClient(), key_b)}
    clients["editor"] = APIClient()
    clients["editor"].force_login(EditorFactory())
    names = {"slug": letter.slug, "draft": draft.slug, "org": org_a.slug, "endorsement_a": endorsement.pk}
    return clients, names


@pytest.mark.parametrize(("method", "path", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _e in MATRIX])
def test_permission_matrix(world, method, path, expected):
    clients, names = world
    path = path.format(**names)
    for who in WHO:
        kwargs = {}
        if method in ("post", "put", "patch"):
            kwargs = {"data": json.dumps({**SIGN, "email": f"{who}@mail.example"}), "content_type": "application/json"}
        response = getattr(clients[who], method)(path, **kwargs)
        assert response.status_code == expected[who], f"{who} {method.upper()} {path}: {response.content[:300]}"
        if response.status_code >= 400:
            body = response.json()
            assert body["status"] == response.status_code and body["code"] and body["detail"]


def test_no_public_route_shows_an_email_an_ip_or_a_signer_id(world, letter):
    clients, names = world
    from coalition.letters.models import Signature

    signatures = list(Signature.objects.all())
    Signature.objects.update(ip_address="203.0.113.7")
    for path in [
        "/api/v1/letters/",
        "/api/v1/letters/{slug}/",
        "/api/v1/letters/{slug}/signatures/",
        "/api/v1/letters/{slug}/endorsements/",
        "/api/v1/letters/{slug}/stats/",
        "/api/v1/organizations/",
        "/api/v1/organizations/{org}/",
    ]:
        for who in WHO:
            body = clients[who].get(path.format(**names)).content.decode()
            assert "@" not in body.replace("@context", ""), path
            assert "203.0.113.7" not in body
            for signature in signatures:
                assert signature_public_id(signature.pk) not in body


def test_each_key_reads_only_its_own_organizations_signers(world):
    clients, _names = world
    a = clients["key_a"].get("/api/v1/partner/signatures/").content.decode()
    b = clients["key_b"].get("/api/v1/partner/signatures/").content.decode()
    assert "only-a@mail.example" in a and "only-b@mail.example" not in a
    assert "only-b@mail.example" in b and "only-a@mail.example" not in b
