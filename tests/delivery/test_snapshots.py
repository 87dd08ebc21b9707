"""Coalition delivery: frozen snapshots, addenda, the delivery report and the public history."""

import hashlib
import smtplib
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from coalition.delivery.models import DecisionMaker, LetterDelivery, OutgoingMessage, RecipientList
from coalition.delivery.snapshots import (
    letter_addendum,
    letter_deliver,
    letter_delivery_recipients,
    letter_pdf_is_current,
)
from coalition.letters.models import LetterDocument, LetterPage, LetterRecipient, LetterStatus, LetterStatusChange
from coalition.letters.pdf import content
from coalition.letters.services import documents, letter_status_change, signature_confirm
from coalition.orgs.models import Membership
from tests.factories import (
    EditorFactory,
    LetterPageFactory,
    MembershipFactory,
    OrganizationFactory,
    SignatureFactory,
    endorsement_for,
)

pytestmark = pytest.mark.django_db
REFUSED = "gone@senate.example"


@pytest.fixture(autouse=True)
def small_pages(small_pdf_chunks):
    """Pages of 12 names and chunks of 2 pages, as in tests/letters/test_pdf_build.py."""


@pytest.fixture
def lead(db):
    return OrganizationFactory(name="Families for Truth", slug="families-for-truth", country="SY")


@pytest.fixture
def letter(index, lead):
    letter = LetterPageFactory(
        title="Stand with the families", status=LetterStatus.OPEN_FOR_SIGNATURES, lead_organization=lead
    )
    endorsement_for(letter, lead)
    endorsement_for(letter, OrganizationFactory(name="Archive of Memory", country="LB"))
    LetterRecipient.objects.create(
        page=letter, sort_order=0, name="Jordan Avery", title="President", email="president@office.example"
    )
    senate = RecipientList.objects.create(name="Senate committee")
    senate.decision_makers.add(
        DecisionMaker.objects.create(
            external_id="s1", name="Casey Moore", title="Senator", office="Senate", email="casey@senate.example",
            country="US",
        ),
        # The president again, in other capitals: one message per address.
        DecisionMaker.objects.create(
            external_id="s2", name="Jordan Avery", office="Office", email="PRESIDENT@office.example", country="US"
        ),
        DecisionMaker.objects.create(
            external_id="s3", name="Out Of Office", email="former@senate.example", country="US", active=False
        ),
    )  # fmt: skip
    senate.letters.add(letter)
    for n in range(5):
        sign(letter, n)
    return LetterPage.objects.get(pk=letter.pk)


@pytest.fixture
def editor(db):
    return EditorFactory(first_name="Edith", last_name="Tor")


def sign(letter, n: int, **fields):
    defaults = {"first_name": f"Person{n:03d}", "last_name": f"Zed{n:03d}", "show_full_name": True}
    return SignatureFactory(letter=letter, **{**defaults, **fields})


def build(letter) -> LetterDocument:
    document = documents.letter_pdf_request(letter=letter)
    if document.state == LetterDocument.State.QUEUED:
        documents.letter_pdf_build(document_id=document.pk)
    document.refresh_from_db()
    assert document.state == LetterDocument.State.READY, document.error
    return document


def deliver(letter, user, capture, **kwargs) -> LetterDelivery:
    with capture(execute=True):
        delivery = letter_deliver(letter=letter, acting_user=user, **kwargs)
    delivery.refresh_from_db()
    return delivery


def addendum(letter, user, capture, **kwargs) -> LetterDelivery:
    with capture(execute=True):
        delivery = letter_addendum(letter=letter, acting_user=user, **kwargs)
    delivery.refresh_from_db()
    return delivery


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_bytes(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages)


def later(delivery):
    """Move a delivery back in time, as if it had been made an hour ago."""
    LetterDelivery.objects.filter(pk=delivery.pk).update(created_at=delivery.created_at - timedelta(hours=1))


# --- recipients ------------------------------------------------------------------------------------


def test_recipients_are_the_letters_own_then_its_lists_active_decision_makers_once_per_address(letter):
    LetterRecipient.objects.create(page=letter, sort_order=1, name="No Address", email="")
    recipients = letter_delivery_recipients(letter=letter)
    assert recipients == [
        {"name": "Jordan Avery", "title": "President", "office": "", "email": "president@office.example"},
        {"name": "Casey Moore", "title": "Senator", "office": "Senate", "email": "casey@senate.example"},
    ]


# --- delivering ------------------------------------------------------------------------------------


