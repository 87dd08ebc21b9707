"""The signatures screen in the Wagtail admin: listing, held queue, bulk actions, export,
invalidation by criteria, and who may see any of it."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from coalition.letters.models import (
    LetterStatus,
    Signature,
    SignatureInvalidationJob,
    SignatureState,
    SignatureTally,
)
from coalition.letters.services import (
    InvalidationCriteria,
    signature_invalidation_batch,
    signature_invalidation_cancel,
    signature_invalidation_count,
    signature_invalidation_run,
    signature_invalidation_start,
)
from coalition.orgs.models import Membership
from tests.factories import (
    EditorFactory,
    LetterPageFactory,
    MembershipFactory,
    OrganizationFactory,
    SignatureFactory,
    UserFactory,
)

State = SignatureState
JobState = SignatureInvalidationJob.State
pytestmark = pytest.mark.django_db

LIST = "letters_signature:list"
NEW = "letters_signature_invalidation:new"


@pytest.fixture
def letter(db):
    return LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES, title="Free the detained journalists")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def partner(letter):
    """Staff of the letter's lead organization: in the Wagtail admin to co-draft it, nothing more."""
    return MembershipFactory(organization=letter.lead_organization, role=Membership.Role.OWNER).user


def bulk_url(action: str, *signatures, next_url: str = "") -> str:
    url = reverse("wagtail_bulk_action", args=("letters", "signature", action))
    params = [("id", s.pk) for s in signatures] + ([("next", next_url)] if next_url else [])
    return f"{url}?{urlencode(params)}"


def messages_of(response) -> list[str]:
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def states(*signatures) -> list[str]:
    for signature in signatures:
        signature.refresh_from_db()
    return [s.state for s in signatures]


def tally(letter, country="SY") -> int:
    row = SignatureTally.objects.filter(letter=letter, country=country).first()
    return row.confirmed if row else 0


def assert_refused(response):
    """Wagtail answers a refusal in the admin with a redirect to the dashboard (or 403/404)."""
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response["Location"] == reverse("wagtailadmin_home")


def export_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- the listing ---------------------------------------------------------------------------


def test_signatures_and_the_held_queue_are_in_the_coalition_menu(editor_client):
    html = editor_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Signatures" in html and reverse(LIST) in html
    assert "Held for review" in html and f"{reverse(LIST)}?state=suspect" in html
    assert "Invalidate signatures" in html and reverse("letters_signature_invalidation:index") in html


def test_the_listing_shows_name_letter_state_country_source_and_dates(editor_client, letter):
    source = OrganizationFactory(name="Aleppo Doctors Demo")
    SignatureFactory(letter=letter, first_name="Amina", last_name="Khalil", country="LB", source_organization=source)

    html = editor_client.get(reverse(LIST)).content.decode()

    for text in ["Amina Khalil", "Free the detained journalists", "Confirmed", "Lebanon", "Aleppo Doctors Demo"]:
        assert text in html
    for heading in ["Name", "Letter", "State", "Country", "Brought in by", "Signed", "Counted since"]:
        assert heading in html


def test_hostile_names_are_shown_as_text(editor_client, letter):
    SignatureFactory(letter=letter, first_name="<script>alert(1)</script>", last_name="<img src=x onerror=alert(2)>")

    listing = editor_client.get(reverse(LIST)).content.decode()
    signature = Signature.objects.get()
    inspect = editor_client.get(reverse("letters_signature:inspect", args=[signature.pk])).content.decode()

    for html in (listing, inspect):
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_listing_filters_by_letter_state_country_source_channel_and_date(editor_client, letter):
    other_letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES, title="Protect aid workers")
    source = OrganizationFactory(name="Source Group")
    SignatureFactory(letter=letter, first_name="Alpha", state=State.SUSPECT, country="SY")
    SignatureFactory(letter=letter, first_name="Bravo", country="AU", source_organization=source)
    SignatureFactory(letter=other_letter, first_name="Charlie", channel=Signature.Channel.EMBED)
    SignatureFactory(letter=other_letter, first_name="Delta", created_at=timezone.now() - timedelta(days=40))
    url = reverse(LIST)

    def names(**params):
        html = editor_client.get(url, params).content.decode()
        return {n for n in ["Alpha", "Bravo", "Charlie", "Delta"] if f">{n} " in html}

    assert names() == {"Alpha", "Bravo", "Charlie", "Delta"}
    assert names(state="suspect") == {"Alpha"}
    assert names(letter=other_letter.pk) == {"Charlie", "Delta"}
    assert names(country="AU") == {"Bravo"}
    assert names(source_organization=source.pk) == {"Bravo"}
    assert names(channel="embed") == {"Charlie"}
    recent = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert names(created_at_from=recent) == {"Alpha", "Bravo", "Charlie"}
    assert names(created_at_to=(timezone.now() - timedelta(days=30)).date().isoformat()) == {"Delta"}


