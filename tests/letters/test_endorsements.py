"""Endorsement services: the state machine, both ways to endorse, text changes, emails."""

import itertools
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from wagtail.models import ModelLogEntry

from coalition.letters import services
from coalition.letters.models import (
    ENDORSEMENT_TRANSITIONS,
    Endorsement,
    EndorsementNotice,
    EndorsementState,
    LetterStatus,
)
from coalition.letters.services.endorsements import _transition
from coalition.letters.text import LetterText, letter_text_diff, letter_text_hash
from coalition.orgs.models import Membership, Organization
from coalition.orgs.selectors import organization_match, organization_name_key, website_domain
from tests.factories import (
    EditorFactory,
    LetterPageFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    endorsement_for,
)

State = EndorsementState
pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(db):
    return LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)


def _linked(body: str, from_token):
    """What the emailed link names (the signed token carries a timestamp, so compare meaning, not text)."""
    import re

    (url,) = re.findall(r"https?://\S+/endorse/\S+", body)
    return from_token(url.rstrip("/").rsplit("/", 1)[-1])


def _publish_new_text(letter, body="<p>We ask you to act before the summer.</p>"):
    letter.body = body
    letter.save_revision().publish()
    letter.refresh_from_db()
    return letter


def public_signon(letter, **overrides):
    fields = {
        "letter": letter,
        "organization_name": "Free Press Syria",
        "website": "https://www.freepress-syria.example/",
        "country": "SY",
        "kind": Organization.Kind.MEDIA,
        "signer_name": "Lina Haddad",
        "signer_title": "Director",
        "signer_email": "lina@freepress-syria.example",
        "display": Endorsement.Display.PUBLIC,
        "list_in_pdf": True,
        "content_hash": letter_text_hash(letter),
    }
    fields.update(overrides)
    return services.endorsement_submit_public(**fields)


# --- the state machine ---------------------------------------------------------------


ALL_PAIRS = [(a, b) for a, b in itertools.product(State, State) if a != b]


@pytest.mark.parametrize(("from_state", "to_state"), ALL_PAIRS, ids=[f"{a.value}->{b.value}" for a, b in ALL_PAIRS])
def test_every_transition_is_allowed_or_refused_as_declared(letter, from_state, to_state):
    endorsement = endorsement_for(letter, state=from_state)
    allowed = to_state in ENDORSEMENT_TRANSITIONS[from_state]
    with transaction.atomic():
        if allowed:
            _transition(endorsement, to_state)
        else:
            with pytest.raises(ValidationError) as refused:
                _transition(endorsement, to_state)
            assert refused.value.code == "invalid_transition"
    endorsement.refresh_from_db()
    assert endorsement.state == (to_state if allowed else from_state)


def test_every_state_can_reach_approved_or_is_terminal_by_design():
    """No state is a dead end except by being withdrawn and signed on again."""
    for state in State:
        reachable, frontier = {state}, [state]
        while frontier:
            for nxt in ENDORSEMENT_TRANSITIONS[frontier.pop()]:
                if nxt not in reachable:
                    reachable.add(nxt)
                    frontier.append(nxt)
        assert State.APPROVED in reachable


def test_a_transition_is_logged_with_who_and_when(letter):
    editor = EditorFactory()
    endorsement = endorsement_for(letter, state=State.PENDING_REVIEW)
    services.endorsement_approve(endorsement=endorsement, acting_user=editor)
    entry = ModelLogEntry.objects.filter(action="coalition.endorsement_approved").get()
    assert entry.user == editor
    assert entry.data == {"from": "pending_review", "to": "approved"}
    endorsement.refresh_from_db()
    assert endorsement.approved_by == editor and endorsement.approved_at is not None


def test_one_endorsement_per_organization_per_letter_is_a_database_rule(letter):
    from django.db import IntegrityError

    first = endorsement_for(letter)
    with pytest.raises(IntegrityError), transaction.atomic():
        endorsement_for(letter, first.organization)


# --- partners endorse in one step ----------------------------------------------------


def _manager(organization, role=Membership.Role.OWNER):
    user = UserFactory()
    MembershipFactory(organization=organization, user=user, role=role)
    return user


