from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from salesflow.activities import services
from salesflow.activities.forms import ActivityCompleteForm, ActivityFilterForm, ActivityForm
from salesflow.activities.models import Activity
from salesflow.activities.panels import TIMELINE_PAGE, activity_panels
from salesflow.activities.selectors import (
    activities_filtered,
    activities_timeline_page,
    activity_chain,
    activity_get_for_user,
)
from salesflow.audit.exports import records_export
from salesflow.core.errors import ConflictError
from salesflow.core.forms import form_add_service_error
from salesflow.core.panels import record_page_context
from salesflow.core.views import error_text, next_url, page_of, render_list
from salesflow.customers.selectors import account_get_for_user, contact_get_for_user
from salesflow.customfields.lists import custom_export
from salesflow.leads.selectors import lead_get_for_user
from salesflow.listviews.context import saved_view_default_redirect, saved_views_context
from salesflow.pipeline.selectors import deal_get_for_user
from salesflow.users import policy

FORM_PAGE = "activities/activity_form.html"

# The records an activity can be logged from, each read through its access selector.
LINK_GETTERS = {
    "deal": deal_get_for_user,
    "lead": lead_get_for_user,
    "contact": contact_get_for_user,
    "account": account_get_for_user,
}


def linked_record(request: HttpRequest) -> tuple[str | None, Model | None]:
    """The record named by ?deal=, ?lead=, ?contact= or ?account=; 404 if the user can't read it."""
    for name, getter in LINK_GETTERS.items():
        value = request.GET.get(name, "")
        if value.isdigit():
            return name, getter(request.user, int(value))
    return None, None


def record_url(activity: Activity) -> str:
    record = activity.deal or activity.lead or activity.contact or activity.account
    return record.get_absolute_url() if record else reverse("activities:activity-list")


ACTIVITY_EXPORT_COLUMNS = [
    ("id", "id"), ("type", "type"), ("subject", "subject"), ("due_at", "due_at"),
    ("done_at", "done_at"), ("outcome", "outcome"),
    ("no_next_step_reason", "no_next_step_reason"), ("follows_id", "follows_id"),
    ("invitation_reason", "invitation_reason__name"),
    ("invitation_outcome", "invitation_outcome"), ("deal", "deal__name"),
    ("lead_id", "lead_id"), ("contact_id", "contact_id"), ("account", "account__name"),
    ("owner", "owner__username"), ("created_at", "created_at"),
]  # fmt: skip


