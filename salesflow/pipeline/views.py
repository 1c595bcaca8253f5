"""The deal pages. The deal page is one template of named panels: every panel action posts to
its own view, which answers htmx with the panel (plus the playbook, the deal actions and the
messages out of band, as a change may unlock the next stage) and everyone else with a redirect
back to the panel, or the whole page with the form's errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from salesflow.activities.selectors import activities_timeline, activities_visible_to
from salesflow.core.errors import ConflictError, DomainError
from salesflow.core.exports import records_export
from salesflow.core.forms import form_add_service_error
from salesflow.core.views import error_text, page_of, render_list
from salesflow.pipeline import services
from salesflow.pipeline.forms import (
    DealCloseForm,
    DealCompetitorAddForm,
    DealCompetitorEditForm,
    DealCompetitorPickForm,
    DealCreateForm,
    DealFilterForm,
    DealForm,
    DealMoveForm,
    DealReopenForm,
    QualificationForm,
    StakeholderAddForm,
    StakeholderEditForm,
    StakeholderPickForm,
)
from salesflow.pipeline.models import Deal, Stage, StageChange, StageKind
from salesflow.pipeline.selectors import (
    deal_competitors_of,
    deal_get_for_user,
    deal_move_blockers,
    deal_warnings,
    deals_visible_to,
    pipeline_default,
    stage_next_of,
    stakeholders_of,
)
from salesflow.playbooks.forms import (
    AssessmentForm,
    FirstMeetingForm,
    ObjectionAnswerForm,
    ObjectionLogForm,
)
from salesflow.playbooks.models import ObjectionStatus
from salesflow.playbooks.selectors import (
    assessment_for_deal,
    checklist_for_deal,
    first_meeting_latest,
    library_responses_active,
    next_action_for,
    objections_of,
    question_sets_for_deal,
)
from salesflow.quotes.selectors import deal_quotes, quote_totals
from salesflow.users import policy

TIMELINE_LIMIT = 50
DEAL_PAGE = "pipeline/deal_detail.html"
# Swapped out of band with every panel answer: a change may unlock the move to the next stage,
# and the move and close forms carry the deal's version.
ALWAYS_FRESH = ("playbook", "actions")

# Where on the deal page each kind of missing exit criterion is met.
MISSING_WHERE = {
    "bant_recorded": "#panel-bant",
    "assessment_answered": "#panel-assessment",
    "assessment_confirmed": "#panel-assessment",
    "decision_maker": "#panel-stakeholders",
    "checklist": "#checklist",
    "quote_sent": "#panel-quotes",
    "no_open_objection": "#panel-objections",
}


# TODO move to selectors: the deal list's search and filters.
def deals_filter(deals: QuerySet[Deal], filters: dict[str, Any]) -> QuerySet[Deal]:
    if q := filters.pop("q", ""):
        deals = deals.filter(Q(name__icontains=q) | Q(account__name__icontains=q))
    return deals.filter(**filters)


# TODO move to selectors: a deal's moves, oldest first, with the people and stages they name.
def stage_changes_of(deal: Deal) -> QuerySet[StageChange]:
    return deal.stage_changes.select_related("from_stage", "to_stage", "changed_by").order_by(
        "changed_at", "pk"
    )


def stage_progress(deal: Deal) -> list[tuple[Stage, str]]:
    """The steps the progress bar shows: active open stages, then Won, or the terminal stage
    reached. Removed (archived) stages are left out unless the deal still sits in one."""
    stages = Stage.objects.filter(pipeline_id=deal.pipeline_id).filter(
        Q(archived_at__isnull=True) | Q(pk=deal.stage_id)
    )
    steps = []
    for stage in stages.order_by("position"):
        if stage.kind != StageKind.OPEN and not (
            stage.pk == deal.stage_id or (stage.kind == StageKind.WON and not deal.is_closed)
        ):
            continue
        if stage.pk == deal.stage_id:
            state = "current"
        elif stage.position < deal.stage.position and stage.kind == StageKind.OPEN:
            state = "done" if deal.stage.kind != StageKind.LOST else "todo"
        else:
            state = "todo"
        steps.append((stage, state))
    return steps


def missing_linked(deal: Deal, missing: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """Missing exit criteria, each with the place on the deal page that satisfies it."""
    linked = []
    for item in missing:
        kind = item.get("code", "").split(":", 1)[0]
        href = MISSING_WHERE.get(kind, "")
        if kind == "field_filled":
            href = reverse("pipeline:deal-edit", args=[deal.pk])
        linked.append({**item, "kind": kind, "href": href})
    return linked


def _playbook_context(deal: Deal) -> dict[str, Any]:
    next_stage = stage_next_of(deal)
    blockers = deal_move_blockers(deal, to_stage=next_stage) if next_stage else []
    blockers = missing_linked(deal, blockers)
    return {
        "next_stage": next_stage,
        "blockers": blockers,
        "needs": {item["kind"] for item in blockers},
        "warnings": deal_warnings(deal),
        "checklist": checklist_for_deal(deal),
    }


def _form(edit: bool, forms: dict[Any, Any], key: Any, blank: Callable[[], Any]) -> Any:
    """The form the user submitted under `key` (with its errors), else a blank one; none for
    readers, who get no forms."""
    if not edit:
        return None
    return forms.get(key) or blank()


def _knowledge_context(deal: Deal, user: Any, forms: dict[Any, Any], edit: bool) -> dict[str, Any]:
    """Stakeholders and competitors, each row with its edit form."""
    stakeholders = [
        (
            row,
            _form(
                edit,
                forms,
                ("stakeholder", row.pk),
                partial(StakeholderEditForm, deal=deal, row=row),
            ),
        )
        for row in stakeholders_of(deal)
    ]
    competitors = [
        (
            row,
            _form(
                edit,
                forms,
                ("competitor", row.pk),
                partial(DealCompetitorEditForm, deal=deal, row=row),
            ),
        )
        for row in deal_competitors_of(deal)
    ]
    return {
        "stakeholder_rows": stakeholders,
        "stakeholder_form": _form(
            edit, forms, "stakeholder", partial(StakeholderAddForm, deal=deal, user=user)
        ),
        "competitor_rows": competitors,
        "competitor_form": _form(
            edit, forms, "competitor", partial(DealCompetitorAddForm, deal=deal)
        ),
    }


def _playbook_work_context(deal: Deal, forms: dict[Any, Any], edit: bool) -> dict[str, Any]:
    """The first-meeting judgment, the needs assessment and the objections."""
    assessments = []
    for question_set in question_sets_for_deal(deal):
        view = assessment_for_deal(deal, question_set)
        form = forms.get(("assessment", question_set.pk)) or AssessmentForm(view=view)
        answered = sum(1 for line in view.lines if line.answer is not None)
        assessments.append((view, form, answered))
    library: dict[str, list[Any]] = {}
    for response in library_responses_active():
        library.setdefault(response.category, []).append(response)
    objections = [
        (
            row,
            row.status != ObjectionStatus.RESOLVED
            and _form(
                edit, forms, ("objection", row.pk), partial(ObjectionAnswerForm, deal=deal, row=row)
            ),
            library.get(row.category, []),
        )
        for row in objections_of(deal)
    ]
    return {
        "meeting": first_meeting_latest(deal),
        "next_action": next_action_for(deal),
        "meeting_form": _form(edit, forms, "meeting", FirstMeetingForm),
        "assessments": assessments,
        "objection_rows": objections,
        "objection_form": _form(edit, forms, "objection", ObjectionLogForm),
    }


def deal_page_context(
    request: HttpRequest,
    deal: Deal,
    *,
    forms: dict[Any, Any] | None = None,
    refusal: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the deal page shows. `forms` replaces a panel's blank form with the one the
    user submitted (to show its errors); `refusal` is a refused move or close."""
    forms = forms or {}
    user = request.user
    can_edit = policy.can_write(user, deal)
    activities = activities_visible_to(user).filter(deal=deal)
    quotes = list(deal_quotes(deal))
    return {
        "deal": deal,
        "now": timezone.now(),
        "can_edit": can_edit,
        "steps": stage_progress(deal),
        "history": stage_changes_of(deal),
        "activities": activities_timeline(activities)[:TIMELINE_LIMIT],
        "bant": deal.qualification,
        "bant_form": _form(
            can_edit,
            forms,
            "bant",
            partial(QualificationForm, user=user, record=deal.qualification),
        ),
        "quote_rows": [(quote, quote_totals(quote)) for quote in quotes],
        "move_form": forms.get("move") or DealMoveForm(deal=deal),
        "close_form": forms.get("close") or DealCloseForm(deal=deal, user=user),
        "reopen_form": forms.get("reopen") or DealReopenForm(deal=deal),
        "refusal": refusal,
        **_playbook_context(deal),
        **_knowledge_context(deal, user, forms, can_edit),
        **_playbook_work_context(deal, forms, can_edit),
    }


