from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from coalition.core.validators import validate_multiline, validate_single_line


def embed_origin_list(value: str) -> list[str]:
    """The origins (scheme://host[:port]) in an embed list, one per line."""
    return [line.strip().rstrip("/") for line in (value or "").splitlines() if line.strip()]


def validate_embed_origins(value: str) -> None:
    from urllib.parse import urlsplit

    for origin in embed_origin_list(value):
        parts = urlsplit(origin)
        if (
            parts.scheme != "https"
            or not parts.hostname
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username
            or any(c in origin for c in " '\";*")
        ):
            raise ValidationError(
                _("“%(origin)s” is not a site address: write one https:// address per line, with no path."),
                code="embed_origin",
                params={"origin": origin[:100]},
            )


# The formatting a letter body may use: enough for a real letter, nothing that can
# carry scripts, embeds or styling.
LETTER_BODY_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "blockquote"]
SHORT_TEXT_FEATURES = ["bold", "italic", "link"]


class LetterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN_FOR_ENDORSEMENT = "open_for_endorsement", _("Open for endorsement")
    OPEN_FOR_SIGNATURES = "open_for_signatures", _("Open for signatures")
    CLOSED = "closed", _("Closed")
    DELIVERED = "delivered", _("Delivered")


# The public never sees a letter still in drafting in listings.
PUBLIC_STATUSES = [s for s in LetterStatus.values if s != LetterStatus.DRAFT]

# Allowed moves in the life of a letter. Signatures imply endorsements stay open
# ("an editor can open signatures and endorsements at the same time").
STATUS_TRANSITIONS = {
    LetterStatus.DRAFT: {LetterStatus.OPEN_FOR_ENDORSEMENT, LetterStatus.OPEN_FOR_SIGNATURES},
    LetterStatus.OPEN_FOR_ENDORSEMENT: {
        LetterStatus.DRAFT,
        LetterStatus.OPEN_FOR_SIGNATURES,
        LetterStatus.CLOSED,
    },
    LetterStatus.OPEN_FOR_SIGNATURES: {LetterStatus.OPEN_FOR_ENDORSEMENT, LetterStatus.CLOSED},
    LetterStatus.CLOSED: {LetterStatus.OPEN_FOR_SIGNATURES, LetterStatus.DELIVERED},
    LetterStatus.DELIVERED: {LetterStatus.CLOSED},
}


def route_child_as(model, parent: Page, request, path_components, *, related=()):
    """Wagtail's Page.route, with the child fetched as `model` in one query rather than two.

    Wagtail loads the child as a plain page, then its specific row; every request for a
    letter (its page, its sign/ route) goes through two such levels. `related` are the
    relations every view of the child reads, joined in that query. None when the path
    names no child of that type: the caller leaves that to Wagtail (other page types, 404).
    """
    if not path_components:
        return None
    try:
        child = model.objects.child_of(parent).select_related(*related).get(slug=path_components[0])
    except model.DoesNotExist:
        return None
    if child.specific_class is not model:  # a subclass's page: Wagtail finds its own fields
        return None
    child._cached_parent_obj = parent  # as Wagtail's route does: the parent is known
    return child.route(request, path_components[1:])


