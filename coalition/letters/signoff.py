"""Sign-off of a letter's text by every organization writing it (the workflow task).

An organization approves through one of its owners or admins; the approval is tied to
the revision that was latest at that moment. The task completes, and Wagtail publishes
that revision, when every organization has approved the same, still latest, revision.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Page, TaskState

from coalition.orgs.models import Membership, Organization
from coalition.orgs.selectors import organization_managers

from .access import letter_organizations
from .models import (
    CoalitionSignOffTask,
    LetterCoDrafter,
    LetterPage,
    LetterTranslationPage,
    SignOffApproval,
    SignOffNotice,
)

logger = logging.getLogger(__name__)
MANAGER_ROLES = [Membership.Role.OWNER, Membership.Role.ADMIN]


def signoff_page(*, task_state: TaskState):
    """The page a sign-off is about: a letter, or one of its translations."""
    return Page.objects.get(pk=task_state.workflow_state.object_id).specific


def signoff_current_task_state(*, letter: LetterPage) -> TaskState | None:
    """The in-progress sign-off task state of this letter's workflow, if any."""
    workflow_state = letter.current_workflow_state
    if workflow_state is None or workflow_state.status != workflow_state.STATUS_IN_PROGRESS:
        return None
    task_state = workflow_state.current_task_state
    if task_state is None or task_state.status != TaskState.STATUS_IN_PROGRESS:
        return None
    if not isinstance(task_state.task.specific, CoalitionSignOffTask):
        return None
    return task_state


def signoff_user_manages_a_drafting_organization(*, letter: LetterPage, user) -> bool:
    org_ids = [o.pk for o in letter_organizations(letter=letter)]
    return Membership.objects.filter(user=user, organization_id__in=org_ids, role__in=MANAGER_ROLES).exists()


def signoff_state(*, letter: LetterPage, task_state: TaskState | None = None) -> list[dict]:
    """For each organization writing the letter: its approval of the latest revision, if any."""
    task_state = task_state or signoff_current_task_state(letter=letter)
    revision = letter.get_latest_revision()
    approvals = {}
    if task_state is not None and revision is not None:
        approvals = {
            a.organization_id: a
            for a in SignOffApproval.objects.filter(task_state=task_state, revision=revision).select_related("user")
        }
    return [{"organization": org, "approval": approvals.get(org.pk)} for org in letter_organizations(letter=letter)]


def signoff_organizations_user_can_approve(*, letter: LetterPage, user) -> list[Organization]:
    """The organizations this person may still approve the latest revision for.

    Owners and admins approve for their organizations. An organization with nobody on
    the platform to speak for it (no active owner or admin) is approved by an editor on
    its behalf, after confirming with it outside the platform; the approval names the editor.
    """
    if not user.is_authenticated or signoff_current_task_state(letter=letter) is None:
        return []
    pending = [s["organization"] for s in signoff_state(letter=letter) if s["approval"] is None]
    managed = set(
        Membership.objects.filter(user=user, role__in=MANAGER_ROLES).values_list("organization_id", flat=True)
    )
    if letter.permissions_for_user(user).can_publish():
        with_managers = set(
            organization_managers(organization_ids=[o.pk for o in pending]).values_list("organization_id", flat=True)
        )
        managed |= {o.pk for o in pending if o.pk not in with_managers}
    return [organization for organization in pending if organization.pk in managed]


@transaction.atomic
def signoff_approve(*, task_state: TaskState, user) -> list[SignOffApproval]:
    """Record this person's approval for each organization they manage on the letter.

    The task state row is locked, so two organizations approving at the same moment
    cannot both miss that they were the last ones; the task is approved exactly once.
    """
    task_state = TaskState.objects.select_for_update().get(pk=task_state.pk)
    if task_state.status != TaskState.STATUS_IN_PROGRESS:
        raise PermissionDenied(_("This sign-off is no longer in progress."))
    letter = signoff_page(task_state=task_state)
    organizations = signoff_organizations_user_can_approve(letter=letter, user=user)
    if not organizations:
        raise PermissionDenied(_("You cannot sign off on this letter for any organization."))
    revision = letter.get_latest_revision()
    approvals = []
    for organization in organizations:
        try:
            with transaction.atomic():
                approvals.append(
                    SignOffApproval.objects.create(
                        task_state=task_state, revision=revision, organization=organization, user=user
                    )
                )
        except IntegrityError:  # someone else from the same organization was faster
            continue
        log(
            instance=letter,
            action="coalition.signoff_approved",
            user=user,
            revision=revision,
            data={"organization": organization.name, "revision": revision.pk},
        )
    if all(entry["approval"] is not None for entry in signoff_state(letter=letter, task_state=task_state)):
        # Completes the task; when it is the workflow's last, Wagtail publishes the latest revision.
        task_state.approve(user=user)
    return approvals


