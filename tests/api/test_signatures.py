"""Contract tests for /api/v1/letters/{slug}/signatures/: signing through the API, and the public list."""

import json

import pytest
from django.core import mail

from coalition.api.signing import embed_token_issue
from coalition.letters.models import LetterStatus, Signature, SignatureState
from coalition.letters.services import signature_confirm
from tests.api.conftest import as_key
from tests.factories import EditorFactory, LetterPageFactory, SignatureFactory

pytestmark = pytest.mark.django_db


def signer(**overrides) -> dict:
    data = {
        "first_name": "Amina",
        "last_name": "Khalil",
        "email": "amina.khalil@mail.example",
        "country": "SY",
        "city": "Gaziantep",
        "title": "Teacher",
        "comment": "The families deserve answers.",
        "show_name_publicly": True,
        "contact_consent": [],
    }
    data.update(overrides)
    return data


def url(letter) -> str:
    return f"/api/v1/letters/{letter.slug}/signatures/"


def post(api, letter, data, **headers):
    return api.post(url(letter), data=json.dumps(data), content_type="application/json", **headers)


def test_a_partner_key_signs_and_the_signer_confirms_by_email(
    api, letter, key_a, org_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(as_key(api, key_a), letter, signer(contact_consent=["syrian-archive"]))

    assert response.status_code == 202
    assert response.json() == {"status": "pending_confirmation"}
    signature = Signature.objects.get()
    assert signature.state == SignatureState.PENDING_CONFIRMATION
    assert signature.channel == Signature.Channel.API
    assert signature.source_organization == org_a  # the key's organization brought them in
    assert signature.ip_address is None  # the partner's server is not the signer
    assert [c.organization for c in signature.consents.all()] == [org_a]
    assert signature.consents.get().consent_text == "Keep me informed about Syrian Archive's work"
    assert len(mail.outbox) == 1 and "confirm" in mail.outbox[0].body.lower()
    assert api.get(f"/api/v1/letters/{letter.slug}/").json()["counts"]["signatures"] == 0  # not before confirming


def test_new_duplicate_and_confirmed_duplicate_get_the_same_answer(
    api, letter, key_a, django_capture_on_commit_callbacks
):
    as_key(api, key_a)
    with django_capture_on_commit_callbacks(execute=True):
        first = post(api, letter, signer())
    with django_capture_on_commit_callbacks(execute=True):
        again = post(api, letter, signer(email="Amina.Khalil+petition@mail.example"))  # the same person
    signature_confirm(signature=Signature.objects.get())
    with django_capture_on_commit_callbacks(execute=True):
        confirmed_again = post(api, letter, signer())

    assert first.status_code == again.status_code == confirmed_again.status_code == 202
    assert first.content == again.content == confirmed_again.content
    assert Signature.objects.count() == 1
    assert [m.subject.split(":")[0] for m in mail.outbox] == [
        "Please confirm your signature",
        "Please confirm your signature",
        "You have already signed",
    ]


def test_a_signature_over_the_hourly_limit_is_held_and_answered_the_same(api, letter, key_a, settings):
    settings.COALITION_SIGNATURES_PER_DOMAIN_PER_HOUR = 1
    as_key(api, key_a)
    responses = [post(api, letter, signer(email=f"person{n}@flood.example")) for n in range(3)]

    assert {r.status_code for r in responses} == {202}
    assert len({r.content for r in responses}) == 1
    states = list(Signature.objects.order_by("pk").values_list("state", flat=True))
    assert states == ["pending_confirmation", "suspect", "suspect"]


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("email", "not-an-address", "valid email"),
        ("country", "XX", "not a valid choice"),
        ("country", "sy", "not a valid choice"),
        ("first_name", "", "may not be blank"),
        ("first_name", '=HYPERLINK("http://evil.example")', ""),
        ("last_name", "+1+1", ""),
        ("last_name", "@SUM(A1)", ""),
        ("first_name", "-2+3", ""),
        ("first_name", "Visit www.evil.example", "web address"),
        ("first_name", "Amina\x00", "Null characters"),
        ("city", "Gazi\u202eantep", ""),
        ("first_name", "a" * 101, "no more than 100"),
        ("comment", "x" * 1001, "no more than 1000"),
        ("contact_consent", ["no-such-org"], "not an organization"),
        ("contact_consent", "syrian-archive", "list"),
        ("show_name_publicly", "perhaps", "valid boolean"),
    ],
)
def test_bad_input_is_refused_with_field_errors_and_nothing_is_stored(api, letter, key_a, field, value, fragment):
    response = post(as_key(api, key_a), letter, signer(**{field: value}))

    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["code"] == "invalid"
    assert field in body["fields"]
    assert fragment.lower() in " ".join(body["fields"][field]).lower()
    assert not Signature.objects.exists() and not mail.outbox