def test_the_listing_searches_names_and_emails(editor_client, letter):
    SignatureFactory(letter=letter, first_name="Amina", last_name="Khalil", email="amina@mail.example")
    SignatureFactory(letter=letter, first_name="Jane", last_name="Citizen", email="jc@flood.example")
    url = reverse(LIST)

    def names(query):
        html = editor_client.get(url, {"q": query}).content.decode()
        return {n for n in ["Amina Khalil", "Jane Citizen"] if n in html}

    assert names("khalil") == {"Amina Khalil"}
    assert names("Amina Khalil") == {"Amina Khalil"}
    assert names("flood.example") == {"Jane Citizen"}
    assert names("nobody") == set()


def test_the_held_queue_lists_only_suspect_signatures_with_their_title(editor_client, letter):
    SignatureFactory(letter=letter, first_name="Held", state=State.SUSPECT, suspect_reason="flood")
    SignatureFactory(letter=letter, first_name="Counted")

    html = editor_client.get(reverse(LIST), {"state": "suspect"}).content.decode()

    assert "<title>Held for review - Wagtail</title>" in html
    assert ">Held " in html and ">Counted " not in html
    assert "<title>Signatures - Wagtail</title>" in editor_client.get(reverse(LIST)).content.decode()


def test_the_dashboard_tells_editors_how_many_signatures_are_held(client, letter):
    for _ in range(2):
        SignatureFactory(letter=letter, state=State.SUSPECT)
    SignatureFactory(letter=letter)
    client.force_login(EditorFactory())

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "Signatures held for review: 2" in html
    assert reverse(LIST) + "?state=suspect" in html


# --- the export -------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_the_csv_export_neutralizes_formulas_in_names_cities_and_comments(editor_client, letter, prefix):
    SignatureFactory(
        letter=letter,
        first_name=f'{prefix}HYPERLINK("http://evil.example","click")',
        last_name=f"{prefix}1+1",
        city=f"{prefix}cmd|' /C calc'!A0",
        comment=f"{prefix}SUM(A1:A9)",
        title=f"{prefix}Director",
    )

    response = editor_client.get(reverse(LIST), {"export": "csv"})

    assert response.status_code == 200
    [row] = export_rows(response)
    assert row["First name"] == f'\'{prefix}HYPERLINK("http://evil.example","click")'
    assert row["Last name"] == f"'{prefix}1+1"
    assert row["City or postcode"] == f"'{prefix}cmd|' /C calc'!A0"
    assert row["Comment"] == f"'{prefix}SUM(A1:A9)"
    assert row["Title or affiliation"] == f"'{prefix}Director"


def test_the_csv_export_has_the_signers_details_and_not_their_ip_address(editor_client, letter):
    org = OrganizationFactory(name="Consent Group")
    SignatureFactory(
        letter=letter,
        first_name="Amina",
        last_name="Khalil",
        email="amina@mail.example",
        country="SY",
        ip_address="203.0.113.9",
        source_organization=org,
        consents=[org],
    )

    [row] = export_rows(editor_client.get(reverse(LIST), {"export": "csv"}))

    assert (row["State"], row["Email"], row["Country"]) == ("Confirmed", "amina@mail.example", "Syria")
    assert (row["Letter"], row["Brought in by"], row["Agreed to hear from"]) == (
        "Free the detained journalists",
        "Consent Group",
        "Consent Group",
    )
    assert row["Channel"] == "Letter page" and row["Signed"] and row["Counted since"]
    assert "203.0.113.9" not in str(row)


def test_an_xss_payload_is_exported_literally_and_escaped_on_screen(editor_client, letter):
    payload = '<script>alert("x")</script>'
    SignatureFactory(letter=letter, first_name=payload, comment=payload)

    [row] = export_rows(editor_client.get(reverse(LIST), {"export": "csv"}))
    html = editor_client.get(reverse(LIST)).content.decode()

    assert row["First name"] == payload and row["Comment"] == payload
    assert payload not in html and "&lt;script&gt;" in html


