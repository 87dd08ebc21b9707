"""Invalidating signatures by criteria, in the Wagtail admin (coalition editors only).

The form asks for the letter and at least one criterion (an IP range, an email domain,
a time window), shows how many signatures match, and only on confirmation creates the
job that letters.services.signature_invalidation runs in batches in the background.
The job's page shows its progress and lets the editor cancel it.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import AdminDateTimeInput

from coalition.orgs.selectors import user_is_editor

from .models import LetterPage, SignatureInvalidationJob, SignatureState
from .services import (
    InvalidationCriteria,
    signature_invalidation_cancel,
    signature_invalidation_count,
    signature_invalidation_resume,
    signature_invalidation_start,
)
from .services.signature_invalidation import NARROWING_STATES, email_domain_normalise, ip_network_parse

Job = SignatureInvalidationJob
NAMESPACE = "letters_signature_invalidation"
# A job whose row has not moved for this long has lost its task: offer to resume it.
STALE_AFTER = timedelta(minutes=10)


class InvalidationCriteriaForm(forms.Form):
    letter = forms.ModelChoiceField(queryset=LetterPage.objects.order_by("title"), label=_("Letter"))
    ip_range = forms.CharField(
        label=_("IP range"),
        required=False,
        max_length=50,
        help_text=_("As CIDR, such as 203.0.113.0/24 or 2001:db8::/48, or a single address."),
    )
    email_domain = forms.CharField(
        label=_("Email domain"),
        required=False,
        max_length=253,
        help_text=_("The part after the @, such as example.org."),
    )
    created_from = forms.DateTimeField(label=_("Signed from"), required=False, widget=AdminDateTimeInput)
    created_to = forms.DateTimeField(label=_("Signed before"), required=False, widget=AdminDateTimeInput)
    states = forms.MultipleChoiceField(
        label=_("Only in these states"),
        required=False,
        choices=[(value, label) for value, label in SignatureState.choices if value in NARROWING_STATES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every state (except invalidated)."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Recorded in the history of every signature invalidated. The signers are not told."),
    )

    def clean_ip_range(self):
        value = self.cleaned_data["ip_range"].strip()
        return str(ip_network_parse(value)) if value else ""

    def clean_email_domain(self):
        value = self.cleaned_data["email_domain"].strip()
        return email_domain_normalise(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.criteria()
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def criteria(self) -> InvalidationCriteria:
        data = self.cleaned_data
        return InvalidationCriteria(
            letter_id=data["letter"].pk,
            ip_range=data["ip_range"],
            email_domain=data["email_domain"],
            created_from=data["created_from"],
            created_to=data["created_to"],
            states=tuple(data["states"]),
        ).clean()


def criteria_summary(criteria: InvalidationCriteria) -> list[tuple[str, object]]:
    """The criteria as (label, value) rows, for the confirmation and the job's page."""
    rows = []
    if criteria.ip_range:
        rows.append((_("IP range"), criteria.ip_range))
    if criteria.email_domain:
        rows.append((_("Email domain"), criteria.email_domain))
    if criteria.created_from:
        rows.append((_("Signed from"), timezone.localtime(criteria.created_from)))
    if criteria.created_to:
        rows.append((_("Signed before"), timezone.localtime(criteria.created_to)))
    labels = dict(SignatureState.choices)
    states = ", ".join(str(labels[state]) for state in criteria.states) or _("Every state (except invalidated)")
    rows.append((_("States"), states))
    return rows


class EditorOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not user_is_editor(user=request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class InvalidationBaseView(EditorOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "cross"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("letters_signature:list"), "label": _("Signatures")},
            {"url": reverse(f"{NAMESPACE}:index"), "label": _("Invalidations")},
            *self.extra_breadcrumbs(),
        ]

    def extra_breadcrumbs(self):
        return []


class InvalidationIndexView(InvalidationBaseView):
    template_name = "letters/admin/signatures/invalidation_index.html"
    page_title = _("Invalidations")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("letters_signature:list"), "label": _("Signatures")},
            {"url": "", "label": _("Invalidations")},
        ]

    def get_context_data(self, **kwargs):
        jobs = Job.objects.select_related("letter", "requested_by").order_by("-created_at", "-pk")[:50]
        return super().get_context_data(jobs=jobs, **kwargs)


