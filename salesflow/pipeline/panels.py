"""The deal page's panel registry, the pipeline's own panels on it, and the pipeline's panels on
the lead, account and contact pages (see `salesflow.core.panels`).

Playbooks, quotes and activities register their deal-page panels from their own apps. Slots of
the deal page: `main` (the column of panels, listed in the section navigation), `aside` (the
stage playbook and the deal actions) and `playbook` (inside the stage playbook panel).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from salesflow.core.panels import Panel, PanelCall, PanelRegistry
from salesflow.customers.panels import account_panels, contact_panels
from salesflow.leads.panels import lead_panels
from salesflow.pipeline.forms import (
    ConvertForm,
    DealCloseForm,
    DealMoveForm,
    DealReopenForm,
    QualificationForm,
)
from salesflow.pipeline.forms_stakeholders import (
    DealCompetitorAddForm,
    DealCompetitorEditForm,
    StakeholderAddForm,
    StakeholderEditForm,
)
from salesflow.pipeline.models import WON_OUTCOMES, Deal, DealStakeholder, Outcome
from salesflow.pipeline.selectors import (
    deal_competitors_of,
    deal_stakeholder_rows,
    deals_visible_to,
    stage_changes_of,
)

deal_panels = PanelRegistry("deal")

DEAL_PAGE = "pipeline/deal_detail.html"


def _bant(call: PanelCall) -> dict[str, Any]:
    deal = call.record
    blank = partial(QualificationForm, user=call.user, record=deal.qualification)
    return {"bant": deal.qualification, "bant_form": call.form("bant", blank)}


def _stakeholders(call: PanelCall) -> dict[str, Any]:
    """The deal's stakeholders, each row with its edit form, and the form to add one."""
    deal = call.record
    rows = [
        (row, call.form(("stakeholder", row.pk), partial(StakeholderEditForm, deal=deal, row=row)))
        for row in deal_stakeholder_rows(deal)
    ]
    blank = partial(StakeholderAddForm, deal=deal, user=call.user)
    return {"stakeholder_rows": rows, "stakeholder_form": call.form("stakeholder", blank)}


def _competitors(call: PanelCall) -> dict[str, Any]:
    deal = call.record
    competitors = list(deal_competitors_of(deal))
    rows = [
        (
            row,
            call.form(("competitor", row.pk), partial(DealCompetitorEditForm, deal=deal, row=row)),
        )
        for row in competitors
    ]
    on_deal = {row.competitor_id for row in competitors}
    blank = partial(DealCompetitorAddForm, deal=deal, on_deal=on_deal)
    return {"competitor_rows": rows, "competitor_form": call.form("competitor", blank)}


def _history(call: PanelCall) -> dict[str, Any]:
    return {"history": stage_changes_of(call.record)}


def _actions(call: PanelCall) -> dict[str, Any]:
    """Move, close and reopen; the template offers them only to people who may change the deal."""
    deal, forms = call.record, call.forms
    return {
        "move_form": forms.get("move") or DealMoveForm(deal=deal, user=call.user),
        "close_form": forms.get("close") or DealCloseForm(deal=deal, user=call.user),
        "reopen_form": forms.get("reopen") or DealReopenForm(deal=deal),
    }


def _lead_deals(call: PanelCall) -> dict[str, Any]:
    deals = deals_visible_to(call.user).filter(lead=call.record).select_related("stage")
    return {"deals": deals}


def _lead_convert(call: PanelCall) -> dict[str, Any]:
    return {"convert_form": call.forms.get("convert_form") or ConvertForm(lead=call.record)}


# How many closed deals the account and contact pages list (the totals count all of them).
CLOSED_SHOWN = 10
# How many stakeholder roles the account page lists.
STAKEHOLDERS_SHOWN = 200


