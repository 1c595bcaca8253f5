"""Follow-up pages: due for contact, the header's reminders, the calendar feed and downloads,
and the tier settings (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from salesflow.activities.selectors import activity_get_for_user
from salesflow.core.settings_views import settings_form
from salesflow.core.views import page_of, render_list
from salesflow.customers import services as customer_services
from salesflow.customers.models import TierLevel
from salesflow.followup import ics, selectors, services
from salesflow.followup.forms import TierForm, TierRuleForm
from salesflow.followup.models import TierRule
from salesflow.users import policy
from salesflow.users.policy import require_admin

SETTINGS_TAB = "tiers"


@login_required
@require_http_methods(["GET"])
def due(request: HttpRequest) -> HttpResponse:
    """Accounts due for contact: mine, my team's, or a chosen rep's (managers and admins);
    overdue first, then due within a week."""
    rep = request.GET.get("rep", "")
    scope = selectors.due_scope(
        request.user, request.GET.get("scope", "mine"), int(rep) if rep.isdigit() else None
    )
    today = timezone.localdate()
    accounts = selectors.accounts_due(request.user, scope=scope, today=today)
    can_choose = request.user.is_admin or request.user.is_manager
    context = {
        "page_obj": page_of(request, accounts),
        "scope": scope,
        "today": today,
        "soon": selectors.SOON_DAYS,
        "reps": policy.users_visible_to(request.user)
        .filter(is_active=True)
        .order_by("first_name", "last_name", "username")
        if can_choose
        else [],
    }
    return render_list(request, "followup/due.html", context)


@login_required
@require_http_methods(["GET"])
def reminders(request: HttpRequest) -> HttpResponse:
    """The bell in the header, loaded by htmx after the page: activities coming due."""
    context = {"reminders": selectors.reminders_for(request.user)}
    response = render(request, "followup/reminders.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET"])
def calendar(request: HttpRequest) -> HttpResponse:
    feed = selectors.calendar_feed_of(request.user)
    context = {
        "feed": feed,
        "feed_url": ics.feed_url(feed.token, base=ics.base_url(request)) if feed else "",
        "types": ", ".join(ics.FEED_TYPES),
    }
    return render(request, "followup/calendar.html", context)


@login_required
@require_http_methods(["POST"])
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    had = selectors.calendar_feed_of(request.user) is not None
    services.calendar_feed_regenerate(user=request.user)
    messages.success(
        request,
        "A new calendar address is ready; the old one no longer works."
        if had
        else "Your calendar address is ready.",
    )
    return redirect("followup:calendar")


@login_required
@require_http_methods(["POST"])
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_revoke(user=request.user)
    messages.success(request, "Calendar address revoked: calendars subscribed to it get nothing.")
    return redirect("followup:calendar")


@never_cache
@require_http_methods(["GET"])
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no sign-in, the secret token is the key. A tampered or revoked token
    answers 404."""
    feed = services.calendar_feed_for_token(token)
    if feed is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    body = ics.calendar_of(
        ics.feed_activities(feed.user, now=now),
        name=f"Salesflow: {feed.user}",
        stamp=now,
        base=ics.base_url(request),
    )
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@login_required
@require_http_methods(["GET"])
def activity_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """One meeting, visit or demo as an .ics file, for its readers."""
    activity = activity_get_for_user(request.user, pk)
    if activity.type not in ics.DOWNLOAD_TYPES or activity.due_at is None:
        raise Http404("Only a dated meeting, visit or demo has a calendar file.")
    body = ics.calendar_of(
        [activity], name=str(activity), stamp=timezone.now(), base=ics.base_url(request)
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{activity.type}-{activity.pk}.ics"'
    return response


# Settings (admins) ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def tier_list(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    context = {
        "tiers": TierLevel.objects.order_by("position", "code"),
        "rules": selectors.tier_rules_listed(),
        "tab": SETTINGS_TAB,
    }
    return render(request, "followup/settings/tiers.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def tier_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = TierForm(request.POST or None, user=request.user)
    return settings_form(
        request,
        form=form,
        save=lambda: customer_services.tier_create(acting_user=request.user, **form.values()),
        success_message=lambda tier: f"Tier {tier.code} added.",
        redirect_to="followup:tier-list",
        context={"title": "New tier", "cancel_url": reverse("followup:tier-list")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def tier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    tier = get_object_or_404(TierLevel, pk=pk)
    form = TierForm(request.POST or None, user=request.user, record=tier)
    return settings_form(
        request,
        form=form,
        save=lambda: customer_services.tier_update(
            tier,
            acting_user=request.user,
            expected_version=form.expected_version(),
            **form.changes(),
        ),
        success_message=lambda _: f"Tier {tier.code} saved.",
        redirect_to="followup:tier-list",
        context=lambda: {
            "title": f"Edit tier {tier.code}",
            "cancel_url": reverse("followup:tier-list"),
            "intro": "A new cadence moves the next contact due of every account of the tier.",
        },
    )


@login_required
@require_http_methods(["POST"])
def tier_move(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    tier = get_object_or_404(TierLevel, pk=pk)
    direction = "up" if request.POST.get("direction") == "up" else "down"
    customer_services.tier_move(tier, acting_user=request.user, direction=direction)
    return redirect("followup:tier-list")


@login_required
@require_http_methods(["POST"])
def tiers_apply(request: HttpRequest) -> HttpResponse:
    """Apply the tier rules to every account not set by hand, now."""
    require_admin(request.user)
    moved = services.tier_rules_apply()
    total = sum(moved.values())
    if not services.tier_rules_active():
        messages.info(request, "No active rule: tiers stay as they are.")
    else:
        detail = ", ".join(f"{count} to {code}" for code, count in sorted(moved.items()))
        messages.success(
            request,
            f"Rules applied: {total} account{'s' if total != 1 else ''} moved"
            + (f" ({detail})." if detail else "."),
        )
    return redirect("followup:tier-list")


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    form = TierRuleForm(request.POST or None, user=request.user)
    return settings_form(
        request,
        form=form,
        save=lambda: services.tier_rule_create(acting_user=request.user, **form.values()),
        success_message=lambda rule: f"Rule added: {rule}.",
        redirect_to="followup:tier-list",
        context={
            "title": "New tier rule",
            "cancel_url": reverse("followup:tier-list"),
            "intro": "An account meeting any rule of a tier gets the top such tier; one meeting "
            "none gets the lowest tier. Tiers set by hand are never changed.",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    rule = get_object_or_404(TierRule, pk=pk)
    form = TierRuleForm(request.POST or None, user=request.user, record=rule)
    return settings_form(
        request,
        form=form,
        save=lambda: services.tier_rule_update(
            rule,
            acting_user=request.user,
            expected_version=form.expected_version(),
            **form.changes(),
        ),
        success_message=lambda _: "Rule saved.",
        redirect_to="followup:tier-list",
        context=lambda: {"title": "Edit tier rule", "cancel_url": reverse("followup:tier-list")},
    )


@login_required
@require_http_methods(["POST"])
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    rule = get_object_or_404(TierRule, pk=pk)
    services.tier_rule_delete(rule, acting_user=request.user)
    messages.success(request, "Rule deleted.")
    return redirect("followup:tier-list")