class InvalidationCreateView(InvalidationBaseView):
    """Step one: the criteria. Step two: "This will invalidate N signatures", confirmed."""

    template_name = "letters/admin/signatures/invalidation_form.html"
    confirm_template_name = "letters/admin/signatures/invalidation_confirm.html"
    page_title = _("Invalidate signatures by criteria")

    def extra_breadcrumbs(self):
        return [{"url": "", "label": _("New")}]

    def get(self, request):
        letter = request.GET.get("letter", "")
        form = InvalidationCriteriaForm(initial={"letter": letter} if letter.isdigit() else {})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request):
        form = InvalidationCriteriaForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        criteria = form.criteria()
        if "confirm" not in request.POST:
            return self.confirmation(form, criteria, count=signature_invalidation_count(criteria=criteria))
        expected = request.POST.get("expected_total", "")
        try:
            job = signature_invalidation_start(
                criteria=criteria,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                expected_total=int(expected) if expected.isdigit() else -1,
            )
        except ValidationError as error:
            if error.code == "count_changed":
                return self.confirmation(form, criteria, count=error.params["count"], changed=True)
            form.add_error(None, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request,
            ngettext(
                "Invalidating %(count)s signature of “%(title)s” in the background.",
                "Invalidating %(count)s signatures of “%(title)s” in the background.",
                job.total,
            )
            % {"count": job.total, "title": form.cleaned_data["letter"].title},
        )
        return redirect(f"{NAMESPACE}:job", pk=job.pk)

    def confirmation(self, form, criteria, *, count: int, changed: bool = False):
        if not count:
            form.add_error(None, _("No signature matches these criteria."))
            return self.render_to_response(self.get_context_data(form=form))
        context = self.get_context_data(
            form=form,
            count=count,
            changed=changed,
            letter=form.cleaned_data["letter"],
            summary=criteria_summary(criteria),
            reason=form.cleaned_data["reason"],
        )
        return TemplateResponse(self.request, self.confirm_template_name, context)


def job_can_resume(job: SignatureInvalidationJob) -> bool:
    """Failed, or queued/running without progress for a while (its task was lost)."""
    if job.state == Job.State.FAILED:
        return True
    return job.is_active and job.updated_at < timezone.now() - STALE_AFTER


class InvalidationJobView(InvalidationBaseView):
    template_name = "letters/admin/signatures/invalidation_job.html"

    @cached_property
    def job(self) -> SignatureInvalidationJob:
        return get_object_or_404(
            Job.objects.select_related("letter", "requested_by", "cancelled_by"), pk=self.kwargs["pk"]
        )

    def get_page_title(self):
        return _("Invalidation #%(pk)s") % {"pk": self.job.pk}

    def extra_breadcrumbs(self):
        return [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        job = self.job
        return super().get_context_data(
            job=job,
            summary=criteria_summary(InvalidationCriteria.from_json(job.criteria)),
            can_resume=job_can_resume(job),
            listing_url=reverse("letters_signature:list")
            + f"?letter={job.letter_id}&state={SignatureState.INVALIDATED.value}",
            **kwargs,
        )


class InvalidationJobActionView(EditorOnlyMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        job = get_object_or_404(Job, pk=pk)
        self.act(job)
        return redirect(f"{NAMESPACE}:job", pk=job.pk)


class InvalidationCancelView(InvalidationJobActionView):
    def act(self, job):
        job = signature_invalidation_cancel(job=job, acting_user=self.request.user)
        if job.state == Job.State.CANCELLED:
            messages.success(
                self.request,
                _("Cancelled after %(done)s of %(total)s. What was invalidated stays invalidated.")
                % {"done": job.processed, "total": job.total},
            )
        else:
            messages.info(
                self.request,
                _("This invalidation had already ended (%(state)s).") % {"state": job.get_state_display().lower()},
            )


class InvalidationResumeView(InvalidationJobActionView):
    def act(self, job):
        if not job_can_resume(job):
            messages.info(self.request, _("This invalidation is not stuck: nothing to resume."))
            return
        signature_invalidation_resume(job=job)
        messages.success(self.request, _("The invalidation continues where it stopped."))


class SignatureInvalidationViewSet(ViewSet):
    """The "Invalidate signatures" entry of the Coalition menu and its pages."""

    icon = "cross"
    menu_label = _("Invalidate signatures")
    name = NAMESPACE
    url_prefix = "signature-invalidations"

    def get_urlpatterns(self):
        return [
            path("", InvalidationIndexView.as_view(), name="index"),
            path("new/", InvalidationCreateView.as_view(), name="new"),
            path("<int:pk>/", InvalidationJobView.as_view(), name="job"),
            path("<int:pk>/cancel/", InvalidationCancelView.as_view(), name="cancel"),
            path("<int:pk>/resume/", InvalidationResumeView.as_view(), name="resume"),
        ]

    @cached_property
    def menu_item_class(self):
        def is_shown(_self, request):
            return user_is_editor(user=request.user)

        return type("SignatureInvalidationMenuItem", (MenuItem,), {"is_shown": is_shown})