def test_a_verified_partner_endorsement_is_approved_at_once(letter, django_capture_on_commit_callbacks):
    organization = OrganizationFactory(verified=True)
    owner = _manager(organization)
    with django_capture_on_commit_callbacks(execute=True):
        endorsement = services.endorsement_create_by_partner(
            letter=letter,
            organization=organization,
            acting_user=owner,
            signer_name="Omar K.",
            signer_title="Executive Director",
            content_hash=letter_text_hash(letter),
        )
    assert endorsement.state == State.APPROVED
    assert endorsement.signer_email == owner.email
    assert endorsement.content_hash == letter_text_hash(letter)
    assert endorsement.revision == letter.live_revision
    assert [m.to for m in mail.outbox] == [[owner.email]]


def test_an_unverified_partner_endorsement_waits_for_an_editor(letter):
    organization = OrganizationFactory(verified=False)
    endorsement = services.endorsement_create_by_partner(
        letter=letter,
        organization=organization,
        acting_user=_manager(organization, Membership.Role.ADMIN),
        signer_name="Omar K.",
        signer_title="Director",
    )
    assert endorsement.state == State.PENDING_REVIEW


def test_a_member_who_is_not_owner_or_admin_cannot_endorse(letter):
    organization = OrganizationFactory()
    member = _manager(organization, Membership.Role.MEMBER)
    with pytest.raises(PermissionDenied):
        services.endorsement_create_by_partner(
            letter=letter, organization=organization, acting_user=member, signer_name="A", signer_title="B"
        )
    assert not Endorsement.objects.exists()


def test_staff_of_another_organization_cannot_endorse_for_it(letter):
    organization = OrganizationFactory()
    stranger = _manager(OrganizationFactory())
    with pytest.raises(PermissionDenied):
        services.endorsement_create_by_partner(
            letter=letter, organization=organization, acting_user=stranger, signer_name="A", signer_title="B"
        )


def test_a_partner_cannot_endorse_twice_or_a_closed_letter(letter):
    organization = OrganizationFactory(verified=True)
    owner = _manager(organization)
    kwargs = {"organization": organization, "acting_user": owner, "signer_name": "A", "signer_title": "B"}
    services.endorsement_create_by_partner(letter=letter, **kwargs)
    with pytest.raises(ValidationError) as twice:
        services.endorsement_create_by_partner(letter=letter, **kwargs)
    assert twice.value.code == "already_endorsed"
    draft = LetterPageFactory(status=LetterStatus.DRAFT)
    with pytest.raises(ValidationError) as closed:
        services.endorsement_create_by_partner(letter=draft, **kwargs)
    assert closed.value.code == "closed"


def test_a_partner_endorsing_a_text_that_changed_meanwhile_is_refused(letter):
    organization = OrganizationFactory(verified=True)
    shown = letter_text_hash(letter)
    _publish_new_text(letter)
    with pytest.raises(ValidationError) as changed:
        services.endorsement_create_by_partner(
            letter=letter,
            organization=organization,
            acting_user=_manager(organization),
            signer_name="A",
            signer_title="B",
            content_hash=shown,
        )
    assert changed.value.code == "text_changed"


def test_a_withdrawn_partner_endorsement_can_be_given_again(letter):
    organization = OrganizationFactory(verified=True)
    owner = _manager(organization)
    kwargs = {"organization": organization, "acting_user": owner, "signer_name": "A", "signer_title": "B"}
    endorsement = services.endorsement_create_by_partner(letter=letter, **kwargs)
    services.endorsement_withdraw(endorsement=endorsement, acting_user=owner)
    again = services.endorsement_create_by_partner(letter=letter, **kwargs)
    assert again.pk == endorsement.pk and again.state == State.APPROVED


# --- the public sign-on form ---------------------------------------------------------