def test_the_xlsx_export_keeps_formulas_as_quoted_text(editor_client, letter):
    SignatureFactory(letter=letter, first_name="=1+1", city="@SUM(A1)", comment="-2+3")

    response = editor_client.get(reverse(LIST), {"export": "xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    headings = [cell.value for cell in sheet[1]]
    for heading, value in [("First name", "=1+1"), ("City or postcode", "@SUM(A1)"), ("Comment", "-2+3")]:
        cell = sheet.cell(row=2, column=headings.index(heading) + 1)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", True)
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


# --- confirm and invalidate, one or many --------------------------------------------------------


def test_confirming_a_held_signature_counts_it_when_its_email_was_confirmed(editor_client, editor, letter):
    confirmed_email = SignatureFactory(letter=letter, state=State.SUSPECT, email_confirmed_at=timezone.now())
    unconfirmed_email = SignatureFactory(letter=letter, state=State.SUSPECT)
    url = bulk_url("confirm", confirmed_email, unconfirmed_email, next_url=reverse(LIST) + "?state=suspect")

    page = editor_client.get(url)
    assert page.status_code == 200 and confirmed_email.last_name in page.content.decode()
    assert states(confirmed_email, unconfirmed_email) == [State.SUSPECT] * 2  # a GET changes nothing

    response = editor_client.post(url)

    assert response.status_code == 302 and response["Location"] == reverse(LIST) + "?state=suspect"
    assert states(confirmed_email, unconfirmed_email) == [State.CONFIRMED, State.PENDING_CONFIRMATION]
    assert tally(letter) == 1
    assert confirmed_email.state_changed_by == editor
    assert any("2 signatures cleared" in m for m in messages_of(response))


def test_confirming_leaves_signatures_that_are_not_held_alone(editor_client, letter):
    held = SignatureFactory(letter=letter, state=State.SUSPECT)
    invalidated = SignatureFactory(letter=letter, state=State.INVALIDATED)

    response = editor_client.post(bulk_url("confirm", held, invalidated))

    assert states(held, invalidated) == [State.PENDING_CONFIRMATION, State.INVALIDATED]
    shown = messages_of(response)
    assert any("1 signature cleared" in m for m in shown)
    assert "1 signature was not held for review and is unchanged." in shown


def test_invalidating_many_with_a_reason_takes_them_out_of_the_count_and_records_why(editor_client, editor, letter):
    counted = [SignatureFactory(letter=letter) for _ in range(2)]
    held = SignatureFactory(letter=letter, state=State.SUSPECT)
    assert tally(letter) == 2

    response = editor_client.post(bulk_url("invalidate", *counted, held), {"reason": "Bot flood from one network."})

    assert response.status_code == 302
    assert states(*counted, held) == [State.INVALIDATED] * 3
    assert tally(letter) == 0
    assert "3 signatures invalidated." in messages_of(response)
    entry = ModelLogEntry.objects.filter(action="coalition.signature_invalidated", object_id=str(held.pk)).get()
    assert entry.user == editor and entry.data == {"reason": "Bot flood from one network."}


def test_invalidating_without_a_reason_is_refused_and_changes_nothing(editor_client, letter):
    signature = SignatureFactory(letter=letter)

    response = editor_client.post(bulk_url("invalidate", signature), {"reason": "  "})

    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert states(signature) == [State.CONFIRMED] and tally(letter) == 1


def test_select_all_confirms_only_what_the_filtered_listing_shows(editor_client, letter):
    other_letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    here = [SignatureFactory(letter=letter, state=State.SUSPECT) for _ in range(2)]
    elsewhere = SignatureFactory(letter=other_letter, state=State.SUSPECT)
    url = reverse("wagtail_bulk_action", args=("letters", "signature", "confirm"))

    editor_client.post(f"{url}?id=all&letter={letter.pk}&state=suspect")

    assert states(*here, elsewhere) == [State.PENDING_CONFIRMATION] * 2 + [State.SUSPECT]


def test_unknown_or_malformed_ids_are_not_found(editor_client):
    url = reverse("wagtail_bulk_action", args=("letters", "signature", "invalidate"))
    assert editor_client.get(f"{url}?id=999999").status_code == 404
    assert editor_client.get(f"{url}?id=1%27%20OR%201=1").status_code == 404


# --- inspect, history ------------------------------------------------------------------------------


def test_inspect_shows_every_field_the_consents_and_the_history(editor_client, editor, letter):
    org = OrganizationFactory(name="Keep Informed Group")
    signature = SignatureFactory(
        letter=letter,
        first_name="Amina",
        last_name="Khalil",
        email="amina@mail.example",
        ip_address="203.0.113.9",
        title="Journalist",
        comment="For my colleagues.",
        source_organization=org,
        consents=[org],
    )
    editor_client.post(bulk_url("invalidate", signature), {"reason": "Duplicate person."})

    html = editor_client.get(reverse("letters_signature:inspect", args=[signature.pk])).content.decode()

    for text in [
        "amina@mail.example",
        "203.0.113.9",
        "Journalist",
        "For my colleagues.",
        "Gaziantep",
        "Syria",
        "Keep Informed Group",
        "Keep me informed about Keep Informed Group&#x27;s work",
        "Invalidated: Duplicate person.",
        editor.get_full_name(),
    ]:
        assert text in html
    signature.refresh_from_db()
    assert signature.nonce not in html  # part of the signer's secret links


def test_history_lists_each_editor_change_with_its_reason(editor_client, editor, letter):
    signature = SignatureFactory(letter=letter, state=State.SUSPECT)
    editor_client.post(bulk_url("confirm", signature))
    editor_client.post(bulk_url("invalidate", signature), {"reason": "Fake name."})

    html = editor_client.get(reverse("letters_signature:history", args=[signature.pk])).content.decode()

    assert "Cleared for counting" in html and "Invalidated: Fake name." in html
    assert editor.get_full_name() in html


def test_nobody_adds_edits_or_deletes_signatures_in_the_admin(editor_client, letter):
    signature = SignatureFactory(letter=letter)

    listing = editor_client.get(reverse(LIST)).content.decode()
    assert reverse("letters_signature:add") not in listing
    assert reverse("letters_signature:delete", args=[signature.pk]) not in listing
    assert reverse("letters_signature:edit", args=[signature.pk]) not in listing
    assert_refused(editor_client.get(reverse("letters_signature:add")))
    assert_refused(editor_client.post(reverse("letters_signature:delete", args=[signature.pk])))
    edit = editor_client.post(reverse("letters_signature:edit", args=[signature.pk]), {"state": "invalidated"})
    assert edit.status_code == 302 and edit["Location"] == reverse("letters_signature:inspect", args=[signature.pk])
    editor_client.post(bulk_url("delete", signature))

    assert states(signature) == [State.CONFIRMED]


def test_signatures_stay_out_of_wagtails_reference_index(letter):
    from wagtail.models import ReferenceIndex

    reverse(LIST)  # the admin's viewsets are registered with the URLs
    before = ReferenceIndex.objects.count()
    SignatureFactory(letter=letter, source_organization=OrganizationFactory())

    assert not ReferenceIndex.is_indexed(Signature)
    assert ReferenceIndex.objects.count() == before


def test_no_signature_chooser_lists_signers(editor_client):
    with pytest.raises(NoReverseMatch):
        reverse("wagtailsnippetchoosers_letters_signature:choose")
    assert editor_client.get("/admin/snippets/choose/letters/signature/").status_code == 404


# --- who may see it -----------------------------------------------------------------------------------


def test_partner_staff_are_refused_everywhere(client, letter, partner):
    signature = SignatureFactory(letter=letter, state=State.SUSPECT, email="secret.signer@mail.example")
    job = SignatureInvalidationJob.objects.create(
        letter=letter, criteria={"letter": letter.pk, "email_domain": "mail.example"}, reason="x", total=1, max_pk=1
    )
    client.force_login(partner)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[letter.pk])).status_code == 200  # they co-draft

    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse(LIST) not in home and "held for review" not in home.lower()
    assert reverse("letters_signature_invalidation:index") not in home
    for url in [
        reverse(LIST),
        reverse(LIST) + "?state=suspect",
        reverse(LIST) + "?export=csv",
        reverse(LIST) + "?export=xlsx",
        reverse("letters_signature:list_results"),
        reverse("letters_signature:inspect", args=[signature.pk]),
        reverse("letters_signature:edit", args=[signature.pk]),
        reverse("letters_signature:history", args=[signature.pk]),
        bulk_url("confirm", signature),
        bulk_url("invalidate", signature),
        reverse("letters_signature_invalidation:index"),
        reverse(NEW),
        reverse("letters_signature_invalidation:job", args=[job.pk]),
    ]:
        response = client.get(url)
        assert_refused(response)
        assert signature.email not in response.content.decode()
    assert_refused(client.post(bulk_url("confirm", signature)))
    assert_refused(client.post(bulk_url("invalidate", signature), {"reason": "Competitor."}))
    assert_refused(client.post(reverse(NEW), criteria_data(letter, email_domain="mail.example", confirm="1")))
    assert_refused(client.post(reverse("letters_signature_invalidation:cancel", args=[job.pk])))
    client.post(bulk_url("delete", signature))

    assert states(signature) == [State.SUSPECT]
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and SignatureInvalidationJob.objects.count() == 1