def deal_page(
    request: HttpRequest,
    deal: Deal,
    *,
    panel: str = "",
    also: Iterable[str] = (),
    forms: dict[Any, Any] | None = None,
    refusal: dict[str, Any] | None = None,
    reload: bool = True,
) -> HttpResponse:
    """The deal page; for htmx only `panel`, with the always-fresh panels, `also` and the
    messages out of band. The deal is read again (`reload`) after an action, which may have
    changed it, or changed it in memory and then rolled back."""
    if reload:
        deal = deal_get_for_user(request.user, deal.pk)
    context = deal_page_context(request, deal, forms=forms, refusal=refusal)
    if not (panel and request.htmx):
        return render(request, DEAL_PAGE, context)
    parts = [render_to_string(f"{DEAL_PAGE}#panel-{panel}", context, request)]
    for name in dict.fromkeys([*ALWAYS_FRESH, *also]):
        if name != panel:
            oob = {**context, "oob": True}
            parts.append(render_to_string(f"{DEAL_PAGE}#panel-{name}", oob, request))
    parts.append(render_to_string(f"{DEAL_PAGE}#messages-oob", context, request))
    return HttpResponse("".join(parts))


def deal_panel_done(
    request: HttpRequest, deal: Deal, panel: str, *, also: Iterable[str] = ()
) -> HttpResponse:
    """After a panel action succeeded: the fresh panel for htmx, else back to it on the page."""
    if request.htmx:
        return deal_page(request, deal, panel=panel, also=also)
    return redirect(f"{deal.get_absolute_url()}#panel-{panel}")


