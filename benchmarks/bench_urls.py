"""The benchmarks' URLconf: the project's URLs behind two endpoints that exist only here.

- `GET /__bench__/challenges/?n=N`: N fresh challenge tokens for the signature form, issued by
  the project's own `challenge_issue`, so the load generator does not have to fetch a letter page
  per signature (each token is accepted once).
- `POST /__bench__/insert/<letter id>/`: the write baseline of sign_load.py. It stores one
  Signature row from the posted fields with the ORM and answers 302, through the same middleware
  (sessions, CSRF, authentication) as the real form, and does nothing else: no page lookup, no
  validation, no rate limits, no challenge, no email.

Selected by bench_settings.py (ROOT_URLCONF); never part of the project's URLs.
"""

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import include, path
from django.views.decorators.http import require_GET, require_POST

from coalition.core.challenge import challenge_issue
from coalition.letters.models import Signature
from coalition.letters.signature_forms import CHALLENGE_SCOPE

MAX_CHALLENGES = 5000


@require_GET
def challenges(request):
    try:
        count = max(1, min(int(request.GET.get("n", "100")), MAX_CHALLENGES))
    except ValueError:
        count = 100
    tokens = [challenge_issue(scope=CHALLENGE_SCOPE).token for _ in range(count)]
    return JsonResponse({"bits": settings.COALITION_CHALLENGE_BITS, "tokens": tokens})


@require_POST
def insert(request, letter_id: int):
    data = request.POST
    email = data.get("email", "")
    Signature.objects.create(
        letter_id=letter_id,
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        email=email,
        canonical_email=email.strip().lower(),
        email_domain=email.rpartition("@")[2].lower(),
        country=data.get("country", ""),
        city=data.get("city", ""),
        title=data.get("title", ""),
        comment=data.get("comment", ""),
        show_name=bool(data.get("show_name")),
    )
    return HttpResponseRedirect(request.path + "sent/")


urlpatterns = [
    path("__bench__/challenges/", challenges),
    path("__bench__/insert/<int:letter_id>/", insert),
    path("", include("coalition.urls")),
]
