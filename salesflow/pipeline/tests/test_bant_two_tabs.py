"""BANT answers edited in two tabs (tryout, session 13): a save writes only what the user changed
since the form was shown; a field someone else saved meanwhile is refused on that field with the
saved value, and saving again replaces it. On the deal page and on the lead page (one record)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from salesflow.leads.services import lead_qualification_record
from salesflow.pipeline.services import deal_qualification_record
from tests.factories import DealFactory, LeadFactory, stage_named


def shown(form) -> dict[str, str]:
    """The POST a browser sends for the form as it was shown (hidden `original` included)."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        data[bound.html_name] = (
            "on" if value is True and bound.name != "is_decision_maker" else (str(value))
        )
    return data


@pytest.fixture
def deal(rep):
    deal = DealFactory(owner=rep, name="Fleet renewal", stage=stage_named("Qualification"))
    deal_qualification_record(
        deal,
        acting_user=rep,
        budget_amount=50000,
        is_decision_maker=True,
        need="Live truck positions",
        timeline_on=dt.date(2030, 1, 31),
    )
    deal.refresh_from_db()
    return deal


def deal_tab(client, deal) -> dict[str, str]:
    return shown(client.get(reverse("pipeline:deal-detail", args=[deal.pk])).context["bant_form"])


def bant_post(client, deal, data):
    return client.post(reverse("pipeline:deal-bant", args=[deal.pk]), data)


def test_a_stale_tab_saving_another_field_keeps_what_the_first_tab_saved(rep_client, deal):
    first, second = deal_tab(rep_client, deal), deal_tab(rep_client, deal)
    bant_post(rep_client, deal, {**first, "bant-need": "Need from tab 1"})
    response = bant_post(rep_client, deal, {**second, "bant-budget_amount": "77777"})
    assert response.status_code == 302
    deal.qualification.refresh_from_db()
    assert deal.qualification.need == "Need from tab 1"  # not the stale tab's old need
    assert deal.qualification.budget_amount == Decimal("77777")


def test_both_tabs_changing_one_field_refuse_the_second_then_let_it_replace(rep_client, deal):
    first, second = deal_tab(rep_client, deal), deal_tab(rep_client, deal)
    bant_post(rep_client, deal, {**first, "bant-need": "Need from tab 1"})
    response = bant_post(
        rep_client, deal, {**second, "bant-need": "Need from tab 2", "bant-pain_level": "4"}
    )
    assert response.status_code == 200
    form = response.context["bant_form"]
    assert form.errors["need"] == [
        "Someone else changed this while you were editing; it is now: Need from tab 1. "
        "Save again to replace it with yours."
    ]
    deal.qualification.refresh_from_db()
    assert (deal.qualification.need, deal.qualification.pain_level) == ("Need from tab 1", None)
    # The refused form shows what the user typed and now carries the saved values as read.
    assert form["need"].value() == "Need from tab 2"
    again = bant_post(rep_client, deal, {**shown(form)})
    assert again.status_code == 302
    deal.qualification.refresh_from_db()
    assert (deal.qualification.need, deal.qualification.pain_level) == ("Need from tab 2", 4)


def test_both_tabs_typing_the_same_value_is_no_conflict(rep_client, deal):
    first, second = deal_tab(rep_client, deal), deal_tab(rep_client, deal)
    bant_post(rep_client, deal, {**first, "bant-need": "Same need"})
    assert bant_post(rep_client, deal, {**second, "bant-need": "Same need"}).status_code == 302


def test_a_post_without_the_token_records_what_differs_from_the_saved_answers(rep_client, deal):
    response = bant_post(
        rep_client,
        deal,
        {"bant-budget_amount": "60000", "bant-budget_currency": "EUR", "bant-need": "More"},
    )
    assert response.status_code == 302
    deal.qualification.refresh_from_db()
    assert deal.qualification.budget_amount == 60000 and deal.qualification.need == "More"
    assert deal.qualification.timeline_on is None  # what was sent: an emptied date


def test_the_lead_page_keeps_another_tabs_answer_too(rep_client, rep):
    lead = LeadFactory(owner=rep)
    lead_qualification_record(lead, acting_user=rep, need="Route planning", budget_amount=5000)
    url = reverse("leads:lead-detail", args=[lead.pk])
    first = shown(rep_client.get(url).context["bant_form"])
    second = shown(rep_client.get(url).context["bant_form"])
    post = reverse("leads:lead-qualification", args=[lead.pk])
    rep_client.post(post, {**first, "bant-need": "Route planning for 40 vans"})
    response = rep_client.post(post, {**second, "bant-budget_amount": "8000"})
    assert response.status_code == 302
    lead.qualification.refresh_from_db()
    assert lead.qualification.need == "Route planning for 40 vans"
    assert lead.qualification.budget_amount == Decimal("8000")
    response = rep_client.post(post, {**second, "bant-need": "Stale need"})
    assert "Someone else changed this while you were editing" in response.content.decode()
    lead.qualification.refresh_from_db()
    assert lead.qualification.need == "Route planning for 40 vans"


def test_answering_an_unknown_yes_no_question_is_no_conflict(rep_client, rep):
    """ "Does our contact decide?" not known yet (None) then answered: no one else changed it."""
    lead = LeadFactory(owner=rep)
    lead_qualification_record(lead, acting_user=rep, budget_amount=5000)
    url = reverse("leads:lead-detail", args=[lead.pk])
    form = shown(rep_client.get(url).context["bant_form"])
    response = rep_client.post(
        reverse("leads:lead-qualification", args=[lead.pk]),
        {**form, "bant-is_decision_maker": "True"},
    )
    assert response.status_code == 302
    lead.qualification.refresh_from_db()
    assert lead.qualification.is_decision_maker is True