def signoff_started(*, task_state: TaskState) -> None:
    """A letter entered sign-off: ask its organizations' managers to approve (after commit)."""
    from .tasks import signoff_notify

    revision_id = task_state.revision_id
    transaction.on_commit(
        lambda: signoff_notify.delay(task_state.pk, revision_id, SignOffNotice.Kind.STARTED), robust=True
    )


def signoff_revision_saved(*, letter: LetterPage) -> int:
    """A new revision during sign-off: earlier approvals no longer count; tell the drafters.

    Returns how many approvals were superseded.
    """
    from .tasks import signoff_notify

    task_state = signoff_current_task_state(letter=letter)
    revision = letter.get_latest_revision()
    if task_state is None or revision is None:
        return 0
    superseded = (
        SignOffApproval.objects.filter(task_state=task_state, superseded_at__isnull=True)
        .exclude(revision=revision)
        .update(superseded_at=timezone.now())
    )
    if superseded:
        transaction.on_commit(
            lambda: signoff_notify.delay(task_state.pk, revision.pk, SignOffNotice.Kind.RESET), robust=True
        )
    return superseded


def signoff_task_states_for_user(*, task: CoalitionSignOffTask, user):
    """In-progress sign-off task states on letters of organizations this person manages."""
    managed = Membership.objects.filter(user=user, role__in=MANAGER_ROLES).values("organization_id")
    led = LetterPage.objects.filter(lead_organization_id__in=managed).values_list("pk", flat=True)
    co = LetterCoDrafter.objects.filter(organization_id__in=managed).values_list("page_id", flat=True)
    letter_ids = {str(pk) for pk in [*led, *co]}
    # Their translations are signed off by the same organizations.
    paths = LetterPage.objects.filter(pk__in=[int(pk) for pk in letter_ids]).values_list("path", flat=True)
    if paths:
        under = Q()
        for letter_path in paths:
            under |= Q(path__startswith=letter_path, depth=len(letter_path) // LetterPage.steplen + 1)
        letter_ids |= {str(pk) for pk in LetterTranslationPage.objects.filter(under).values_list("pk", flat=True)}
    return TaskState.objects.filter(
        task=task, status=TaskState.STATUS_IN_PROGRESS, workflow_state__object_id__in=letter_ids
    )


def signoff_notify_send(*, task_state_id: int, revision_id: int, kind: str) -> int:
    """Email the owners and admins of every organization writing the letter; once per round."""
    with transaction.atomic():
        notice, _created = SignOffNotice.objects.get_or_create(
            task_state_id=task_state_id, revision_id=revision_id, kind=kind
        )
        notice = SignOffNotice.objects.select_for_update().get(pk=notice.pk)
        if notice.sent_at is not None:
            return 0
        task_state = TaskState.objects.select_related("workflow_state").get(pk=task_state_id)
        letter = signoff_page(task_state=task_state)
        org_ids = [o.pk for o in letter_organizations(letter=letter)]
        recipients = sorted(
            set(
                organization_managers(organization_ids=org_ids)
                .exclude(user__email="")
                .values_list("user__email", flat=True)
            )
        )
        title = " ".join((letter.draft_title or letter.title).split())  # the text being signed off
        context = {
            "letter": letter,
            "kind": kind,
            "signoff_url": f"{settings.SITE_URL}/admin/letters/{letter.pk}/sign-off/",
            "state": signoff_state(letter=letter, task_state=task_state),
        }
        if kind == SignOffNotice.Kind.RESET:
            subject = _("“%(title)s” changed: please sign off again") % {"title": title}
        else:
            subject = _("Please sign off on “%(title)s”") % {"title": title}
        body = render_to_string("letters/emails/signoff.txt", context)
        messages = [EmailMessage(subject=subject, body=body, to=[address]) for address in recipients]
        if messages:
            get_connection().send_messages(messages)
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
    logger.info("sign-off notice %s for task state %s: %s emails", kind, task_state_id, len(messages))
    return len(messages)


def signoff_workflow_ensure(*, index) -> None:
    """The "Coalition sign-off" workflow with its task, assigned to the letters index."""
    from wagtail.models import Workflow, WorkflowPage, WorkflowTask

    task = CoalitionSignOffTask.objects.filter(name="Coalition sign-off").first()
    if task is None:
        task = CoalitionSignOffTask.objects.create(name="Coalition sign-off")
    workflow, _created = Workflow.objects.get_or_create(name="Coalition sign-off")
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.get_or_create(page=index, defaults={"workflow": workflow})