def test_people_without_admin_access_are_sent_to_login(client, letter):
    signature = SignatureFactory(letter=letter)
    client.force_login(UserFactory())
    for url in [reverse("letters_signature:inspect", args=[signature.pk]), reverse(NEW)]:
        response = client.get(url)
        assert response.status_code == 302 and signature.email not in response.content.decode()


# --- invalidation by criteria ----------------------------------------------------------------------------


def criteria_data(letter, **fields) -> dict:
    data = {"letter": letter.pk, "reason": "Flood from one network."}
    data.update(fields)
    return data


def test_the_letter_alone_is_refused_with_a_clear_message(editor_client, letter):
    SignatureFactory(letter=letter)

    for extra in ({}, {"states": ["confirmed"]}):
        response = editor_client.post(reverse(NEW), criteria_data(letter, **extra))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Give at least one criterion besides the letter" in html

    assert SignatureInvalidationJob.objects.count() == 0 and states(Signature.objects.get()) == [State.CONFIRMED]


def test_the_service_refuses_empty_criteria_too(editor, letter):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        signature_invalidation_start(
            criteria=InvalidationCriteria(letter_id=letter.pk, states=("confirmed",)),
            reason="All of them",
            acting_user=editor,
        )
    assert refused.value.code == "empty"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("203.0.113.0/33", "Enter an IP range as CIDR"),
        ("not-an-ip", "Enter an IP range as CIDR"),
        ("0.0.0.0/0", "This range is too wide"),
        ("10.0.0.0/7", "This range is too wide"),
        ("2001:db8::/8", "This range is too wide"),
    ],
)
def test_a_malformed_or_too_wide_ip_range_is_refused(editor_client, letter, value, message):
    response = editor_client.post(reverse(NEW), criteria_data(letter, ip_range=value))
    assert message in response.content.decode()
    assert "This will invalidate" not in response.content.decode()


