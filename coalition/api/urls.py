from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views import LetterViewSet, OrganizationViewSet

app_name = "api"

router = DefaultRouter()
router.register("letters", LetterViewSet, basename="letter")
router.register("organizations", OrganizationViewSet, basename="organization")

urlpatterns = [path("v1/", include(router.urls))]
