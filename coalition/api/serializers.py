"""What the API shows and accepts. Public output never holds an email address, an IP address or a signer's row id."""

from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext as _
from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coalition.core.validators import validate_multiline, validate_no_formula, validate_single_line
from coalition.delivery.history import letter_delivery_history
from coalition.delivery.models import LetterDelivery
from coalition.letters.models import Endorsement, LetterPage, LetterStatus
from coalition.letters.services import letter_accepts_signatures, letter_consent_offers
from coalition.letters.signature_forms import NAME_VALIDATORS, TEXT_VALIDATORS
from coalition.orgs.models import Organization

MAX_CONSENTS = 20


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not know: a typo must not be silently dropped (say, `show_name` for
    `show_name_publicly`), and nothing unexpected rides along."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = [name for name in data if name not in self.fields]
            if unknown:
                raise serializers.ValidationError(
                    {str(name)[:100]: [_("This field is not part of the request.")] for name in unknown[:20]}
                )
        return super().to_internal_value(data)


# --- organizations -------------------------------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True, help_text="ISO 3166-1 alpha-2, or empty.")

    class Meta:
        model = Organization
        fields = ["slug", "name", "website", "country", "kind", "description", "verified"]
        read_only_fields = fields


class OrganizationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name"]
        read_only_fields = fields


# --- letters -------------------------------------------------------------------------------------------


class LetterOrganizationsSerializer(serializers.Serializer):
    lead = OrganizationSummarySerializer(allow_null=True, help_text="The organization that leads the letter.")
    co_drafters = OrganizationSummarySerializer(many=True)


class LetterCountsSerializer(serializers.Serializer):
    signatures = serializers.IntegerField(help_text="Confirmed individual signatures (pending and held ones are not).")
    endorsements = serializers.IntegerField(
        help_text="Organizations with an approved endorsement of the current text (undisclosed ones counted, unnamed)."
    )


class ConsentOfferSerializer(serializers.Serializer):
    organization = serializers.CharField(help_text="The organization's slug: what `contact_consent` lists.")
    text = serializers.CharField(
        help_text="The exact words to show next to the box; they are stored with the consent."
    )


# An enum kept inline (inside allOf): as a named enum, a second `kind` choice set would make drf-spectacular
# rename the organizations' KindEnum, breaking partners' generated clients.
@extend_schema_field({"allOf": [{"type": "string", "enum": LetterDelivery.Kind.values}]})
class DeliveryKindField(serializers.ChoiceField):
    pass


class LetterDeliveryRecordSerializer(serializers.Serializer):
    """One line of the letter's public delivery history (coalition.delivery.history): names, never addresses."""

    kind = DeliveryKindField(
        choices=LetterDelivery.Kind.values,
        help_text="`delivery`: the letter was sent; `addendum`: later signatories were sent on after it.",
    )
    date = serializers.DateTimeField(help_text="When it was delivered.")
    recipients = serializers.ListField(
        child=serializers.CharField(),
        source="recipient_names",
        help_text="The first few recipients' names, as they were when it was sent.",
    )
    other_recipients = serializers.IntegerField(
        source="others", help_text="How many more recipients it went to, not named in `recipients`."
    )
    organizations = serializers.IntegerField(source="organizations_count", help_text="Organizations it listed.")
    individuals = serializers.IntegerField(
        source="signatures_count", help_text="Individual signatories it listed (for an addendum: the new ones)."
    )


class LetterSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The letter's public page.")
    organizations = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    goal = serializers.IntegerField(source="signature_goal", read_only=True, allow_null=True)
    pdf_url = serializers.SerializerMethodField(help_text="The signed PDF, once the editors have made it public.")
    accepts_signatures = serializers.SerializerMethodField()
    consent_offers = serializers.SerializerMethodField(
        help_text="The organizations that ask signers for permission to contact them, with their exact words."
    )

    class Meta:
        model = LetterPage
        fields = [
            "slug",
            "title",
            "summary",
            "status",
            "language",
            "url",
            "recipients_line",
            "organizations",
            "counts",
            "goal",
            "deadline",
            "pdf_url",
            "accepts_signatures",
            "consent_offers",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return obj.public_url

    @extend_schema_field(LetterOrganizationsSerializer)
    def get_organizations(self, obj) -> dict:
        lead = obj.lead_organization if obj.lead_organization_id else None
        return {
            "lead": OrganizationSummarySerializer(lead).data if lead else None,
            "co_drafters": OrganizationSummarySerializer(obj.co_drafting_organizations, many=True).data,
        }

    @extend_schema_field(LetterCountsSerializer)
    def get_counts(self, obj) -> dict:
        return {"signatures": obj.signatures_count, "endorsements": obj.endorsements_count}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_pdf_url(self, obj) -> str | None:
        return obj.public_url + "pdf/" if obj.pdf_public and obj.has_ready_pdf else None

    def get_accepts_signatures(self, obj) -> bool:
        return letter_accepts_signatures(obj)

    @extend_schema_field(ConsentOfferSerializer(many=True))
    def get_consent_offers(self, obj) -> list:
        return [{"organization": offer.organization.slug, "text": offer.text} for offer in letter_consent_offers(obj)]


class LetterTranslationSerializer(serializers.Serializer):
    language = serializers.CharField()
    title = serializers.CharField()
    url = serializers.URLField()
    out_of_date = serializers.BooleanField()


class LetterDetailSerializer(LetterSerializer):
    embed_token = serializers.SerializerMethodField(
        help_text=(
            "For browser scripts on the partner sites listed for the letter: send it as the X-Embed-Token "
            "header when signing without an API key. Valid for a day; fetch it again after that."
        )
    )

    deliveries = serializers.SerializerMethodField(
        help_text="When the letter was delivered, to whom, with how many signatories; oldest first, empty until then."
    )

    translations = serializers.SerializerMethodField(
        help_text=(
            "The letter's published translations. The letter's own text (`language`) is the authoritative one; "
            "`out_of_date` says a translation renders an earlier version of it."
        )
    )

    class Meta(LetterSerializer.Meta):
        fields = [*LetterSerializer.Meta.fields, "embed_token", "deliveries", "translations"]
        read_only_fields = fields

    @extend_schema_field(LetterTranslationSerializer(many=True))
    def get_translations(self, obj) -> list:
        from coalition.letters.text import letter_text_hash
        from coalition.letters.translations import letter_translations

        source_hash = letter_text_hash(obj)
        return LetterTranslationSerializer(
            [
                {
                    "language": t.language,
                    "title": t.title,
                    "url": settings.SITE_URL + (t.url or "/"),
                    "out_of_date": t.source_text_hash != source_hash,
                }
                for t in letter_translations(obj)
            ],
            many=True,
        ).data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_embed_token(self, obj) -> str | None:
        from .signing import embed_token_issue

        return embed_token_issue(letter=obj) if letter_accepts_signatures(obj) else None

    @extend_schema_field(LetterDeliveryRecordSerializer(many=True))
    def get_deliveries(self, obj) -> list:
        return LetterDeliveryRecordSerializer(letter_delivery_history(letter=obj), many=True).data


# --- signatures ----------------------------------------------------------------------------------------


class PublicSignatureSerializer(serializers.Serializer):
    """A signer who chose to be listed, named as they chose. No id: nothing to look them up by."""

    name = serializers.CharField(source="public_name")
    city = serializers.CharField()
    country = serializers.CharField(source="country.code")
    signed_at = serializers.DateTimeField(source="confirmed_at")


COUNTRY_CODES = [code for code, _name in countries]


class SignatureCreateSerializer(StrictInputSerializer):
    """The same fields and rules as the letter page's form."""

    first_name = serializers.CharField(max_length=100, validators=NAME_VALIDATORS)
    last_name = serializers.CharField(max_length=100, validators=NAME_VALIDATORS)
    email = serializers.EmailField(
        max_length=254,
        validators=[validate_single_line],
        help_text="Receives the confirmation link; never shown anywhere.",
    )
    country = serializers.ChoiceField(choices=COUNTRY_CODES, help_text="ISO 3166-1 alpha-2, upper case.")
    city = serializers.CharField(max_length=100, validators=TEXT_VALIDATORS, help_text="City or postcode.")
    title = serializers.CharField(max_length=150, required=False, allow_blank=True, validators=TEXT_VALIDATORS)
    comment = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, validators=[validate_multiline, validate_no_formula]
    )
    show_name_publicly = serializers.BooleanField(
        required=False, default=False, help_text="List the signer on the letter's page and in the PDF."
    )
    show_full_name = serializers.BooleanField(
        required=False, default=False, help_text="Listed by full name instead of first name and last initial."
    )
    contact_consent = serializers.ListField(
        child=serializers.SlugField(max_length=100),
        required=False,
        default=list,
        max_length=MAX_CONSENTS,
        help_text="Slugs of organizations from the letter's `consent_offers` that the signer agreed may contact them.",
    )
    source = serializers.SlugField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="The organization that brought the signer in. With an API key: the key's own (the default).",
    )
    region = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        validators=[validate_single_line],
        help_text=(
            "Letters in constituent mode: the signer's region (state, district), such as `CA` or `US:CA`. "
            "Required when the signer's country has regions on the letter's recipient lists."
        ),
    )
    personal_message = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        validators=[validate_multiline, validate_no_formula],
        help_text="Constituent letters that allow it: a paragraph of the signer's own, added to their message.",
    )
    language = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        help_text=(
            "The language the signer read the letter in: the letter's own or one of its `translations`. "
            "Recorded with the signature; the confirmation email is written in it. Default: the letter's."
        ),
    )


class SignatureAcceptedSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["pending_confirmation"],
        help_text="Always this, whether the signature is new, a repeat or held: the email tells the signer the rest.",
    )


# --- endorsements and stats --------------------------------------------------------------------------


class EndorserSerializer(serializers.Serializer):
    organization = OrganizationSerializer()
    role = serializers.ChoiceField(choices=["lead", "co_drafter", ""], help_text="Lead and co-drafters come first.")


class LetterEndorsementsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Approved endorsements of the current text, undisclosed ones included.")
    undisclosed_count = serializers.IntegerField(help_text="Endorsers who asked not to be named.")
    results = EndorserSerializer(many=True)


class CountryCountSerializer(serializers.Serializer):
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2; empty when not given.")
    count = serializers.IntegerField()


class DayCountSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The day (UTC) the signatures were confirmed.")
    count = serializers.IntegerField()


class LetterStatsSerializer(serializers.Serializer):
    signatures = serializers.IntegerField()
    goal = serializers.IntegerField(allow_null=True)
    by_country = CountryCountSerializer(many=True)
    by_day = DayCountSerializer(many=True)


# --- partner scope -------------------------------------------------------------------------------------


class PartnerContactSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.EmailField()
    city = serializers.CharField()
    title = serializers.CharField()
    consent_text = serializers.CharField(help_text="The exact words the signer agreed to.")
    consented_at = serializers.DateTimeField()


class PartnerSignatureSerializer(serializers.Serializer):
    """Built by coalition.api.partner_data (the webhooks send the same record)."""

    id = serializers.CharField(help_text="Stable identifier of the signature (also in webhook events).")
    letter = serializers.SlugField()
    state = serializers.CharField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    country = serializers.CharField()
    language = serializers.CharField()
    brought_in = serializers.BooleanField(help_text="Your organization brought this signer in.")
    channel = serializers.CharField()
    public_name = serializers.CharField(allow_null=True, help_text="As listed publicly, when the signer chose that.")
    contact_consent = serializers.BooleanField(help_text="The signer agreed that your organization may contact them.")
    contact = PartnerContactSerializer(
        allow_null=True, help_text="Only with the signer's consent to your organization."
    )


class PartnerEndorsementSerializer(serializers.ModelSerializer):
    letter = serializers.SlugField(source="letter.slug")
    letter_title = serializers.CharField(source="letter.title")

    class Meta:
        model = Endorsement
        fields = [
            "id",
            "letter",
            "letter_title",
            "state",
            "display",
            "list_in_pdf",
            "signer_name",
            "signer_title",
            "content_hash",
            "created_at",
            "approved_at",
            "withdrawn_at",
        ]
        read_only_fields = fields


LETTER_STATUS_CHOICES = [status for status in LetterStatus.values if status != LetterStatus.DRAFT]