def test_delivery_needs_a_pdf_of_the_letter_as_it_is_now(letter, editor):
    with pytest.raises(ValidationError) as refused:
        letter_deliver(letter=letter, acting_user=editor)
    assert refused.value.code == "no_current_pdf" and "Build the signed PDF first" in refused.value.messages[0]

    document = build(letter)
    assert letter_pdf_is_current(letter, document)
    sign(letter, 99)  # a new signatory: the PDF no longer lists everyone
    assert not letter_pdf_is_current(letter, document)
    with pytest.raises(ValidationError) as refused:
        letter_deliver(letter=letter, acting_user=editor)
    assert refused.value.code == "no_current_pdf"
    assert not LetterDelivery.objects.exists() and not OutgoingMessage.objects.exists()


def test_delivery_needs_a_recipient_with_an_address(index, lead, editor):
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES, lead_organization=lead)
    LetterRecipient.objects.create(page=letter, name="Nobody's Inbox", email="")
    sign(letter, 1)
    build(letter)
    with pytest.raises(ValidationError) as refused:
        letter_deliver(letter=letter, acting_user=editor)
    assert refused.value.code == "no_recipients"
    assert not LetterDelivery.objects.exists() and not default_storage.exists("deliveries")


def test_constituent_letters_are_not_delivered_as_a_whole(letter, editor):
    LetterPage.objects.filter(pk=letter.pk).update(delivery_mode="constituent")
    letter.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        letter_deliver(letter=letter, acting_user=editor)
    assert refused.value.code == "not_coalition"


def test_delivery_sends_each_recipient_one_message_with_the_pdf_attached(
    letter, editor, django_capture_on_commit_callbacks
):
    document = build(letter)
    delivery = deliver(
        letter, editor, django_capture_on_commit_callbacks, message="Please reply to the coalition office."
    )

    assert delivery.state == "sent" and delivery.sent_at is not None
    assert delivery.kind == "delivery" and delivery.created_by == editor
    assert delivery.pdf_sha256 == document.sha256 and delivery.pdf_pages == document.pages
    assert delivery.pdf.name != document.file.name and sha256(file_bytes(delivery.pdf)) == document.sha256
    assert (delivery.organizations_count, delivery.signatures_count) == (2, 5)
    assert delivery.revision_id == letter.live_revision_id and delivery.content_hash == document.text_hash
    assert [r["email"] for r in delivery.recipients] == ["president@office.example", "casey@senate.example"]

    assert sorted(address for email in mail.outbox for address in email.to) == [
        "casey@senate.example",
        "president@office.example",
    ]
    for email in mail.outbox:
        assert email.subject == "Stand with the families"
        assert len(email.to) == 1 and not email.cc and not email.bcc
        ((name, data, mimetype),) = email.attachments
        assert mimetype == "application/pdf" and sha256(data) == delivery.pdf_sha256
        assert email.body.startswith("Please reply to the coalition office.")
        assert "Dear Mr. President," in email.body and "We write to ask you to act." in email.body
        assert "Signed by 2 organizations and 5 individuals as of" in email.body
    messages = OutgoingMessage.objects.filter(delivery=delivery)
    assert messages.count() == 2 and set(messages.values_list("state", flat=True)) == {"sent"}
    assert all(m.message_id and m.attempts == 1 for m in messages)


def test_a_double_click_delivers_once(letter, editor, django_capture_on_commit_callbacks):
    build(letter)
    deliver(letter, editor, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as refused:
        deliver(letter, editor, django_capture_on_commit_callbacks)
    assert refused.value.code == "already_delivered"
    assert LetterDelivery.objects.count() == 1 and len(mail.outbox) == 2


def test_delivering_a_closed_letter_moves_it_to_delivered_through_the_status_service(
    letter, editor, django_capture_on_commit_callbacks
):
    letter_status_change(letter=letter, to_status=LetterStatus.CLOSED, acting_user=editor)
    letter = LetterPage.objects.get(pk=letter.pk)
    build(letter)
    deliver(letter, editor, django_capture_on_commit_callbacks)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DELIVERED and letter.status_changed_by == editor
    changes = LetterStatusChange.objects.filter(letter=letter).order_by("pk")
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("open_for_signatures", "closed"),
        ("closed", "delivered"),
    ]
    assert all(c.acting_user == editor for c in changes)


def test_a_letter_open_for_signatures_stays_open_after_its_delivery(
    letter, editor, django_capture_on_commit_callbacks
):
    build(letter)
    deliver(letter, editor, django_capture_on_commit_callbacks)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.OPEN_FOR_SIGNATURES  # signatures keep coming, for an addendum


