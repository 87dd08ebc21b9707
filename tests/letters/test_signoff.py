"""The "Coalition sign-off" workflow: every organization writing a letter approves the same text."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail.models import TaskState

from coalition.letters.models import LetterPage, SignOffApproval
from coalition.letters.signoff import (
    signoff_approve,
    signoff_current_task_state,
    signoff_organizations_user_can_approve,
    signoff_revision_saved,
    signoff_state,
)
from coalition.orgs.models import Membership
from tests.factories import LetterPageFactory, MembershipFactory, OrganizationFactory, letter_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafting(editor, index, django_capture_on_commit_callbacks):
    org_a, org_b, org_c = OrganizationFactory.create_batch(3)
    people = {
        "owner_a": MembershipFactory(organization=org_a, role=Membership.Role.OWNER).user,
        "admin_b": MembershipFactory(organization=org_b, role=Membership.Role.ADMIN).user,
        "member_b": MembershipFactory(organization=org_b, role=Membership.Role.MEMBER).user,
        "owner_c": MembershipFactory(organization=org_c, role=Membership.Role.OWNER).user,
    }
    letter = LetterPageFactory(title="Joint letter", lead_organization=org_a, co_drafters=[org_b], live=False)
    letter.save_revision(user=people["owner_a"])
    with django_capture_on_commit_callbacks(execute=True):
        letter.get_workflow().start(letter, user=people["owner_a"])
    return {"letter": LetterPage.objects.get(pk=letter.pk), "orgs": (org_a, org_b, org_c), "editor": editor, **people}


def _task_state(letter):
    return signoff_current_task_state(letter=LetterPage.objects.get(pk=letter.pk))


def test_letters_are_under_the_signoff_workflow(drafting):
    assert drafting["letter"].get_workflow().name == "Coalition sign-off"
    assert _task_state(drafting["letter"]) is not None


def test_starting_signoff_emails_the_owners_and_admins_of_every_drafting_organization(drafting):
    ours = [m for m in mail.outbox if m.subject == "Please sign off on “Joint letter”"]
    assert sorted(m.to[0] for m in ours) == sorted([drafting["owner_a"].email, drafting["admin_b"].email])


def test_signoff_from_every_organization_publishes_the_letter(drafting, django_capture_on_commit_callbacks):
    letter = drafting["letter"]

    signoff_approve(task_state=_task_state(letter), user=drafting["owner_a"])
    assert not LetterPage.objects.get(pk=letter.pk).live, "one organization is not enough"

    signoff_approve(task_state=_task_state(letter), user=drafting["admin_b"])

    letter = LetterPage.objects.get(pk=letter.pk)
    assert letter.live
    assert letter.live_revision == letter.get_latest_revision()
    assert _task_state(letter) is None
    approvals = SignOffApproval.objects.filter(revision=letter.live_revision)
    assert {(a.organization, a.user) for a in approvals} == {
        (drafting["orgs"][0], drafting["owner_a"]),
        (drafting["orgs"][1], drafting["admin_b"]),
    }


def test_an_edit_after_an_approval_resets_it_and_tells_the_drafters(drafting, django_capture_on_commit_callbacks):
    letter = drafting["letter"]
    signoff_approve(task_state=_task_state(letter), user=drafting["owner_a"])
    mail.outbox.clear()

    letter.save_revision(user=drafting["admin_b"])
    with django_capture_on_commit_callbacks(execute=True):
        assert signoff_revision_saved(letter=LetterPage.objects.get(pk=letter.pk)) == 1

    ours = [m for m in mail.outbox if "please sign off again" in m.subject]
    assert sorted(m.to[0] for m in ours) == sorted([drafting["owner_a"].email, drafting["admin_b"].email])
    state = signoff_state(letter=LetterPage.objects.get(pk=letter.pk))
    assert all(entry["approval"] is None for entry in state)

    signoff_approve(task_state=_task_state(letter), user=drafting["admin_b"])
    assert not LetterPage.objects.get(pk=letter.pk).live, "A's approval was for the old text"
    signoff_approve(task_state=_task_state(letter), user=drafting["owner_a"])
    assert LetterPage.objects.get(pk=letter.pk).live


def test_the_reset_email_is_sent_once_even_if_the_task_runs_twice(drafting, django_capture_on_commit_callbacks):
    from coalition.letters.signoff import signoff_notify_send

    letter = drafting["letter"]
    signoff_approve(task_state=_task_state(letter), user=drafting["owner_a"])
    revision = letter.save_revision(user=drafting["admin_b"])
    mail.outbox.clear()
    task_state = _task_state(letter)

    assert signoff_notify_send(task_state_id=task_state.pk, revision_id=revision.pk, kind="reset") == 2
    assert signoff_notify_send(task_state_id=task_state.pk, revision_id=revision.pk, kind="reset") == 0
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("who", ["member_b", "owner_c", "editor"])
def test_only_owners_and_admins_of_drafting_organizations_can_sign_off(drafting, who):
    letter = drafting["letter"]
    assert signoff_organizations_user_can_approve(letter=letter, user=drafting[who]) == []
    with pytest.raises(PermissionDenied):
        signoff_approve(task_state=_task_state(letter), user=drafting[who])
    assert not SignOffApproval.objects.exists()


def test_approving_twice_for_the_same_organization_is_refused(drafting):
    letter = drafting["letter"]
    signoff_approve(task_state=_task_state(letter), user=drafting["owner_a"])
    with pytest.raises(PermissionDenied):
        signoff_approve(task_state=_task_state(letter), user=drafting["owner_a"])
    assert SignOffApproval.objects.count() == 1


def test_partner_signs_off_through_the_workflow_action_in_the_admin(client, drafting):
    letter = drafting["letter"]
    task_state = _task_state(letter)
    client.force_login(drafting["admin_b"])

    edit = client.get(reverse("wagtailadmin_pages:edit", args=[letter.pk])).content.decode()
    assert "Sign off on this text" in edit

    url = reverse("wagtailadmin_pages:workflow_action", args=[letter.pk, "approve", task_state.pk])
    response = client.post(url)

    assert response.status_code in (200, 302)
    assert SignOffApproval.objects.filter(organization=drafting["orgs"][1], user=drafting["admin_b"]).exists()


def test_signoff_screen_shows_who_approved_and_who_is_pending(client, drafting):
    letter = drafting["letter"]
    client.force_login(drafting["admin_b"])
    url = reverse("letters_admin:signoff", args=[letter.pk])

    response = client.post(url)
    assert response.status_code == 302
    html = client.get(url).content.decode()

    org_a, org_b, _org_c = drafting["orgs"]
    assert org_a.name in html and org_b.name in html
    assert "Approved" in html and "Pending" in html
    assert str(drafting["admin_b"]) in html


def test_an_edit_in_the_admin_during_signoff_resets_approvals(client, drafting):
    letter = drafting["letter"]
    signoff_approve(task_state=_task_state(letter), user=drafting["owner_a"])
    client.force_login(drafting["admin_b"])
    data = letter_form_data(letter, body="<p>A changed sentence.</p>")

    response = client.post(reverse("wagtailadmin_pages:edit", args=[letter.pk]), data)

    assert response.status_code == 302
    assert SignOffApproval.objects.get().superseded_at is not None
    assert all(entry["approval"] is None for entry in signoff_state(letter=LetterPage.objects.get(pk=letter.pk)))


def test_editors_cannot_publish_a_letter_around_the_signoff(client, drafting):
    letter = drafting["letter"]
    client.force_login(drafting["editor"])

    edit = client.get(reverse("wagtailadmin_pages:edit", args=[letter.pk])).content.decode()
    assert 'name="action-publish"' not in edit

    response = client.post(reverse("wagtailadmin_pages:edit", args=[letter.pk]), {"action-publish": "publish"})
    assert response.status_code == 302
    assert not LetterPage.objects.get(pk=letter.pk).live


def test_task_states_to_moderate_are_those_of_letters_the_person_manages(drafting):
    task_state = _task_state(drafting["letter"])
    task = task_state.task.specific
    assert list(task.get_task_states_user_can_moderate(drafting["admin_b"])) == [
        TaskState.objects.get(pk=task_state.pk)
    ]
    assert list(task.get_task_states_user_can_moderate(drafting["owner_c"])) == []


@pytest.mark.parametrize("who", ["owner_c", "member_b"])
def test_workflow_action_urls_refuse_people_who_cannot_sign_off(client, drafting, who):
    letter = drafting["letter"]
    task_state = _task_state(letter)
    client.force_login(drafting[who])
    urls = [
        reverse("wagtailadmin_pages:workflow_action", args=[letter.pk, "approve", task_state.pk]),
        reverse("wagtailadmin_pages:collect_workflow_action_data", args=[letter.pk, "approve", task_state.pk]),
        reverse("wagtailadmin_pages:workflow_action", args=[letter.pk, "reject", task_state.pk]),
    ]
    for url in urls:
        response = client.post(url, {"comment": "no"})
        if who == "owner_c":
            assert response.status_code == 404, url
        else:
            assert response.status_code in (302, 403, 404), url
    assert not SignOffApproval.objects.exists()
    assert _task_state(letter) is not None, "nobody could reject it either"


def test_an_editor_signs_off_for_an_organization_with_nobody_on_the_platform(drafting, editor):
    letter = drafting["letter"]
    silent = OrganizationFactory(name="No Accounts Group")
    from coalition.letters.services import letter_codrafter_add

    letter_codrafter_add(letter=letter, organization=silent, acting_user=editor)

    assert signoff_organizations_user_can_approve(letter=letter, user=editor) == [silent]
    signoff_approve(task_state=_task_state(letter), user=editor)
    signoff_approve(task_state=_task_state(letter), user=drafting["owner_a"])
    signoff_approve(task_state=_task_state(letter), user=drafting["admin_b"])

    assert LetterPage.objects.get(pk=letter.pk).live
    assert SignOffApproval.objects.get(organization=silent).user == editor