class HomePage(Page):
    """The site root: what Coalition is, and the letters open right now."""

    heading = models.CharField(max_length=200, default="Many organizations. One letter.")
    introduction = models.TextField(max_length=1000, blank=True)

    content_panels = Page.content_panels + [FieldPanel("heading"), FieldPanel("introduction")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["letters.LetterIndexPage"]
    max_count = 1

    def route(self, request, path_components):
        routed = route_child_as(LetterIndexPage, self, request, path_components)
        return routed if routed is not None else super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from ..selectors import letters_open_list

        context = super().get_context(request, *args, **kwargs)
        context["open_letters"] = letters_open_list()[:6]
        context["letter_index"] = LetterIndexPage.objects.live().first()
        return context


class LetterIndexPage(Page):
    """All public letters at /letters/, filterable by status and language."""

    introduction = models.TextField(max_length=1000, blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]

    parent_page_types = ["letters.HomePage"]
    subpage_types = ["letters.LetterPage"]
    max_count = 1
    per_page = 12

    def route(self, request, path_components):
        # The lead organization (and its logo) is on every letter page and in the signature form.
        routed = route_child_as(LetterPage, self, request, path_components, related=["lead_organization__logo"])
        return routed if routed is not None else super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from ..forms import LetterFilterForm
        from ..selectors import letters_public_list

        context = super().get_context(request, *args, **kwargs)
        form = LetterFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        letters = letters_public_list(
            parent=self,
            status=filters.get("status") or None,
            language=filters.get("language") or None,
        )
        page_number = request.GET.get("page") if form.is_valid() or not request.GET else 1
        context["filter_form"] = form
        context["page_obj"] = Paginator(letters, self.per_page).get_page(page_number)
        context["is_filtered"] = bool(filters.get("status") or filters.get("language"))
        return context


class LetterPage(RoutablePageMixin, Page):
    """One coalition letter: its text, who wrote it, who it is for, and where it stands."""

    summary = models.TextField(
        _("summary"),
        max_length=500,
        help_text=_("One or two sentences for listings and share previews."),
        validators=[validate_multiline],
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hero_caption = models.CharField(_("caption"), max_length=300, blank=True, validators=[validate_single_line])
    hero_credit = models.CharField(_("credit"), max_length=200, blank=True, validators=[validate_single_line])
    introduction = RichTextField(
        _("introduction"),
        features=LETTER_BODY_FEATURES,
        blank=True,
        help_text=_("Why this letter, why now: shown above the letter."),
    )

    recipients_line = models.CharField(
        _("recipients line"),
        max_length=200,
        help_text=_('How the letter opens, such as "Dear Mr. President,".'),
        validators=[validate_single_line],
    )
    body = RichTextField(_("letter text"), features=LETTER_BODY_FEATURES)
    closing = models.CharField(
        _("closing"), max_length=100, blank=True, default="Yours sincerely,", validators=[validate_single_line]
    )

    language = models.CharField(_("language"), max_length=10, choices=settings.LETTER_LANGUAGES, default="en")
    text_direction = models.CharField(
        _("text direction"),
        max_length=4,
        choices=[("auto", _("From the language")), ("ltr", _("Left to right")), ("rtl", _("Right to left"))],
        default="auto",
    )

    # Who writes the letter decides who may edit it, so the lead and co-drafting
    # organizations are managed on their own admin screen (letters.services), not in
    # page revisions; see with_content_json.
    lead_organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("lead organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_letters",
        editable=False,
    )

    # Changed only through letters.services.letter_status_change, which records who
    # and when; kept out of revisions (see with_content_json).
    status = models.CharField(
        _("status"), max_length=24, choices=LetterStatus.choices, default=LetterStatus.DRAFT, db_index=True
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    signature_goal = models.PositiveIntegerField(_("signature goal"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)

    thank_you_message = RichTextField(
        _("thank-you message"),
        features=SHORT_TEXT_FEATURES + ["ul"],
        blank=True,
        help_text=_("Shown to people after they act on the letter."),
    )
    donate_url = models.URLField(_("donate link"), max_length=500, blank=True)
    share_text = models.CharField(
        _("share text"),
        max_length=200,
        blank=True,
        help_text=_("Suggested words when someone shares the letter."),
        validators=[validate_single_line],
    )

    embed_origins = models.TextField(
        _("sites that may embed the signature form"),
        blank=True,
        max_length=2000,
        help_text=_(
            "One address per line, such as https://www.amnesty.org: partner sites that may show this "
            "letter's signature form in a frame. Signatures collected there count for this letter."
        ),
        validators=[validate_embed_origins],
    )

    # Delivery (coalition.delivery): who the letter goes to, and how.
    delivery_mode = models.CharField(
        _("delivery"),
        max_length=12,
        choices=[
            ("coalition", _("Coalition delivery: the signed letter and its PDF go to the recipients")),
            ("constituent", _("Constituent messages: each signer's copy goes to their own decision makers")),
        ],
        default="coalition",
    )
    recipient_lists = ParentalManyToManyField(
        "delivery.RecipientList",
        verbose_name=_("recipient lists"),
        blank=True,
        related_name="letters",
        help_text=_(
            "Coalition delivery: everyone on these lists receives the letter. Constituent messages: each signer "
            "writes to the decision makers on these lists for their country and region."
        ),
    )
    constituent_digest = models.BooleanField(
        _("one digest a day"),
        default=False,
        help_text=_("Constituent messages: send each decision maker one email a day with all the new messages."),
    )
    allow_personal_message = models.BooleanField(
        _("signers may add a paragraph"),
        default=True,
        help_text=_("Constituent messages: a paragraph of the signer's own, added to their copy."),
    )

    pdf_public = models.BooleanField(
        _("signed PDF public"),
        default=False,
        editable=False,
        help_text=_("Anyone may download the newest signed PDF at the letter's pdf/ address."),
    )

    # Fields that belong to the letter as a whole, not to a version of its text.
    NON_REVISIONED_FIELDS = (
        "status",
        "status_changed_at",
        "status_changed_by_id",
        "lead_organization_id",
        "pdf_public",
    )

    content_panels = Page.content_panels + [
        HelpPanel(
            content=_(
                "The lead and co-drafting organizations are chosen with the “Organizations” button "
                "above: their staff can then edit this letter and must sign off on its text."
            )
        ),
        FieldPanel("summary"),
        MultiFieldPanel(
            [FieldPanel("hero_image"), FieldRowPanel([FieldPanel("hero_caption"), FieldPanel("hero_credit")])],
            heading=_("Hero image"),
        ),
        FieldPanel("introduction"),
        MultiFieldPanel(
            [FieldPanel("recipients_line"), FieldPanel("body"), FieldPanel("closing")],
            heading=_("The letter"),
        ),
        InlinePanel("recipients", heading=_("Recipients"), label=_("recipient")),
    ]
    campaign_panels = [
        HelpPanel(
            content=_(
                "The status (draft, open for endorsement, open for signatures, closed, delivered) is "
                "changed with the “Change status” button, which records who changed it and when."
            )
        ),
        FieldRowPanel([FieldPanel("language"), FieldPanel("text_direction")]),
        FieldRowPanel([FieldPanel("signature_goal"), FieldPanel("deadline")]),
        InlinePanel("updates", heading=_("Campaign updates"), label=_("update")),
        FieldPanel("thank_you_message"),
        InlinePanel("related_actions", heading=_("Want to do more?"), label=_("related action")),
        FieldPanel("donate_url"),
        FieldPanel("share_text"),
        FieldPanel("embed_origins"),
    ]
    delivery_panels = [
        HelpPanel(
            content=_(
                "Constituent messages may use [Decision Maker], [Your Name] and [Your City] in the letter text: "
                "they are filled in for each message, and signers see a preview before they sign."
            )
        ),
        FieldPanel("delivery_mode", widget=forms.RadioSelect),
        FieldPanel("recipient_lists", widget=forms.CheckboxSelectMultiple),
        FieldRowPanel([FieldPanel("constituent_digest"), FieldPanel("allow_personal_message")]),
    ]

    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Letter")),
            ObjectList(campaign_panels, heading=_("Campaign")),
            ObjectList(delivery_panels, heading=_("Delivery")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
        ]
    )

    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("introduction"),
        index.SearchField("body"),
        index.FilterField("status"),
        index.FilterField("language"),
    ]

    parent_page_types = ["letters.LetterIndexPage"]
    subpage_types = ["letters.LetterTranslationPage"]

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")

    def clean(self):
        super().clean()
        try:
            validate_single_line(self.title)
        except ValidationError as error:
            raise ValidationError({"title": error.messages}) from error

    # --- display -------------------------------------------------------------

    @property
    def organizations_letter(self) -> "LetterPage":
        """The letter whose organizations write it (a translation answers with its letter)."""
        return self

    @property
    def direction(self) -> str:
        if self.text_direction in ("ltr", "rtl"):
            return self.text_direction
        return "rtl" if self.language.split("-")[0] in settings.RTL_LANGUAGES else "ltr"

    @cached_property
    def public_url(self) -> str:
        """The letter's address on the public site (SITE_URL), for emails and share links.

        Worked out once per object: the letter page shows it three times, and each time
        costs a read of the site root paths from the cache.
        """
        return settings.SITE_URL + (self.get_url() or "/")

    @property
    def is_public_status(self) -> bool:
        return self.status != LetterStatus.DRAFT

    @cached_property
    def co_drafting_organizations(self):
        """Co-drafters in their editor-chosen order (uses a prefetch when there is one)."""
        if "co_drafters" in getattr(self, "_prefetched_objects_cache", {}):
            return [c.organization for c in self.co_drafters.all()]
        return [c.organization for c in self.co_drafters.select_related("organization", "organization__logo")]

    @cached_property
    def updates_newest_first(self):
        return sorted(self.updates.all(), key=lambda u: (u.date, u.pk or 0), reverse=True)

    def get_context(self, request, *args, **kwargs):
        from django.utils.functional import SimpleLazyObject

        from coalition.delivery.history import letter_delivery_history

        from ..selectors import letter_endorsers, letter_share_links, letter_signature_summary
        from ..services import letter_accepts_signatures, signature_counts_version
        from ..translations import letter_language_versions, letter_translation_out_of_date

        context = super().get_context(request, *args, **kwargs)
        context["share_links"] = letter_share_links(letter=self, url=self.public_url)
        context["endorsers"] = letter_endorsers(letter=self, country=request.GET.get("org_country"))
        # Read only when the cached fragments that show them have expired or changed.
        context["signature_summary"] = SimpleLazyObject(lambda: letter_signature_summary(letter=self))
        context["signatures_version"] = signature_counts_version(self.pk)
        context["accepts_signatures"] = letter_accepts_signatures(self)
        context["deliveries"] = letter_delivery_history(letter=self)
        context["language_versions"] = letter_language_versions(self)
        context["translation_out_of_date"] = letter_translation_out_of_date(self)
        if context["accepts_signatures"]:
            from ..views.signatures import signature_form

            context["sign_form"] = signature_form(self, request)
        if self.pdf_public:  # one query, only for letters whose signed PDF the editors made public
            from ..services.documents import letter_pdf_for_reader

            context["signed_pdf"] = letter_pdf_for_reader(self)
        return context

    # --- permissions ---------------------------------------------------------

    def permissions_for_user(self, user):
        from ..access import LetterPermissionTester

        return LetterPermissionTester(user, self)

    # --- revisions -----------------------------------------------------------

    def with_content_json(self, content):
        """Keep the live status and lead organization when a revision is restored or published.

        They belong to the letter as a whole, not to a version of its text: publishing
        an edit drafted last week must not reopen a closed letter or hand it to
        another organization.
        """
        obj = super().with_content_json(content)
        for field in self.NON_REVISIONED_FIELDS:
            setattr(obj, field, getattr(self, field))
        return obj

    # --- routes --------------------------------------------------------------

    # Every route, and the editors' preview, speaks the letter's language (letters.i18n).
    def serve(self, request, *args, **kwargs):
        from ..i18n import letter_response_render

        return letter_response_render(self, lambda: super(LetterPage, self).serve(request, *args, **kwargs))

    def serve_preview(self, request, *args, **kwargs):
        from ..i18n import letter_response_render

        return letter_response_render(self, lambda: super(LetterPage, self).serve_preview(request, *args, **kwargs))

    @path("thank-you/", name="thank_you")
    def thank_you(self, request):
        return self.render(
            request,
            template="letters/letter_thank_you.html",
            context_overrides={"page_title": _("Thank you")},
        )

    # Signing (letters.views.signatures): the form posts to sign/, which always answers
    # with the same "check your email" page; the emailed links confirm or withdraw.
    @path("sign/", name="sign")
    def sign(self, request):
        from ..sign_routes import sign_route_remember
        from ..views.signatures import sign

        # Wagtail's routing and access checks brought the request here: later posts to
        # this address may take the short cut (coalition.urls, letters.sign_routes).
        sign_route_remember(request, request.path.removesuffix("sign/"), self.pk)
        return sign(request, letter=self)

    @path("sign/sent/", name="sign_sent")
    def sign_sent(self, request):
        from ..views.signatures import sign_sent

        return sign_sent(request, letter=self)

    @path("sign/confirm/<str:token>/", name="signature_confirm")
    def signature_confirm(self, request, token):
        from ..views.signatures import confirm_page

        return confirm_page(request, letter=self, token=token)

    @path("sign/withdraw/<str:token>/", name="signature_withdraw")
    def signature_withdraw(self, request, token):
        from ..views.signatures import withdraw_page

        return withdraw_page(request, letter=self, token=token)

    @path("pdf/", name="pdf")
    def pdf(self, request):
        from ..views.documents import letter_pdf

        return letter_pdf(request, letter=self)

    @path("embed/", name="embed")
    def embed(self, request):
        from ..views.signatures import embed

        return embed(request, letter=self)

    # Endorsing (letters.views.endorsements): the public sign-on form, the page after
    # it, the contact's emailed link (confirm, reconfirm, withdraw) and an editor's
    # invitation link.
    @path("endorse/", name="endorse")
    def endorse(self, request):
        from ..views.endorsements import endorse

        return endorse(request, letter=self)

    @path("endorse/sent/", name="endorse_sent")
    def endorse_sent(self, request):
        from ..views.endorsements import endorse_sent

        return endorse_sent(request, letter=self)

    @path("endorse/invited/<str:token>/", name="endorse_invited")
    def endorse_invited(self, request, token):
        from ..views.endorsements import endorse_invited

        return endorse_invited(request, letter=self, token=token)

    @path("endorse/<str:token>/", name="endorsement")
    def endorsement(self, request, token):
        from ..views.endorsements import endorsement_manage

        return endorsement_manage(request, letter=self, token=token)


class LetterRecipient(Orderable):
    """A decision maker the letter is addressed to. The email is for delivery only."""

    page = ParentalKey(LetterPage, on_delete=models.CASCADE, related_name="recipients")
    name = models.CharField(_("name"), max_length=200, validators=[validate_single_line])
    title = models.CharField(_("title"), max_length=200, blank=True, validators=[validate_single_line])
    email = models.EmailField(_("email"), blank=True, help_text=_("Never shown on public pages."))
    country = CountryField(_("country"), blank=True)
    region = models.CharField(
        _("region"),
        max_length=100,
        blank=True,
        help_text=_("State, province or district."),
        validators=[validate_single_line],
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("title")]),
        FieldPanel("email"),
        FieldRowPanel([FieldPanel("country"), FieldPanel("region")]),
    ]

    def __str__(self):
        return f"{self.name}, {self.title}" if self.title else self.name