def test_the_snapshot_never_changes_after_the_delivery(letter, editor, django_capture_on_commit_callbacks):
    first_pdf = build(letter)
    delivery = deliver(letter, editor, django_capture_on_commit_callbacks)
    frozen = {
        field: getattr(delivery, field)
        for field in (
            "revision_id", "content_hash", "pdf_sha256", "pdf_pages", "organizations_count", "signatures_count",
            "signatures_total", "signatures_until", "recipients", "created_at",
        )
    }  # fmt: skip
    frozen_bytes = file_bytes(delivery.pdf)

    for n in range(100, 110):  # new signatures,
        sign(letter, n)
    live = LetterPage.objects.get(pk=letter.pk)  # a text edit, published,
    live.body = "<p>A new paragraph written after the delivery.</p>"
    live.save_revision().publish()
    LetterRecipient.objects.filter(page=letter).update(name="Someone Else")  # a changed recipient,
    live = LetterPage.objects.get(pk=letter.pk)
    second_pdf = build(live)  # a new PDF,
    assert second_pdf.pk != first_pdf.pk and second_pdf.sha256 != first_pdf.sha256
    default_storage.delete(first_pdf.file.name)  # and the delivered build's file cleaned up.

    delivery = LetterDelivery.objects.get(pk=delivery.pk)
    assert {field: getattr(delivery, field) for field in frozen} == frozen
    assert file_bytes(delivery.pdf) == frozen_bytes and sha256(frozen_bytes) == delivery.pdf_sha256
    assert delivery.revision_id != live.live_revision_id and delivery.content_hash != second_pdf.text_hash


# --- addenda --------------------------------------------------------------------------------------------


def test_an_addendum_lists_only_the_signatories_since_the_delivery(letter, editor, django_capture_on_commit_callbacks):
    build(letter)
    first = deliver(letter, editor, django_capture_on_commit_callbacks)
    later(first)
    mail.outbox.clear()
    late = sign(letter, 200, state="pending_confirmation")  # signed before, confirmed after the delivery
    signature_confirm(signature=late)
    for n in range(201, 203):
        sign(letter, n)
    sign(letter, 300, show_name=False)  # counted, but did not agree to be named
    sign(letter, 301, state="pending_confirmation")  # not confirmed

    extra = addendum(letter, editor, django_capture_on_commit_callbacks, message="Three more.")

    assert extra.kind == "addendum" and extra.addendum_to_id == first.pk and extra.state == "sent"
    assert extra.signatures_after == first.signatures_until and extra.signatures_until > first.signatures_until
    # Three new named signatories in the PDF; nine confirmed signers in all (one asked not to be named).
    assert (extra.signatures_count, extra.signatures_total) == (3, 9)
    assert extra.recipients == first.recipients and extra.created_by == editor
    text = pdf_text(file_bytes(extra.pdf))
    for n in (200, 201, 202):
        assert f"Person{n:03d}" in text
    for absent in ("Person000", "Person004", "Person300", "Person301"):
        assert absent not in text
    since = content.document_date(first.signatures_until, "en")
    assert f"Additional signatories since {since}" in text and "Stand with the families" in text
    assert "3 more individuals signed" in text
    assert (
        sha256(file_bytes(extra.pdf)) == extra.pdf_sha256 and len(PdfReader(extra.pdf.path).pages) == extra.pdf_pages
    )

    assert len(mail.outbox) == 2
    for email in mail.outbox:
        assert email.subject == "Additional signatories: Stand with the families"
        assert sha256(email.attachments[0][1]) == extra.pdf_sha256
        assert email.body.startswith("Three more.")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.OPEN_FOR_SIGNATURES


def test_the_signatory_list_can_be_cut_to_a_confirmation_window(letter):
    cut = timezone.now()
    Signature = letter.signatures.model
    Signature.objects.filter(letter=letter).update(confirmed_at=cut - timedelta(hours=1))
    inside = [sign(letter, 600, country="FR"), sign(letter, 601, country="SY")]
    window = {"confirmed_after": cut, "confirmed_until": timezone.now()}
    assert list(content.listed_signatures(letter, **window).order_by("pk")) == inside
    lines = [line.text for line in content.signatory_lines(letter, group_by_country=True, **window)]
    assert lines == ["France (1)", "Person600 Zed600 · Gaziantep", "Syria (1)", "Person601 Zed601 · Gaziantep"]
    assert content.listed_signatures(letter, confirmed_until=cut).count() == 5


