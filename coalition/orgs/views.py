"""The partner portal: organizations' own view of their profile, people, letters and history.

Views stay thin: resolve who the person is to the organization (selectors), validate a
form, call one service, and show the service's message when it says no. Outsiders get
the same 404 as for an organization that does not exist; members who reach a page for
owners and admins get a 403 (they already know the organization).
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .forms import (
    InvitationAccountForm,
    InvitationCreateForm,
    MembershipRoleForm,
    OrganizationProfileForm,
    add_service_error,
)
from .models import Invitation, Membership, OrganizationAuditEntry
from .selectors import (
    OrganizationAccess,
    account_exists_for_email,
    organization_access_or_404,
    organization_audit_entries,
    organization_letters,
    organization_member_counts,
    organization_members,
    organization_open_invitations,
    portal_organizations,
    user_is_editor,
)
from .services import (
    invitation_accept,
    invitation_create,
    invitation_from_token,
    invitation_revoke,
    membership_remove,
    membership_role_change,
    normalize_email,
    organization_logo_store,
    organization_profile_update,
)

PER_PAGE = 50
ROLE_LABELS = dict(Membership.Role.choices)
LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _forbidden(request, access: OrganizationAccess, message: str | None = None):
    return render(
        request,
        "partners/forbidden.html",
        {
            "organization": access.organization,
            "access": access,
            "message": message or _("Only owners and admins of this organization can open this page."),
        },
        status=403,
    )


def organization_view(*, manage: bool = False, methods=("GET",)):
    """Signed-in people only; members of the organization (or editors); owners and admins when `manage`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, slug, **kwargs):
            access = organization_access_or_404(user=request.user, slug=slug)
            if manage and not access.can_manage:
                return _forbidden(request, access)
            return view(request, access, **kwargs)

        return never_cache(login_required(require_http_methods(list(methods))(wrapper)))

    return decorator


# --- home -------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET"])
def home(request):
    is_editor = user_is_editor(user=request.user)
    page_obj = Paginator(portal_organizations(user=request.user), PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "organization": organization,
            "role_label": ROLE_LABELS.get(organization.my_role) or (_("Coalition editor") if is_editor else ""),
            "can_manage": is_editor or organization.my_role in (Membership.Role.OWNER, Membership.Role.ADMIN),
        }
        for organization in page_obj
    ]
    return render(request, "partners/home.html", {"page_obj": page_obj, "rows": rows, "is_editor": is_editor})


# --- one organization -------------------------------------------------------------


def _base_context(access: OrganizationAccess, section: str) -> dict:
    return {"organization": access.organization, "access": access, "section": section}


@organization_view()
def organization_detail(request, access):
    context = _base_context(access, "overview")
    context.update(
        letters=organization_letters(organization=access.organization),
        counts=organization_member_counts(organization=access.organization),
        # Organization staff reach the Wagtail admin through their staff group.
        show_admin_links=request.user.has_perm("wagtailadmin.access_admin"),
    )
    return render(request, "partners/organization.html", context)


@organization_view(manage=True, methods=("GET", "POST"))
def profile(request, access):
    organization = access.organization
    if request.method != "POST":
        form = OrganizationProfileForm.for_organization(organization)
        return render(request, "partners/profile.html", {**_base_context(access, "profile"), "form": form})

    form = OrganizationProfileForm(request.POST, request.FILES)
    if form.is_valid():
        changes = form.profile_changes()
        logo = None
        try:
            with transaction.atomic():
                if form.cleaned_data["logo"]:
                    logo = organization_logo_store(
                        content=form.cleaned_data["logo"], organization_name=changes["name"]
                    )
                    changes["logo"] = logo
                elif form.cleaned_data["remove_logo"]:
                    changes["logo"] = None
                organization_profile_update(organization=organization, acting_user=request.user, **changes)
        except (ValidationError, PermissionDenied) as error:
            if logo is not None:  # the row was rolled back; the file was not
                logo.file.storage.delete(logo.file.name)
            organization.refresh_from_db()
            if isinstance(error, PermissionDenied):
                return _forbidden(request, access, str(error))
            add_service_error(form, error)
        else:
            messages.success(request, _("The profile is saved."))
            return redirect("partners:organization", slug=organization.slug)
    return render(request, "partners/profile.html", {**_base_context(access, "profile"), "form": form})


def _members_page(request, access, *, invite_form=None, status=200):
    organization = access.organization
    members = list(organization_members(organization=organization))
    rows = [
        {
            "membership": membership,
            "is_me": membership.user_id == request.user.pk,
            "can_change": access.can_change_member(membership),
        }
        for membership in members
    ]
    context = _base_context(access, "members")
    context.update(
        rows=rows,
        counts=organization_member_counts(organization=organization),
        role_choices=access.assignable_roles(),
    )
    if access.can_manage:
        context.update(
            invitations=organization_open_invitations(organization=organization),
            invite_form=invite_form or InvitationCreateForm(roles=access.assignable_roles()),
            invitation_days=settings.COALITION_INVITATION_DAYS,
        )
    return render(request, "partners/members.html", context, status=status)


@organization_view()
def members(request, access):
    return _members_page(request, access)


@organization_view(manage=True, methods=("POST",))
def invite(request, access):
    form = InvitationCreateForm(request.POST, roles=access.assignable_roles())
    if form.is_valid():
        try:
            invitation = invitation_create(
                organization=access.organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                acting_user=request.user,
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error if isinstance(error, ValidationError) else ValidationError(str(error)))
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("partners:members", slug=access.organization.slug)
    return _members_page(request, access, invite_form=form)


