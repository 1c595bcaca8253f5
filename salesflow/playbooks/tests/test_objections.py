"""Objections per deal, the shared library of answers, and which answers precede won deals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salesflow.core.errors import AccessDenied
from salesflow.pipeline.criteria import deal_missing_criteria
from salesflow.pipeline.models import Outcome
from salesflow.pipeline.services import deal_close
from salesflow.pipeline.tests.factories import ungated_deal
from salesflow.playbooks.configuration import library_response_create, library_response_update
from salesflow.playbooks.models import LibraryResponse, ObjectionCategory
from salesflow.playbooks.selectors import library_response_win_rates, library_responses_for
from salesflow.playbooks.services import objection_answer, objection_log, objection_resolve
from tests.factories import DealFactory, lost_reason, stage_named

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    return stage_named("Proposal and objections")


@pytest.fixture
def deal(rep, proposal):
    return DealFactory(owner=rep, stage=proposal)


def test_logging_an_objection_suggests_the_library_s_answers_for_its_category(rep, deal):
    objection, suggestions = objection_log(
        deal,
        category=ObjectionCategory.PRICE,
        customer_words="Too expensive for us",
        acting_user=rep,
    )
    assert (objection.status, objection.stage.name, objection.logged_by) == (
        "open",
        "Proposal and objections",
        rep,
    )
    assert suggestions == list(library_responses_for("price"))
    assert {s.category for s in suggestions} == {"price"} and len(suggestions) == 2


def test_an_objection_needs_the_customer_s_words_and_a_known_category(rep, deal):
    with pytest.raises(ValidationError) as exc:
        objection_log(deal, category="price", customer_words=" ", acting_user=rep)
    assert "customer_words" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        objection_log(deal, category="weather", customer_words="Rainy", acting_user=rep)
    assert "category" in exc.value.message_dict


def test_answering_with_a_library_answer_records_which_one(rep, deal):
    objection, suggestions = objection_log(
        deal, category="price", customer_words="Too much", acting_user=rep
    )
    words = suggestions[0].response.replace("…", "20,000 EUR")  # placeholders filled in
    objection_answer(
        objection, library_response=suggestions[0], response_given=words, acting_user=rep
    )
    objection.refresh_from_db()
    assert objection.status == "answered" and objection.library_response == suggestions[0]
    assert objection.response_given == words
    assert objection.answered_by == rep and objection.answered_at is not None
    objection_resolve(objection, acting_user=rep)
    assert objection.status == "resolved" and objection.resolved_at is not None
    with pytest.raises(ValidationError):
        objection_resolve(objection, acting_user=rep)


def test_an_answer_needs_words_or_an_active_library_answer(rep, manager, deal):
    objection, suggestions = objection_log(
        deal, category="price", customer_words="Too much", acting_user=rep
    )
    with pytest.raises(ValidationError) as exc:
        objection_answer(objection, response_given="  ", acting_user=rep)
    assert "response_given" in exc.value.message_dict
    library_response_update(suggestions[0], is_active=False, acting_user=manager)
    with pytest.raises(ValidationError) as exc:
        objection_answer(objection, library_response=suggestions[0], acting_user=rep)
    assert "library_response" in exc.value.message_dict


def test_open_objections_hold_the_proposal_stage(rep, deal, proposal):
    objection, _ = objection_log(
        deal, category="timing", customer_words="Not before Q3", acting_user=rep
    )
    open_codes = [
        m.code
        for m in deal_missing_criteria(deal, leaving=proposal)
        if m.code.startswith("no_open_objection")
    ]
    assert open_codes == [f"no_open_objection:{objection.pk}"]
    objection_answer(objection, response_given="Start small now", acting_user=rep)
    assert not [
        m
        for m in deal_missing_criteria(deal, leaving=proposal)
        if m.code.startswith("no_open_objection")
    ]


def test_an_outsider_cannot_log_or_answer_objections(rep, outsider, proposal):
    deal = DealFactory(owner=rep, stage=proposal, visibility="everyone")
    with pytest.raises(AccessDenied):
        objection_log(deal, category="price", customer_words="Too much", acting_user=outsider)
    objection, _ = objection_log(deal, category="price", customer_words="Too much", acting_user=rep)
    with pytest.raises(AccessDenied):
        objection_answer(objection, response_given="No", acting_user=outsider)
    with pytest.raises(AccessDenied):
        objection_resolve(objection, acting_user=outsider)


def test_managers_curate_the_library_reps_do_not(rep, manager):
    entry = library_response_create(
        category="trust", title="Guarantee", response="Money back in 30 days", acting_user=manager
    )
    assert entry in library_responses_for("trust")
    with pytest.raises(AccessDenied):
        library_response_create(category="trust", title="X", response="Y", acting_user=rep)
    with pytest.raises(AccessDenied):
        library_response_update(entry, is_active=False, acting_user=rep)


def used_on(deal, response, user, *, answered_at=None):
    objection, _ = objection_log(
        deal, category=response.category, customer_words="Hmm", acting_user=user
    )
    # The placeholders of a library answer are filled in before it is stored (issue 12).
    words = response.response.replace("…", "20,000 EUR")
    return objection_answer(
        objection, library_response=response, response_given=words, acting_user=user, at=answered_at
    )


def test_win_rates_count_the_deals_each_library_answer_preceded(rep, manager):
    value = LibraryResponse.objects.get(title="Cost of the problem versus the price")
    phase = LibraryResponse.objects.get(title="Phase the investment")
    won_twice_used = ungated_deal(owner=rep)
    used_on(won_twice_used, value, rep)
    used_on(won_twice_used, value, rep)  # one deal, counted once
    deal_close(won_twice_used, outcome=Outcome.WON, acting_user=rep)
    lost = ungated_deal(owner=rep)
    used_on(lost, value, rep)
    used_on(lost, phase, rep)
    deal_close(lost, outcome=Outcome.LOST, lost_reason=lost_reason(), acting_user=rep)
    after_close = ungated_deal(owner=rep)
    deal_close(after_close, outcome=Outcome.WON, acting_user=rep)
    used_on(after_close, phase, rep, answered_at=timezone.now() + dt.timedelta(hours=1))
    still_open = ungated_deal(owner=rep)
    used_on(still_open, phase, rep)

    rates = {r.title: (r.deals_won, r.deals_lost, r.win_rate) for r in library_response_win_rates()}

    assert rates["Cost of the problem versus the price"] == (1, 1, 0.5)
    assert rates["Phase the investment"] == (0, 1, 0.0)
    assert rates["The cost of waiting"] == (0, 0, None)


def test_win_rates_are_one_query(django_assert_num_queries):
    count = LibraryResponse.objects.count()
    with django_assert_num_queries(1):
        assert len(list(library_response_win_rates())) == count