def test_an_addendum_needs_a_delivery_and_new_signatures(letter, editor, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as refused:
        letter_addendum(letter=letter, acting_user=editor)
    assert refused.value.code == "not_delivered"
    build(letter)
    deliver(letter, editor, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as refused:
        letter_addendum(letter=letter, acting_user=editor)
    assert refused.value.code == "no_new_signatures" and "No one has signed since" in refused.value.messages[0]
    sign(letter, 400)
    addendum(letter, editor, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as refused:  # the second click of a double click
        letter_addendum(letter=letter, acting_user=editor)
    assert refused.value.code == "no_new_signatures"
    assert LetterDelivery.objects.filter(kind="addendum").count() == 1


# --- the admin page and its report ---------------------------------------------------------------------------


class RefusingBackend(EmailBackend):
    """Delivers to the outbox, except to one address, which the server refuses for good."""

    def send_messages(self, messages):
        for message in messages:
            if REFUSED in message.recipients():
                raise smtplib.SMTPRecipientsRefused({REFUSED: (550, b"5.1.1 No such mailbox")})
        return super().send_messages(messages)


def test_editors_deliver_from_the_admin_and_see_each_recipients_state(
    letter, editor, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.delivery.test_snapshots.RefusingBackend"
    DecisionMaker.objects.filter(external_id="s1").update(email=REFUSED)
    client = Client()
    client.force_login(editor)
    url = reverse("delivery_admin:delivery", args=[letter.pk])
    assert url == f"/admin/letters/{letter.pk}/delivery/"

    edit = client.get(reverse("wagtailadmin_pages:edit", args=[letter.pk])).content.decode()
    assert url in edit
    page = client.get(url).content.decode()
    assert "The letter has no signed PDF yet" in page and reverse("letters_admin:pdf", args=[letter.pk]) in page
    assert "Deliver now" not in page

    document = build(letter)
    page = client.get(url).content.decode()
    assert "Deliver now to 2 recipients" in page and REFUSED in page and "president@office.example" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "deliver", "deliver-message": "From the coalition office."})
    assert response.status_code == 302

    delivery = LetterDelivery.objects.get()
    assert delivery.state == "partial" and delivery.message == "From the coalition office."
    sent = OutgoingMessage.objects.get(delivery=delivery, recipient_email="president@office.example")
    failed = OutgoingMessage.objects.get(delivery=delivery, recipient_email=REFUSED)
    assert sent.state == "sent" and failed.state == "failed" and "No such mailbox" in failed.last_error
    assert [email.to for email in mail.outbox] == [["president@office.example"]]

    page = client.get(url).content.decode()
    assert "Sent 1 · Failed 1 · Pending 0" in page
    assert '<tr data-state="failed">' in page and '<tr data-state="sent">' in page
    assert escape(sent.message_id) in page and "No such mailbox" in page and delivery.pdf_sha256 in page
    assert "Edith Tor" in page
    download = client.get(reverse("delivery_admin:delivery_pdf", args=[letter.pk, delivery.pk]))
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    assert sha256(b"".join(download.streaming_content)) == document.sha256

    sign(letter, 500)
    page = client.get(url).content.decode()
    assert "Send an addendum (1 new signature)" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "addendum", "addendum-message": ""})
    assert LetterDelivery.objects.filter(kind="addendum", addendum_to=delivery).count() == 1


def test_a_refused_delivery_is_shown_to_the_editor_as_an_error(letter, editor):
    client = Client()
    client.force_login(editor)
    url = reverse("delivery_admin:delivery", args=[letter.pk])
    response = client.post(url, {"action": "deliver", "deliver-message": ""}, follow=True)
    assert "Build the signed PDF first" in response.content.decode()
    assert not LetterDelivery.objects.exists()


def test_partner_staff_may_not_deliver_nor_see_the_report(letter, lead, editor, django_capture_on_commit_callbacks):
    build(letter)
    delivery = deliver(letter, editor, django_capture_on_commit_callbacks)
    staff = MembershipFactory(organization=lead, role=Membership.Role.OWNER).user
    partner = Client()
    partner.force_login(staff)
    url = reverse("delivery_admin:delivery", args=[letter.pk])
    assert partner.get(url).status_code in (403, 404)
    assert partner.post(url, {"action": "addendum"}).status_code in (403, 404)
    pdf_url = reverse("delivery_admin:delivery_pdf", args=[letter.pk, delivery.pk])
    assert partner.get(pdf_url).status_code in (403, 404)
    assert Client().get(pdf_url).status_code in (302, 403, 404)  # signed out: the admin's login
    edit = partner.get(reverse("wagtailadmin_pages:edit", args=[letter.pk]))
    assert url not in edit.content.decode()
    assert LetterDelivery.objects.count() == 1


# --- the public history --------------------------------------------------------------------------------------