def test_counting_first_shows_how_many_will_be_invalidated_and_changes_nothing(editor_client, letter):
    flood = [SignatureFactory(letter=letter, ip_address=f"203.0.113.{n}") for n in (1, 2, 254)]
    SignatureFactory(letter=letter, ip_address="198.51.100.7")

    response = editor_client.post(reverse(NEW), criteria_data(letter, ip_range="203.0.113.0/24"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This will invalidate 3 signatures of “Free the detained journalists”." in " ".join(html.split())
    assert 'name="expected_total" value="3"' in html and 'name="confirm"' in html
    assert states(*flood) == [State.CONFIRMED] * 3 and SignatureInvalidationJob.objects.count() == 0


def test_the_count_is_shown_with_thousands_separators(editor_client, letter, monkeypatch):
    from coalition.letters import admin_signature_invalidation

    monkeypatch.setattr(admin_signature_invalidation, "signature_invalidation_count", lambda criteria: 1234)
    html = editor_client.post(reverse(NEW), criteria_data(letter, email_domain="flood.example")).content.decode()
    assert "This will invalidate 1,234 signatures" in " ".join(html.split())


def test_nothing_matching_is_said_plainly(editor_client, letter):
    SignatureFactory(letter=letter, ip_address="198.51.100.7")
    html = editor_client.post(reverse(NEW), criteria_data(letter, ip_range="203.0.113.0/24")).content.decode()
    assert "No signature matches these criteria." in html


def test_confirming_invalidates_exactly_the_matching_signatures_in_the_background(
    editor_client, editor, letter, django_capture_on_commit_callbacks
):
    other_letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES)
    flood = [SignatureFactory(letter=letter, ip_address=f"203.0.113.{n}") for n in (1, 2, 3)]
    neighbour = SignatureFactory(letter=letter, ip_address="203.0.114.1")
    same_network_other_letter = SignatureFactory(letter=other_letter, ip_address="203.0.113.5")
    assert tally(letter) == 4

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse(NEW), criteria_data(letter, ip_range="203.0.113.0/24", expected_total="3", confirm="1")
        )

    job = SignatureInvalidationJob.objects.get()
    assert response.status_code == 302
    assert "Invalidating 3 signatures of “Free the detained journalists” in the background." in messages_of(response)
    assert response["Location"] == reverse("letters_signature_invalidation:job", args=[job.pk])
    assert (job.state, job.total, job.processed, job.requested_by) == (JobState.DONE, 3, 3, editor)
    assert job.criteria["ip_range"] == "203.0.113.0/24" and job.criteria["letter"] == letter.pk
    assert states(*flood) == [State.INVALIDATED] * 3
    assert states(neighbour, same_network_other_letter) == [State.CONFIRMED] * 2
    assert tally(letter) == 1
    entry = ModelLogEntry.objects.filter(action="coalition.signature_invalidated", object_id=str(flood[0].pk)).get()
    assert entry.user == editor and entry.data["reason"] == f"Flood from one network. (invalidation #{job.pk})"

    page = editor_client.get(response["Location"]).content.decode()
    assert "3 of 3 signatures invalidated" in page and "Done" in page
    assert reverse("letters_signature_invalidation:cancel", args=[job.pk]) not in page


