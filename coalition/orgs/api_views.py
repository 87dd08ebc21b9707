"""The partner portal's API access: keys for an organization's systems, and its webhook endpoints.

For owners and admins of the organization (and coalition editors). Secrets never travel
through a redirect, the session or the messages framework: a new key's secret, and an
endpoint's signing secret, are rendered into the response of the POST that made (or asked
for) them, and every page here is sent with `Cache-Control: no-store` (organization_view).
Every key and endpoint is looked up within the organization of the URL, so another
organization's numbers give the same 404 as numbers that do not exist.
"""

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coalition.api.models import ApiKey, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from coalition.api.services import (
    KEY_PREFIX,
    api_key_create,
    api_key_revoke,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_set_active,
)
from coalition.core.validators import validate_no_formula, validate_single_line

from .forms import AccessibleFormMixin, add_service_error
from .views import PER_PAGE, _base_context, _forbidden, organization_view

logger = logging.getLogger(__name__)

SECTION = "api"
DELIVERIES_PER_PAGE = 20
API_BASE_PATH = "/api/v1/"
API_DOCS_PATH = "/api/v1/docs/"


# --- forms --------------------------------------------------------------------------------


class ApiKeyCreateForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=ApiKey._meta.get_field("name").max_length,
        validators=[validate_single_line, validate_no_formula],
        help_text=ApiKey._meta.get_field("name").help_text,
    )


class WebhookEndpointCreateForm(AccessibleFormMixin, forms.Form):
    # A CharField, not a URLField: the service checks the address and says why it refuses it.
    url = forms.CharField(
        label=gettext_lazy("URL"),
        max_length=WebhookEndpoint._meta.get_field("url").max_length,
        widget=forms.URLInput,
        help_text=gettext_lazy("An https:// address on the public internet, where your system receives events."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description (optional)"),
        max_length=WebhookEndpoint._meta.get_field("description").max_length,
        required=False,
        validators=[validate_single_line],
        help_text=gettext_lazy("What receives the events, e.g. “CRM import”."),
    )


# --- lookups, always within the organization of the URL -------------------------------------


def _api_key_or_404(access, pk: int) -> ApiKey:
    return get_object_or_404(ApiKey.objects.select_related("organization"), pk=pk, organization=access.organization)


def _endpoint_or_404(access, pk: int) -> WebhookEndpoint:
    return get_object_or_404(
        WebhookEndpoint.objects.select_related("organization"), pk=pk, organization=access.organization
    )


def _organization_api_keys(organization):
    return ApiKey.objects.filter(organization=organization).select_related("created_by", "revoked_by")


def _organization_endpoints(organization):
    return WebhookEndpoint.objects.filter(organization=organization).select_related("created_by")


def _endpoint_deliveries(endpoint):
    return WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("attempted_at", "pk"))
    )


def _webhook_ping():
    """coalition.api.webhooks.webhook_ping, or None while that module is not there."""
    try:
        from coalition.api.webhooks import webhook_ping
    except ImportError:
        logger.info("coalition.api.webhooks.webhook_ping is not available: no test events.")
        return None
    return webhook_ping


