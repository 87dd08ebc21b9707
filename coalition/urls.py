from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.views import serve as wagtail_serve

from coalition.core.views import healthz
from coalition.letters.views.signatures import sign_by_path

# One login for everything: the Django and Wagtail admin logins hand over to allauth,
# so no form skips its rate limits or the two-factor step.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True), name="admin_login"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("partners/", include("coalition.orgs.urls")),
    path("api/", include("coalition.api.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A letter's embedded signature form is posted from inside partner sites' frames, where
# browsers do not send our CSRF cookie: the page tree serves it without the CSRF check
# (only LetterPage has an embed/ route; letters.views.signatures.embed says why that is safe).
urlpatterns += [re_path(r"^((?:[-\w]+/)+embed/)$", csrf_exempt(wagtail_serve), name="letter_embed")]

# A letter's sign/ route: the same page, with a short cut for posts once Wagtail has
# served it (letters.sign_routes); CSRF is checked as on every other form.
urlpatterns += [re_path(r"^((?:[-\w]+/)+)sign/$", sign_by_path, name="letter_sign")]

# Wagtail serves every other path from the page tree: keep it last.
urlpatterns += [path("", include(wagtail_urls))]
