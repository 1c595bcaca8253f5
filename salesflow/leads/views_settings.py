"""Lead-management settings: ideal customer profile, scoring, assignment, capture forms and
disqualification reasons (admins), campaigns (managers and admins)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from salesflow.core.forms import ServiceForm
from salesflow.core.settings_views import settings_form, settings_save
from salesflow.leads import services
from salesflow.leads.forms_settings import (
    AssignmentRuleForm,
    CampaignForm,
    CaptureFormForm,
    DisqualificationReasonForm,
    GradeThresholdsForm,
    ProfileCriterionForm,
    ScoringRuleForm,
)
from salesflow.leads.models import (
    AssignmentRule,
    Campaign,
    DisqualificationReason,
    Grade,
    Lead,
    LeadCaptureForm,
    ProfileCriterion,
    ScoringRule,
)
from salesflow.leads.scoring import leads_rescore_all
from salesflow.leads.scoring_rules import scoring_rule_save
from salesflow.leads.selectors import scoring_settings
from salesflow.users.policy import require_admin, require_manager

# Where a capture form posts; the public API serves it (POST, no sign-in).
PUBLIC_FORM_PATH = "/api/v1/public/forms/{key}"


def _row_page(
    request: HttpRequest,
    form_class: type[ServiceForm],
    *,
    title: str,
    back: str,
    record: Model | None = None,
    done: Callable[[Model], str] | None = None,
    template: str = "form_page.html",
    service: Callable[..., Model] = services.lead_setting_save,
    **context: Any,
) -> HttpResponse:
    """Create (no `record`) or edit one settings row with `service`; then to `done(row)`, else
    `back`."""
    form = form_class(request.POST or None, user=request.user, record=record)
    return settings_form(
        request,
        form=form,
        save=lambda: service(
            record if record is not None else form_class._meta.model(),
            acting_user=request.user,
            **(form.changes() if record is not None else form.values()),
        ),
        success_message=lambda row: f"Saved “{row}”.",
        redirect_to=done or back,
        template=template,
        context={**context, "title": title, "cancel_url": back},
    )


def _url(name: str, *args: Any) -> str:
    return reverse(f"lead-settings:{name}", args=args)


@login_required
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    require_manager(request.user)
    return redirect(_url("criterion-list" if request.user.is_admin else "campaign-list"))


# Ideal customer profile ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def criterion_list(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    context = {"criteria": ProfileCriterion.objects.all(), "tab": "profile"}
    return render(request, "leads/settings/criterion_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def criterion_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    return _row_page(
        request, ProfileCriterionForm, title="New profile criterion", back=_url("criterion-list")
    )


@login_required
@require_http_methods(["GET", "POST"])
def criterion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    criterion = get_object_or_404(ProfileCriterion, pk=pk)
    return _row_page(
        request,
        ProfileCriterionForm,
        record=criterion,
        title=f"Edit {criterion}",
        back=_url("criterion-list"),
    )


# Scoring rules and grades ----------------------------------------------------------------------


def _scoring_page(request: HttpRequest, grades_form: GradeThresholdsForm) -> HttpResponse:
    graded = dict(Lead.objects.order_by().values_list("grade").annotate(n=Count("pk")))
    context = {
        "rules": ScoringRule.objects.select_related("custom_field"),
        "grades_form": grades_form,
        "grade_counts": [(value, label, graded.get(value, 0)) for value, label in Grade.choices],
        "tab": "scoring",
    }
    return render(request, "leads/settings/scoring.html", context)


@login_required
@require_http_methods(["GET"])
def scoring(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    return _scoring_page(request, GradeThresholdsForm(user=request.user, record=scoring_settings()))


@login_required
@require_http_methods(["POST"])
def grades_save(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    row = scoring_settings()
    form = GradeThresholdsForm(request.POST, user=request.user, record=row)
    saved = settings_save(
        request,
        form=form,
        save=lambda: services.lead_setting_save(row, acting_user=request.user, **form.changes()),
        success_message="Grade thresholds saved. Rescore all leads to regrade them.",
        redirect_to="lead-settings:scoring",
    )
    return saved if saved is not None else _scoring_page(request, form)


@login_required
@require_http_methods(["POST"])
def rescore(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    scored = leads_rescore_all()
    messages.success(request, f"Rescored {scored} lead{'s' if scored != 1 else ''}.")
    return redirect("lead-settings:scoring")


@login_required
@require_http_methods(["GET", "POST"])
def scoring_rule_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    return _row_page(
        request,
        ScoringRuleForm,
        title="New scoring rule",
        back=_url("scoring"),
        service=scoring_rule_save,
    )


@login_required
@require_http_methods(["GET", "POST"])
def scoring_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    rule = get_object_or_404(ScoringRule.objects.select_related("custom_field"), pk=pk)
    return _row_page(
        request,
        ScoringRuleForm,
        record=rule,
        title=f"Edit “{rule.title}”",
        back=_url("scoring"),
        service=scoring_rule_save,
    )


# Assignment rules ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def assignment_rule_list(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    rules = AssignmentRule.objects.select_related("team", "owner")
    context = {"rules": rules, "tab": "assignment"}
    return render(request, "leads/settings/assignment_rule_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_rule_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    return _row_page(
        request,
        AssignmentRuleForm,
        title="New assignment rule",
        back=_url("assignment-rule-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    rule = get_object_or_404(AssignmentRule, pk=pk)
    return _row_page(
        request,
        AssignmentRuleForm,
        record=rule,
        title=f"Edit “{rule}”",
        back=_url("assignment-rule-list"),
    )


# Capture forms ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def capture_form_list(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    forms = LeadCaptureForm.objects.select_related("campaign", "default_owner", "default_team")
    context = {"capture_forms": forms.annotate(lead_count=Count("leads")), "tab": "capture"}
    return render(request, "leads/settings/capture_form_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def capture_form_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    return _row_page(
        request,
        CaptureFormForm,
        title="New capture form",
        back=_url("capture-form-list"),
        done=lambda row: _url("capture-form-edit", row.pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def capture_form_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The form's settings, and the HTML snippet an admin copies into the website."""
    require_admin(request.user)
    capture_form = get_object_or_404(LeadCaptureForm, pk=pk)
    action = f"https://{request.get_host()}{PUBLIC_FORM_PATH.format(key=capture_form.form_key)}"
    snippet = render_to_string("leads/settings/capture_form.html#snippet", {"action": action})
    return _row_page(
        request,
        CaptureFormForm,
        record=capture_form,
        title=f"Capture form “{capture_form}”",
        back=_url("capture-form-list"),
        template="leads/settings/capture_form.html",
        capture_form=capture_form,
        snippet=snippet,
        tab="capture",
    )


# Disqualification reasons ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def reason_list(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    reasons = DisqualificationReason.objects.annotate(lead_count=Count("leads"))
    return render(
        request, "leads/settings/reason_list.html", {"reasons": reasons, "tab": "reasons"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def reason_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    return _row_page(
        request,
        DisqualificationReasonForm,
        title="New disqualification reason",
        back=_url("reason-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def reason_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    reason = get_object_or_404(DisqualificationReason, pk=pk)
    return _row_page(
        request,
        DisqualificationReasonForm,
        record=reason,
        title=f"Edit “{reason}”",
        back=_url("reason-list"),
    )


# Campaigns (managers and admins) ---------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user)
    campaigns = Campaign.objects.annotate(lead_count=Count("leads"))
    return render(
        request,
        "leads/settings/campaign_list.html",
        {"campaigns": campaigns, "tab": "campaigns"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    require_manager(request.user)
    return _row_page(request, CampaignForm, title="New campaign", back=_url("campaign-list"))


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user)
    campaign = get_object_or_404(Campaign, pk=pk)
    return _row_page(
        request,
        CampaignForm,
        record=campaign,
        title=f"Edit “{campaign}”",
        back=_url("campaign-list"),
    )
