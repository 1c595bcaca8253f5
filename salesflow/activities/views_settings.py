"""Invitation reasons (admins only): why reps invite customers, offered on invitations."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from salesflow.activities import services
from salesflow.activities.forms import InvitationReasonAddForm, InvitationReasonForm
from salesflow.activities.models import InvitationReason
from salesflow.core.settings_views import settings_form, settings_save
from salesflow.core.views import render_list
from salesflow.users.policy import require_admin

REASONS = "activities:invitation-reasons"


@login_required
@require_http_methods(["GET", "POST"])
def invitation_reasons(request: HttpRequest) -> HttpResponse:
    """The list, and the form that adds a reason."""
    require_admin(request.user)
    form = InvitationReasonAddForm(request.POST or None, user=request.user)
    saved = settings_save(
        request,
        form=form,
        save=lambda: services.invitation_reason_create(
            acting_user=request.user, name=form.cleaned_data["name"]
        ),
        success_message=lambda reason: f"Invitation reason “{reason}” added.",
        redirect_to=REASONS,
    )
    if saved is not None:
        return saved
    reasons = InvitationReason.objects.annotate(invitation_count=Count("activities")).order_by(
        "-is_active", "name"
    )
    context = {"reasons": reasons, "form": form, "tab": "invitation-reasons"}
    return render_list(request, "activities/settings/invitation_reasons.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_reason_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a reason, or deactivate it (invitations sent for it keep it)."""
    require_admin(request.user)
    reason = get_object_or_404(InvitationReason, pk=pk)
    form = InvitationReasonForm(request.POST or None, user=request.user, record=reason)
    return settings_form(
        request,
        form=form,
        save=lambda: services.invitation_reason_update(
            reason, acting_user=request.user, **form.changes()
        ),
        success_message=lambda _: f"Invitation reason “{reason}” saved.",
        redirect_to=REASONS,
        context=lambda: {
            "title": f"Edit invitation reason “{reason}”",
            "cancel_url": reverse(REASONS),
        },
    )
