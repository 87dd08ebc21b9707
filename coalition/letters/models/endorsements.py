from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel
from wagtail.search import index

from coalition.core.validators import validate_single_line

from .pages import LetterPage


class EndorsementState(models.TextChoices):
    PENDING_CONFIRMATION = "pending_confirmation", _("Pending confirmation")
    PENDING_REVIEW = "pending_review", _("Pending review")
    APPROVED = "approved", _("Approved")
    NEEDS_RECONFIRMATION = "needs_reconfirmation", _("Needs reconfirmation")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Where each state may go (letters.services.endorsements enforces it; the tests walk it).
ENDORSEMENT_TRANSITIONS = {
    EndorsementState.PENDING_CONFIRMATION: {EndorsementState.PENDING_REVIEW, EndorsementState.WITHDRAWN},
    EndorsementState.PENDING_REVIEW: {
        EndorsementState.APPROVED,
        EndorsementState.REJECTED,
        EndorsementState.WITHDRAWN,
        EndorsementState.NEEDS_RECONFIRMATION,
    },
    EndorsementState.APPROVED: {
        EndorsementState.NEEDS_RECONFIRMATION,
        EndorsementState.REJECTED,
        EndorsementState.WITHDRAWN,
    },
    EndorsementState.NEEDS_RECONFIRMATION: {
        EndorsementState.APPROVED,
        EndorsementState.PENDING_REVIEW,
        EndorsementState.REJECTED,
        EndorsementState.WITHDRAWN,
    },
    EndorsementState.REJECTED: {EndorsementState.APPROVED},
    # Signing on again after a withdrawal starts over.
    EndorsementState.WITHDRAWN: {
        EndorsementState.PENDING_CONFIRMATION,
        EndorsementState.PENDING_REVIEW,
        EndorsementState.APPROVED,
    },
}

# States in which an endorsement still stands (or may soon): a new sign-on for the
# same organization does not replace it.
ACTIVE_ENDORSEMENT_STATES = [
    EndorsementState.PENDING_CONFIRMATION,
    EndorsementState.PENDING_REVIEW,
    EndorsementState.APPROVED,
    EndorsementState.NEEDS_RECONFIRMATION,
]


