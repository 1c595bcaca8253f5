"""The deal pages. The deal page is one template of named panels: every panel action posts to
its own view, which answers htmx with the panel (plus the playbook, the deal actions and the
messages out of band, as a change may unlock the next stage) and everyone else with a redirect
back to the panel, or the whole page with the form's errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from salesflow.audit.exports import records_export
from salesflow.audit.templatetags.audit_tags import history_of
from salesflow.core.errors import ConflictError, DomainError
from salesflow.core.forms import form_add_service_error
from salesflow.core.panels import PanelCall, page_memo_start
from salesflow.core.views import (
    error_text,
    page_of,
    record_create,
    record_edit,
    render_list,
)
from salesflow.customfields.lists import custom_export
from salesflow.leads.selectors import lead_get_for_user
from salesflow.leads.views import lead_page
from salesflow.listviews.context import saved_view_default_redirect, saved_views_context
from salesflow.pipeline import conversion, services
from salesflow.pipeline.exports import deal_export
from salesflow.pipeline.forms import (
    ConvertForm,
    DealCloseForm,
    DealCreateForm,
    DealFilterForm,
    DealForm,
    DealMoveForm,
    DealReopenForm,
    QualificationForm,
)
from salesflow.pipeline.models import Deal, Pipeline
from salesflow.pipeline.panels import deal_panels
from salesflow.pipeline.selectors import (
    deal_get_for_user,
    deal_move_blockers,
    deal_stage_progress,
    deal_warnings,
    deals_filtered,
    pipeline_default,
    stage_next_of,
)
from salesflow.pipeline.stakeholders import decision_maker_from_bant
from salesflow.users import policy

DEAL_PAGE = "pipeline/deal_detail.html"


def missing_linked(deal: Deal, missing: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """Missing exit criteria, each with the place on the deal page that satisfies it: the
    panel registered as meeting its kind, or the edit page for a field."""
    linked = []
    for item in missing:
        kind = item.get("code", "").split(":", 1)[0]
        href = deal_panels.anchor_meeting(kind)
        if kind == "field_filled":
            href = reverse("pipeline:deal-edit", args=[deal.pk])
        linked.append({**item, "kind": kind, "href": href})
    return linked


def _playbook_context(deal: Deal) -> dict[str, Any]:
    """The next stage and what blocks the move to it: the stage playbook shows them, and other
    panels open the form that meets a missing criterion (`needs`)."""
    next_stage = stage_next_of(deal)
    blockers = deal_move_blockers(deal, to_stage=next_stage) if next_stage else []
    blockers = missing_linked(deal, blockers)
    return {
        "next_stage": next_stage,
        "blockers": blockers,
        "needs": {item["kind"] for item in blockers},
        "warnings": deal_warnings(deal),
    }


def deal_page_context(
    request: HttpRequest,
    deal: Deal,
    *,
    forms: dict[Any, Any] | None = None,
    refusal: dict[str, Any] | None = None,
    panels: Iterable[str] | None = None,
) -> dict[str, Any]:
    """What the deal page shows: the deal, its progress and playbook, and the context of the
    registered `panels` (all of them for the whole page). `forms` replaces a panel's blank form
    with the one the user submitted (to show its errors); `refusal` is a refused move or close.

    The panels, the exit criteria and the warnings share what one of them read (`page_memo`):
    the pipeline's stages and their criteria, the stakeholders, the quotes, the objections."""
    page_memo_start(deal)
    can_edit = policy.can_write(request.user, deal)
    context = {
        "deal": deal,
        "now": timezone.now(),
        "can_edit": can_edit,
        "refusal": refusal,
        "panels": deal_panels.slots(),
        **_playbook_context(deal),
    }
    # BANT names who decides but no stakeholder has that role: offer to add them (issue 12).
    context["dm_offer"] = (
        decision_maker_from_bant(deal)
        if can_edit and not deal.is_closed and deal.qualification_id
        else None
    )
    if panels is None:
        context["steps"] = deal_stage_progress(deal)
        # The change history is read when it is opened (`deal_history`), or asked for here.
        context["history_open"] = request.GET.get("history") == "1"
    call = PanelCall(request=request, record=deal, can_edit=can_edit, forms=forms or {})
    return context | deal_panels.context(call, panels)


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
    """The deal page; for htmx only `panel`, with the fresh panels, `also` and the messages out
    of band. The deal is read again (`reload`) after an action, which may have changed it, or
    changed it in memory and then rolled back."""
    if reload:
        deal = deal_get_for_user(request.user, deal.pk, annotate=deal_panels.annotations())
    if not (panel and request.htmx):
        context = deal_page_context(request, deal, forms=forms, refusal=refusal)
        return render(request, DEAL_PAGE, context)
    fresh = [p.name for p in deal_panels.fresh()]
    drawn = list(dict.fromkeys([panel, *fresh, *also]))
    # Panels drawn inside a drawn panel (its own slot) need their context too.
    inner = [p.name for name in drawn for p in deal_panels.panels(slot=name)]
    context = deal_page_context(request, deal, forms=forms, refusal=refusal, panels=drawn + inner)
    parts = [render_to_string(deal_panels.get(panel).template, context, request)]
    oob = {**context, "oob": True}
    for name in drawn[1:]:
        parts.append(render_to_string(deal_panels.get(name).template, oob, request))
    parts.append(render_to_string(f"{DEAL_PAGE}#messages-oob", context, request))
    return HttpResponse("".join(parts))


