"""API v1 views: thin, scoped in get_queryset(), state changes through services.

Public routes show what the public pages show. Partner routes (/partner/…) need an
organization's API key and only ever read that organization's rows: anything else is
a 404, so a key cannot even learn that another organization's object exists.
"""

from datetime import UTC, timedelta

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from coalition.core.ratelimit import client_ip
from coalition.letters.models import (
    Endorsement,
    EndorsementState,
    LetterCoDrafter,
    LetterDocument,
    LetterPage,
    Signature,
    SignatureConsent,
    SignatureState,
    SignatureTally,
)
from coalition.letters.selectors import letter_endorsers, letters_public_list
from coalition.letters.services import signature_counts_version
from coalition.orgs.selectors import organizations_public

from . import serializers as s
from .authentication import request_api_key
from .pagination import PartnerSignaturesPagination, PublicSignaturesPagination
from .partner_data import partner_signature_record
from .schema import ErrorSerializer
from .signing import api_signature_create, check_browser_may_sign, letter_allowed_origins
from .throttling import AnonymousThrottle, ApiKeyThrottle, SignAnonymousThrottle, SignApiKeyThrottle

STATS_CACHE_SECONDS = 300


class HasApiKey(BasePermission):
    """Partner routes: an organization's key, whoever else is signed in."""

    def has_permission(self, request, view):
        if request_api_key(request) is None:
            raise NotAuthenticated("This route needs an organization's API key: Authorization: Bearer <key>.")
        return True


@extend_schema(
    tags=["about"],
    summary="The API's resources",
    responses={200: {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}}},
)
class ApiRootView(APIView):
    def get(self, request):
        def url(name, **kwargs):
            return reverse(f"api:{name}", request=request, kwargs=kwargs)

        return Response(
            {
                "letters": url("letter-list"),
                "organizations": url("organization-list"),
                "partner_signatures": url("partner-signatures"),
                "partner_endorsements": url("partner-endorsement-list"),
                "schema": url("schema"),
                "docs": url("docs"),
            }
        )


# --- letters ----------------------------------------------------------------------------------------


class LetterFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=[(value, value) for value in s.LETTER_STATUS_CHOICES])
    language = filters.CharFilter(
        max_length=10,
        method="filter_language",
        help_text="Letters written in this language or with a published translation into it.",
    )

    class Meta:
        model = LetterPage
        fields = ["status", "language"]

    def filter_language(self, queryset, name, value):
        from coalition.letters.selectors import letters_in_language_q

        return queryset.filter(letters_in_language_q(value)) if value else queryset


def _letters_queryset():
    # Approved endorsements are always of the current text: a publish that changes the text
    # moves them to "needs reconfirmation" in the same transaction.
    return (
        letters_public_list()
        .annotate(
            endorsements_count=Count("endorsements", filter=Q(endorsements__state=EndorsementState.APPROVED)),
            # From the stored per-country counts, never by counting signature rows.
            signatures_count=Coalesce(
                Subquery(
                    SignatureTally.objects.filter(letter=OuterRef("pk"))
                    .values("letter")
                    .annotate(total=Sum("confirmed"))
                    .values("total")
                ),
                0,
            ),
            has_ready_pdf=Exists(
                LetterDocument.objects.filter(letter=OuterRef("pk"), state=LetterDocument.State.READY)
            ),
        )
        .prefetch_related(Prefetch("co_drafters", queryset=LetterCoDrafter.objects.select_related("organization")))
    )


def _public_letter(slug: str) -> LetterPage:
    letter = letters_public_list().filter(slug=slug).order_by("-pk").first()
    if letter is None:
        raise Http404
    return letter