def test_the_letter_page_shows_what_was_delivered_when(letter, editor, django_capture_on_commit_callbacks):
    assert "Delivered to" not in Client().get(letter.url).content.decode()
    build(letter)
    deliver(letter, editor, django_capture_on_commit_callbacks)
    page = " ".join(Client().get(letter.url).content.decode().split())
    today = timezone.localdate().strftime("%-d %B %Y")
    assert "Delivered to Jordan Avery and Casey Moore on <time datetime=" in page
    assert f">{today}</time> with 2 organizations and 5 individuals" in page
    assert "president@office.example" not in page and "casey@senate.example" not in page


def test_the_history_formats_the_counts_and_lists_addenda_oldest_first(letter, django_assert_num_queries):
    from coalition.delivery.history import letter_delivery_history

    recipients = [{"name": "the President", "title": "", "office": "", "email": "p@office.example"}]
    first = LetterDelivery.objects.create(
        letter=letter, state="sent", recipients=recipients, organizations_count=31, signatures_count=165953
    )
    LetterDelivery.objects.filter(pk=first.pk).update(created_at=datetime(2026, 5, 12, 15, tzinfo=UTC))
    second = LetterDelivery.objects.create(
        letter=letter, kind="addendum", addendum_to=first, state="partial", recipients=recipients,
        signatures_count=1204,
    )  # fmt: skip
    LetterDelivery.objects.filter(pk=second.pk).update(created_at=datetime(2026, 5, 13, 9, tzinfo=UTC))
    LetterDelivery.objects.create(letter=letter, state="sending", recipients=recipients)  # not yet delivered
    with django_assert_num_queries(1):
        history = letter_delivery_history(letter=letter)
    assert [record.kind for record in history] == ["delivery", "addendum"]

    page = " ".join(Client().get(letter.url).content.decode().split())
    assert (
        'Delivered to the President on <time datetime="2026-05-12">12 May 2026</time> '
        "with 31 organizations and 165,953 individuals"
    ) in page
    assert 'Additional signatories: 1,204 more on <time datetime="2026-05-13">13 May 2026</time>' in page
    assert page.index("165,953") < page.index("1,204")


def test_hostile_recipient_names_are_escaped_and_never_become_headers(
    index, lead, editor, django_capture_on_commit_callbacks
):
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_SIGNATURES, lead_organization=lead)
    hostile = "<script>alert(1)</script>\r\nBcc: attacker@evil.example"
    LetterRecipient.objects.create(page=letter, sort_order=0, name=hostile, email="minister@office.example")
    LetterRecipient.objects.create(
        page=letter, sort_order=1, name="Injected", email="aide@office.example\r\nBcc: attacker@evil.example"
    )
    sign(letter, 1)
    build(letter)
    delivery = deliver(letter, editor, django_capture_on_commit_callbacks)

    assert [r["email"] for r in delivery.recipients] == ["minister@office.example"]
    assert delivery.recipients[0]["name"] == "<script>alert(1)</script> Bcc: attacker@evil.example"
    (email,) = mail.outbox
    assert email.to == ["minister@office.example"] and not email.bcc and not email.cc
    headers = email.message().as_string().split("\n\n", 1)[0]
    assert "attacker" not in headers and "script" not in headers
    message = OutgoingMessage.objects.get(delivery=delivery)
    assert "\n" not in message.recipient_name and "\r" not in message.recipient_name

    page = Client().get(letter.url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    client = Client()
    client.force_login(editor)
    report = client.get(reverse("delivery_admin:delivery", args=[letter.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report and "<script>alert(1)" not in report


# --- the demo --------------------------------------------------------------------------------------------------


def test_an_editor_can_deliver_the_demo_coalition_letter_and_send_an_addendum(
    editor, django_capture_on_commit_callbacks
):
    call_command("load_demo")
    letter = LetterPage.objects.get(slug="syria-cannot-wait-letter-to-the-president")
    recipients = letter_delivery_recipients(letter=letter)
    assert recipients and all(r["email"].endswith(".example") for r in recipients)
    late = SignatureFactory(letter=letter, state="pending_confirmation", first_name="Late", last_name="Signer")
    build(letter)
    delivery = deliver(letter, editor, django_capture_on_commit_callbacks)
    assert delivery.state == "sent" and len(mail.outbox) == len(recipients)
    assert sha256(mail.outbox[0].attachments[0][1]) == delivery.pdf_sha256

    signature_confirm(signature=late)  # the next day, a late confirmation
    extra = addendum(letter, editor, django_capture_on_commit_callbacks)
    assert extra.signatures_count == 1 and "Late S." in pdf_text(file_bytes(extra.pdf))
    page = Client().get(letter.url).content.decode()
    assert "Delivered to" in page and "Additional signatories: 1 more on" in page
