"""The embedded signature form (a letter's embed/ route): who may frame it, the CSRF exemption
that only it has, attribution with ?source=, closed letters, and the editors' list of sites."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from coalition.core.challenge import challenge_solve
from coalition.letters.models import LetterPage, LetterStatus, Signature, SignatureState
from coalition.letters.models.pages import embed_origin_list, validate_embed_origins
from tests.factories import LetterPageFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(db):
    return OrganizationFactory(name="Beirut Rights Forum", slug="beirut-rights-forum")


@pytest.fixture
def letter(index):
    letter = LetterPageFactory(title="Free the detainees", status=LetterStatus.OPEN_FOR_SIGNATURES, signature_goal=500)
    LetterPage.objects.filter(pk=letter.pk).update(embed_origins="https://partner.example")
    return LetterPage.objects.get(pk=letter.pk)


def embed_url(letter, source: str = "") -> str:
    return letter.url + "embed/" + (f"?source={source}" if source else "")


def signing_data(html: str, **overrides) -> dict:
    """What the page sends once challenge.js has solved its proof of work."""
    token = re.search(r'name="challenge" value="([^"]+)"', html).group(1)
    source = re.search(r'name="source"(?: value="([^"]*)")?', html).group(1) or ""
    data = {
        "first_name": "Rasha",
        "last_name": "Touma",
        "email": "rasha@example.org",
        "country": "LB",
        "city": "Saida",
        "source": source,
        "challenge": token,
        "pow": challenge_solve(token, 2),
    }
    return {**data, **overrides}


def sign_in_frame(client, letter, capture, *, source: str = "", **overrides):
    html = client.get(embed_url(letter, source)).content.decode()
    with capture(execute=True):
        return client.post(embed_url(letter, source), signing_data(html, **overrides))


# --- who may frame it ------------------------------------------------------------------------


def test_only_the_listed_sites_may_frame_the_form(client, letter):
    response = client.get(embed_url(letter))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "frame-ancestors 'self' https://partner.example"
    assert "X-Frame-Options" not in response
    html = response.content.decode()
    assert 'class="sign-form"' in html and "site-header" not in html


def test_several_sites_one_per_line(client, letter):
    LetterPage.objects.filter(pk=letter.pk).update(embed_origins="https://a.org/\n\n  https://www.b.org:8443  \n")
    response = client.get(embed_url(letter))
    assert response["Content-Security-Policy"] == "frame-ancestors 'self' https://a.org https://www.b.org:8443"


def test_without_sites_only_our_own_pages_may_frame_it(client, letter):
    LetterPage.objects.filter(pk=letter.pk).update(embed_origins="")
    response = client.get(embed_url(letter))
    assert response["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert "X-Frame-Options" not in response


def test_other_pages_still_refuse_every_frame(client, letter):
    response = client.get(letter.url)
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" not in response


# --- CSRF: exempt in the frame, required everywhere else -------------------------------------


def test_the_embedded_form_posts_without_a_csrf_token(letter, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    html = client.get(embed_url(letter)).content.decode()
    assert "csrfmiddlewaretoken" not in html
    client.cookies.clear()  # in a partner's frame the browser sends none of our cookies
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(embed_url(letter), signing_data(html))
    assert response.status_code == 200
    assert "Almost done: check your email" in response.content.decode()
    assert response["Content-Security-Policy"] == "frame-ancestors 'self' https://partner.example"
    signature = Signature.objects.get()
    assert signature.channel == Signature.Channel.EMBED
    assert signature.state == SignatureState.PENDING_CONFIRMATION


def test_the_letter_pages_form_still_needs_its_csrf_token(letter):
    client = Client(enforce_csrf_checks=True)
    html = client.get(letter.url).content.decode()
    assert "csrfmiddlewaretoken" in html
    response = client.post(letter.url + "sign/", signing_data(html))
    assert response.status_code == 403
    assert Signature.objects.count() == 0


def test_only_embed_routes_are_exempt(letter):
    """The exempt URL pattern ends in embed/: a letter's other routes keep the CSRF check."""
    client = Client(enforce_csrf_checks=True)
    for path in (letter.url + "sign/", letter.url + "endorse/", letter.url + "sign/embed/x/"):
        response = client.post(path, {})
        assert response.status_code == 403 and b"CSRF verification failed" in response.content, path


