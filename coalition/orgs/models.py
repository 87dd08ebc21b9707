from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.search import index

from coalition.core.validators import validate_multiline, validate_single_line

# Slugs that would collide with partner portal routes (/partners/invitations/...).
RESERVED_SLUGS = {"invitations"}


def validate_organization_slug(value: str) -> None:
    from django.core.exceptions import ValidationError

    if value in RESERVED_SLUGS:
        raise ValidationError(_("“%(slug)s” is reserved: choose another slug."), params={"slug": value})


class Organization(index.Indexed, models.Model):
    """A group that leads, co-drafts or endorses letters: a signatory in its own right."""

    class Kind(models.TextChoices):
        NGO = "ngo", _("Non-governmental organization")
        NETWORK = "network", _("Network or coalition")
        PROFESSIONAL = "professional", _("Professional association")
        GRASSROOTS = "grassroots", _("Grassroots or community group")
        LEGAL = "legal", _("Legal organization")
        MEDIA = "media", _("Media organization")
        FAITH = "faith", _("Faith-based organization")
        ACADEMIC = "academic", _("Academic or research institution")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, validators=[validate_single_line])
    slug = models.SlugField(
        _("slug"), max_length=100, unique=True, allow_unicode=False, validators=[validate_organization_slug]
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    website = models.URLField(_("website"), max_length=300, blank=True)
    country = CountryField(_("country"), blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True, validators=[validate_multiline])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NGO)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Checked by coalition staff: the organization is who it says it is."),
    )
    asks_signer_consent = models.BooleanField(
        _("ask signers for permission to contact them"),
        default=False,
        help_text=_(
            "On letters this organization leads or co-drafts, signers see an unticked box: "
            "“Keep me informed about <organization>'s work”."
        ),
    )
    require_two_factor = models.BooleanField(
        _("require two-factor login"),
        default=False,
        help_text=_("Members must set up an authenticator app before they can use the partner portal or the admin."),
    )
    # The Django group holding this organization's staff: Wagtail page permissions on
    # the letters the organization writes are granted to it (letters.access).
    staff_group = models.OneToOneField(
        "auth.Group", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="organization"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("country")]),
        FieldPanel("website"),
        FieldPanel("description"),
        FieldPanel("logo"),
        FieldPanel("verified"),
        FieldPanel("asks_signer_consent"),
        FieldPanel("require_two_factor"),
    ]

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("description"),
        index.FilterField("country"),
        index.FilterField("kind"),
        index.FilterField("verified"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="orgs_organization_unique_name_ci"),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A person's role in an organization; owners and admins manage it for everyone else."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("organization"),
        MultiFieldPanel([FieldPanel("user"), FieldPanel("role")], heading=_("Person and role")),
    ]

    class Meta:
        ordering = ["organization__name", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="orgs_membership_unique_user"),
        ]

    def __str__(self):
        return f"{self.user} – {self.organization} ({self.get_role_display()})"

    @property
    def can_manage(self) -> bool:
        return self.role in {self.Role.OWNER, self.Role.ADMIN}


class Invitation(models.Model):
    """An invitation for one email address to join an organization with a role.

    The link carries a signed token naming this row and its nonce: it expires, works
    once (accepted_at), and reissuing or revoking changes the nonce so old links die.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    nonce = models.CharField(max_length=64, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # One open invitation per address and organization; reinviting replaces it.
            models.UniqueConstraint(
                Lower("email"),
                "organization",
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="orgs_invitation_one_open_per_email",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organization} ({self.get_role_display()})"

    @property
    def is_open(self) -> bool:
        from django.utils import timezone

        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class OrganizationAuditEntry(models.Model):
    """Who changed what about an organization's people and profile, and when."""

    class Action(models.TextChoices):
        MEMBER_INVITED = "member_invited", _("Invited a member")
        INVITATION_REVOKED = "invitation_revoked", _("Revoked an invitation")
        INVITATION_ACCEPTED = "invitation_accepted", _("Accepted an invitation")
        MEMBER_ADDED = "member_added", _("Added a member")
        ROLE_CHANGED = "role_changed", _("Changed a role")
        MEMBER_REMOVED = "member_removed", _("Removed a member")
        PROFILE_UPDATED = "profile_updated", _("Updated the profile")
        MERGED = "merged", _("Merged another organization into this one")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="audit_entries")
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    # The person the change is about (their address at the time), when there is one.
    subject = models.CharField(max_length=254, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("organization audit entry")
        verbose_name_plural = _("organization audit entries")

    def __str__(self):
        return f"{self.organization}: {self.get_action_display()} {self.subject}".strip()
