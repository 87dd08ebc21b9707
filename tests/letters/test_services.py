from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from wagtail.models import PageLogEntry

from coalition.letters.models import LetterPage, LetterStatus, LetterStatusChange
from coalition.letters.services import (
    letter_status_change,
    letter_status_notification_send,
    letter_status_notifications_sweep,
)
from coalition.orgs.models import Membership
from tests.factories import LetterPageFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_status_change_records_who_when_and_why(editor):
    letter = LetterPageFactory()

    change = letter_status_change(
        letter=letter, to_status=LetterStatus.OPEN_FOR_SIGNATURES, acting_user=editor, note="Launch day"
    )

    letter.refresh_from_db()
    assert letter.status == LetterStatus.OPEN_FOR_SIGNATURES
    assert letter.status_changed_by == editor
    assert abs((letter.status_changed_at - change.created_at).total_seconds()) < 5
    assert (change.from_status, change.to_status, change.acting_user, change.note) == (
        LetterStatus.DRAFT,
        LetterStatus.OPEN_FOR_SIGNATURES,
        editor,
        "Launch day",
    )
    entry = PageLogEntry.objects.get(page=letter, action="coalition.letter_status")
    assert entry.user == editor
    assert entry.data == {"from": "draft", "to": "open_for_signatures", "note": "Launch day"}


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (LetterStatus.DRAFT, LetterStatus.CLOSED),
        (LetterStatus.DRAFT, LetterStatus.DELIVERED),
        (LetterStatus.OPEN_FOR_SIGNATURES, LetterStatus.DELIVERED),
        (LetterStatus.DELIVERED, LetterStatus.OPEN_FOR_SIGNATURES),
        (LetterStatus.CLOSED, LetterStatus.CLOSED),
    ],
)
def test_refused_transition_changes_nothing(editor, start, target):
    letter = LetterPageFactory(status=start)

    with pytest.raises(ValidationError):
        letter_status_change(letter=letter, to_status=target, acting_user=editor)

    letter.refresh_from_db()
    assert letter.status == start
    assert not LetterStatusChange.objects.exists()


def test_full_life_of_a_letter_is_logged_in_order(editor):
    letter = LetterPageFactory()
    path = [
        LetterStatus.OPEN_FOR_ENDORSEMENT,
        LetterStatus.OPEN_FOR_SIGNATURES,
        LetterStatus.CLOSED,
        LetterStatus.DELIVERED,
    ]
    for status in path:
        letter_status_change(letter=letter, to_status=status, acting_user=editor)

    history = list(LetterStatusChange.objects.filter(letter=letter).order_by("pk").values_list("to_status", flat=True))
    assert history == path


def test_unpublished_letter_cannot_be_opened(editor):
    letter = LetterPageFactory(live=False)

    with pytest.raises(ValidationError, match="Publish the letter"):
        letter_status_change(letter=letter, to_status=LetterStatus.OPEN_FOR_SIGNATURES, acting_user=editor)


def test_publishing_an_old_draft_keeps_the_current_status(editor):
    letter = LetterPageFactory()
    draft = letter.save_revision(user=editor)
    letter_status_change(letter=letter, to_status=LetterStatus.OPEN_FOR_SIGNATURES, acting_user=editor)
    letter_status_change(letter=letter, to_status=LetterStatus.CLOSED, acting_user=editor)

    draft.publish(user=editor)

    assert LetterPage.objects.get(pk=letter.pk).status == LetterStatus.CLOSED


def test_status_change_emails_owners_and_admins_of_the_letters_organizations(
    editor, django_capture_on_commit_callbacks
):
    lead, co_drafter, outsider = OrganizationFactory.create_batch(3)
    owner = MembershipFactory(organization=lead, role=Membership.Role.OWNER).user
    admin = MembershipFactory(organization=co_drafter, role=Membership.Role.ADMIN).user
    MembershipFactory(organization=lead, role=Membership.Role.MEMBER)
    MembershipFactory(organization=outsider, role=Membership.Role.OWNER)
    letter = LetterPageFactory(lead_organization=lead, co_drafters=[co_drafter], title="Free the detainees")

    with django_capture_on_commit_callbacks(execute=True):
        change = letter_status_change(letter=letter, to_status=LetterStatus.OPEN_FOR_SIGNATURES, acting_user=editor)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, admin.email])
    assert all(len(m.to) == 1 for m in mail.outbox), "recipients must not see each other's addresses"
    assert mail.outbox[0].subject == "“Free the detainees” is now open for signatures"
    assert "http://testserver/letters/" in mail.outbox[0].body
    change.refresh_from_db()
    assert change.notified_at is not None


