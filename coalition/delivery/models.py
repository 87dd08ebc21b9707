"""Who letters go to, and the record of everything sent to them.

Decision makers are people with an office (a senator, a minister, an embassy); recipient
lists group them. A letter names lists; in coalition delivery the signed letter goes to
everyone on them, in constituent mode each signer's own message goes to the decision
makers of the signer's country and region. Every email is an OutgoingMessage row, written
before it is sent and updated as it goes, so "what was delivered, to whom, when" is a
query, and a task delivered twice finds the row already sent.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from wagtail.search import index

from coalition.core.validators import validate_multiline, validate_single_line


class DecisionMaker(index.Indexed, models.Model):
    """A person or office a letter can be addressed to. `external_id` keeps re-imports stable."""

    external_id = models.CharField(
        _("external ID"),
        max_length=100,
        unique=True,
        validators=[validate_single_line],
        help_text=_("A stable identifier from the source list (e.g. an official ID): re-importing updates this row."),
    )
    name = models.CharField(_("name"), max_length=200, validators=[validate_single_line])
    title = models.CharField(
        _("title"), max_length=200, blank=True, validators=[validate_single_line], help_text=_("e.g. “Senator”.")
    )
    office = models.CharField(
        _("office or body"),
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text=_("e.g. “United States Senate”, “Ministry of Foreign Affairs”."),
    )
    email = models.EmailField(_("email"), max_length=254)
    country = CountryField(_("country"))
    region = models.CharField(
        _("region or district"),
        max_length=100,
        blank=True,
        validators=[validate_single_line],
        help_text=_("A state, province or district code, such as “CA” or “CA-12”; empty for the whole country."),
    )
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive decision makers (out of office) receive nothing.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("office"),
        index.SearchField("external_id"),
        index.FilterField("country"),
        index.FilterField("region"),
        index.FilterField("active"),
    ]

    class Meta:
        ordering = ["country", "region", "name", "pk"]
        verbose_name = _("decision maker")
        verbose_name_plural = _("decision makers")
        indexes = [models.Index(fields=["country", "region"], name="delivery_dm_place")]

    def __str__(self):
        return f"{self.title} {self.name}".strip()


class RecipientList(models.Model):
    """A named group of decision makers: “US Senate”, “Australian ministers”, “Syrian embassies”."""

    name = models.CharField(_("name"), max_length=200, unique=True, validators=[validate_single_line])
    description = models.TextField(_("description"), max_length=1000, blank=True, validators=[validate_multiline])
    decision_makers = models.ManyToManyField(
        DecisionMaker, verbose_name=_("decision makers"), blank=True, related_name="recipient_lists"
    )
    region_label = models.CharField(
        _("what a region is called"),
        max_length=60,
        blank=True,
        default="",
        validators=[validate_single_line],
        help_text=_("For constituent messages: “State”, “Electorate”… (the signature form's question)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("recipient list")
        verbose_name_plural = _("recipient lists")

    def __str__(self):
        return self.name


class DeliveryMode(models.TextChoices):
    COALITION = "coalition", _("Coalition delivery: the signed letter and its PDF go to the letter's recipients")
    CONSTITUENT = "constituent", _("Constituent messages: each signer's copy goes to their own decision makers")


class DeliveryState(models.TextChoices):
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    PARTIAL = "partial", _("Sent, some failed")
    FAILED = "failed", _("Failed")


class LetterDelivery(models.Model):
    """A coalition delivery (or an addendum to one), frozen when it is made.

    Everything recipients were sent is copied here at creation: the letter revision, the PDF
    file and its hash, the counts, the recipients, the time. Later edits, signatures or PDF
    builds change none of it (services never update these fields; only `state` and
    `sent_at` move as the messages go out).
    """

    class Kind(models.TextChoices):
        DELIVERY = "delivery", _("Delivery")
        ADDENDUM = "addendum", _("Addendum: additional signatories")

    letter = models.ForeignKey(
        "letters.LetterPage", verbose_name=_("letter"), on_delete=models.PROTECT, related_name="deliveries"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DELIVERY)
    addendum_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="addenda", editable=False
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    pdf = models.FileField(upload_to="deliveries/%Y/%m/", max_length=300, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    pdf_pages = models.PositiveIntegerField(default=0, editable=False)
    organizations_count = models.PositiveIntegerField(default=0, editable=False)
    signatures_count = models.PositiveIntegerField(
        default=0, editable=False, help_text=_("Individuals in this delivery's PDF (for an addendum: the new ones).")
    )
    signatures_total = models.PositiveIntegerField(default=0, editable=False)
    signatures_after = models.DateTimeField(null=True, blank=True, editable=False)
    signatures_until = models.DateTimeField(null=True, blank=True, editable=False)
    recipients = models.JSONField(default=list, editable=False)  # [{"name", "title", "office", "email"}]
    message = models.TextField(_("covering note"), max_length=3000, blank=True, validators=[validate_multiline])
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.SENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("delivered"), auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("letter delivery")
        verbose_name_plural = _("letter deliveries")

    def __str__(self):
        return f"{self.letter} – {self.get_kind_display()} {self.created_at:%Y-%m-%d}"


class MessageState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    BATCHED = "batched", _("Waiting for the daily digest")
    RETRYING = "retrying", _("Failed for now, will retry")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    IN_DIGEST = "in_digest", _("Sent in a digest")
    CANCELLED = "cancelled", _("Cancelled")


class OutgoingMessage(models.Model):
    """One email to one recipient: a coalition delivery, a signer's own message, or a daily digest.

    Written before it is sent (in the transaction that owes it), claimed by a conditional
    UPDATE before the email goes out, so a redelivered task sends nothing twice. The subject
    and body are rendered when the row is made and kept: the record of what was delivered.
    """

    class Kind(models.TextChoices):
        COALITION = "coalition", _("Coalition delivery")
        CONSTITUENT = "constituent", _("Constituent message")
        DIGEST = "digest", _("Daily digest")

    State = MessageState

    letter = models.ForeignKey("letters.LetterPage", on_delete=models.CASCADE, related_name="outgoing_messages")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    delivery = models.ForeignKey(
        LetterDelivery, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    signature = models.ForeignKey(
        "letters.Signature", null=True, blank=True, on_delete=models.SET_NULL, related_name="outgoing_messages"
    )
    decision_maker = models.ForeignKey(
        DecisionMaker, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    digest = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="digested_messages"
    )
    recipient_name = models.CharField(max_length=300)
    recipient_email = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    state = models.CharField(max_length=10, choices=MessageState.choices, default=MessageState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    message_id = models.CharField(max_length=300, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        constraints = [
            # A signer's message reaches each of their decision makers once.
            models.UniqueConstraint(
                fields=["signature", "decision_maker"],
                condition=Q(kind="constituent"),
                name="delivery_message_once_per_signer",
            ),
            # A delivery reaches each address once.
            models.UniqueConstraint(
                fields=["delivery", "recipient_email"],
                condition=Q(delivery__isnull=False),
                name="delivery_message_once_per_delivery",
            ),
            models.CheckConstraint(condition=Q(state__in=MessageState.values), name="delivery_message_state_valid"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(state__in=["pending", "retrying"]), name="delivery_msg_due"
            ),
            models.Index(fields=["decision_maker", "state"], name="delivery_msg_dm_state"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient_name} ({self.state})"