class LetterCoDrafter(models.Model):
    """An organization drafting the letter alongside the lead organization.

    Not part of page revisions: adding or removing one changes who may edit the
    draft at once (letters.services.letter_codrafter_add / _remove).
    """

    page = models.ForeignKey(LetterPage, on_delete=models.CASCADE, related_name="co_drafters")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="co_drafted_letters")
    sort_order = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["page", "organization"], name="letters_codrafter_unique_org"),
        ]

    def __str__(self):
        return str(self.organization)


class LetterUpdate(Orderable):
    """A dated news item on the campaign ("Update 10 April: ...")."""

    page = ParentalKey(LetterPage, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("date"))
    text = RichTextField(_("text"), features=SHORT_TEXT_FEATURES + ["ul"])

    panels = [FieldPanel("date"), FieldPanel("text")]

    def __str__(self):
        return f"Update {self.date:%Y-%m-%d}"


class RelatedAction(Orderable):
    """A "Want to do more?" link to another action."""

    page = ParentalKey(LetterPage, on_delete=models.CASCADE, related_name="related_actions")
    title = models.CharField(_("title"), max_length=200, validators=[validate_single_line])
    url = models.URLField(_("link"), max_length=500)
    text = models.CharField(_("text"), max_length=300, blank=True, validators=[validate_single_line])

    panels = [FieldPanel("title"), FieldPanel("url"), FieldPanel("text")]

    def __str__(self):
        return self.title


class LetterStatusChange(models.Model):
    """Audit row: who moved a letter from one status to another, when, and why.

    `notified_at` is set once the letter's organizations have been emailed, so the
    notification task is idempotent and the sweeper knows what a dead broker dropped.
    """

    letter = models.ForeignKey(LetterPage, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=24, choices=LetterStatus.choices)
    to_status = models.CharField(max_length=24, choices=LetterStatus.choices)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("letter status change")
        verbose_name_plural = _("letter status changes")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_status=models.F("to_status")),
                name="letters_statuschange_moves",
            ),
        ]

    def __str__(self):
        return f"{self.letter}: {self.get_from_status_display()} → {self.get_to_status_display()}"