def test_notification_is_not_queued_before_commit(editor, django_capture_on_commit_callbacks):
    lead = OrganizationFactory()
    MembershipFactory(organization=lead, role=Membership.Role.OWNER)
    letter = LetterPageFactory(lead_organization=lead)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        letter_status_change(letter=letter, to_status=LetterStatus.OPEN_FOR_SIGNATURES, acting_user=editor)

    # The notification task, and forgetting the sign/ short cuts (letters.sign_routes).
    assert len(callbacks) == 2
    assert mail.outbox == []


def test_notification_sent_twice_sends_once(editor, django_capture_on_commit_callbacks):
    lead = OrganizationFactory()
    MembershipFactory(organization=lead, role=Membership.Role.OWNER)
    letter = LetterPageFactory(lead_organization=lead)
    with django_capture_on_commit_callbacks(execute=True):
        change = letter_status_change(letter=letter, to_status=LetterStatus.OPEN_FOR_SIGNATURES, acting_user=editor)
    assert len(mail.outbox) == 1

    assert letter_status_notification_send(status_change_id=change.pk) == 0
    assert len(mail.outbox) == 1


def test_sweeper_sends_what_a_dead_broker_dropped(editor, django_capture_on_commit_callbacks):
    lead = OrganizationFactory()
    MembershipFactory(organization=lead, role=Membership.Role.OWNER)
    letter = LetterPageFactory(lead_organization=lead)
    with django_capture_on_commit_callbacks(execute=False):  # the queued task is lost
        change = letter_status_change(letter=letter, to_status=LetterStatus.OPEN_FOR_SIGNATURES, acting_user=editor)
    assert mail.outbox == []

    assert letter_status_notifications_sweep(grace=timedelta(0)) == 1
    assert len(mail.outbox) == 1
    change.refresh_from_db()
    assert change.notified_at is not None
    assert letter_status_notifications_sweep(grace=timedelta(0)) == 0


def test_broker_down_still_commits_the_status_change(editor, monkeypatch, django_capture_on_commit_callbacks):
    from coalition.letters import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Redis is down")

    monkeypatch.setattr(tasks.letter_status_notify, "delay", broker_down)
    letter = LetterPageFactory()

    with django_capture_on_commit_callbacks(execute=True):
        letter_status_change(letter=letter, to_status=LetterStatus.OPEN_FOR_SIGNATURES, acting_user=editor)

    letter.refresh_from_db()
    assert letter.status == LetterStatus.OPEN_FOR_SIGNATURES
    assert LetterStatusChange.objects.filter(letter=letter, notified_at__isnull=True).count() == 1


def test_hostile_title_cannot_inject_email_headers(editor, django_capture_on_commit_callbacks):
    lead = OrganizationFactory()
    MembershipFactory(organization=lead, role=Membership.Role.OWNER)
    letter = LetterPageFactory(lead_organization=lead)
    LetterPage.objects.filter(pk=letter.pk).update(title="Hi\r\nBcc: victim@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        letter_status_change(letter=letter, to_status=LetterStatus.OPEN_FOR_SIGNATURES, acting_user=editor)

    assert len(mail.outbox) == 1
    message = mail.outbox[0].message()
    assert message["Bcc"] is None
    assert "\n" not in mail.outbox[0].subject


def test_a_letter_without_a_lead_organization_cannot_open(editor):
    letter = LetterPageFactory(lead_organization=None)

    with pytest.raises(ValidationError, match="lead organization"):
        letter_status_change(letter=letter, to_status=LetterStatus.OPEN_FOR_SIGNATURES, acting_user=editor)


def test_lead_and_co_drafter_changes_are_in_the_page_history(editor):
    from coalition.letters.services import letter_codrafter_add, letter_codrafter_remove, letter_lead_set

    letter = LetterPageFactory(lead_organization=None)
    lead, co = OrganizationFactory.create_batch(2)
    letter_lead_set(letter=letter, organization=lead, acting_user=editor)
    letter_codrafter_add(letter=letter, organization=co, acting_user=editor)
    with pytest.raises(ValidationError):
        letter_codrafter_add(letter=letter, organization=lead, acting_user=editor)
    letter_codrafter_remove(letter=letter, organization=co, acting_user=editor)

    actions = list(
        PageLogEntry.objects.filter(page=letter, action__startswith="coalition.")
        .order_by("pk")
        .values_list("action", "user")
    )
    assert actions == [
        ("coalition.letter_lead", editor.pk),
        ("coalition.letter_codrafter_added", editor.pk),
        ("coalition.letter_codrafter_removed", editor.pk),
    ]
    letter.refresh_from_db()
    assert letter.lead_organization == lead and not letter.co_drafters.exists()


def test_publishing_a_revision_keeps_the_current_lead(editor):
    from coalition.letters.services import letter_lead_set

    first, second = OrganizationFactory.create_batch(2)
    letter = LetterPageFactory(lead_organization=first)
    old = letter.save_revision(user=editor)
    letter_lead_set(letter=letter, organization=second, acting_user=editor)

    old.publish(user=editor)

    assert LetterPage.objects.get(pk=letter.pk).lead_organization == second