def test_unknown_fields_are_refused(api, letter, key_a):
    response = post(as_key(api, key_a), letter, {**signer(), "show_name": True, "state": "confirmed"})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"show_name", "state"}
    assert not Signature.objects.exists()


def test_a_body_that_is_not_a_json_object_or_too_large_is_refused(api, letter, key_a, settings):
    as_key(api, key_a)
    assert api.post(url(letter), data="[1, 2]", content_type="application/json").status_code == 400
    assert api.post(url(letter), data="{bad json", content_type="application/json").json()["code"] == "parse_error"
    assert api.post(url(letter), data='{"a": NaN}', content_type="application/json").status_code == 400
    assert api.post(url(letter), data=b"\xff\xfe{}", content_type="application/json").status_code == 400
    form = api.post(url(letter), data="first_name=A", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415 and form.json()["code"] == "unsupported_media_type"

    huge = post(api, letter, signer(comment="x" * (settings.COALITION_API_MAX_BODY_BYTES + 1)))
    assert huge.status_code == 413
    assert huge.json() == {"status": 413, "code": "too_large", "detail": huge.json()["detail"]}
    assert not Signature.objects.exists()


def test_a_key_signs_for_its_own_organization_only(api, letter, key_a):
    response = post(as_key(api, key_a), letter, signer(source="families-for-truth"))

    assert response.status_code == 400 and "source" in response.json()["fields"]
    assert not Signature.objects.exists()


def test_a_closed_letter_refuses_with_409_and_stores_nothing(api, index, key_a):
    closed = LetterPageFactory(status=LetterStatus.CLOSED)
    response = post(as_key(api, key_a), closed, signer())
    assert response.status_code == 409 and response.json()["code"] == "letter_closed"
    assert not Signature.objects.exists()


def test_a_draft_or_unknown_letter_is_not_found(api, index, key_a):
    draft = LetterPageFactory(status=LetterStatus.DRAFT)
    as_key(api, key_a)
    assert post(api, draft, signer()).status_code == 404
    assert api.post("/api/v1/letters/no-such-letter/signatures/", {}, format="json").json()["code"] == "not_found"


# --- without a key: browsers ------------------------------------------------------------------------------


def test_without_a_key_signing_needs_the_letters_embed_token(api, letter):
    refused = post(api, letter, signer())
    assert refused.status_code == 403 and "X-Embed-Token" in refused.json()["detail"]

    other_letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    wrong = post(api, letter, signer(), HTTP_X_EMBED_TOKEN=embed_token_issue(letter=other_letter))
    assert wrong.status_code == 403

    accepted = post(api, letter, signer(), HTTP_X_EMBED_TOKEN=embed_token_issue(letter=letter))
    assert accepted.status_code == 202
    signature = Signature.objects.get()
    assert signature.source_organization is None and signature.ip_address == "127.0.0.1"


def test_the_embed_token_comes_with_the_letters_details(api, letter):
    token = api.get(f"/api/v1/letters/{letter.slug}/").json()["embed_token"]
    assert post(api, letter, signer(), HTTP_X_EMBED_TOKEN=token).status_code == 202


def test_browsers_on_sites_other_than_the_letters_partners_are_refused(api, letter):
    token = embed_token_issue(letter=letter)
    evil = post(api, letter, signer(), HTTP_X_EMBED_TOKEN=token, HTTP_ORIGIN="https://evil.example")
    assert evil.status_code == 403
    assert "Access-Control-Allow-Origin" not in evil

    partner = post(api, letter, signer(), HTTP_X_EMBED_TOKEN=token, HTTP_ORIGIN="https://partner.example.org")
    assert partner.status_code == 202
    assert partner["Access-Control-Allow-Origin"] == "https://partner.example.org"
    preflight = api.options(url(letter), HTTP_ORIGIN="https://partner.example.org")
    assert preflight["Access-Control-Allow-Headers"] == "Content-Type, X-Embed-Token"


def test_a_signed_in_person_posting_with_the_session_needs_the_csrf_token(letter):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(EditorFactory())
    response = client.post(url(letter), data=json.dumps(signer()), content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not Signature.objects.exists()


# --- throttling -----------------------------------------------------------------------------------------


def test_signing_without_a_key_is_throttled_per_client_with_retry_after(api, letter, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "sign_anonymous": "2/minute"},
    }
    token = embed_token_issue(letter=letter)
    answers = [
        post(api, letter, signer(email=f"p{n}@mail.example"), HTTP_X_EMBED_TOKEN=token).status_code for n in range(3)
    ]
    assert answers == [202, 202, 429]
    throttled = post(api, letter, signer(email="p9@mail.example"), HTTP_X_EMBED_TOKEN=token)
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["code"] == "throttled" and throttled.json()["retry_after"] > 0
    assert Signature.objects.count() == 2
    # A forged X-Forwarded-For does not buy a new allowance (no trusted proxy here).
    forged = post(
        api, letter, signer(email="p8@mail.example"), HTTP_X_EMBED_TOKEN=token, HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert forged.status_code == 429
    # Reading is a separate, larger allowance.
    assert api.get(url(letter)).status_code == 200


def test_each_key_has_its_own_signing_allowance(api, letter, key_a, key_b, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "sign_api_key": "1/minute"},
    }
    assert post(as_key(api, key_a), letter, signer(email="a1@mail.example")).status_code == 202
    assert post(as_key(api, key_a), letter, signer(email="a2@mail.example")).status_code == 429
    assert post(as_key(api, key_b), letter, signer(email="b1@mail.example")).status_code == 202


# --- the public list --------------------------------------------------------------------------------------


def test_public_signatories_are_named_as_they_chose_newest_first_without_email_or_id(api, letter):
    SignatureFactory(letter=letter, first_name="Amina", last_name="Khalil", show_full_name=True, city="Beirut")
    SignatureFactory(letter=letter, first_name="Omar", last_name="Haddad", country="TR", email="omar@mail.example")
    SignatureFactory(letter=letter, first_name="Hidden", last_name="Person", show_name=False)
    SignatureFactory(letter=letter, first_name="Pending", last_name="Person", state="pending_confirmation")

    response = api.get(url(letter))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["name"] for row in rows] == ["Omar H.", "Amina Khalil"]
    assert rows[0] == {"name": "Omar H.", "city": "Gaziantep", "country": "TR", "signed_at": rows[0]["signed_at"]}
    body = response.content.decode()
    assert "mail.example" not in body and "Hidden" not in body and "Pending" not in body


