"""The panel registry that record pages are drawn from."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from salesflow.core.panels import Panel, PanelCall, PanelRegistry


def call(*, can_edit: bool = True, forms: dict | None = None) -> PanelCall:
    return PanelCall(
        request=RequestFactory().get("/"), record="the deal", can_edit=can_edit, forms=forms or {}
    )


def test_panels_come_in_slot_and_order():
    registry = PanelRegistry("deal")
    registry.register(Panel("late", "t#late", order=90))
    registry.register(Panel("early", "t#early", order=10))
    registry.register(Panel("side", "t#side", slot="aside"))
    assert [p.name for p in registry.panels("main")] == ["early", "late"]
    assert {slot: [p.name for p in panels] for slot, panels in registry.slots().items()} == {
        "main": ["early", "late"],
        "aside": ["side"],
    }


def test_registering_a_name_again_replaces_the_panel():
    registry = PanelRegistry("deal")
    registry.register(Panel("quotes", "old#quotes"))
    registry.register(Panel("quotes", "new#quotes"))
    assert [p.template for p in registry.panels()] == ["new#quotes"]


def test_an_unknown_panel_is_a_lookup_error_naming_the_page():
    with pytest.raises(LookupError, match="The lead page has no panel named 'nope'"):
        PanelRegistry("lead").get("nope")


def test_a_shared_context_function_runs_once_and_contexts_merge():
    runs = []

    def deals(c: PanelCall) -> dict:
        runs.append(c.record)
        return {"deals": ["one"]}

    registry = PanelRegistry("lead")
    registry.register(Panel("converted", "t#a", deals, slot="converted"))
    registry.register(Panel("deals", "t#b", deals))
    registry.register(Panel("timeline", "t#c", lambda c: {"activities": []}))
    assert registry.context(call()) == {"deals": ["one"], "activities": []}
    assert runs == ["the deal"]
    assert registry.context(call(), names=["timeline"]) == {"activities": []}
    assert runs == ["the deal"]


def test_a_reader_gets_no_forms_and_a_submitted_form_replaces_the_blank_one():
    assert call(can_edit=False).form("bant", lambda: "blank") is None
    assert call().form("bant", lambda: "blank") == "blank"
    assert call(forms={"bant": "with errors"}).form("bant", lambda: "blank") == "with errors"


def test_a_missing_criterion_links_to_the_panel_that_meets_it():
    registry = PanelRegistry("deal")
    registry.register(Panel("quotes", "t#q", meets=("quote_sent",)))
    registry.register(Panel("checklist", "t#c", meets=("checklist",), anchor_id="checklist"))
    assert registry.anchor_meeting("quote_sent") == "#panel-quotes"
    assert registry.anchor_meeting("checklist") == "#checklist"
    assert registry.anchor_meeting("field_filled") == ""
