"""Page-scoped admin URLs answer 404 to people who may not see that page at all.

Wagtail already refuses them (with a redirect to the dashboard); answering 404
instead means a partner cannot even learn that another organization's draft exists.
"""

from django.http import Http404
from wagtail.permission_policies.pages import PagePermissionPolicy

PAGE_ID_KWARGS = ("page_id", "parent_page_id", "page_to_move_id", "pk")
# Admin URL namespaces and names whose page id kwarg names a page.
PAGE_NAMESPACES = {"wagtailadmin_pages", "letters_admin"}
PAGE_URL_NAMES = {"wagtailadmin_explore", "wagtailadmin_explore_results", "wagtailadmin_choose_page_child"}


class PageAdminScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = PagePermissionPolicy()

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not (match.namespace in PAGE_NAMESPACES or match.url_name in PAGE_URL_NAMES):
            return None
        page_id = next((view_kwargs[k] for k in PAGE_ID_KWARGS if k in view_kwargs), None)
        if page_id is None:
            return None
        user = request.user
        if not user.is_authenticated or user.is_superuser:
            return None
        if not self.policy.explorable_instances(user).filter(pk=page_id).exists():
            raise Http404
        return None