def test_the_confirmation_carries_every_criterion_to_the_job(
    editor_client, letter, django_capture_on_commit_callbacks
):
    import re

    from django.utils.dateparse import parse_datetime

    now = timezone.localtime()
    window_from, window_to = now - timedelta(hours=3), now + timedelta(minutes=5)
    hit = SignatureFactory(letter=letter, email="a@flood.example", state=State.SUSPECT, ip_address="203.0.113.7")
    wrong_state = SignatureFactory(letter=letter, email="b@flood.example", ip_address="203.0.113.8")
    old = SignatureFactory(
        letter=letter, email="c@flood.example", state=State.SUSPECT, ip_address="203.0.113.9",
        created_at=now - timedelta(days=2),
    )  # fmt: skip
    fields = criteria_data(
        letter,
        ip_range="203.0.113.0/24",
        email_domain="flood.example",
        created_from=window_from.strftime("%Y-%m-%d %H:%M"),
        created_to=window_to.strftime("%Y-%m-%d %H:%M"),
        states=["suspect", "pending_confirmation"],
    )
    confirm = editor_client.post(reverse(NEW), fields).content.decode()
    assert "This will invalidate 1 signature of" in " ".join(confirm.split())
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm)
    data = {}
    for name, value in hidden:
        data.setdefault(name, []).append(value)
    assert sorted(data["states"]) == ["pending_confirmation", "suspect"] and data["expected_total"] == ["1"]

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse(NEW), {**data, "confirm": "1"})

    job = SignatureInvalidationJob.objects.get()
    assert job.criteria["ip_range"] == "203.0.113.0/24" and job.criteria["email_domain"] == "flood.example"
    assert sorted(job.criteria["states"]) == ["pending_confirmation", "suspect"]
    assert parse_datetime(job.criteria["created_from"]) == window_from.replace(second=0, microsecond=0)
    assert (job.state, job.total, job.processed) == (JobState.DONE, 1, 1)
    assert states(hit, wrong_state, old) == [State.INVALIDATED, State.CONFIRMED, State.SUSPECT]


def test_signatures_made_after_the_count_are_not_invalidated(editor, letter, django_capture_on_commit_callbacks):
    SignatureFactory(letter=letter, email_domain="flood.example", email="a@flood.example")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = signature_invalidation_start(
            criteria=InvalidationCriteria(letter_id=letter.pk, email_domain="flood.example"),
            reason="Flood",
            acting_user=editor,
        )
    late = SignatureFactory(letter=letter, email="b@flood.example")
    for callback in callbacks:
        callback()

    job.refresh_from_db()
    assert (job.state, job.total, job.processed) == (JobState.DONE, 1, 1)
    assert states(late) == [State.CONFIRMED]