def deal_back(request: HttpRequest, deal: Deal) -> HttpResponse:
    """After a move, close or reopen everything on the page changes: load it again."""
    if request.htmx:
        return HttpResponseClientRedirect(deal.get_absolute_url())
    return redirect(deal)


DEAL_EXPORT_COLUMNS = [
    ("id", "id"), ("name", "name"), ("account", "account__name"), ("pipeline", "pipeline__name"),
    ("stage", "stage__name"), ("outcome", "outcome"), ("amount", "amount"),
    ("currency", "currency"), ("expected_close_on", "expected_close_on"),
    ("closed_on", "closed_on"), ("lost_reason", "lost_reason__name"),
    ("owner", "owner__username"), ("team", "team__name"), ("created_at", "created_at"),
]  # fmt: skip


@login_required
@require_http_methods(["GET"])
def deal_list(request: HttpRequest) -> HttpResponse:
    form = DealFilterForm(request.GET, user=request.user)
    deals = deals_filter(
        deals_visible_to(request.user).select_related("account", "stage", "owner"),
        form.filters(),
    )
    if request.GET.get("format") == "csv":
        return records_export(request, name="deals", queryset=deals, columns=DEAL_EXPORT_COLUMNS)
    context = {"form": form, "page_obj": page_of(request, deals)}
    return render_list(request, "pipeline/deal_list.html", context)


@login_required
@require_http_methods(["GET"])
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return deal_page(request, deal_get_for_user(request.user, pk), reload=False)