def test_a_post_without_the_proof_of_work_stores_nothing(client, letter, django_capture_on_commit_callbacks):
    html = client.get(embed_url(letter)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(embed_url(letter), signing_data(html, pow=""))
    assert response.status_code == 400
    assert "Please answer the question" in response.content.decode()
    assert Signature.objects.count() == 0


# --- attribution -----------------------------------------------------------------------------


def test_source_attributes_the_signature_to_the_partner(client, letter, partner, django_capture_on_commit_callbacks):
    html = client.get(embed_url(letter, partner.slug)).content.decode()
    assert f'name="source" value="{partner.slug}"' in html
    assert f'action="{embed_url(letter, partner.slug)}"' in html
    sign_in_frame(client, letter, django_capture_on_commit_callbacks, source=partner.slug)
    signature = Signature.objects.get()
    assert signature.source_organization == partner
    assert signature.channel == Signature.Channel.EMBED


def test_an_unknown_source_is_ignored(client, letter, django_capture_on_commit_callbacks):
    response = sign_in_frame(client, letter, django_capture_on_commit_callbacks, source="nobody-we-know")
    assert response.status_code == 200
    assert Signature.objects.get().source_organization is None


def test_a_partners_malformed_source_does_not_break_the_form(client, letter, django_capture_on_commit_callbacks):
    """A partner who writes ?source=Beirut Rights Forum still collects signatures (unattributed)."""
    html = client.get(letter.url + "embed/?source=Beirut%20Rights%20Forum").content.decode()
    assert '<input type="hidden" name="source" id="id_source">' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(letter.url + "embed/?source=Beirut%20Rights%20Forum", signing_data(html))
    assert response.status_code == 200, response.content.decode()
    assert Signature.objects.get().source_organization is None


def test_a_malformed_source_on_the_letter_page_does_not_break_its_form(
    client, letter, django_capture_on_commit_callbacks
):
    html = client.get(letter.url + "?source=%22%3E%3Cb%3E").content.decode()
    assert '<input type="hidden" name="source" id="id_source">' in html  # empty: no attribution
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(letter.url + "sign/", signing_data(html))
    assert response.status_code == 302
    assert Signature.objects.count() == 1


def test_a_tampered_source_is_refused(client, letter, django_capture_on_commit_callbacks):
    html = client.get(embed_url(letter)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(embed_url(letter), signing_data(html, source='"><script>'))
    assert response.status_code == 400
    assert Signature.objects.count() == 0
    assert "<script>" not in response.content.decode()


# --- closed letters ---------------------------------------------------------------------------


def test_a_closed_letters_embed_says_so_and_stores_nothing(client, letter, django_capture_on_commit_callbacks):
    html = client.get(embed_url(letter)).content.decode()  # the form, loaded while it was open
    LetterPage.objects.filter(pk=letter.pk).update(status=LetterStatus.CLOSED)

    page = client.get(embed_url(letter))
    assert page.status_code == 200
    assert "This letter is not collecting signatures right now." in page.content.decode()
    assert 'class="sign-form"' not in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(embed_url(letter), signing_data(html))
    assert response.status_code == 403
    text = response.content.decode()
    assert "This letter is not collecting signatures any more, so nothing was saved." in text
    assert 'class="sign-form"' not in text
    assert Signature.objects.count() == 0


# --- the editors' list of sites ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "https://a.org",
        "https://a.org/",
        "https://www.amnesty.org",
        "https://partner.example:8443",
        "https://a.org\nhttps://b.org\n",
        "",
    ],
)
def test_site_addresses_editors_may_enter(value):
    validate_embed_origins(value)


@pytest.mark.parametrize(
    "value",
    [
        "http://a.org",
        "https://a.org/campaign",
        "https://a.org/?x=1",
        "https://a.org#sign",
        "https://a.org'",
        'https://a.org"',
        "https://a.org; script-src *",
        "https://a.org https://b.org",
        "*",
        "https://*.a.org",
        "'self'",
        "'none'",
        "javascript:alert(1)",
        "data:text/html,hi",
        "a.org",
        "//a.org",
        "https://",
        "https://user@a.org",
        "https://a.org\nhttp://b.org",
    ],
)
def test_anything_else_is_refused(value):
    with pytest.raises(ValidationError) as error:
        validate_embed_origins(value)
    assert error.value.code == "embed_origin"


def test_the_field_carries_the_validator():
    field = LetterPage._meta.get_field("embed_origins")
    assert validate_embed_origins in field.validators
    with pytest.raises(ValidationError):
        field.clean("http://a.org", None)


def test_origin_list_drops_blank_lines_and_trailing_slashes():
    assert embed_origin_list(" https://a.org/ \n\n\thttps://b.org\n") == ["https://a.org", "https://b.org"]
    assert embed_origin_list("") == [] and embed_origin_list(None) == []
