"""Wagtail admin screens for organizations and their members."""

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn, TitleColumn, UpdatedAtColumn
from wagtail.admin.views.generic import CreateView, DeleteView, EditView, IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from coalition.core.exports import FormulaSafeExportMixin

from .models import Invitation, Membership, Organization
from .selectors import user_is_editor
from .services import membership_create, membership_remove, membership_role_change, organization_merge


class OrganizationFilterSet(WagtailFilterSet):
    class Meta:
        model = Organization
        fields = ["kind", "country", "verified"]


class OrganizationIndexView(FormulaSafeExportMixin, IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("logo")


# --- merging a duplicate organization into another --------------------------------------


class OrganizationMergeForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        label=_("Organization to keep"),
        help_text=_("Everything moves to this organization, and this one is deleted."),
    )

    def __init__(self, *args, source: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Organization.objects.exclude(pk=source.pk).order_by("name")


def organization_merge_summary(*, source: Organization, target: Organization) -> dict:
    """What organization_merge would move from `source` to `target`, for the confirmation page."""
    from django.utils import timezone

    from coalition.letters.models import Endorsement, EndorsementInvitation, LetterPage

    members = Membership.objects.filter(organization=source)
    target_endorsed = Endorsement.objects.filter(organization=target).values("letter")
    endorsements = Endorsement.objects.filter(organization=source)
    return {
        "members": members.count(),
        "members_in_both": Membership.objects.filter(organization=target, user__in=members.values("user")).count(),
        "letters_led": list(LetterPage.objects.filter(lead_organization=source).order_by("title")),
        "letters_co_drafted": list(LetterPage.objects.filter(co_drafters__organization=source).order_by("title")),
        "endorsements": endorsements.count(),
        "endorsements_on_same_letter": endorsements.filter(letter__in=target_endorsed).count(),
        "endorsement_invitations": EndorsementInvitation.objects.filter(organization=source).count(),
        "member_invitations": Invitation.objects.filter(
            organization=source, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).count(),
        "filled": [
            Organization._meta.get_field(field).verbose_name
            for field in ("website", "country", "description", "logo")
            if not getattr(target, field) and getattr(source, field)
        ],
    }


class OrganizationMergeView(WagtailAdminTemplateMixin, TemplateView):
    """Choose the organization to keep, see what moves, then merge (organization_merge).

    Two steps on one URL: GET without a choice shows the form, GET with `target` the
    summary, POST merges. Editors only.
    """

    template_name = "orgs/admin/merge.html"
    header_icon = "group"
    index_url_name = None
    edit_url_name = None
    merge_url_name = None

    def dispatch(self, request, pk):
        if not user_is_editor(user=request.user):
            raise PermissionDenied
        self.source = get_object_or_404(Organization, pk=pk)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return _("Merge into another organization")

    def get_page_subtitle(self):
        return self.source.name

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": _("Organizations")},
            {"url": reverse(self.edit_url_name, args=[self.source.pk]), "label": self.source.name},
            {"url": "", "label": self.get_page_title()},
        ]

    def get(self, request, pk):
        form = OrganizationMergeForm(request.GET if "target" in request.GET else None, source=self.source)
        target = form.cleaned_data["target"] if form.is_bound and form.is_valid() else None
        return self.render_to_response(self.get_context_data(form=form, target=target))

    def post(self, request, pk):
        form = OrganizationMergeForm(request.POST, source=self.source)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, target=None))
        target, source_name = form.cleaned_data["target"], self.source.name
        try:
            organization_merge(source=self.source, target=target, acting_user=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
            return redirect(reverse(self.merge_url_name, args=[self.source.pk]) + f"?target={target.pk}")
        messages.success(
            request, _("“%(source)s” was merged into “%(target)s”.") % {"source": source_name, "target": target.name}
        )
        return redirect(self.edit_url_name, target.pk)

    def get_context_data(self, **kwargs):
        target = kwargs.get("target")
        return super().get_context_data(
            source=self.source,
            summary=organization_merge_summary(source=self.source, target=target) if target else None,
            action_url=reverse(self.merge_url_name, args=[self.source.pk]),
            **kwargs,
        )


class MergeButtonMixin:
    """The "Merge into another organization…" item in the header's more menu, for editors."""

    merge_url_name = None

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.merge_url_name and user_is_editor(user=self.request.user):
            buttons.append(
                Button(
                    _("Merge into another organization…"),
                    url=reverse(self.merge_url_name, args=[self.object.pk]),
                    icon_name="resubmit",
                    priority=50,
                )
            )
        return buttons


class OrganizationEditView(MergeButtonMixin, EditView):
    pass


class OrganizationInspectView(MergeButtonMixin, InspectView):
    pass


class OrganizationViewSet(ModelViewSet):
    model = Organization
    icon = "group"
    menu_label = _("Organizations")
    add_to_admin_menu = False
    index_view_class = OrganizationIndexView
    edit_view_class = OrganizationEditView
    inspect_view_class = OrganizationInspectView
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

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(merge_url_name=self.get_url_name("merge"), **kwargs)

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(merge_url_name=self.get_url_name("merge"), **kwargs)

    @property
    def merge_view(self):
        return OrganizationMergeView.as_view(
            index_url_name=self.get_url_name("index"),
            edit_url_name=self.get_url_name("edit"),
            merge_url_name=self.get_url_name("merge"),
        )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [path("<int:pk>/merge/", self.merge_view, name="merge")]


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