class Endorsement(index.Indexed, models.Model):
    """An organization's signature on a letter, tied to the exact text it endorsed.

    `revision` and `content_hash` record that text; when the published text changes,
    the endorsement needs reconfirmation before it counts again. Changed only through
    letters.services.endorsements, which logs who made each transition.
    """

    class Display(models.TextChoices):
        PUBLIC = "public", _("Public")
        UNDISCLOSED = "undisclosed", _("Undisclosed for security reasons")

    class Source(models.TextChoices):
        PARTNER = "partner", _("Partner portal")
        PUBLIC_FORM = "public_form", _("Public sign-on form")
        INVITATION = "invitation", _("Invitation")

    letter = models.ForeignKey(LetterPage, on_delete=models.CASCADE, related_name="endorsements")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="endorsements")
    state = models.CharField(
        _("state"),
        max_length=24,
        choices=EndorsementState.choices,
        default=EndorsementState.PENDING_CONFIRMATION,
        db_index=True,
    )
    signer_name = models.CharField(_("signed by"), max_length=200, validators=[validate_single_line])
    signer_title = models.CharField(
        _("title"), max_length=200, help_text=_("Such as “Executive Director”."), validators=[validate_single_line]
    )
    signer_email = models.EmailField(_("contact email"), help_text=_("Never shown on public pages."))
    display = models.CharField(_("display"), max_length=12, choices=Display.choices, default=Display.PUBLIC)
    list_in_pdf = models.BooleanField(
        _("list in the PDF for the recipients"),
        default=True,
        help_text=_("For undisclosed endorsements: name the organization in the PDF the recipients receive."),
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, editable=False)

    # The text endorsed: a page revision and the hash of its letter text (letters.text).
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    content_hash = models.CharField(_("text hash"), max_length=64, blank=True, editable=False)

    # True when the public sign-on created the organization: if the contact never
    # confirms, the sweeper removes both.
    created_organization = models.BooleanField(default=False, editable=False)
    # Part of the signed link sent to the contact; changing it kills old links.
    nonce = models.CharField(max_length=64, editable=False)

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    state_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    rejected_at = models.DateTimeField(null=True, blank=True, editable=False)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    rejection_reason = models.TextField(_("reason for rejection"), max_length=1000, blank=True, editable=False)
    reconfirmation_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    reconfirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    panels = [
        HelpPanel(
            content=_(
                "Approve, reject and withdraw with the buttons on the endorsements list; "
                "every change is kept in this endorsement's history."
            )
        ),
        FieldRowPanel([FieldPanel("signer_name"), FieldPanel("signer_title")]),
        FieldPanel("signer_email"),
        FieldRowPanel([FieldPanel("display"), FieldPanel("list_in_pdf")]),
    ]

    search_fields = [
        index.SearchField("signer_name"),
        index.FilterField("state"),
        index.RelatedFields("organization", [index.SearchField("name")]),
    ]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        constraints = [
            models.UniqueConstraint(fields=["letter", "organization"], name="letters_endorsement_one_per_org"),
            models.CheckConstraint(
                condition=models.Q(state__in=EndorsementState.values), name="letters_endorsement_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.organization} – {self.letter}"

    @property
    def is_public(self) -> bool:
        return self.display == self.Display.PUBLIC

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_ENDORSEMENT_STATES


class EndorsementInvitation(models.Model):
    """An editor's invitation to one organization to endorse a letter, sent to a contact.

    Its state is read from its timestamps: invited → opened → endorsed or declined.
    """

    class State(models.TextChoices):
        INVITED = "invited", _("Invited")
        OPENED = "opened", _("Opened")
        ENDORSED = "endorsed", _("Endorsed")
        DECLINED = "declined", _("Declined")

    letter = models.ForeignKey(LetterPage, on_delete=models.CASCADE, related_name="endorsement_invitations")
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="endorsement_invitations"
    )
    email = models.EmailField(_("contact email"))
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True, validators=[validate_single_line])
    nonce = models.CharField(max_length=64, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=500, blank=True, validators=[validate_single_line])
    endorsement = models.ForeignKey(
        Endorsement, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["organization__name", "pk"]
        verbose_name = _("invitation to endorse")
        verbose_name_plural = _("invitations to endorse")
        constraints = [
            models.UniqueConstraint(fields=["letter", "organization"], name="letters_endorsement_invitation_one"),
        ]

    def __str__(self):
        return f"{self.organization} → {self.letter}"

    @property
    def state(self) -> str:
        if self.endorsement_id:
            return self.State.ENDORSED
        if self.declined_at:
            return self.State.DECLINED
        if self.opened_at:
            return self.State.OPENED
        return self.State.INVITED

    def get_state_display(self) -> str:
        return self.State(self.state).label


class EndorsementNotice(models.Model):
    """An email owed about an endorsement or an invitation: the outbox row.

    Written in the same transaction as the change it reports; the task sends it once
    (`sent_at`), and the sweeper sends what a dead broker dropped.
    """

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("Confirm your organization's endorsement")
        ALREADY = "already", _("Already endorsed")
        APPROVED = "approved", _("Endorsement approved")
        REJECTED = "rejected", _("Endorsement rejected")
        RECONFIRM = "reconfirm", _("Reconfirm after a text change")
        WITHDRAWN = "withdrawn", _("Endorsement withdrawn")
        INVITE = "invite", _("Invitation to endorse")
        REMIND = "remind", _("Reminder to endorse")

    endorsement = models.ForeignKey(Endorsement, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    invitation = models.ForeignKey(
        EndorsementInvitation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The address it goes to, fixed when it is written (a later edit of the contact
    # address does not redirect a reply to someone else's submission).
    recipient = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(endorsement__isnull=False, invitation__isnull=True)
                | models.Q(endorsement__isnull=True, invitation__isnull=False),
                name="letters_endorsementnotice_one_subject",
            ),
        ]
        indexes = [models.Index(Lower("recipient"), "created_at", name="letters_notice_recipient_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"