def test_a_changed_count_asks_for_confirmation_again(editor_client, letter):
    SignatureFactory(letter=letter, email="a@flood.example")
    SignatureFactory(letter=letter, email="b@flood.example")

    response = editor_client.post(
        reverse(NEW), criteria_data(letter, email_domain="flood.example", expected_total="1", confirm="1")
    )

    html = " ".join(response.content.decode().split())
    assert "The signatures changed since you counted them" in html
    assert "This will invalidate 2 signatures" in html and 'name="expected_total" value="2"' in html
    assert SignatureInvalidationJob.objects.count() == 0


@pytest.mark.parametrize(
    ("network", "inside", "outside"),
    [
        # Text prefixes would mislead here: "203.0.11" is a prefix of "203.0.113.5".
        ("203.0.11.0/24", ["203.0.11.0", "203.0.11.255"], ["203.0.113.5", "203.0.110.1", "203.0.1.1"]),
        ("198.51.96.0/20", ["198.51.96.1", "198.51.111.254"], ["198.51.112.1", "198.51.95.255", "198.5.100.1"]),
        ("192.0.2.7", ["192.0.2.7"], ["192.0.2.70", "192.0.2.8"]),
        ("10.0.0.0/8", ["10.200.3.4", "::ffff:10.1.2.3"], ["11.0.0.1", "100.0.0.1"]),
        ("2001:db8:abcd::/48", ["2001:db8:abcd::1", "2001:db8:abcd:ffff::2"], ["2001:db8:abce::1", "203.0.113.1"]),
    ],
)
def test_ip_ranges_match_exactly_by_address_not_by_text(editor, letter, network, inside, outside):
    yes = [SignatureFactory(letter=letter, ip_address=address) for address in inside]
    no = [SignatureFactory(letter=letter, ip_address=address) for address in outside]
    SignatureFactory(letter=letter, ip_address=None)
    criteria = InvalidationCriteria(letter_id=letter.pk, ip_range=network).clean()

    assert signature_invalidation_count(criteria=criteria) == len(inside)
    job = signature_invalidation_start(criteria=criteria, reason="Range", acting_user=editor)
    signature_invalidation_run(job_id=job.pk)

    assert states(*yes) == [State.INVALIDATED] * len(yes)
    assert states(*no) == [State.CONFIRMED] * len(no)


def test_email_domain_time_window_and_states_combine(editor, letter):
    now = timezone.now()
    hit = SignatureFactory(letter=letter, email="x@Flood.Example", created_at=now - timedelta(hours=2))
    hit_held = SignatureFactory(
        letter=letter, email="y@flood.example", state=State.SUSPECT, created_at=now - timedelta(hours=2)
    )
    too_early = SignatureFactory(letter=letter, email="z@flood.example", created_at=now - timedelta(days=3))
    other_domain = SignatureFactory(letter=letter, email="w@mail.example", created_at=now - timedelta(hours=2))
    criteria = InvalidationCriteria(
        letter_id=letter.pk, email_domain="@FLOOD.example", created_from=now - timedelta(days=1), created_to=now
    ).clean()
    assert criteria.email_domain == "flood.example"
    assert signature_invalidation_count(criteria=criteria) == 2
    only_held = InvalidationCriteria(**{**criteria.__dict__, "states": ("suspect",)}).clean()
    assert signature_invalidation_count(criteria=only_held) == 1

    job = signature_invalidation_start(criteria=only_held, reason="Held flood", acting_user=editor)
    signature_invalidation_run(job_id=job.pk)

    assert states(hit, hit_held, too_early, other_domain) == [
        State.CONFIRMED,
        State.INVALIDATED,
        State.CONFIRMED,
        State.CONFIRMED,
    ]


def test_a_time_window_that_ends_before_it_begins_is_refused(editor_client, letter):
    html = editor_client.post(
        reverse(NEW), criteria_data(letter, created_from="2026-03-02 10:00", created_to="2026-03-01 10:00")
    ).content.decode()
    assert "The time window ends before it begins." in html


def flood_job(editor, letter, n: int, django_capture_on_commit_callbacks):
    """A queued job over `n` signatures whose task has not run yet."""
    signatures = [SignatureFactory(letter=letter, email=f"s{i}@flood.example") for i in range(n)]
    with django_capture_on_commit_callbacks(execute=False):
        job = signature_invalidation_start(
            criteria=InvalidationCriteria(letter_id=letter.pk, email_domain="flood.example"),
            reason="Flood",
            acting_user=editor,
        )
    return job, signatures