@extend_schema_view(
    list=extend_schema(summary="Published letters", description="Newest first; filter by status and language."),
    retrieve=extend_schema(summary="One letter", description="With the embed token browser scripts sign with."),
)
class LetterViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = LetterPage.objects.none()  # for the schema; get_queryset() is what runs
    lookup_field = "slug"
    lookup_value_regex = r"[^/]+"
    filterset_class = LetterFilter

    def get_queryset(self):
        return _letters_queryset()

    def get_serializer_class(self):
        return s.LetterDetailSerializer if self.action == "retrieve" else s.LetterSerializer

    def get_object(self):
        letter = self.get_queryset().filter(slug=self.kwargs["slug"]).order_by("-pk").first()
        if letter is None:
            raise Http404
        return letter


class _CorsForLetterSites:
    """Browsers on the letter's partner sites may read the answers (and post signatures)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = request.headers.get("Origin")
        letter = getattr(self, "letter", None)
        if origin and letter is not None and origin.rstrip("/") in letter_allowed_origins(letter):
            response["Access-Control-Allow-Origin"] = origin.rstrip("/")
            response["Access-Control-Allow-Headers"] = "Content-Type, X-Embed-Token"
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Max-Age"] = "600"
        response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "Origin"]))
        return response


@extend_schema_view(
    get=extend_schema(
        summary="Public signatories",
        description="Confirmed signers who chose to be listed, as they chose to be named; newest first.",
    ),
    post=extend_schema(
        summary="Sign the letter",
        description=(
            "The same rules as the letter's form: the signer confirms by email (double opt-in), one signature "
            "per person, limits that hold suspicious signatures for review. The answer is the same `202` whether "
            "the signature is new, repeated or held; the signer's email says the rest. Without an API key, send "
            "the letter's embed token as X-Embed-Token (browsers on the letter's partner sites)."
        ),
        request=s.SignatureCreateSerializer,
        responses={202: s.SignatureAcceptedSerializer, 409: ErrorSerializer},
        parameters=[
            OpenApiParameter(
                "X-Embed-Token", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False, description="See above."
            )
        ],
    ),
)
class LetterSignaturesView(_CorsForLetterSites, generics.ListCreateAPIView):
    queryset = Signature.objects.none()
    serializer_class = s.PublicSignatureSerializer
    pagination_class = PublicSignaturesPagination
    throttle_classes = [AnonymousThrottle, ApiKeyThrottle, SignAnonymousThrottle, SignApiKeyThrottle]

    def initial(self, request, *args, **kwargs):
        self.letter = _public_letter(kwargs["slug"])
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Signature.objects.none()
        return (
            Signature.objects.filter(letter=self.letter, state=SignatureState.CONFIRMED, show_name=True)
            .only("first_name", "last_name", "show_full_name", "city", "country", "confirmed_at")
            .order_by("-confirmed_at", "-pk")
        )

    def get_serializer_class(self):
        return s.SignatureCreateSerializer if self.request.method == "POST" else s.PublicSignatureSerializer

    def create(self, request, *args, **kwargs):
        api_key = request_api_key(request)
        if api_key is None:
            check_browser_may_sign(request=request, letter=self.letter)
        serializer = s.SignatureCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_signature_create(
            letter=self.letter, data=serializer.validated_data, api_key=api_key, ip=client_ip(request._request)
        )
        return Response({"status": "pending_confirmation"}, status=status.HTTP_202_ACCEPTED)


@extend_schema(summary="Endorsing organizations", responses=s.LetterEndorsementsSerializer)
class LetterEndorsementsView(APIView):
    def get(self, request, slug):
        endorsers = letter_endorsers(letter=_public_letter(slug))
        return Response(
            s.LetterEndorsementsSerializer(
                {
                    "count": endorsers.count,
                    "undisclosed_count": endorsers.undisclosed_count,
                    "results": [{"organization": row.organization, "role": row.role} for row in endorsers.listed],
                }
            ).data
        )


@extend_schema(
    summary="Signature counts by country and by day",
    description="By day: the last 366 days, from the confirmations; recounted at most every five minutes.",
    responses=s.LetterStatsSerializer,
)
class LetterStatsView(APIView):
    def get(self, request, slug):
        letter = _public_letter(slug)
        key = f"api-letter-stats:{letter.pk}:{signature_counts_version(letter.pk)}"
        data = cache.get(key)
        if data is None:
            tallies = SignatureTally.objects.filter(letter=letter, confirmed__gt=0).order_by("-confirmed", "country")
            since = timezone.now() - timedelta(days=366)
            days = (
                Signature.objects.filter(letter=letter, state=SignatureState.CONFIRMED, confirmed_at__gte=since)
                .annotate(day=TruncDate("confirmed_at", tzinfo=UTC))
                .values("day")
                .annotate(count=Count("pk"))
                .order_by("day")
            )
            by_country = [{"country": row.country, "count": row.confirmed} for row in tallies]
            data = s.LetterStatsSerializer(
                {
                    "signatures": sum(row["count"] for row in by_country),
                    "goal": letter.signature_goal,
                    "by_country": by_country,
                    "by_day": [{"date": row["day"], "count": row["count"]} for row in days],
                }
            ).data
            cache.set(key, data, STATS_CACHE_SECONDS)
        return Response(data)


# --- organizations ----------------------------------------------------------------------------------


class OrganizationFilter(filters.FilterSet):
    class Meta:
        model = s.Organization
        fields = ["country", "kind", "verified"]


@extend_schema_view(
    list=extend_schema(summary="Organizations on the platform's published letters"),
    retrieve=extend_schema(summary="One organization's public profile"),
)
class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.OrganizationSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[^/]+"
    filterset_class = OrganizationFilter

    def get_queryset(self):
        return organizations_public()


# --- partner scope ------------------------------------------------------------------------------------


class PartnerSignatureFilter(filters.FilterSet):
    letter = filters.CharFilter(field_name="letter__slug", max_length=255, help_text="A letter's slug.")
    confirmed_after = filters.IsoDateTimeFilter(field_name="confirmed_at", lookup_expr="gt")
    contact_consent = filters.BooleanFilter(field_name="org_consented", help_text="Only those who agreed (or not).")

    class Meta:
        model = Signature
        fields = ["letter", "confirmed_after", "contact_consent"]


@extend_schema(
    summary="Your organization's signatures",
    description=(
        "Confirmed signatures your organization brought in, or whose signers agreed that your organization may "
        "contact them. `contact` (name, email, city, the words agreed to) is there only with that consent. "
        "Oldest first: follow `next` to the end, and resume later with `confirmed_after`."
    ),
    responses=s.PartnerSignatureSerializer(many=True),
)
class PartnerSignaturesView(generics.ListAPIView):
    queryset = Signature.objects.none()
    permission_classes = [HasApiKey]
    serializer_class = s.PartnerSignatureSerializer
    pagination_class = PartnerSignaturesPagination
    filterset_class = PartnerSignatureFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Signature.objects.none()
        organization_id = request_api_key(self.request).organization_id
        consents = SignatureConsent.objects.filter(organization_id=organization_id)
        return (
            Signature.objects.filter(state=SignatureState.CONFIRMED, anonymised_at__isnull=True)
            .annotate(org_consented=Exists(consents.filter(signature=OuterRef("pk"))))
            .filter(Q(source_organization_id=organization_id) | Q(org_consented=True))
            .select_related("letter")
            .prefetch_related(Prefetch("consents", queryset=consents, to_attr="org_consents"))
        )

    def list(self, request, *args, **kwargs):
        organization_id = request_api_key(request).organization_id
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        records = [
            partner_signature_record(
                signature=signature,
                organization_id=organization_id,
                consent=signature.org_consents[0] if signature.org_consents else None,
            )
            for signature in page
        ]
        return self.get_paginated_response(records)


@extend_schema_view(
    list=extend_schema(summary="Your organization's endorsements"),
    retrieve=extend_schema(summary="One of your organization's endorsements"),
)
class PartnerEndorsementViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Endorsement.objects.none()
    permission_classes = [HasApiKey]
    serializer_class = s.PartnerEndorsementSerializer
    filterset_fields = ["state"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Endorsement.objects.none()
        return Endorsement.objects.filter(
            organization_id=request_api_key(self.request).organization_id
        ).select_related("letter")
