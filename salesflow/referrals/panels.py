"""The referral panels: "Referred by" (with a link to record one) on the lead, account and
deal pages, and "Referrals made" on the referrer contact's page (see `salesflow.core.panels`)."""

from __future__ import annotations

from typing import Any

from salesflow.core.panels import Panel, PanelCall
from salesflow.core.selectors import site_settings
from salesflow.customers.panels import account_panels, contact_panels
from salesflow.leads.panels import lead_panels
from salesflow.pipeline.panels import deal_panels
from salesflow.referrals.selectors import (
    referrals_annotated,
    referrals_crediting,
    referrals_crediting_exist,
    referrals_listed,
    referrals_of_deal,
    referrals_of_record,
    referrals_visible_to,
    referrer_summary,
)

TEMPLATE = "referrals/panels.html"
# The referrals a contact page lists; the summary counts all of them.
MADE_LIMIT = 20


def _deal(call: PanelCall) -> dict[str, Any]:
    # Most deals came from no referral: one bare look first, and the visibility rule (a query
    # costly to build) only for a deal that has some.
    # On the deal page, the look is part of the deal's own read (`referrals_crediting_exist`).
    referrals = []
    exist = getattr(call.record, "referrals_crediting_exist", None)
    if exist is None:
        exist = referrals_crediting(call.record).exists()
    if exist:
        referrals = list(referrals_of_deal(call.user, call.record))
    for referral in referrals:  # how it reached the deal: named on it, its lead or account
        referral.via = "lead" if referral.lead_id else ("account" if referral.account_id else "")
    return {
        "referrals": referrals,
        "referral_target": call.record,
        "referral_action": "referrals:deal-referral-add",
    }


def _lead(call: PanelCall) -> dict[str, Any]:
    return {
        "referrals": list(referrals_of_record(call.user, call.record)),
        "referral_target": call.record,
        "referral_action": "referrals:lead-referral-add",
    }


def _account(call: PanelCall) -> dict[str, Any]:
    return {
        "referrals": list(referrals_of_record(call.user, call.record)),
        "referral_target": call.record,
        "referral_action": "referrals:account-referral-add",
    }


def _contact(call: PanelCall) -> dict[str, Any]:
    made = referrals_visible_to(call.user).filter(referrer_contact=call.record)
    rows = referrals_annotated(call.user, referrals_listed(made))[:MADE_LIMIT]
    return {
        "referrer": referrer_summary(call.user, call.record),
        "referrals_made": list(rows),
        "default_currency": site_settings().default_currency,
    }


def panels_register() -> None:
    """Called from `ReferralsConfig.ready()`."""
    deal_panels.register(
        Panel(
            "referrals",
            f"{TEMPLATE}#deal-referrals",
            _deal,
            order=45,
            label="Referred by",
            annotate=referrals_crediting_exist,
        )
    )
    lead_panels.register(
        Panel("referrals", f"{TEMPLATE}#lead-referrals", _lead, slot="aside", order=40)
    )
    account_panels.register(
        Panel("referrals", f"{TEMPLATE}#account-referrals", _account, slot="aside", order=40)
    )
    contact_panels.register(
        Panel("referrals-made", f"{TEMPLATE}#contact-referrals", _contact, slot="aside", order=40)
    )
