"""Wagtail admin screens for organizations and their members."""

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn, TitleColumn, UpdatedAtColumn
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from coalition.core.exports import FormulaSafeExportMixin

from .models import Membership, Organization
from .services import membership_create, membership_remove, membership_role_change


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


class ServiceErrorsAsMessagesMixin:
    """A refusal from a service (last owner, role rules) is shown as a message, never a 500."""

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
            return redirect(request.get_full_path())


class MembershipCreateView(ServiceErrorsAsMessagesMixin, CreateView):
    """Through the service: the person joins the organization's staff group and the
    organization's audit history records who added them."""

    def save_instance(self):
        data = self.form.cleaned_data
        return membership_create(
            acting_user=self.request.user, organization=data["organization"], user=data["user"], role=data["role"]
        )


class MembershipEditView(ServiceErrorsAsMessagesMixin, EditView):
    def save_instance(self):
        return membership_role_change(
            membership=self.object, role=self.form.cleaned_data["role"], acting_user=self.request.user
        )


class MembershipDeleteView(ServiceErrorsAsMessagesMixin, DeleteView):
    def delete_action(self):
        membership_remove(membership=self.object, acting_user=self.request.user)


class MembershipIndexView(FormulaSafeExportMixin, IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("organization", "user")


class MembershipViewSet(ModelViewSet):
    model = Membership
    icon = "user"
    menu_label = _("Members")
    add_to_admin_menu = False
    index_view_class = MembershipIndexView
    add_view_class = MembershipCreateView
    edit_view_class = MembershipEditView
    delete_view_class = MembershipDeleteView
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
