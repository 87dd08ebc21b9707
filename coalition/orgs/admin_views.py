"""Wagtail admin screens for organizations and their members."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn, TitleColumn, UpdatedAtColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from coalition.core.exports import FormulaSafeExportMixin

from .models import Membership, Organization


class OrganizationFilterSet(WagtailFilterSet):
    class Meta:
        model = Organization
        fields = ["kind", "country", "verified"]


class OrganizationIndexView(FormulaSafeExportMixin, IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("logo")


class OrganizationViewSet(ModelViewSet):
    model = Organization
    icon = "group"
    menu_label = _("Organizations")
    add_to_admin_menu = False
    index_view_class = OrganizationIndexView
    filterset_class = OrganizationFilterSet
    search_fields = ["name", "description", "website"]
    # Plain database filtering: exact enough for names, and the same on SQLite and PostgreSQL.
    search_backend_name = None
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        TitleColumn("name", label=_("Name"), url_name="orgs_organization:edit"),
        Column("kind", label=_("Kind"), accessor="get_kind_display"),
        Column("country", label=_("Country"), accessor="country.name"),
        BooleanColumn("verified", label=_("Verified")),
        UpdatedAtColumn(),
    ]
    list_export = ["name", "slug", "kind", "country", "website", "verified", "description", "created_at"]
    inspect_view_fields = [
        "name",
        "slug",
        "kind",
        "country",
        "website",
        "description",
        "logo",
        "verified",
        "created_at",
    ]
    ordering = ["name"]


class MembershipFilterSet(WagtailFilterSet):
    organization = django_filters.ModelChoiceFilter(queryset=Organization.objects.all(), label=_("Organization"))

    class Meta:
        model = Membership
        fields = ["organization", "role"]


class MembershipIndexView(FormulaSafeExportMixin, IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("organization", "user")


class MembershipViewSet(ModelViewSet):
    model = Membership
    icon = "user"
    menu_label = _("Members")
    add_to_admin_menu = False
    index_view_class = MembershipIndexView
    filterset_class = MembershipFilterSet
    search_fields = ["user__email", "user__first_name", "user__last_name", "organization__name"]
    search_backend_name = None
    copy_view_enabled = False
    list_display = [
        TitleColumn("user", label=_("Person"), url_name="orgs_membership:edit"),
        Column("organization", label=_("Organization")),
        Column("role", label=_("Role"), accessor="get_role_display"),
        DateColumn("created_at", label=_("Since")),
    ]
    list_export = ["organization", "user", "user.email", "role", "created_at"]
    export_headings = {"user.email": "Email"}
    ordering = ["organization__name"]