def test_cancelling_between_batches_stops_the_job(editor_client, editor, letter, django_capture_on_commit_callbacks):
    job, signatures = flood_job(editor, letter, 5, django_capture_on_commit_callbacks)

    assert signature_invalidation_batch(job_id=job.pk, batch_size=2) is True
    job.refresh_from_db()
    assert (job.state, job.processed, job.total) == (JobState.RUNNING, 2, 5)
    page = editor_client.get(reverse("letters_signature_invalidation:job", args=[job.pk])).content.decode()
    assert "2 of 5 signatures invalidated" in page and 'max="5" value="2"' in page
    assert reverse("letters_signature_invalidation:cancel", args=[job.pk]) in page

    response = editor_client.post(reverse("letters_signature_invalidation:cancel", args=[job.pk]))
    assert response.status_code == 302
    assert "Cancelled after 2 of 5. What was invalidated stays invalidated." in messages_of(response)

    assert signature_invalidation_batch(job_id=job.pk, batch_size=2) is False
    assert signature_invalidation_run(job_id=job.pk) is True  # the task, run again, does nothing
    job.refresh_from_db()
    assert (job.state, job.processed, job.cancelled_by) == (JobState.CANCELLED, 2, editor)
    assert sorted(states(*signatures)) == sorted([State.INVALIDATED] * 2 + [State.CONFIRMED] * 3)
    assert tally(letter) == 3
    assert signature_invalidation_cancel(job=job, acting_user=editor).state == JobState.CANCELLED  # idempotent


def test_running_again_continues_where_it_left_off(editor, letter, django_capture_on_commit_callbacks):
    job, signatures = flood_job(editor, letter, 5, django_capture_on_commit_callbacks)

    signature_invalidation_batch(job_id=job.pk, batch_size=2)
    signature_invalidation_batch(job_id=job.pk, batch_size=2)
    assert signature_invalidation_run(job_id=job.pk) is True
    assert signature_invalidation_run(job_id=job.pk) is True

    job.refresh_from_db()
    assert (job.state, job.processed, job.total) == (JobState.DONE, 5, 5)
    assert states(*signatures) == [State.INVALIDATED] * 5
    assert tally(letter) == 0
    logs = ModelLogEntry.objects.filter(action="coalition.signature_invalidated")
    assert logs.count() == 5  # one each, never twice


def test_the_task_is_thin_and_takes_the_job_id(editor, letter, django_capture_on_commit_callbacks):
    from coalition.letters.tasks import signature_invalidation_run as task

    job, signatures = flood_job(editor, letter, 3, django_capture_on_commit_callbacks)

    assert task.name == "letters.signature_invalidation_run"
    assert task.delay(job.pk).get() is True
    assert states(*signatures) == [State.INVALIDATED] * 3


def test_a_failure_marks_the_job_failed_and_resume_continues(
    editor_client, editor, letter, django_capture_on_commit_callbacks, monkeypatch
):
    from coalition.letters.services import signature_invalidation as module

    job, signatures = flood_job(editor, letter, 3, django_capture_on_commit_callbacks)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    with monkeypatch.context() as patch:
        patch.setattr(module, "signature_invalidate", broken)
        with pytest.raises(RuntimeError):
            signature_invalidation_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "database went away" in job.error
    assert states(*signatures) == [State.CONFIRMED] * 3  # the batch was rolled back
    page = editor_client.get(reverse("letters_signature_invalidation:job", args=[job.pk])).content.decode()
    assert "database went away" in page and reverse("letters_signature_invalidation:resume", args=[job.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse("letters_signature_invalidation:resume", args=[job.pk]))

    job.refresh_from_db()
    assert (job.state, job.processed) == (JobState.DONE, 3)
    assert states(*signatures) == [State.INVALIDATED] * 3


def test_the_jobs_list_shows_earlier_invalidations(editor_client, editor, letter, django_capture_on_commit_callbacks):
    job, _signatures = flood_job(editor, letter, 1, django_capture_on_commit_callbacks)
    html = editor_client.get(reverse("letters_signature_invalidation:index")).content.decode()
    assert f"#{job.pk}" in html and "Free the detained journalists" in html and "Queued" in html