def _deals_panel(call: PanelCall, deals: QuerySet[Deal]) -> dict[str, Any]:
    """Open deals with their stage and next step, the latest closed ones, and per currency the
    open, won and lost totals (one grouped query)."""
    deals = deals.select_related("account", "stage", "owner", "lost_reason")
    totals = (
        deals.order_by()
        .values("currency")
        .annotate(
            open_count=Count("pk", filter=Q(outcome=Outcome.OPEN)),
            open_amount=Sum("amount", filter=Q(outcome=Outcome.OPEN)),
            won_count=Count("pk", filter=Q(outcome__in=WON_OUTCOMES)),
            won_amount=Sum("amount", filter=Q(outcome__in=WON_OUTCOMES)),
            lost_count=Count("pk", filter=Q(outcome=Outcome.LOST)),
            lost_amount=Sum("amount", filter=Q(outcome=Outcome.LOST)),
            other_count=Count("pk", filter=Q(outcome=Outcome.SUSPENDED)),
        )
        .order_by("currency")
    )
    closed = deals.exclude(outcome=Outcome.OPEN).order_by(
        F("closed_at").desc(nulls_last=True), "-pk"
    )
    return {
        "deals_open": list(
            deals.filter(outcome=Outcome.OPEN).order_by(
                F("expected_close_on").asc(nulls_last=True), "pk"
            )
        ),
        "deals_closed": list(closed[:CLOSED_SHOWN]),
        "deal_totals": list(totals),
    }


def _account_deals(call: PanelCall) -> dict[str, Any]:
    return _deals_panel(call, deals_visible_to(call.user).filter(account=call.record))


def _account_stakeholders(call: PanelCall) -> dict[str, Any]:
    """Each person of the account (or on its deals) with the roles they play on which of its
    deals the user may read."""
    rows = (
        DealStakeholder.objects.filter(
            deal__in=deals_visible_to(call.user).filter(account=call.record).values("pk")
        )
        .select_related("contact", "deal")
        .order_by("contact__last_name", "contact__first_name", "contact_id", "deal__name")
    )
    groups: dict[int, tuple[Any, list[DealStakeholder]]] = {}
    for row in rows[:STAKEHOLDERS_SHOWN]:
        groups.setdefault(row.contact_id, (row.contact, []))[1].append(row)
    return {"stakeholder_groups": list(groups.values())}


def _contact_deals(call: PanelCall) -> dict[str, Any]:
    """The deals the person is on, as primary contact or stakeholder, with their roles."""
    contact = call.record
    roles = DealStakeholder.objects.filter(
        contact=contact, deal__in=deals_visible_to(call.user).values("pk")
    )
    deals = deals_visible_to(call.user).filter(
        Q(primary_contact=contact) | Q(pk__in=roles.values("deal_id"))
    )
    context = _deals_panel(call, deals)
    by_deal: dict[int, list[DealStakeholder]] = {}
    for row in roles:
        by_deal.setdefault(row.deal_id, []).append(row)
    for deal in context["deals_open"] + context["deals_closed"]:
        deal.contact_roles = by_deal.get(deal.pk, [])
    return context


def panels_register() -> None:
    """Called from `PipelineConfig.ready()`."""
    for panel in (
        Panel("bant", f"{DEAL_PAGE}#panel-bant", _bant, order=10, label="BANT",
              meets=("bant_recorded",)),
        Panel("stakeholders", f"{DEAL_PAGE}#panel-stakeholders", _stakeholders, order=40,
              label="Stakeholders", meets=("decision_maker",)),
        Panel("competitors", f"{DEAL_PAGE}#panel-competitors", _competitors, order=50,
              label="Competitors"),
        Panel("history", f"{DEAL_PAGE}#panel-history", _history, order=900, label="History"),
        # The playbook's own context (next stage, what blocks it) is the page's: other panels
        # use it too, to open the form that meets a missing criterion.
        Panel("playbook", f"{DEAL_PAGE}#panel-playbook", slot="aside", order=10, fresh=True),
        Panel("actions", f"{DEAL_PAGE}#panel-actions", _actions, slot="aside", order=20,
              fresh=True),
    ):  # fmt: skip
        deal_panels.register(panel)
    panels = "pipeline/panels.html"
    lead_panels.register(Panel("converted-deals", f"{panels}#lead-converted-deals", _lead_deals,
                               slot="converted"))  # fmt: skip
    lead_panels.register(Panel("deals", f"{panels}#lead-deals", _lead_deals, order=50))
    lead_panels.register(Panel("convert", f"{panels}#lead-convert", _lead_convert, slot="aside",
                               order=20))  # fmt: skip
    customer = "pipeline/customer_panels.html"
    account_panels.register(Panel("deals", f"{customer}#account-deals", _account_deals, order=20))
    account_panels.register(Panel("stakeholders", f"{customer}#account-stakeholders",
                                  _account_stakeholders, order=25))  # fmt: skip
    contact_panels.register(Panel("deals", f"{customer}#contact-deals", _contact_deals, order=20))
