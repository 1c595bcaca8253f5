from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from salesflow.core.forms import form_add_service_error
from salesflow.core.selectors import site_settings
from salesflow.customers.selectors import account_get_for_user
from salesflow.leads.selectors import lead_get_for_user
from salesflow.pipeline.selectors import deal_get_for_user
from salesflow.referrals import services
from salesflow.referrals.forms import ReferralForm
from salesflow.referrals.selectors import referral_get_for_user, referrers_leaderboard

ANCHOR = "#panel-referrals"


def _record(request: HttpRequest, target: Any, field: str) -> HttpResponse:
    """The form to record who referred `target`; on success back to its page's panel."""
    form = ReferralForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_record(
                acting_user=request.user, **{field: target}, **form.cleaned_data
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "Referral recorded.")
            return redirect(target.get_absolute_url() + ANCHOR)
    context = {
        "form": form,
        "title": f"Who referred {target}?",
        "parent": target,
        "intro": "A contact, an account, or both. Referrals are counted on the referrer's page "
        "and on the leaderboard; a won deal they brought gives the referrer's owner a "
        "thank-you task.",
        "submit_label": "Record referral",
        "cancel_url": target.get_absolute_url() + ANCHOR,
    }
    return render(request, "form_page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def deal_referral_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _record(request, deal_get_for_user(request.user, pk, write=True), "deal")


@login_required
@require_http_methods(["GET", "POST"])
def lead_referral_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _record(request, lead_get_for_user(request.user, pk, write=True), "lead")


@login_required
@require_http_methods(["GET", "POST"])
def account_referral_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _record(request, account_get_for_user(request.user, pk, write=True), "account")


@login_required
@require_http_methods(["POST"])
def referral_delete(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_get_for_user(request.user, pk, write=True)
    target = referral.target
    services.referral_delete(referral, acting_user=request.user)
    messages.success(request, f"The referral by {referral.referrer_name} was removed.")
    return redirect(target.get_absolute_url() + ANCHOR)


@login_required
@require_http_methods(["GET"])
def leaderboard(request: HttpRequest) -> HttpResponse:
    context = {
        "rows": referrers_leaderboard(request.user),
        "default_currency": site_settings().default_currency,
    }
    return render(request, "referrals/leaderboard.html", context)
