"""Call review pages: the call's page and its panel actions, the recording, the review queue,
the trends, "My feedback" and the rubric settings."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from salesflow.activities.models import Activity
from salesflow.activities.panels import activity_panels
from salesflow.activities.selectors import activity_get_for_user
from salesflow.coaching import services
from salesflow.coaching.forms import (
    NotesForm,
    RecordingForm,
    ReviewForm,
    RubricCriterionAddForm,
    RubricCriterionForm,
    TranscriptForm,
)
from salesflow.coaching.models import RubricCriterion
from salesflow.coaching.panels import PANEL, activity_page_url
from salesflow.coaching.selectors import (
    call_record_of,
    review_allowed_check,
    review_queue,
    reviews_received,
    rubric_active,
    signal_trends,
)
from salesflow.core.forms import form_add_service_error
from salesflow.core.panels import PanelCall
from salesflow.core.settings_views import settings_form, settings_save
from salesflow.core.views import page_of, render_list
from salesflow.users import policy
from salesflow.users.policy import require_admin, require_manager, users_visible_to

RUBRIC = "coaching:rubric"


def call_page(
    request: HttpRequest, activity: Activity, *, forms: dict[str, Any] | None = None
) -> HttpResponse:
    """The call's own page: the activity in brief and its call review panel (with the forms
    the user submitted, to show their errors)."""
    can_edit = policy.can_write(request.user, activity)
    call = PanelCall(request=request, record=activity, can_edit=can_edit, forms=forms or {})
    context = {
        "activity": activity,
        "can_edit": can_edit,
        "activity_url": activity_page_url(activity),
        **activity_panels.context(call, [PANEL]),
    }
    return render(request, "coaching/call_page.html", context, status=200)


def _done(activity: Activity) -> HttpResponse:
    return redirect(activity_page_url(activity))


@login_required
@require_http_methods(["GET"])
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return call_page(request, activity_get_for_user(request.user, pk))


@login_required
@require_http_methods(["POST"])
def recording_upload(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activity_get_for_user(request.user, pk, write=True)
    form = RecordingForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["recording"]
        try:
            services.recording_attach(activity, upload=upload, acting_user=request.user)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "Recording attached.")
            return _done(activity)
    return call_page(request, activity, forms={"recording": form})


@login_required
@require_http_methods(["GET"])
def recording_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The recording, for the activity's readers only; served inline for an <audio> element,
    with byte ranges so the player can seek."""
    activity = activity_get_for_user(request.user, pk)
    record = call_record_of(activity)
    if record is None or not record.recording:
        raise Http404("No recording.")
    try:
        handle = record.recording.open("rb")
    except FileNotFoundError:
        raise Http404("The recording file is missing.") from None
    size = record.recording.size
    content_type = record.recording_content_type or "application/octet-stream"
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", request.headers.get("Range", "").strip())
    if match and size and (match.group(1) or match.group(2)):
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:
            start, end = max(0, size - int(last)), size - 1
        if start > end or start >= size:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle.seek(start)
        body = handle.read(end - start + 1)
        handle.close()
        response = HttpResponse(body, status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["POST"])
def transcript_upload(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activity_get_for_user(request.user, pk, write=True)
    form = TranscriptForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.transcript_save(
                activity,
                format=form.cleaned_data["format"],
                text=form.cleaned_data["text"],
                rep_speaker=form.cleaned_data["rep_speaker"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "Transcript saved; the coaching signals are updated.")
            return _done(activity)
    return call_page(request, activity, forms={"transcript": form})


@login_required
@require_http_methods(["POST"])
def notes_upload(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activity_get_for_user(request.user, pk, write=True)
    form = NotesForm(request.POST)
    if form.is_valid():
        try:
            services.notes_save(
                activity, notes=form.cleaned_data["notes"], acting_user=request.user
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "Call notes saved.")
            return _done(activity)
    return call_page(request, activity, forms={"notes": form})


@login_required
@require_http_methods(["POST"])
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activity_get_for_user(request.user, pk)
    review_allowed_check(request.user, activity)
    form = ReviewForm(request.POST, criteria=list(rubric_active()))
    if form.is_valid():
        try:
            services.review_submit(
                activity,
                scores=form.scores(),
                comments=form.comments(),
                comment=form.cleaned_data["comment"],
                acting_user=request.user,
            )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "Review saved; the rep sees it on the call.")
            return _done(activity)
    return call_page(request, activity, forms={"review": form})


@login_required
@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    """The team's calls with a recording or transcript that nobody has reviewed, oldest first."""
    require_manager(request.user, what="open the review queue")
    records = page_of(request, review_queue(request.user))
    for record in records:
        record.page_url = activity_page_url(record.activity)
    context = {"records": records, "page_obj": records}
    return render_list(request, "coaching/queue.html", context)


@login_required
@require_http_methods(["GET"])
def trends(request: HttpRequest) -> HttpResponse:
    """The coaching signals per rep and month (or week): a rep's own, a manager's team."""
    period = "week" if request.GET.get("period") == "week" else "month"
    rep = request.GET.get("rep", "")
    rep_id = int(rep) if rep.isdigit() and len(rep) < 19 else None  # within 64 bits
    people = []
    if request.user.is_admin or request.user.is_manager:
        people = list(users_visible_to(request.user).order_by("first_name", "username"))
    rows = signal_trends(request.user, period=period, rep_id=rep_id)
    context = {"rows": rows, "period": period, "people": people, "rep_id": rep_id}
    return render(request, "coaching/trends.html", context)


@login_required
@require_http_methods(["GET"])
def feedback(request: HttpRequest) -> HttpResponse:
    """The reviews of the user's own calls, newest first."""
    reviews = page_of(request, reviews_received(request.user))
    for review in reviews:
        review.page_url = activity_page_url(review.call_record.activity)
    return render(request, "coaching/feedback.html", {"reviews": reviews, "page_obj": reviews})


@login_required
@require_http_methods(["GET", "POST"])
def rubric(request: HttpRequest) -> HttpResponse:
    """The rubric managers score calls on, and the form that adds a criterion (admins)."""
    require_admin(request.user)
    form = RubricCriterionAddForm(request.POST or None, user=request.user)
    saved = settings_save(
        request,
        form=form,
        save=lambda: services.rubric_criterion_create(acting_user=request.user, **form.values()),
        success_message=lambda criterion: f"Criterion “{criterion}” added to the rubric.",
        redirect_to=RUBRIC,
    )
    if saved is not None:
        return saved
    criteria = RubricCriterion.objects.order_by("-is_active", "position", "label")
    context = {"criteria": criteria, "form": form, "tab": "rubric"}
    return render_list(request, "coaching/rubric.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rubric_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    criterion = get_object_or_404(RubricCriterion, pk=pk)
    form = RubricCriterionForm(request.POST or None, user=request.user, record=criterion)
    return settings_form(
        request,
        form=form,
        save=lambda: services.rubric_criterion_update(
            criterion, acting_user=request.user, **form.changes()
        ),
        success_message=lambda _: f"Criterion “{criterion}” saved.",
        redirect_to=RUBRIC,
        context=lambda: {
            "title": f"Edit criterion “{criterion}”",
            "cancel_url": reverse(RUBRIC),
            "intro": "Reviews already written keep their scores; retire a criterion to stop "
            "scoring it.",
        },
    )
