"""Read-only Wagtail admin listings of partners' API keys, webhook endpoints and deliveries.

Editors look; organizations act. Keys are created and revoked in the partner portal
(where editors, too, manage every organization: each key's name links there), so the
admin never makes a key whose secret nobody sees, and never shows a key's hash or an
endpoint's signing secret: the listings, exports and inspect views name their fields
explicitly, and the permission policy refuses add, edit and delete to everyone.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter, ModelChoiceFilter
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from coalition.core.exports import FormulaSafeExportMixin
from coalition.orgs.models import Membership, Organization
from coalition.orgs.selectors import user_is_editor

from .models import ApiKey, WebhookDelivery, WebhookDeliveryState, WebhookEndpoint, WebhookEvent
from .services import KEY_PREFIX


class ReadOnlyForEditorsPolicy(BasePermissionPolicy):
    """Coalition editors may look (list, inspect, export); nobody adds, edits or deletes here.

    Partner staff reach the Wagtail admin to co-draft letters: this policy, not only the
    menu, keeps them out of every organization's keys and endpoints.
    """

    def user_has_permission(self, user, action):
        return action == "view" and user_is_editor(user=user)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return ModelPermissionPolicy(Membership).users_with_permission("change")


for _model in (ApiKey, WebhookEndpoint, WebhookDelivery):
    register_permission_policy(_model, ReadOnlyForEditorsPolicy(_model), exact_class=True)


def _organizations():
    return Organization.objects.order_by("name")


# --- API keys ---------------------------------------------------------------------------------


def _key_display(api_key: ApiKey) -> str:
    return f"{KEY_PREFIX}{api_key.prefix}_…"


def _key_status(api_key: ApiKey) -> str:
    return _("Revoked") if api_key.revoked_at else _("Active")


def _last_used(api_key: ApiKey):
    return api_key.last_used_at or _("Never")


def _portal_api_url(api_key: ApiKey) -> str:
    return reverse("partners:api", args=[api_key.organization.slug]) + "#keys"


class ApiKeyFilterSet(WagtailFilterSet):
    organization = ModelChoiceFilter(queryset=_organizations(), label=_("Organization"))
    status = ChoiceFilter(
        choices=[("active", _("Active")), ("revoked", _("Revoked"))], label=_("Status"), method="filter_status"
    )

    class Meta:
        model = ApiKey
        fields = []

    def filter_status(self, queryset, name, value):
        return queryset.filter(revoked_at__isnull=(value == "active"))


class ApiKeyIndexView(FormulaSafeExportMixin, IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("organization", "created_by", "revoked_by")


class ApiKeyViewSet(ModelViewSet):
    model = ApiKey
    icon = "key"
    menu_label = _("API keys")
    add_to_admin_menu = False
    index_view_class = ApiKeyIndexView
    filterset_class = ApiKeyFilterSet
    search_fields = ["name", "prefix", "organization__name"]
    search_backend_name = None
    inspect_view_enabled = True
    copy_view_enabled = False
    # The add and edit views are refused by the policy; their form holds no secret either.
    form_fields = ["name"]
    list_per_page = 50
    list_display = [
        # Revoking happens in the partner portal, which editors can open for every organization.
        TitleColumn("name", label=_("Name"), get_url=_portal_api_url),
        Column("organization", label=_("Organization"), accessor="organization.name", sort_key="organization__name"),
        Column("prefix", label=_("Key"), accessor=_key_display),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
        Column("last_used_at", label=_("Last used"), accessor=_last_used, sort_key="last_used_at"),
        Column("revoked_at", label=_("Status"), accessor=_key_status, sort_key="revoked_at"),
    ]
    list_export = ["organization.name", "name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    export_headings = {"organization.name": "Organization"}
    inspect_view_fields = [
        "organization",
        "name",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    ordering = ["-created_at"]


# --- webhook endpoints ------------------------------------------------------------------------


class WebhookEndpointFilterSet(WagtailFilterSet):
    organization = ModelChoiceFilter(queryset=_organizations(), label=_("Organization"))

    class Meta:
        model = WebhookEndpoint
        fields = ["organization", "active"]


class WebhookEndpointIndexView(FormulaSafeExportMixin, IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("organization", "created_by")


class WebhookEndpointViewSet(ModelViewSet):
    model = WebhookEndpoint
    icon = "link"
    menu_label = _("Webhook endpoints")
    add_to_admin_menu = False
    index_view_class = WebhookEndpointIndexView
    filterset_class = WebhookEndpointFilterSet
    search_fields = ["url", "description", "organization__name"]
    search_backend_name = None
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["description"]
    list_per_page = 50
    list_display = [
        TitleColumn("url", label=_("URL"), url_name="api_webhook_endpoint:inspect"),
        Column("organization", label=_("Organization"), accessor="organization.name", sort_key="organization__name"),
        Column("description", label=_("Description")),
        BooleanColumn("active", label=_("Active")),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]
    list_export = ["organization.name", "url", "description", "active", "created_at", "created_by"]
    export_headings = {"organization.name": "Organization"}
    # Never "secret".
    inspect_view_fields = ["organization", "url", "description", "active", "created_at", "created_by", "updated_at"]
    ordering = ["-created_at"]


# --- webhook deliveries -----------------------------------------------------------------------


def _last_answer(delivery: WebhookDelivery) -> str:
    parts = [f"HTTP {delivery.last_status_code}" if delivery.last_status_code else "", delivery.last_error]
    return ": ".join(part for part in parts if part)


class WebhookDeliveryFilterSet(WagtailFilterSet):
    state = ChoiceFilter(choices=WebhookDeliveryState.choices, label=_("State"))
    event = ChoiceFilter(choices=WebhookEvent.choices, label=_("Event"))
    organization = ModelChoiceFilter(
        field_name="endpoint__organization", queryset=_organizations(), label=_("Organization")
    )

    class Meta:
        model = WebhookDelivery
        fields = []


class WebhookDeliveryIndexView(FormulaSafeExportMixin, IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("endpoint__organization")


class WebhookDeliveryViewSet(ModelViewSet):
    model = WebhookDelivery
    icon = "list-ul"
    menu_label = _("Webhook deliveries")
    add_to_admin_menu = False
    index_view_class = WebhookDeliveryIndexView
    filterset_class = WebhookDeliveryFilterSet
    search_fields = ["event_id", "endpoint__url", "endpoint__organization__name"]
    search_backend_name = None
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["state"]
    list_per_page = 50
    list_display = [
        TitleColumn("event_id", label=_("Event ID"), url_name="api_webhook_delivery:inspect"),
        Column("event", label=_("Event"), sort_key="event"),
        Column(
            "organization",
            label=_("Organization"),
            accessor="endpoint.organization.name",
            sort_key="endpoint__organization__name",
        ),
        Column("endpoint", label=_("Endpoint"), accessor="endpoint.url"),
        Column("state", label=_("State"), accessor="get_state_display", sort_key="state"),
        Column("attempts", label=_("Attempts"), sort_key="attempts"),
        Column("last_answer", label=_("Last answer"), accessor=_last_answer),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
        DateColumn("delivered_at", label=_("Delivered"), sort_key="delivered_at"),
    ]
    list_export = [
        "endpoint.organization.name",
        "endpoint.url",
        "event",
        "event_id",
        "state",
        "attempts",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
    ]
    export_headings = {"endpoint.organization.name": "Organization", "endpoint.url": "Endpoint"}
    inspect_view_fields = [
        "endpoint",
        "event",
        "event_id",
        "state",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
    ]
    ordering = ["-created_at"]


class PartnerApiViewSetGroup(ViewSetGroup):
    """What partner organizations hold in the API, next to the Coalition menu."""

    menu_label = _("Partner API")
    menu_icon = "code"
    menu_order = 151
    items = (
        ApiKeyViewSet("api_key", url_prefix="api-keys"),
        WebhookEndpointViewSet("api_webhook_endpoint", url_prefix="webhook-endpoints"),
        WebhookDeliveryViewSet("api_webhook_delivery", url_prefix="webhook-deliveries"),
    )


@hooks.register("register_admin_viewset")
def register_partner_api_viewsets():
    return PartnerApiViewSetGroup()
