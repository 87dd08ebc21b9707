from django.db.models import Prefetch
from rest_framework import viewsets

from coalition.letters.models import LetterCoDrafter
from coalition.letters.selectors import letters_public_list
from coalition.orgs.models import Organization

from .serializers import LetterSerializer, OrganizationSerializer


class LetterViewSet(viewsets.ReadOnlyModelViewSet):
    """Published letters, as the public sees them."""

    serializer_class = LetterSerializer
    lookup_field = "slug"
    filterset_fields = ["status", "language"]

    def get_queryset(self):
        return letters_public_list().prefetch_related(
            Prefetch("co_drafters", queryset=LetterCoDrafter.objects.select_related("organization"))
        )


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """Public profiles of the organizations on the platform."""

    serializer_class = OrganizationSerializer
    lookup_field = "slug"
    filterset_fields = ["country", "kind", "verified"]
    queryset = Organization.objects.all()
