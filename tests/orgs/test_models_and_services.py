import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from wagtail.models import ModelLogEntry

from coalition.orgs.models import Membership, Organization
from coalition.orgs.selectors import organizations_for_user
from coalition.orgs.services import membership_create, organization_create
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_organization_create_validates_and_logs_who_created_it(editor):
    org = organization_create(
        acting_user=editor, name="Syrian Archive Demo", slug="syrian-archive-demo", country="SY", kind="ngo"
    )

    assert org.country.name == "Syria"
    entry = ModelLogEntry.objects.get(object_id=str(org.pk), action="wagtail.create")
    assert entry.user == editor


@pytest.mark.parametrize(
    "name",
    ["Bad\x00name", "Evil\u202eorg", "Line\nbreak", "x" * 201],
)
def test_organization_create_refuses_hostile_names_and_stores_nothing(editor, name):
    with pytest.raises(ValidationError):
        organization_create(acting_user=editor, name=name, slug="hostile")
    assert not Organization.objects.filter(slug="hostile").exists()


def test_organization_names_are_unique_regardless_of_case(editor):
    OrganizationFactory(name="Families for Freedom")
    with pytest.raises(ValidationError):
        organization_create(acting_user=editor, name="families for freedom", slug="fff-2")


def test_a_person_has_one_membership_per_organization(editor):
    membership = MembershipFactory()
    with pytest.raises(ValidationError):
        membership_create(
            acting_user=editor, organization=membership.organization, user=membership.user, role=Membership.Role.ADMIN
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(organization=membership.organization, user=membership.user)


def test_managers_are_owners_and_admins():
    assert Membership(role=Membership.Role.OWNER).can_manage
    assert Membership(role=Membership.Role.ADMIN).can_manage
    assert not Membership(role=Membership.Role.MEMBER).can_manage


def test_organizations_for_user_lists_only_their_own():
    mine = MembershipFactory().organization
    user = mine.memberships.get().user
    MembershipFactory(user=UserFactory())

    assert list(organizations_for_user(user=user)) == [mine]


def test_a_reserved_slug_is_refused(editor):
    with pytest.raises(ValidationError):
        organization_create(acting_user=editor, name="Invitations Inc", slug="invitations")


def test_partners_can_send_only_so_many_invitations_per_hour(settings, django_capture_on_commit_callbacks):
    from coalition.orgs.services import invitation_create

    settings.COALITION_INVITATIONS_PER_HOUR = 3
    owner = MembershipFactory(role=Membership.Role.OWNER)
    for n in range(3):
        invitation_create(
            organization=owner.organization, email=f"p{n}@people.example", role="member", acting_user=owner.user
        )
    with pytest.raises(ValidationError, match="many invitations"):
        invitation_create(
            organization=owner.organization, email="p9@people.example", role="member", acting_user=owner.user
        )
