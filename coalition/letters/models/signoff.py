"""The "Coalition sign-off" workflow task: every organization writing a letter approves
the same revision before it is published."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import Task, TaskState


class CoalitionSignOffTask(Task):
    """A workflow task completed only when an owner or admin of the lead organization and
    of every co-drafting organization has approved the letter's latest revision.

    Approvals are kept per revision (SignOffApproval): a new revision leaves earlier
    approvals behind, so everyone signs off again on the text that will be published.
    The logic lives in coalition.letters.signoff; these methods are Wagtail's hooks.
    """

    admin_form_fields = Task.admin_form_fields

    class Meta:
        verbose_name = _("Coalition sign-off")
        verbose_name_plural = _("Coalition sign-offs")

    @classmethod
    def get_description(cls):
        return _("Every organization writing the letter approves the same revision of its text")

    def start(self, workflow_state, user=None):
        from coalition.letters import signoff

        task_state = super().start(workflow_state, user=user)
        signoff.signoff_started(task_state=task_state)
        return task_state

    def user_can_access_editor(self, obj, user):
        from coalition.letters.access import user_drafts_letter

        return user.is_superuser or user_drafts_letter(user=user, letter=obj.specific)

    def locked_for_user(self, obj, user):
        # Drafters keep editing during sign-off (an edit restarts the approvals).
        return not self.user_can_access_editor(obj, user)

    def get_actions(self, obj, user):
        from coalition.letters import signoff

        letter = obj.specific
        actions = []
        if signoff.signoff_organizations_user_can_approve(letter=letter, user=user):
            actions.append(("approve", _("Sign off on this text"), False))
        if user.is_superuser or signoff.signoff_user_manages_a_drafting_organization(letter=letter, user=user):
            actions.append(("reject", _("Request changes"), True))
        return actions

    def on_action(self, task_state, user, action_name, **kwargs):
        from coalition.letters import signoff

        if action_name == "approve":
            signoff.signoff_approve(task_state=task_state, user=user)
        elif action_name == "reject":
            task_state.reject(user=user, comment=kwargs.get("comment", ""))

    def get_task_states_user_can_moderate(self, user, **kwargs):
        from coalition.letters import signoff

        return signoff.signoff_task_states_for_user(task=self, user=user)


class SignOffApproval(models.Model):
    """One organization's approval of one revision, given by one of its owners or admins."""

    task_state = models.ForeignKey(TaskState, on_delete=models.CASCADE, related_name="signoff_approvals")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when a newer revision replaced the one approved and the drafters were told.
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_state", "revision", "organization"], name="letters_signoff_one_per_org_revision"
            ),
        ]

    def __str__(self):
        return f"{self.organization} approved revision {self.revision_id}"


class SignOffNotice(models.Model):
    """An email round to a letter's drafters about its sign-off; unique, so a task
    delivered twice sends once."""

    class Kind(models.TextChoices):
        STARTED = "started", _("Sign-off requested")
        RESET = "reset", _("Text changed: sign off again")

    task_state = models.ForeignKey(TaskState, on_delete=models.CASCADE, related_name="+")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task_state", "revision", "kind"], name="letters_signoff_notice_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} (revision {self.revision_id})"