@login_required
@require_http_methods(["GET"])
def activity_list(request: HttpRequest) -> HttpResponse:
    if default_view := saved_view_default_redirect(request, "activity"):
        return default_view
    form = ActivityFilterForm(request.GET, user=request.user)
    activities = activities_filtered(request.user, **form.filters())
    if request.GET.get("format") == "csv":
        extra, formats = custom_export("activity")
        return records_export(
            request,
            name="activities",
            queryset=activities,
            columns=ACTIVITY_EXPORT_COLUMNS + extra,
            formats=formats,
        )
    context = {
        "form": form,
        "page_obj": page_of(request, activities),
        "custom_columns": form.custom_columns,
        "now": timezone.now(),
    }
    context |= saved_views_context(request, "activity", form)
    return render_list(request, "activities/activity_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    link, record = linked_record(request)
    initial = {link: record.pk} if link and record else {}
    form = ActivityForm(request.POST or None, user=request.user, initial=initial, linked=link)
    if form.is_valid():
        try:
            activity = services.activity_create(acting_user=request.user, **form.values())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Activity “{activity}” logged.")
            return redirect(next_url(request, record_url(activity)))
    context = {
        "form": form,
        "title": f"Log activity for {record}" if record else "Log activity",
        "parent": record,
        "cancel_url": record.get_absolute_url() if record else reverse("activities:activity-list"),
    }
    return render(request, FORM_PAGE, context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activity_get_for_user(request.user, pk, write=True)
    form = ActivityForm(request.POST or None, user=request.user, record=activity)
    if form.is_valid():
        try:
            services.activity_update(
                activity,
                acting_user=request.user,
                expected_version=form.expected_version(),
                **form.changes(),
            )
        except ConflictError as error:
            form.show_conflict(error)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Activity “{activity}” saved.")
            return redirect(next_url(request, record_url(activity)))
    context = {
        "form": form,
        "title": f"Edit activity “{activity}”",
        "next": next_url(request, ""),
        "cancel_url": next_url(request, record_url(activity)),
    }
    return render(request, FORM_PAGE, context, status=409 if form.conflict else 200)


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activity_get_for_user(request.user, pk, write=True)
    if request.method == "POST":
        back = record_url(activity)
        services.activity_delete(activity, acting_user=request.user)
        messages.success(request, f"Activity “{activity}” deleted.")
        return redirect(back)
    context = {"object": activity, "kind": "activity", "cancel_url": record_url(activity)}
    return render(request, "confirm_delete.html", context)


@login_required
@require_http_methods(["GET"])
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activity_get_for_user(request.user, pk)
    can_edit = policy.can_write(request.user, activity)
    context = {
        **record_page_context(request, activity, activity_panels, can_edit=can_edit),
        "chain": activity_chain(request.user, activity),
    }
    return render(request, "activities/activity_detail.html", context)


def _done_message(completed: services.Completed) -> str:
    text = f"Done: {completed.activity}."
    follow_up = completed.follow_up
    if follow_up is not None:
        due = timezone.localtime(follow_up.due_at).strftime("%-d %b %Y, %H:%M")
        text += f" Next step: {follow_up.get_type_display().lower()} “{follow_up}”, due {due}."
    return text


@login_required
@require_http_methods(["GET", "POST"])
def activity_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete an activity: the outcome and the next step (or why there is none) in one form.
    GET shows the form (only the form for htmx, loaded into a timeline row); POST completes it
    and goes back to `next`, or shows the form again with what is wrong."""
    activity = activity_get_for_user(request.user, pk, write=True)
    back = next_url(request, activity.get_absolute_url())
    form = ActivityCompleteForm(request.POST or None, activity=activity)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            completed = services.activity_complete_with_next_step(
                activity, acting_user=request.user, **form.service_arguments()
            )
        except ConflictError as error:
            form.add_error(None, error.message)
            status = 409  # someone changed it meanwhile (docs/editing.md)
        except ValidationError as error:
            if "done_at" in getattr(error, "error_dict", {}):  # done meanwhile
                messages.error(request, error_text(error))
                return redirect(back)
            form_add_service_error(form, error)
        else:
            messages.success(request, _done_message(completed))
            return redirect(back)
        activity = activity_get_for_user(request.user, pk)  # as saved: nothing was
    elif activity.is_done:
        messages.error(request, "This activity is already done.")
        return redirect(back)
    template = "activities/activity_complete.html"
    if request.htmx and request.method == "GET":
        template += "#complete-form"
    context = {"activity": activity, "form": form, "next": back}
    return render(request, template, context, status=status)


TIMELINE_RECORDS = {"account": account_get_for_user, "contact": contact_get_for_user}


def _timeline(request: HttpRequest, link: str, pk: int) -> HttpResponse:
    record = TIMELINE_RECORDS[link](request.user, pk)
    given = str(request.GET.get("offset") or "")
    offset = int(given) if given.isdigit() else 0
    rows, more = activities_timeline_page(
        request.user, link=link, record=record, offset=offset, limit=TIMELINE_PAGE
    )
    context = {
        "record": record,
        "activities": rows,
        "timeline_more": more,
        "timeline_next": offset + TIMELINE_PAGE,
        "timeline_url": reverse(f"activities:{link}-timeline", args=[pk]),
        "now": timezone.now(),
    }
    template = "activities/timeline_page.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#rows"
    return render(request, template, context)


@login_required
@require_http_methods(["GET"])
def account_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """Older activities of an account's timeline, a page at a time."""
    return _timeline(request, "account", pk)


@login_required
@require_http_methods(["GET"])
def contact_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """Older activities of a contact's timeline, a page at a time."""
    return _timeline(request, "contact", pk)