@login_required
@require_http_methods(["GET", "POST"])
def deal_create(request: HttpRequest) -> HttpResponse:
    initial = {"pipeline": pipeline_default().pk, "account": request.GET.get("account")}
    form = DealCreateForm(request.POST or None, user=request.user, initial=initial)
    if form.is_valid():
        try:
            deal = services.deal_create(acting_user=request.user, **form.values())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Deal {deal} created in {deal.stage.name}.")
            return redirect(deal)
    context = {"form": form, "title": "New deal", "cancel_url": reverse("pipeline:deal-list")}
    return render(request, "form_page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealForm(request.POST or None, user=request.user, record=deal)
    if form.is_valid():
        try:
            services.deal_update(
                deal,
                acting_user=request.user,
                expected_version=form.expected_version(),
                **form.changes(),
            )
        except ConflictError as error:
            form.show_conflict(error)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"Deal {deal} saved.")
            return redirect(deal)
    context = {"form": form, "title": f"Edit {deal}", "cancel_url": deal.get_absolute_url()}
    return render(request, "form_page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def deal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    if request.method == "POST":
        services.deal_delete(deal, acting_user=request.user)
        messages.success(request, f"Deal {deal} deleted.")
        return redirect("pipeline:deal-list")
    context = {
        "object": deal,
        "kind": "deal",
        "cancel_url": deal.get_absolute_url(),
        "consequence": "Its stage history and activities are deleted with it.",
    }
    return render(request, "confirm_delete.html", context)


# Move, close, reopen ------------------------------------------------------------------------


def _action_refused(
    request: HttpRequest, deal: Deal, name: str, form: Any, error: Exception
) -> HttpResponse:
    """A refused move or close: a stale version is a message and fresh forms; the sales
    process's refusal lists what is missing, linked to the panels; bad input marks the fields."""
    if isinstance(error, ConflictError):
        messages.error(request, error.message)
        return deal_page(request, deal, panel="actions")
    if isinstance(error, DomainError):
        refusal = {"action": name, "message": error.message}
        refusal["missing"] = missing_linked(deal, error.missing)
        return deal_page(request, deal, panel="actions", forms={name: form}, refusal=refusal)
    form_add_service_error(form, error)
    return deal_page(request, deal, panel="actions", forms={name: form})


@login_required
@require_http_methods(["POST"])
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealMoveForm(request.POST, deal=deal)
    if not form.is_valid():
        return deal_page(request, deal, panel="actions", forms={"move": form})
    data = form.cleaned_data
    try:
        services.deal_move(
            deal,
            to_stage=data["to_stage"],
            lost_reason=data["lost_reason"],
            override_reason=data["override_reason"],
            expected_version=data["version"],
            acting_user=request.user,
        )
    except (ValidationError, DomainError) as error:
        return _action_refused(request, deal, "move", form, error)
    messages.success(request, f"Moved to {data['to_stage'].name}.")
    return deal_back(request, deal)


@login_required
@require_http_methods(["POST"])
def deal_close(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealCloseForm(request.POST, deal=deal, user=request.user)
    if not form.is_valid():
        return deal_page(request, deal, panel="actions", forms={"close": form})
    data = form.cleaned_data
    try:
        services.deal_close(
            deal,
            outcome=data["outcome"],
            lost_reason=data["lost_reason"],
            amount=data["amount"],
            note=data["note"],
            technique=data["technique"],
            closed_on=data["closed_on"],
            override_reason=data["override_reason"],
            expected_version=data["version"],
            acting_user=request.user,
        )
    except (ValidationError, DomainError) as error:
        return _action_refused(request, deal, "close", form, error)
    messages.success(request, f"Deal closed as {deal.get_outcome_display().lower()}.")
    return deal_back(request, deal)


@login_required
@require_http_methods(["POST"])
def deal_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealReopenForm(request.POST, deal=deal)
    if not form.is_valid():
        return deal_page(request, deal, panel="actions", forms={"reopen": form})
    try:
        services.deal_reopen(
            deal,
            to_stage=form.cleaned_data["to_stage"],
            expected_version=form.cleaned_data["version"],
            acting_user=request.user,
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, error_text(error))
        return deal_page(request, deal, panel="actions")
    messages.success(request, f"Deal reopened in {deal.stage.name}.")
    return deal_back(request, deal)


# BANT, stakeholders, competitors -------------------------------------------------------------


@login_required
@require_http_methods(["POST"])
def deal_bant(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = QualificationForm(request.POST, user=request.user, record=deal.qualification)
    if form.is_valid():
        try:
            services.deal_qualification_record(deal, acting_user=request.user, **form.values())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "BANT saved.")
            return deal_panel_done(request, deal, "bant")
    return deal_page(request, deal, panel="bant", forms={"bant": form})


@login_required
@require_http_methods(["POST"])
def stakeholder_add(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = StakeholderAddForm(request.POST, deal=deal, user=request.user)
    if form.is_valid():
        try:
            row = services.stakeholder_add(deal, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"{row.contact} added as {row.get_role_display().lower()}.")
            return deal_panel_done(request, deal, "stakeholders")
    return deal_page(request, deal, panel="stakeholders", forms={"stakeholder": form})


@login_required
@require_http_methods(["POST"])
def stakeholder_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = StakeholderEditForm(request.POST, deal=deal)
    if form.is_valid():
        row = form.cleaned_data["stakeholder"]
        try:
            services.stakeholder_update(row, acting_user=request.user, **form.changes())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"{row.contact} saved.")
            return deal_panel_done(request, deal, "stakeholders")
    if "stakeholder" in form.errors:
        messages.error(request, "That person is not a stakeholder of this deal (any more).")
        return deal_panel_done(request, deal, "stakeholders")
    row_key = ("stakeholder", form.cleaned_data["stakeholder"].pk)
    return deal_page(request, deal, panel="stakeholders", forms={row_key: form})


@login_required
@require_http_methods(["POST"])
def stakeholder_remove(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = StakeholderPickForm(request.POST, deal=deal)
    if form.is_valid():
        row = form.cleaned_data["stakeholder"]
        services.stakeholder_remove(row, acting_user=request.user)
        messages.success(request, f"{row.contact} removed from the stakeholders.")
    else:
        messages.error(request, "That person is not a stakeholder of this deal (any more).")
    return deal_panel_done(request, deal, "stakeholders")


@login_required
@require_http_methods(["POST"])
def competitor_add(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealCompetitorAddForm(request.POST, deal=deal)
    if form.is_valid():
        try:
            # A new competitor joins the shared list only if it joins this deal too.
            with transaction.atomic():
                competitor = form.cleaned_data["competitor"] or services.competitor_create(
                    name=form.cleaned_data["new_name"], acting_user=request.user
                )
                services.deal_competitor_add(
                    deal, competitor=competitor, acting_user=request.user, **form.details()
                )
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"{competitor} added to the competitors.")
            return deal_panel_done(request, deal, "competitors")
    return deal_page(request, deal, panel="competitors", forms={"competitor": form})


@login_required
@require_http_methods(["POST"])
def competitor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealCompetitorEditForm(request.POST, deal=deal)
    if form.is_valid():
        entry = form.cleaned_data["entry"]
        try:
            services.deal_competitor_update(entry, acting_user=request.user, **form.changes())
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"{entry.competitor} saved.")
            return deal_panel_done(request, deal, "competitors")
    if "entry" in form.errors:
        messages.error(request, "That competitor is not on this deal (any more).")
        return deal_panel_done(request, deal, "competitors")
    row_key = ("competitor", form.cleaned_data["entry"].pk)
    return deal_page(request, deal, panel="competitors", forms={row_key: form})


@login_required
@require_http_methods(["POST"])
def competitor_remove(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealCompetitorPickForm(request.POST, deal=deal)
    if form.is_valid():
        entry = form.cleaned_data["entry"]
        services.deal_competitor_remove(entry, acting_user=request.user)
        messages.success(request, f"{entry.competitor} removed from this deal.")
    else:
        messages.error(request, "That competitor is not on this deal (any more).")
    return deal_panel_done(request, deal, "competitors")
