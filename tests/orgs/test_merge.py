"""Merging a duplicate organization into another: the service, and its admin screen."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupPagePermission, ModelLogEntry

from coalition.letters.models import (
    Endorsement,
    EndorsementInvitation,
    EndorsementState,
    LetterCoDrafter,
    LetterStatus,
)
from coalition.letters.services import endorsements_unconfirmed_expire
from coalition.orgs.models import Invitation, Membership, Organization, OrganizationAuditEntry
from coalition.orgs.services import organization_merge
from tests.factories import LetterPageFactory, MembershipFactory, OrganizationFactory, endorsement_for

Role = Membership.Role
State = EndorsementState
pytestmark = pytest.mark.django_db


@pytest.fixture
def source(db):
    return OrganizationFactory(name="Syrian Archive (duplicate)", website="https://archive.example.org/", country="")


@pytest.fixture
def target(db):
    return OrganizationFactory(name="Syrian Archive", website="", description="", country="DE")


def merge(source, target, editor):
    return organization_merge(source=source, target=target, acting_user=editor)


def role_of(user, organization) -> str | None:
    membership = Membership.objects.filter(user=user, organization=organization).first()
    return membership.role if membership else None


# --- the service ------------------------------------------------------------------------------


def test_people_move_and_the_higher_role_wins(source, target, editor):
    only_source = MembershipFactory(organization=source, role=Role.OWNER).user
    promoted = MembershipFactory(organization=source, role=Role.OWNER).user
    MembershipFactory(organization=target, user=promoted, role=Role.MEMBER)
    kept = MembershipFactory(organization=source, role=Role.MEMBER).user
    MembershipFactory(organization=target, user=kept, role=Role.ADMIN)
    only_target = MembershipFactory(organization=target, role=Role.OWNER).user

    merge(source, target, editor)

    assert role_of(only_source, target) == Role.OWNER
    assert role_of(promoted, target) == Role.OWNER
    assert role_of(kept, target) == Role.ADMIN
    assert role_of(only_target, target) == Role.OWNER
    assert Membership.objects.filter(organization=target).count() == 4
    target.refresh_from_db()
    assert set(target.staff_group.user_set.all()) == {only_source, promoted, kept, only_target}


def test_letters_led_and_co_drafted_move_with_their_page_permissions(source, target, editor):
    source_staff = MembershipFactory(organization=source, role=Role.MEMBER).user
    led = LetterPageFactory(lead_organization=source)
    co_drafted = LetterPageFactory(co_drafters=[source])
    led_by_target = LetterPageFactory(lead_organization=target, co_drafters=[source])
    co_drafted_by_target = LetterPageFactory(lead_organization=source, co_drafters=[target])
    source_group = source.staff_group

    merge(source, target, editor)

    target.refresh_from_db()
    for letter in (led, co_drafted, led_by_target, co_drafted_by_target):
        letter.refresh_from_db()
        assert GroupPagePermission.objects.filter(page=letter, group=target.staff_group).exists()
        assert letter.permissions_for_user(source_staff).can_edit()
    assert led.lead_organization == target and co_drafted_by_target.lead_organization == target
    assert list(co_drafted.co_drafters.values_list("organization", flat=True)) == [target.pk]
    # An organization never co-drafts a letter it leads.
    assert not LetterCoDrafter.objects.filter(organization=target, page__lead_organization=target).exists()
    assert not Group.objects.filter(pk=source_group.pk).exists()


def test_endorsements_move_and_where_both_endorsed_the_one_further_along_is_kept(source, target, editor):
    only_source = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    source_ahead = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    target_ahead = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    moved = endorsement_for(only_source, source, state=State.PENDING_REVIEW)
    kept_from_source = endorsement_for(source_ahead, source, state=State.APPROVED)
    dropped_from_target = endorsement_for(source_ahead, target, state=State.PENDING_REVIEW)
    dropped_from_source = endorsement_for(target_ahead, source, state=State.REJECTED)
    kept_from_target = endorsement_for(target_ahead, target, state=State.APPROVED)
    invitation = EndorsementInvitation.objects.create(
        letter=target_ahead,
        organization=source,
        email="a@archive.example.org",
        nonce="n",
        endorsement=dropped_from_source,
    )

    merge(source, target, editor)

    endorsements = {e.letter_id: e for e in Endorsement.objects.filter(organization=target)}
    assert set(endorsements) == {only_source.pk, source_ahead.pk, target_ahead.pk}
    assert endorsements[only_source.pk].pk == moved.pk
    assert endorsements[source_ahead.pk].pk == kept_from_source.pk
    assert endorsements[target_ahead.pk].pk == kept_from_target.pk
    assert not Endorsement.objects.filter(pk__in=[dropped_from_target.pk, dropped_from_source.pk]).exists()
    invitation.refresh_from_db()
    assert (invitation.organization, invitation.endorsement) == (target, kept_from_target)


def test_the_sweeper_never_deletes_the_survivor_of_an_unconfirmed_signon(source, target, editor, settings):
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    unconfirmed = endorsement_for(letter, source, state=State.PENDING_CONFIRMATION)
    Endorsement.objects.filter(pk=unconfirmed.pk).update(
        created_organization=True,
        state_changed_at=timezone.now() - timedelta(days=settings.COALITION_ENDORSEMENT_LINK_DAYS + 1),
    )

    merge(source, target, editor)
    endorsements_unconfirmed_expire()

    assert not Endorsement.objects.filter(pk=unconfirmed.pk).exists()  # the spam sign-on goes
    assert Organization.objects.filter(pk=target.pk).exists()  # the organization it was merged into stays


def test_blank_profile_fields_are_filled_and_the_rest_kept(source, target, editor):
    source.description = "Documents violations."
    source.country = "SY"
    source.verified = True
    source.save()

    merge(source, target, editor)

    target.refresh_from_db()
    assert target.website == "https://archive.example.org/"
    assert target.description == "Documents violations."
    assert target.country.code == "DE"  # not blank: kept
    assert target.verified


def test_invitations_move_and_a_duplicate_open_one_is_revoked(source, target, editor):
    expires = timezone.now() + timedelta(days=7)
    Invitation.objects.create(organization=target, email="sam@example.org", nonce="a", expires_at=expires)
    duplicate = Invitation.objects.create(organization=source, email="SAM@example.org", nonce="b", expires_at=expires)
    other = Invitation.objects.create(organization=source, email="lina@example.org", nonce="c", expires_at=expires)

    merge(source, target, editor)

    duplicate.refresh_from_db()
    other.refresh_from_db()
    assert duplicate.organization == other.organization == target
    assert duplicate.revoked_at is not None and other.revoked_at is None


def test_the_merge_is_audited_and_the_duplicate_deleted(source, target, editor):
    MembershipFactory(organization=source)
    OrganizationAuditEntry.objects.create(organization=source, action="profile_updated", acting_user=editor)

    merge(source, target, editor)

    assert not Organization.objects.filter(pk=source.pk).exists()
    entry = OrganizationAuditEntry.objects.get(organization=target, action=OrganizationAuditEntry.Action.MERGED)
    assert (entry.subject, entry.acting_user) == ("Syrian Archive (duplicate)", editor)
    assert entry.data["moved"]["memberships"] == 1
    assert OrganizationAuditEntry.objects.filter(organization=target, action="profile_updated").exists()
    log = ModelLogEntry.objects.get(object_id=str(target.pk), action="coalition.organization_merged")
    assert log.user == editor
    assert log.message == "Merged “Syrian Archive (duplicate)” into this organization"


def test_merging_an_organization_into_itself_is_refused(target, editor):
    with pytest.raises(ValidationError):
        merge(target, target, editor)
    assert Organization.objects.filter(pk=target.pk).exists()


def test_only_editors_merge_not_even_an_owner_of_both(source, target):
    owner = MembershipFactory(organization=source, role=Role.OWNER).user
    MembershipFactory(organization=target, user=owner, role=Role.OWNER)

    with pytest.raises(PermissionDenied):
        merge(source, target, owner)

    assert Organization.objects.filter(pk=source.pk).exists()
    assert role_of(owner, source) == Role.OWNER


# --- the admin screen --------------------------------------------------------------------------


def merge_url(organization) -> str:
    return reverse("orgs_organization:merge", args=[organization.pk])


def test_the_edit_and_inspect_views_offer_the_merge(client, editor, source):
    client.force_login(editor)
    for view in ("edit", "inspect"):
        html = client.get(reverse(f"orgs_organization:{view}", args=[source.pk])).content.decode()
        assert "Merge into another organization…" in html and merge_url(source) in html


def test_the_confirmation_page_summarises_what_will_move(client, editor, source, target):
    MembershipFactory(organization=source)
    LetterPageFactory(lead_organization=source, title="Release the detainees")
    LetterPageFactory(co_drafters=[source], title="Protect the archives")
    letter = LetterPageFactory(status=LetterStatus.OPEN_FOR_ENDORSEMENT)
    endorsement_for(letter, source)
    endorsement_for(letter, target)
    client.force_login(editor)

    choose = client.get(merge_url(source)).content.decode()
    assert "Syrian Archive" in choose and "Review the merge" in choose
    assert f'<option value="{source.pk}"' not in choose  # not into itself

    html = client.get(merge_url(source), {"target": target.pk}).content.decode()

    for text in [
        "1 member",
        "1 letter it leads",
        "Release the detainees",
        "1 letter it co-drafts",
        "Protect the archives",
        "1 endorsement",
        "1 of a letter both endorsed",
        "0 invitations to endorse",
        "website",
        "Yes, merge into Syrian Archive",
    ]:
        assert text in html
    assert Organization.objects.filter(pk=source.pk).exists()  # looking changes nothing


def test_posting_the_confirmation_merges_and_shows_the_kept_organization(client, editor, source, target):
    member = MembershipFactory(organization=source).user
    client.force_login(editor)

    response = client.post(merge_url(source), {"target": target.pk})

    assert response.status_code == 302
    assert response["Location"] == reverse("orgs_organization:edit", args=[target.pk])
    assert not Organization.objects.filter(pk=source.pk).exists()
    assert role_of(member, target) == Role.MEMBER
    assert "“Syrian Archive (duplicate)” was merged into “Syrian Archive”." in [
        str(m).strip() for m in get_messages(response.wsgi_request)
    ]


def test_a_bad_choice_merges_nothing(client, editor, source):
    client.force_login(editor)
    for data in ({"target": source.pk}, {"target": "999999"}, {"target": "1 OR 1=1"}, {}):
        response = client.post(merge_url(source), data)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode() or "This field is required" in (
            response.content.decode()
        )
    assert Organization.objects.filter(pk=source.pk).exists()


def test_partner_staff_cannot_merge(client, source, target):
    owner = MembershipFactory(organization=source, role=Role.OWNER).user
    MembershipFactory(organization=target, user=owner, role=Role.OWNER)
    LetterPageFactory(lead_organization=source)
    client.force_login(owner)

    for response in (
        client.get(merge_url(source)),
        client.get(merge_url(source), {"target": target.pk}),
        client.post(merge_url(source), {"target": target.pk}),
    ):
        assert response.status_code in (302, 403, 404)
        if response.status_code == 302:
            assert response["Location"] == reverse("wagtailadmin_home")
    assert Organization.objects.filter(pk=source.pk).exists()


def test_people_who_are_not_signed_in_are_sent_to_login(client, source, target):
    response = client.post(merge_url(source), {"target": target.pk})
    assert response.status_code == 302 and "login" in response["Location"]
    assert Organization.objects.filter(pk=source.pk).exists()