def test_public_signatories_page_with_a_cursor(api, letter):
    for n in range(25):
        SignatureFactory(letter=letter, first_name=f"Signer{n:02}", last_name="X")
    first = api.get(url(letter)).json()
    second = api.get(first["next"]).json()
    names = [row["name"] for row in first["results"] + second["results"]]
    assert len(first["results"]) == 20 and len(names) == 25 == len(set(names))
    assert second["next"] is None
    assert api.get(url(letter) + "?cursor=forged").status_code == 404


def test_hostile_names_come_back_as_data_not_markup(api, letter):
    SignatureFactory(letter=letter, first_name="<script>alert(1)</script>", last_name="X")
    response = api.get(url(letter))
    assert response["Content-Type"] == "application/json"
    assert response.json()["results"][0]["name"] == "<script>alert(1)</script> X."


def test_a_signer_who_read_a_translation_signs_in_its_language(api, letter, key_a, django_capture_on_commit_callbacks):
    from coalition.letters.models import LetterPage
    from coalition.letters.translations import letter_translation_create

    arabic = letter_translation_create(letter=letter, language="ar")
    arabic.title = "رسالة مشتركة"
    arabic.save_revision().publish()
    letter = LetterPage.objects.get(pk=letter.pk)
    details = api.get(f"/api/v1/letters/{letter.slug}/").json()
    [translation] = details["translations"]
    assert translation["url"].endswith(f"{letter.url}ar/")
    assert (translation["language"], translation["title"], translation["out_of_date"]) == ("ar", "رسالة مشتركة", False)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(as_key(api, key_a), letter, signer(language="ar"))
    assert response.status_code == 202
    signature = Signature.objects.get()
    assert signature.language == "ar" and signature.letter_id == letter.pk
    [email] = mail.outbox
    assert "رسالة مشتركة" in email.subject and f"{letter.url}ar/sign/confirm/" in email.body

    # A language with no published translation is refused, and nothing is stored.
    refused = post(as_key(api, key_a), letter, signer(email="other@example.org", language="fr"))
    assert refused.status_code == 400 and "language" in refused.json()["fields"]
    assert Signature.objects.count() == 1
