"""/api/v1/: the one router, the letter sub-resources, the partner scope, the schema and its docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from . import views
from .exceptions import api_not_found

app_name = "api"

router = SimpleRouter()
router.register("letters", views.LetterViewSet, basename="letter")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("partner/endorsements", views.PartnerEndorsementViewSet, basename="partner-endorsement")

LETTER = "letters/<str:slug>/"  # Wagtail slugs may be Unicode

urlpatterns = [
    path("v1/", views.ApiRootView.as_view(), name="root"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path(f"v1/{LETTER}signatures/", views.LetterSignaturesView.as_view(), name="letter-signatures"),
    path(f"v1/{LETTER}endorsements/", views.LetterEndorsementsView.as_view(), name="letter-endorsements"),
    path(f"v1/{LETTER}stats/", views.LetterStatsView.as_view(), name="letter-stats"),
    path("v1/partner/signatures/", views.PartnerSignaturesView.as_view(), name="partner-signatures"),
    path("v1/", include(router.urls)),
    re_path(r"^", api_not_found),  # anything else under /api/, newlines included
]