def deal_panel_done(
    request: HttpRequest, deal: Deal, panel: str, *, also: Iterable[str] = ()
) -> HttpResponse:
    """After a panel action succeeded: the fresh panel for htmx, else back to it on the page."""
    if request.htmx:
        return deal_page(request, deal, panel=panel, also=also)
    return redirect(f"{deal.get_absolute_url()}#{deal_panels.get(panel).anchor}")


def deal_back(request: HttpRequest, deal: Deal) -> HttpResponse:
    """After a move, close or reopen everything on the page changes: load it again."""
    if request.htmx:
        return HttpResponseClientRedirect(deal.get_absolute_url())
    return redirect(deal)


@login_required
@require_http_methods(["GET"])
def deal_list(request: HttpRequest) -> HttpResponse:
    if default_view := saved_view_default_redirect(request, "deal"):
        return default_view
    form = DealFilterForm(request.GET, user=request.user)
    deals = deals_filtered(request.user, **form.filters())
    # A file exported without a filter the user asked for would look right and be wrong: the
    # page shows the filter's error instead.
    if request.GET.get("format") == "csv" and not form.errors:
        extra, formats = custom_export("deal")
        pipeline_id = form.cleaned_data.get("pipeline")
        pipeline = Pipeline.objects.filter(pk=pipeline_id).first() if pipeline_id else None
        deals, columns = deal_export(deals, pipeline=pipeline)
        return records_export(
            request, name="deals", queryset=deals, columns=columns + extra, formats=formats
        )
    context = {
        "form": form,
        "page_obj": page_of(request, deals, deferred_join=True),
        "custom_columns": form.custom_columns,
    }
    context |= saved_views_context(request, "deal", form)
    response = render_list(request, "pipeline/deal_list.html", context)
    if request.GET.get("format") == "csv":
        response.status_code = 400  # asked for a file, answered with the filters' errors
    return response


@login_required
@require_http_methods(["GET"])
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, annotate=deal_panels.annotations())
    return deal_page(request, deal, reload=False)


@login_required
@require_http_methods(["GET"])
def deal_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The deal's change history, read when the page's "Show change history" is opened (htmx);
    without htmx, the deal page with the history drawn in and open."""
    deal = deal_get_for_user(request.user, pk)
    if request.htmx:
        return render(request, "audit/_history.html", history_of(deal))
    return redirect(f"{deal.get_absolute_url()}?history=1#change-history")


@login_required
@require_http_methods(["GET", "POST"])
def deal_create(request: HttpRequest) -> HttpResponse:
    initial = {"pipeline": pipeline_default().pk, "account": request.GET.get("account")}
    form = DealCreateForm(request.POST or None, user=request.user, initial=initial)
    return record_create(
        request,
        form=form,
        create=services.deal_create,
        saved="Deal {record} created in {record.stage.name}.",
        title="New deal",
        cancel_url=reverse("pipeline:deal-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = DealForm(request.POST or None, user=request.user, record=deal)
    return record_edit(
        request, record=deal, form=form, update=services.deal_update, saved="Deal {record} saved."
    )


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
    if isinstance(error, ConflictError):  # 409, in plain words (docs/editing.md)
        messages.error(request, error.message)
        response = deal_page(request, deal, panel="actions")
        response.status_code = 409
        return response
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
    form = DealMoveForm(request.POST, deal=deal, user=request.user)
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
        response = deal_page(request, deal, panel="actions")
        response.status_code = 409 if isinstance(error, ConflictError) else 200
        return response
    messages.success(request, f"Deal reopened in {deal.stage.name}.")
    return deal_back(request, deal)


# BANT, converting a lead -------------------------------------------------------------


@login_required
@require_http_methods(["POST"])
def deal_bant(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(request.user, pk, write=True)
    form = QualificationForm(request.POST, user=request.user, record=deal.qualification)
    if form.is_valid():
        try:
            # A first recording takes every answer; a change only what the user changed
            # since the form was shown, so another tab's answers stay.
            if deal.qualification is None:
                services.deal_qualification_record(deal, acting_user=request.user, **form.values())
            elif changes := form.changes_since_read():
                services.deal_qualification_record(deal, acting_user=request.user, **changes)
        except ValidationError as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, "BANT saved.")
            return deal_panel_done(request, deal, "bant")
    return deal_page(request, deal, panel="bant", forms={"bant": form})


@login_required
@require_http_methods(["POST"])
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """Convert the lead into an account, a contact and a deal; refusals show on the lead page."""
    lead = lead_get_for_user(request.user, pk, write=True)
    form = ConvertForm(request.POST, lead=lead)
    if form.is_valid():
        try:
            result = conversion.lead_convert(lead, acting_user=request.user, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            form_add_service_error(form, error)
        else:
            messages.success(request, f"{lead} converted into the deal {result.deal}.")
            return redirect(result.deal)
    return lead_page(request, lead, convert_form=form)
