from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from rest_framework import viewsets

from coalition.letters.models import EndorsementState, LetterCoDrafter, SignatureTally
from coalition.letters.selectors import letters_public_list
from coalition.orgs.selectors import organizations_public

from .serializers import LetterSerializer, OrganizationSerializer


class LetterViewSet(viewsets.ReadOnlyModelViewSet):
    """Published letters, as the public sees them."""

    serializer_class = LetterSerializer
    lookup_field = "slug"
    filterset_fields = ["status", "language"]

    def get_queryset(self):
        # Approved endorsements are always of the current text: a publish that changes
        # the text moves them to "needs reconfirmation" in the same transaction.
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
            )
            .prefetch_related(Prefetch("co_drafters", queryset=LetterCoDrafter.objects.select_related("organization")))
        )


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """Public profiles of the organizations on the platform."""

    serializer_class = OrganizationSerializer
    lookup_field = "slug"
    filterset_fields = ["country", "kind", "verified"]

    def get_queryset(self):
        return organizations_public()
