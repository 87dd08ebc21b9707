from django.db.models import Count, Prefetch, Q
from rest_framework import viewsets

from coalition.letters.models import EndorsementState, LetterCoDrafter
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
                endorsements_count=Count("endorsements", filter=Q(endorsements__state=EndorsementState.APPROVED))
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