def test_a_public_signon_creates_the_organization_and_asks_the_contact_to_confirm(
    letter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = public_signon(letter)
    assert result.created and result.organization_created
    endorsement = result.endorsement
    assert endorsement.state == State.PENDING_CONFIRMATION
    assert endorsement.organization.name == "Free Press Syria"
    assert endorsement.organization.verified is False
    assert endorsement.created_organization is True
    (message,) = mail.outbox
    assert message.to == ["lina@freepress-syria.example"]
    assert _linked(message.body, services.endorsement_from_token) == endorsement


def test_the_signon_matches_an_existing_organization_by_website_domain(letter):
    existing = OrganizationFactory(name="FPS", website="https://freepress-syria.example/about")
    result = public_signon(letter, organization_name="Free Press Syria (Damascus office)")
    assert result.endorsement.organization == existing
    assert Organization.objects.count() == 2  # the existing one and the letter's lead
    assert result.organization_created is False


def test_the_signon_matches_an_existing_organization_by_normalized_name(letter):
    existing = OrganizationFactory(name="The Syrian Archive", website="")
    result = public_signon(letter, organization_name="  syrian   ARCHIVE ", website="https://new.example/")
    assert result.endorsement.organization == existing


def test_a_second_signon_for_an_endorsing_organization_changes_nothing_and_emails_the_submitter(
    letter, django_capture_on_commit_callbacks
):
    first = public_signon(letter).endorsement
    services.endorsement_confirm(endorsement=first, content_hash=None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        second = public_signon(letter, signer_name="Someone Else", signer_email="other@example.net")
    assert second.created is False and second.endorsement.pk == first.pk
    first.refresh_from_db()
    assert first.signer_name == "Lina Haddad" and first.state == State.PENDING_REVIEW
    (message,) = mail.outbox
    assert message.to == ["other@example.net"]
    assert "already has an endorsement" in message.body
    assert "lina@" not in message.body


def test_the_public_form_cannot_be_used_to_mail_bomb_an_address(letter, settings, django_capture_on_commit_callbacks):
    settings.COALITION_ENDORSEMENT_EMAILS_PER_DAY = 2
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(6):
            public_signon(letter)
    assert len(mail.outbox) == 2


def test_invalid_signer_fields_create_nothing(letter):
    with pytest.raises(ValidationError):
        public_signon(letter, signer_name="Lina\x00Haddad")
    assert not Organization.objects.filter(name="Free Press Syria").exists()
    assert not Endorsement.objects.exists()


def test_confirming_moves_to_review_and_records_the_text_confirmed(letter):
    endorsement = public_signon(letter).endorsement
    confirmed = services.endorsement_confirm(endorsement=endorsement, content_hash=letter_text_hash(letter))
    assert confirmed.state == State.PENDING_REVIEW
    assert confirmed.confirmed_at is not None
    assert confirmed.content_hash == letter_text_hash(letter)
    # A second click changes nothing.
    again = services.endorsement_confirm(endorsement=endorsement, content_hash=letter_text_hash(letter))
    assert again.state == State.PENDING_REVIEW and again.confirmed_at == confirmed.confirmed_at


def test_confirming_after_the_text_changed_unseen_is_refused(letter):
    endorsement = public_signon(letter).endorsement
    shown = letter_text_hash(letter)
    _publish_new_text(letter)
    with pytest.raises(ValidationError) as changed:
        services.endorsement_confirm(endorsement=endorsement, content_hash=shown)
    assert changed.value.code == "text_changed"
    endorsement.refresh_from_db()
    assert endorsement.state == State.PENDING_CONFIRMATION


def test_tokens_name_one_endorsement_and_die_with_a_new_nonce(letter):
    endorsement = public_signon(letter).endorsement
    token = services.endorsement_token(endorsement)
    assert services.endorsement_from_token(token) == endorsement
    assert services.endorsement_from_token(token + "x") is None
    assert services.endorsement_from_token("not-a-token") is None
    Endorsement.objects.filter(pk=endorsement.pk).update(nonce="changed")
    assert services.endorsement_from_token(token) is None


def test_an_unconfirmed_signon_and_the_organization_it_created_are_removed_after_the_link_expires(letter, settings):
    endorsement = public_signon(letter).endorsement
    organization_id = endorsement.organization_id
    Endorsement.objects.filter(pk=endorsement.pk).update(
        state_changed_at=timezone.now() - timedelta(days=settings.COALITION_ENDORSEMENT_LINK_DAYS + 1)
    )
    assert services.endorsements_unconfirmed_expire() == 1
    assert not Endorsement.objects.filter(pk=endorsement.pk).exists()
    assert not Organization.objects.filter(pk=organization_id).exists()


def test_an_expired_signon_for_an_existing_organization_keeps_the_organization(letter, settings):
    existing = OrganizationFactory(name="Free Press Syria")
    endorsement = public_signon(letter).endorsement
    Endorsement.objects.filter(pk=endorsement.pk).update(state_changed_at=timezone.now() - timedelta(days=60))
    services.endorsements_unconfirmed_expire()
    assert Organization.objects.filter(pk=existing.pk).exists()


# --- editors review --------------------------------------------------------------------


def test_editors_approve_and_reject_with_a_reason_partners_cannot(letter, django_capture_on_commit_callbacks):
    editor = EditorFactory()
    one, two = endorsement_for(letter, state=State.PENDING_REVIEW), endorsement_for(letter, state=State.PENDING_REVIEW)
    partner = _manager(one.organization)
    with pytest.raises(PermissionDenied):
        services.endorsement_approve(endorsement=one, acting_user=partner)
    with pytest.raises(ValidationError) as no_reason:
        services.endorsement_reject(endorsement=two, acting_user=editor, reason="  ")
    assert no_reason.value.code == "reason_required"
    with django_capture_on_commit_callbacks(execute=True):
        services.endorsement_approve(endorsement=one, acting_user=editor)
        services.endorsement_reject(endorsement=two, acting_user=editor, reason="Not an organization.")
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.state, two.state) == (State.APPROVED, State.REJECTED)
    assert two.rejection_reason == "Not an organization." and two.rejected_by == editor
    rejected_mail = next(m for m in mail.outbox if m.to == [two.signer_email])
    assert "Not an organization." in rejected_mail.body


def test_an_endorsement_of_an_earlier_text_cannot_be_approved_before_it_is_reconfirmed(letter):
    endorsement = endorsement_for(letter, state=State.NEEDS_RECONFIRMATION)
    with pytest.raises(ValidationError) as refused:
        services.endorsement_approve(endorsement=endorsement, acting_user=EditorFactory())
    assert refused.value.code == "needs_reconfirmation"


def test_the_contact_can_withdraw_with_the_emailed_link(letter, django_capture_on_commit_callbacks):
    endorsement = endorsement_for(letter)
    with django_capture_on_commit_callbacks(execute=True):
        services.endorsement_withdraw(endorsement=endorsement, by_contact=True)
    endorsement.refresh_from_db()
    assert endorsement.state == State.WITHDRAWN and endorsement.withdrawn_at is not None
    assert "withdrawn" in mail.outbox[0].subject


def test_withdrawing_needs_the_contact_link_or_a_manager(letter):
    endorsement = endorsement_for(letter)
    with pytest.raises(PermissionDenied):
        services.endorsement_withdraw(endorsement=endorsement, acting_user=None)
    with pytest.raises(PermissionDenied):
        services.endorsement_withdraw(endorsement=endorsement, acting_user=UserFactory())


# --- when the text changes ---------------------------------------------------------------


def test_a_text_change_asks_endorsers_to_reconfirm_with_a_readable_diff(letter, django_capture_on_commit_callbacks):
    approved = endorsement_for(letter, state=State.APPROVED)
    reviewing = endorsement_for(letter, state=State.PENDING_REVIEW)
    unconfirmed = endorsement_for(letter, state=State.PENDING_CONFIRMATION)
    with django_capture_on_commit_callbacks(execute=True):
        _publish_new_text(letter, "<p>We write to ask you to act now.</p>")
    for endorsement in (approved, reviewing, unconfirmed):
        endorsement.refresh_from_db()
    assert approved.state == State.NEEDS_RECONFIRMATION
    assert reviewing.state == State.NEEDS_RECONFIRMATION
    assert unconfirmed.state == State.PENDING_CONFIRMATION  # confirms the text shown when confirming
    assert sorted(m.to[0] for m in mail.outbox) == sorted([approved.signer_email, reviewing.signer_email])
    body = next(m for m in mail.outbox if m.to == [approved.signer_email]).body
    assert "- We write to ask you to act." in body
    assert "+ We write to ask you to act now." in body
    assert _linked(body, services.endorsement_from_token) == approved


def test_reconfirming_restores_an_approval_and_review_is_still_needed_for_the_unreviewed(letter):
    approved = endorsement_for(letter, state=State.APPROVED)
    reviewing = endorsement_for(letter, state=State.PENDING_REVIEW)
    _publish_new_text(letter)
    current = letter_text_hash(letter)
    approved = services.endorsement_reconfirm(endorsement=approved, content_hash=current)
    reviewing = services.endorsement_reconfirm(endorsement=reviewing, content_hash=current)
    assert approved.state == State.APPROVED and approved.content_hash == current
    assert reviewing.state == State.PENDING_REVIEW
    assert approved.revision == letter.live_revision


def test_reverting_to_the_endorsed_text_restores_the_endorsements(letter):
    original_body = letter.body
    endorsement = endorsement_for(letter, state=State.APPROVED)
    _publish_new_text(letter)
    endorsement.refresh_from_db()
    assert endorsement.state == State.NEEDS_RECONFIRMATION
    _publish_new_text(letter, original_body)
    endorsement.refresh_from_db()
    assert endorsement.state == State.APPROVED


def test_a_change_of_markup_only_does_not_ask_anyone_to_reconfirm(letter):
    endorsement = endorsement_for(letter, state=State.APPROVED)
    _publish_new_text(letter, "<p>We   write to ask <b>you</b> to act.</p>")
    endorsement.refresh_from_db()
    assert endorsement.state == State.APPROVED


def test_a_change_outside_the_letter_text_does_not_ask_anyone_to_reconfirm(letter):
    endorsement = endorsement_for(letter, state=State.APPROVED)
    letter.summary = "A new summary for listings."
    letter.save_revision().publish()
    endorsement.refresh_from_db()
    assert endorsement.state == State.APPROVED


# --- emails: outbox, idempotency, the sweeper ------------------------------------------------


def test_a_notice_is_sent_once_however_often_the_task_runs(letter):
    endorsement = endorsement_for(letter)
    notice = EndorsementNotice.objects.create(
        endorsement=endorsement, kind=EndorsementNotice.Kind.APPROVED, recipient=endorsement.signer_email
    )
    assert services.endorsement_notice_send(notice_id=notice.pk) is True
    assert services.endorsement_notice_send(notice_id=notice.pk) is False
    assert len(mail.outbox) == 1


def test_a_broker_that_is_down_loses_no_email(letter, monkeypatch, django_capture_on_commit_callbacks):
    from coalition.letters import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.endorsement_notice_send, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        result = public_signon(letter)
    assert result.endorsement.pk and not mail.outbox
    EndorsementNotice.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    assert services.endorsement_notices_sweep() == 1
    assert mail.outbox[0].to == ["lina@freepress-syria.example"]


def test_no_task_argument_or_log_line_carries_an_email(
    letter, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from coalition.letters import tasks

    calls = []
    monkeypatch.setattr(tasks.endorsement_notice_send, "delay", lambda *args, **kwargs: calls.append((args, kwargs)))
    with django_capture_on_commit_callbacks(execute=True), caplog.at_level("DEBUG"):
        public_signon(letter)
    assert calls and all(isinstance(arg, int) for args, _kwargs in calls for arg in args)
    assert "lina@" not in caplog.text


# --- invitations ------------------------------------------------------------------------------


def test_an_invited_organization_endorses_through_its_link_and_is_approved(letter, django_capture_on_commit_callbacks):
    editor = EditorFactory()
    organization = OrganizationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        (invitation,) = services.endorsement_invitations_create(
            letter=letter,
            rows=[services.InvitationRow(organization=organization, email="head@group.example", contact_name="Head")],
            acting_user=editor,
        )
    assert _linked(mail.outbox[0].body, services.invitation_from_token) == invitation
    assert services.invitation_from_token(services.invitation_token(invitation)) == invitation
    endorsement = services.endorsement_invitation_accept(
        invitation=invitation,
        signer_name="Head",
        signer_title="Chair",
        display=Endorsement.Display.PUBLIC,
        list_in_pdf=True,
        content_hash=letter_text_hash(letter),
    )
    invitation.refresh_from_db()
    assert endorsement.state == State.APPROVED and endorsement.signer_email == "head@group.example"
    assert invitation.state == invitation.State.ENDORSED


def test_reminders_stop_after_the_deadline_and_come_at_most_daily(letter):
    editor = EditorFactory()
    (invitation,) = services.endorsement_invitations_create(
        letter=letter,
        rows=[services.InvitationRow(organization=OrganizationFactory(), email="a@b.example")],
        acting_user=editor,
    )
    assert services.endorsement_invitation_remind(invitation=invitation, acting_user=editor) is False  # just invited
    type(invitation).objects.filter(pk=invitation.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert services.endorsement_invitation_remind(invitation=invitation, acting_user=editor) is True
    assert services.endorsement_invitation_remind(invitation=invitation, acting_user=editor) is False
    type(invitation).objects.filter(pk=invitation.pk).update(last_reminded_at=timezone.now() - timedelta(days=2))
    letter.deadline = timezone.localdate() - timedelta(days=1)
    letter.save_revision().publish()
    invitation.refresh_from_db()
    assert services.endorsement_invitation_remind(invitation=invitation, acting_user=editor) is False


# --- matching and the text ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.Example.org/about", "example.org"),
        ("example.org", "example.org"),
        ("http://example.org:8080", "example.org"),
        ("https://www.facebook.com/somegroup", ""),
        ("https://somegroup.wordpress.com/", ""),
        ("", ""),
        ("http://[::1", ""),
    ],
)
def test_website_domains_ignore_www_case_and_shared_hosts(url, domain):
    assert website_domain(url) == domain


def test_name_keys_ignore_case_accents_punctuation_and_a_leading_the():
    assert organization_name_key("The Syrian  Archive!") == organization_name_key("syrian archive")
    assert organization_name_key("Réseau Euro-Méd") == organization_name_key("reseau euro med")
    # Arabic: hamza marks, often left out when typing, are ignored too.
    assert organization_name_key("الأرشيف السوري") == organization_name_key("الارشيف السوري") != ""


def test_matching_prefers_the_website_over_the_name(db):
    by_name = OrganizationFactory(name="Syrian Archive", website="")
    by_site = OrganizationFactory(name="Mnemonic", website="https://syrianarchive.example/")
    assert organization_match(name="Syrian Archive", website="syrianarchive.example") == by_site
    assert organization_match(name="Syrian Archive", website="") == by_name
    assert organization_match(name="Unknown group", website="https://unknown.example") is None


def test_the_text_hash_changes_with_words_not_with_markup():
    class Letter:
        title = "A letter"
        recipients_line = "Dear Minister,"
        closing = "Yours,"

        def __init__(self, body):
            self.body = body

    plain = LetterText.of(Letter("<p>One &amp; two.</p><p>Three.</p>"))
    marked = LetterText.of(Letter("<p>One &amp; <i>two</i>.</p>\n<p>Three.</p>"))
    moved = LetterText.of(Letter("<p>One &amp; two. Three.</p>"))
    assert plain.hash == marked.hash
    assert plain.hash != moved.hash
    assert plain.paragraphs == ("One & two.", "Three.")


def test_the_diff_marks_changed_words_inside_a_paragraph():
    class Letter:
        title = "T"
        recipients_line = "Dear Minister,"
        closing = ""

        def __init__(self, body):
            self.body = body

    diff = letter_text_diff(
        LetterText.of(Letter("<p>Free them now.</p>")), LetterText.of(Letter("<p>Free them all now.</p>"))
    )
    kinds = [(line.kind, line.text) for line in diff]
    assert ("delete", "Free them now.") in kinds and ("insert", "Free them all now.") in kinds
    inserted = next(line for line in diff if line.kind == "insert")
    assert ("insert", "all") in inserted.words


def test_inviting_again_gives_a_fresh_link_and_reminder_allowance_but_skips_organizations_already_endorsing(letter):
    editor = EditorFactory()
    organization, endorsing = OrganizationFactory(), OrganizationFactory()
    endorsement_for(letter, endorsing, state=State.PENDING_REVIEW)
    rows = [
        services.InvitationRow(organization=organization, email="a@b.example"),
        services.InvitationRow(organization=endorsing, email="c@d.example"),
    ]
    (invitation,) = services.endorsement_invitations_create(letter=letter, rows=rows, acting_user=editor)
    old_token = services.invitation_token(invitation)
    type(invitation).objects.filter(pk=invitation.pk).update(reminders_sent=3, last_reminded_at=timezone.now())
    (again,) = services.endorsement_invitations_create(letter=letter, rows=rows[:1], acting_user=editor)
    assert again.pk == invitation.pk and again.reminders_sent == 0
    assert services.invitation_from_token(old_token) is None
