"""Public read-only representations. Nothing here exposes an email address."""

from rest_framework import serializers

from coalition.letters.models import LetterPage
from coalition.orgs.models import Organization


class OrganizationSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True)

    class Meta:
        model = Organization
        fields = ["slug", "name", "website", "country", "kind", "description", "verified"]
        read_only_fields = fields


class OrganizationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name"]
        read_only_fields = fields


class LetterSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    lead_organization = OrganizationSummarySerializer(read_only=True)
    co_drafting_organizations = OrganizationSummarySerializer(many=True, read_only=True)
    endorsements_count = serializers.IntegerField(
        read_only=True,
        help_text="Organizations endorsing the current text (undisclosed ones counted, never named).",
    )

    signatures_count = serializers.IntegerField(
        read_only=True, help_text="Confirmed individual signatures (unconfirmed and held ones are not counted)."
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
            "lead_organization",
            "co_drafting_organizations",
            "endorsements_count",
            "signatures_count",
            "signature_goal",
            "deadline",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return obj.public_url
