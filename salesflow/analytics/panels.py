"""The learned probabilities on record pages (see `salesflow.core.panels`): a deal's win
probability beside its stage probability, a lead's conversion probability beside its rule
score, each with the factors that moved it most.

The record page draws only a placeholder (no queries of its own, so the page stays as fast as
it was); htmx then loads the panel from `analytics:deal-forecast` / `analytics:lead-conversion`,
and without JavaScript the placeholder is a link to the same panel."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from salesflow.core.panels import Panel
from salesflow.leads.panels import lead_panels
from salesflow.pipeline.panels import deal_panels

TEMPLATE = "analytics/_panel_forecast.html"


def deal_forecast_context(deal: Any) -> dict[str, Any]:
    from salesflow.analytics.forecast.services import deal_predictions, model_state
    from salesflow.analytics.models import ModelKind
    from salesflow.pipeline.models import Deal

    if deal.is_closed:
        return {"deal": deal, "forecast": None}
    state = model_state(ModelKind.DEAL)
    prediction = deal_predictions(Deal.objects.filter(pk=deal.pk), state=state).get(deal.pk)
    forecast = {"prediction": prediction, "note": state.note, "row": state.row, "loaded": True}
    return {"deal": deal, "forecast": forecast}


def lead_conversion_context(lead: Any) -> dict[str, Any]:
    from salesflow.analytics.forecast.services import lead_predictions, model_state
    from salesflow.analytics.models import ModelKind
    from salesflow.leads.models import Lead, LeadStatus

    if lead.status in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED):
        return {"lead": lead, "conversion": None}
    state = model_state(ModelKind.LEAD)
    prediction = lead_predictions(Lead.objects.filter(pk=lead.pk), state=state).get(lead.pk)
    conversion = {"prediction": prediction, "note": state.note, "row": state.row, "loaded": True}
    return {"lead": lead, "conversion": conversion}


@login_required
@require_http_methods(["GET"])
def deal_forecast(request: HttpRequest, pk: int) -> HttpResponse:
    from salesflow.pipeline.selectors import deal_get_for_user

    deal = deal_get_for_user(request.user, pk)
    return render(request, f"{TEMPLATE}#deal-forecast", deal_forecast_context(deal))


@login_required
@require_http_methods(["GET"])
def lead_conversion(request: HttpRequest, pk: int) -> HttpResponse:
    from salesflow.leads.selectors import lead_get_for_user

    lead = lead_get_for_user(request.user, pk)
    return render(request, f"{TEMPLATE}#lead-conversion", lead_conversion_context(lead))


def panels_register() -> None:
    """Called from `AnalyticsConfig.ready()`."""
    deal_panels.register(Panel("forecast", f"{TEMPLATE}#deal-forecast", slot="aside", order=30))
    lead_panels.register(Panel("conversion", f"{TEMPLATE}#lead-conversion", slot="aside", order=30))