def _error_text(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _api_url(access, anchor: str = "") -> str:
    return reverse("partners:api", args=[access.organization.slug]) + (f"#{anchor}" if anchor else "")


def _endpoint_url(access, endpoint) -> str:
    return reverse("partners:webhook_endpoint", args=[access.organization.slug, endpoint.pk])


# --- the API access page --------------------------------------------------------------------


def _api_page(request, access, *, key_form=None, endpoint_form=None, new_key=None):
    organization = access.organization
    keys_page = Paginator(_organization_api_keys(organization), PER_PAGE).get_page(request.GET.get("page"))
    context = _base_context(access, SECTION)
    context.update(
        page_obj=keys_page,
        endpoints=list(_organization_endpoints(organization)),
        key_form=key_form or ApiKeyCreateForm(),
        endpoint_form=endpoint_form or WebhookEndpointCreateForm(),
        new_key=new_key,
        key_prefix=KEY_PREFIX,
        api_base_url=settings.SITE_URL + API_BASE_PATH,
        api_docs_url=API_DOCS_PATH,
    )
    return render(request, "partners/api.html", context)


@organization_view(manage=True)
def api_access(request, access):
    return _api_page(request, access)


@organization_view(manage=True, methods=("POST",))
def api_key_create_view(request, access):
    form = ApiKeyCreateForm(request.POST)
    if form.is_valid():
        try:
            new_key = api_key_create(
                organization=access.organization, name=form.cleaned_data["name"], acting_user=request.user
            )
        except PermissionDenied as error:
            return _forbidden(request, access, str(error))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            # The only time the secret exists outside the caller's systems: rendered here, not redirected.
            return _api_page(request, access, new_key=new_key)
    return _api_page(request, access, key_form=form)


@organization_view(manage=True, methods=("GET", "POST"))
def api_key_revoke_view(request, access, pk):
    api_key = _api_key_or_404(access, pk)
    if not api_key.is_active:
        messages.info(request, _("The key “%(name)s” was already revoked.") % {"name": api_key.name})
        return redirect(_api_url(access, "keys"))
    if request.method != "POST":
        context = _base_context(access, SECTION)
        context.update(
            api_key=api_key,
            key_prefix=KEY_PREFIX,
            back_url=_api_url(access, "keys"),
        )
        return render(request, "partners/api_key_revoke.html", context)
    try:
        api_key_revoke(api_key=api_key, acting_user=request.user)
    except PermissionDenied as error:
        return _forbidden(request, access, str(error))
    messages.success(
        request,
        _("The key “%(name)s” is revoked: requests made with it are refused from now on.") % {"name": api_key.name},
    )
    return redirect(_api_url(access, "keys"))


# --- webhook endpoints ----------------------------------------------------------------------


def _endpoint_page(request, access, endpoint, *, secret_shown: bool = False, created: bool = False, rotated=False):
    page_obj = Paginator(_endpoint_deliveries(endpoint), DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    context = _base_context(access, SECTION)
    context.update(
        endpoint=endpoint,
        page_obj=page_obj,
        secret_shown=secret_shown,
        created=created,
        rotated=rotated,
        can_ping=_webhook_ping() is not None,
    )
    return render(request, "partners/webhook_endpoint.html", context)


@organization_view(manage=True, methods=("POST",))
def webhook_endpoint_create_view(request, access):
    form = WebhookEndpointCreateForm(request.POST)
    if form.is_valid():
        try:
            endpoint = webhook_endpoint_create(
                organization=access.organization,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                acting_user=request.user,
            )
        except PermissionDenied as error:
            return _forbidden(request, access, str(error))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return _endpoint_page(request, access, endpoint, secret_shown=True, created=True)
    return _api_page(request, access, endpoint_form=form)


@organization_view(manage=True)
def webhook_endpoint_view(request, access, pk):
    return _endpoint_page(request, access, _endpoint_or_404(access, pk))


@organization_view(manage=True, methods=("POST",))
def webhook_endpoint_secret_view(request, access, pk):
    """Shows the signing secret again, in the response to a POST (never in a link or a redirect)."""
    return _endpoint_page(request, access, _endpoint_or_404(access, pk), secret_shown=True)


@organization_view(manage=True, methods=("POST",))
def webhook_endpoint_active_view(request, access, pk):
    endpoint = _endpoint_or_404(access, pk)
    active = request.POST.get("active") == "1"
    try:
        webhook_endpoint_set_active(endpoint=endpoint, active=active, acting_user=request.user)
    except PermissionDenied as error:
        return _forbidden(request, access, str(error))
    if active:
        messages.success(request, _("The endpoint is enabled: new events are sent to it."))
    else:
        messages.success(request, _("The endpoint is disabled: no events are sent to it until you enable it."))
    return redirect(_endpoint_url(access, endpoint))


@organization_view(manage=True, methods=("GET", "POST"))
def webhook_endpoint_rotate_view(request, access, pk):
    endpoint = _endpoint_or_404(access, pk)
    if request.method != "POST":
        context = _base_context(access, SECTION)
        context.update(
            endpoint=endpoint,
            title=_("Make a new signing secret for %(url)s?") % {"url": endpoint.url},
            explanation=_(
                "The current secret stops working at once: events from now on are signed with the new one, "
                "so the receiving system must switch to it straight away."
            ),
            button_label=_("Yes, make a new secret"),
            back_url=_endpoint_url(access, endpoint),
        )
        return render(request, "partners/webhook_endpoint_confirm.html", context)
    try:
        endpoint = webhook_endpoint_rotate_secret(endpoint=endpoint, acting_user=request.user)
    except PermissionDenied as error:
        return _forbidden(request, access, str(error))
    return _endpoint_page(request, access, endpoint, secret_shown=True, rotated=True)


@organization_view(manage=True, methods=("GET", "POST"))
def webhook_endpoint_delete_view(request, access, pk):
    endpoint = _endpoint_or_404(access, pk)
    if request.method != "POST":
        context = _base_context(access, SECTION)
        context.update(
            endpoint=endpoint,
            title=_("Delete the endpoint %(url)s?") % {"url": endpoint.url},
            explanation=_(
                "No more events are sent to it, and its delivery log is deleted with it. This cannot be undone."
            ),
            button_label=_("Yes, delete the endpoint"),
            back_url=_endpoint_url(access, endpoint),
        )
        return render(request, "partners/webhook_endpoint_confirm.html", context)
    url = endpoint.url
    try:
        webhook_endpoint_delete(endpoint=endpoint, acting_user=request.user)
    except PermissionDenied as error:
        return _forbidden(request, access, str(error))
    messages.success(request, _("The endpoint %(url)s is deleted.") % {"url": url})
    return redirect(_api_url(access, "webhooks"))


@organization_view(manage=True, methods=("POST",))
def webhook_endpoint_ping_view(request, access, pk):
    endpoint = _endpoint_or_404(access, pk)
    webhook_ping = _webhook_ping()
    if webhook_ping is None:
        messages.error(request, _("Test events cannot be sent yet."))
        return redirect(_endpoint_url(access, endpoint))
    try:
        delivery = webhook_ping(endpoint=endpoint, acting_user=request.user)
    except PermissionDenied as error:
        return _forbidden(request, access, str(error))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("A test event (%(event_id)s) is on its way: its delivery appears below.")
            % {"event_id": delivery.event_id},
        )
    return redirect(_endpoint_url(access, endpoint))
