"""The short cut to a letter's sign/ route (letters.sign_routes): never past what Wagtail checked."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from coalition.core.challenge import challenge_solve
from coalition.letters.models import LetterStatus, Signature
from tests.factories import LetterPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(index):
    return LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)


def signature_data(client, letter, n: int) -> dict:
    html = client.get(letter.url).content.decode()
    token = re.search(r'name="challenge" value="([^"]+)"', html).group(1)
    return {
        "first_name": "Amina",
        "last_name": "Khalil",
        "email": f"person{n}@example.org",
        "country": "SY",
        "city": "Gaziantep",
        "challenge": token,
        "pow": challenge_solve(token, 2),
    }


def post(client, letter, n: int):
    data = signature_data(client, letter, n)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(letter.url + "sign/", data)
    return response, len(queries.captured_queries)


def test_once_wagtail_has_served_the_route_later_posts_skip_the_page_tree(client, letter):
    first, first_queries = post(client, letter, 1)
    second, second_queries = post(client, letter, 2)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == letter.url + "sign/sent/"
    assert Signature.objects.count() == 2
    assert second_queries < first_queries


def test_a_view_restriction_added_later_is_not_bypassed(client, letter):
    post(client, letter, 1)  # remembered
    data = signature_data(client, letter, 2)
    PageViewRestriction.objects.create(page=letter, restriction_type=PageViewRestriction.PASSWORD, password="s3cret")
    response = client.post(letter.url + "sign/", data)
    assert response.status_code == 200 and "password" in response.content.decode().lower()
    assert Signature.objects.count() == 1


def test_an_unpublished_letter_is_not_signed_through_a_remembered_route(client, letter):
    post(client, letter, 1)
    data = signature_data(client, letter, 2)
    letter.unpublish()
    assert client.post(letter.url + "sign/", data).status_code == 404
    assert Signature.objects.count() == 1


def test_a_renamed_letter_is_not_reached_at_its_old_address(client, letter):
    post(client, letter, 1)
    old_url = letter.url
    data = signature_data(client, letter, 2)
    letter.slug = "renamed-letter"
    letter.save_revision().publish()
    assert client.post(old_url + "sign/", data).status_code == 404
    assert Signature.objects.count() == 1


def test_the_short_cut_still_checks_csrf_and_get_still_redirects_to_the_form(letter):
    browser = Client(enforce_csrf_checks=True)
    browser.get(letter.url)
    data = signature_data(browser, letter, 1)
    data["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value
    assert browser.post(letter.url + "sign/", data).status_code == 302  # remembered now
    data = signature_data(browser, letter, 2)
    assert browser.post(letter.url + "sign/", data).status_code == 403  # no token
    assert Signature.objects.count() == 1
    response = browser.get(letter.url + "sign/")
    assert response.status_code == 302 and response["Location"].endswith("#sign")


def test_other_pages_named_sign_are_left_to_wagtail(client, index):
    assert client.post("/letters/sign/", {}).status_code == 404
    assert client.post("/no-such-page/sign/", {}).status_code == 404


def test_closing_the_letter_stops_signatures_through_the_short_cut_at_once(
    client, letter, editor, django_capture_on_commit_callbacks
):
    from coalition.letters.services import letter_status_change

    post(client, letter, 1)
    post(client, letter, 2)  # the letter is now kept by the short cut
    data = signature_data(client, letter, 3)
    with django_capture_on_commit_callbacks(execute=True):
        letter_status_change(letter=letter, to_status=LetterStatus.CLOSED, acting_user=editor)
    assert client.post(letter.url + "sign/", data).status_code == 403
    assert Signature.objects.count() == 2


def test_a_new_consent_box_shows_through_the_short_cut_at_once(client, letter):
    from coalition.letters.models import SignatureConsent

    post(client, letter, 1)
    post(client, letter, 2)
    organization = letter.lead_organization
    organization.asks_signer_consent = True
    organization.save()
    data = signature_data(client, letter, 3)
    data[f"consent_{organization.pk}"] = "on"
    assert client.post(letter.url + "sign/", data).status_code == 302
    assert SignatureConsent.objects.filter(organization=organization).count() == 1