def _membership_or_404(access, pk) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user"), pk=pk, organization=access.organization)


def _message_for(request, error: Exception) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text)


@organization_view(manage=True, methods=("POST",))
def member_role(request, access, pk):
    membership = _membership_or_404(access, pk)
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
    else:
        try:
            membership_role_change(membership=membership, role=form.cleaned_data["role"], acting_user=request.user)
        except (ValidationError, PermissionDenied) as error:
            _message_for(request, error)
        else:
            messages.success(
                request,
                _("%(name)s is now %(role)s.")
                % {"name": _person_name(membership.user), "role": ROLE_LABELS[form.cleaned_data["role"]]},
            )
    return redirect("partners:members", slug=access.organization.slug)


@organization_view(methods=("GET", "POST"))
def member_remove(request, access, pk):
    membership = _membership_or_404(access, pk)
    is_me = membership.user_id == request.user.pk
    if not (is_me or access.can_manage):
        return _forbidden(request, access)
    if request.method != "POST":
        context = {**_base_context(access, "members"), "membership": membership, "is_me": is_me}
        return render(request, "partners/member_remove.html", context)
    try:
        membership_remove(membership=membership, acting_user=request.user)
    except (ValidationError, PermissionDenied) as error:
        _message_for(request, error)
        return redirect("partners:members", slug=access.organization.slug)
    if is_me:
        messages.success(request, _("You have left %(org)s.") % {"org": access.organization.name})
        return redirect("partners:home")
    messages.success(
        request,
        _("%(name)s no longer belongs to %(org)s.")
        % {"name": _person_name(membership.user), "org": access.organization.name},
    )
    return redirect("partners:members", slug=access.organization.slug)


@organization_view(manage=True, methods=("POST",))
def invitation_revoke_view(request, access, pk):
    invitation = get_object_or_404(Invitation, pk=pk, organization=access.organization)
    try:
        invitation_revoke(invitation=invitation, acting_user=request.user)
    except (ValidationError, PermissionDenied) as error:
        _message_for(request, error)
    else:
        messages.success(request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email})
    return redirect("partners:members", slug=access.organization.slug)


@organization_view(manage=True)
def history(request, access):
    page_obj = Paginator(organization_audit_entries(organization=access.organization), PER_PAGE).get_page(
        request.GET.get("page")
    )
    entries = [{"entry": entry, "details": _audit_details(entry)} for entry in page_obj]
    context = {**_base_context(access, "history"), "page_obj": page_obj, "entries": entries}
    return render(request, "partners/history.html", context)


def _person_name(user) -> str:
    if user is None:
        return _("Coalition staff")
    return user.get_full_name() or user.email


def _audit_details(entry: OrganizationAuditEntry) -> str:
    data = entry.data if isinstance(entry.data, dict) else {}
    if "old_role" in data and "new_role" in data:
        return _("%(old)s → %(new)s") % {
            "old": ROLE_LABELS.get(data["old_role"], data["old_role"]),
            "new": ROLE_LABELS.get(data["new_role"], data["new_role"]),
        }
    if "role" in data:
        return str(ROLE_LABELS.get(data["role"], data["role"]))
    if isinstance(data.get("fields"), list):
        return ", ".join(str(field).replace("_", " ") for field in data["fields"])
    return ""


# --- invitation links -------------------------------------------------------------


def _private(response):
    """The page's address holds the token: keep it out of other sites' Referer headers
    and out of Django's request log (which records the path of every 4xx response).

    "same-origin", not "no-referrer": with no-referrer, browsers send `Origin: null`
    on the page's form posts, and Django's CSRF check refuses them.
    """
    response["Referrer-Policy"] = "same-origin"
    response._has_been_logged = True
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request, token):
    invitation = invitation_from_token(token)
    if invitation is None:
        return _private(render(request, "partners/invitation_invalid.html", status=410))

    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "role_label": ROLE_LABELS.get(invitation.role, invitation.role),
    }
    user = request.user

    if user.is_authenticated:
        if normalize_email(user.email) != normalize_email(invitation.email):
            status = 403 if request.method == "POST" else 200
            return _private(render(request, "partners/invitation_other_account.html", context, status=status))
        if request.method == "POST":
            try:
                invitation_accept(invitation=invitation, user=user)
            except (ValidationError, PermissionDenied):
                return _private(render(request, "partners/invitation_invalid.html", status=410))
            messages.success(request, _("Welcome to %(org)s.") % {"org": invitation.organization.name})
            return redirect("partners:organization", slug=invitation.organization.slug)
        return _private(render(request, "partners/invitation_accept.html", context))

    if account_exists_for_email(email=invitation.email):
        return _private(render(request, "partners/invitation_sign_in.html", context))

    form = InvitationAccountForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            new_user = form.save(request=request, invitation=invitation)
        except (ValidationError, PermissionDenied):
            return _private(render(request, "partners/invitation_invalid.html", status=410))
        except IntegrityError:  # an account for this address appeared in the meantime
            return _private(render(request, "partners/invitation_sign_in.html", context))
        login(request, new_user, backend=LOGIN_BACKEND)
        messages.success(
            request,
            _("Welcome to %(org)s. Your account is ready: sign in with %(email)s from now on.")
            % {"org": invitation.organization.name, "email": new_user.email},
        )
        return redirect("partners:organization", slug=invitation.organization.slug)
    return _private(render(request, "partners/invitation_new_account.html", {**context, "form": form}))
