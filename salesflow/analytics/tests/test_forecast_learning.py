"""The learned win and conversion probabilities: training on a synthetic but learnable history,
the fallback below the minimum, the backtest page, the command, the task, and the panels."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from conftest import client_for
from salesflow.analytics.forecast.learning import MIN_CLOSED, calibration_table, scores
from salesflow.analytics.forecast.services import (
    deal_predictions,
    forecast_model_train,
    lead_predictions,
    model_state,
)
from salesflow.analytics.models import ModelKind, TrainedModel
from salesflow.analytics.registry import report_get, report_run
from salesflow.analytics.tests.builders import at, history_deal
from salesflow.api.tests.conftest import ApiClient
from salesflow.leads.models import Lead, LeadStatus, Source
from salesflow.pipeline.models import Deal, Outcome
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

START = dt.date(2025, 1, 6)


@pytest.fixture(autouse=True)
def frozen():
    """Today is 20 January 2026: the open deals below are a fortnight old."""
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 1, 20, 12)), tick=False):
        yield


def closed_history(owner, count: int = 80) -> None:
    """`count` closed deals, one every four days through 2025: those from referrals are won
    four times in five, those from cold calls lost four times in five. Nothing else differs
    in a way that tells won from lost, so a model must find the source."""
    for i in range(count):
        referral = i % 2 == 0
        won = referral != (i % 10 in (3, 8))
        start = 4 * i
        lead = LeadFactory(owner=owner, source=Source.REFERRAL if referral else Source.COLD_CALL)
        history_deal(
            owner,
            [
                ("Prospecting", day(start)),
                ("Proposal and objections", day(start + 10)),
                ("Won" if won else "Lost", day(start + 20 + i % 7)),
            ],
            outcome=Outcome.WON if won else Outcome.LOST,
            amount=1000 + 100 * (i % 5),
            lead=lead,
        )


def day(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


def open_deal_from(owner, source: str, *, amount: int = 1000) -> Deal:
    return history_deal(
        owner,
        [("Prospecting", "2026-01-05"), ("Proposal and objections", "2026-01-15")],
        amount=amount,
        lead=LeadFactory(owner=owner, source=source),
        expected_close_on=dt.date(2026, 3, 10),
    )


@pytest.fixture
def learnable(rep):
    closed_history(rep)


def test_a_model_learned_from_a_learnable_history_predicts_held_out_deals(learnable, rep):
    outcome = forecast_model_train(ModelKind.DEAL)
    model = outcome.model
    assert model is not None, outcome.reason
    assert (model.n_train, model.n_positive) == (80, 40)
    tested = model.metrics["backtest"]
    # Deals: the older 60 and the newest 20; each predicted in the two stages it went through.
    assert (tested["n_train"], tested["n_test"], tested["rows_test"]) == (60, 20, 40)
    assert model.metrics["rows"] == 160
    assert tested["model"]["auc"] > 0.7
    # Won and lost deals went through the same stages: stage probabilities cannot rank them.
    assert tested["baseline"]["auc"] == 0.5
    assert tested["model"]["brier"] < tested["baseline"]["brier"]
    assert sum(row["n"] for row in tested["calibration"]) == 40

    referral = open_deal_from(rep, Source.REFERRAL)
    cold = open_deal_from(rep, Source.COLD_CALL)
    predictions = deal_predictions(Deal.objects.filter(pk__in=[referral.pk, cold.pk]))
    assert predictions[referral.pk].probability > 0.6 > 0.4 > predictions[cold.pk].probability
    top = predictions[referral.pk].factors[0]
    assert str(top) == "Source: referral (+)"
    assert str(predictions[cold.pk].factors[0]) == "Source: cold_call (-)"


def test_the_forecast_adds_the_learned_amount_once_a_model_exists(learnable, rep, manager):
    open_deal_from(rep, Source.REFERRAL, amount=1000)
    open_deal_from(rep, Source.COLD_CALL, amount=1000)
    forecast_model_train(ModelKind.DEAL)
    report = report_run(report_get("forecast"), manager, {})
    (march,) = report.rows
    assert march["weighted_amount"] == {"EUR": "1300.00"}
    learned = float(march["learned_amount"]["EUR"])
    assert 800 < learned < 1200
    assert report.summary["model_trained_at"] is not None
    api = ApiClient(manager).get("/analytics/forecast").json()
    assert api["rows"][0]["learned_amount"] == march["learned_amount"]


def test_below_the_minimum_it_says_so_and_keeps_stage_probabilities(rep, manager):
    closed_history(rep, count=MIN_CLOSED - 1)
    outcome = forecast_model_train(ModelKind.DEAL)
    assert outcome.model is None
    assert f"a model needs at least {MIN_CLOSED}" in outcome.reason
    assert not TrainedModel.objects.exists()
    deal = open_deal_from(rep, Source.REFERRAL)
    assert deal_predictions(Deal.objects.filter(pk=deal.pk)) == {}
    report = report_run(report_get("forecast"), manager, {})
    assert report.rows[0]["learned_amount"] is None
    assert report.rows[0]["weighted_amount"] == {"EUR": "650.00"}
    assert any(f"{MIN_CLOSED - 1} closed so far" in note for note in report.notes)
    assert any("Stage probabilities are used instead" in note for note in report.notes)
    panel = client_for(rep).get(f"/analytics/forecast/deals/{deal.pk}/").content.decode()
    assert "Win probability" in panel and "Stage probabilities are used instead" in panel


def test_one_outcome_only_is_not_enough_to_learn(rep):
    for i in range(MIN_CLOSED + 5):
        history_deal(
            rep,
            [("Prospecting", "2025-03-01"), ("Won", (START + dt.timedelta(days=i)).isoformat())],
            outcome=Outcome.WON,
        )
    assert forecast_model_train(ModelKind.DEAL).model is None


def test_the_deal_page_shows_the_learned_probability_and_its_top_factors(learnable, rep):
    forecast_model_train(ModelKind.DEAL)
    deal = open_deal_from(rep, Source.REFERRAL)
    page = client_for(rep).get(deal.get_absolute_url())
    assert page.status_code == 200
    # The page draws a placeholder that loads the panel (a link without JavaScript).
    assert f"/analytics/forecast/deals/{deal.pk}/" in page.content.decode()
    panel = client_for(rep).get(f"/analytics/forecast/deals/{deal.pk}/")
    text = panel.content.decode()
    assert "Win probability" in text and "Source: referral (+)" in text
    assert "Learned from 80 closed deals" in text


def test_only_those_who_may_see_the_deal_see_its_probability(learnable, rep, outsider):
    deal = open_deal_from(rep, Source.REFERRAL)
    assert client_for(outsider).get(f"/analytics/forecast/deals/{deal.pk}/").status_code == 404


def test_the_backtest_page_compares_the_model_with_stage_probabilities(learnable, manager, rep):
    forecast_model_train(ModelKind.DEAL)
    report = report_run(report_get("forecast-backtest"), manager, {"kind": "deal"})
    assert report.summary["auc"] > 0.7
    assert report.summary["baseline_auc"] == 0.5
    assert (report.summary["n_test"], report.summary["rows_test"]) == (20, 40)
    assert sum(row["n"] for row in report.rows) == 40
    assert sum(row["baseline_n"] for row in report.rows) == 40
    page = client_for(manager).get("/analytics/forecast-backtest/")
    assert page.status_code == 200 and "AUC (stage probability)" in page.content.decode()
    assert client_for(rep).get("/analytics/forecast-backtest/").status_code == 403
    assert ApiClient(rep).get("/analytics/forecast-backtest").status_code == 403
    answer = ApiClient(manager).get("/analytics/forecast-backtest?kind=deal")
    assert answer.status_code == 200 and answer.json()["auc"] > 0.7


def test_the_command_trains_both_models_and_says_what_it_did(learnable):
    out = StringIO()
    call_command("train_forecast", stdout=out)
    text = out.getvalue()
    assert "Deal win probability: trained on 80 (40 positive)" in text
    assert "Lead conversion probability: not trained" in text
    assert TrainedModel.objects.filter(kind=ModelKind.DEAL).count() == 1


def test_the_task_trains_when_a_manager_asks_from_the_forecast_page(learnable, manager, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from django.test import Client

    client = Client()
    client.force_login(manager)
    # on_commit callbacks run in tests only when captured; the task itself runs immediately.
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/analytics/forecast/train/")
    assert response.status_code == 302
    model = TrainedModel.objects.get(kind=ModelKind.DEAL)
    assert model.trained_by == manager


def test_the_task_runs_alone_with_nobody_acting(learnable, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from salesflow.analytics.tasks import forecast_train_task

    result = forecast_train_task.enqueue()
    assert result.return_value["deal"]["model"] == TrainedModel.objects.get().pk
    assert "needs at least" in result.return_value["lead"]["reason"]


def test_a_stored_model_of_an_older_feature_version_is_not_used(learnable):
    model = forecast_model_train(ModelKind.DEAL).model
    model.metrics["features"]["version"] = 0
    model.save()
    state = model_state(ModelKind.DEAL)
    assert state.learned is None and "older version" in state.note


# -- leads ---------------------------------------------------------------------------------------


def finished_leads(owner, count: int = 60) -> None:
    """Leads from webinars convert four times in five, cold-called ones one time in five."""
    for i in range(count):
        webinar = i % 2 == 0
        converted = webinar != (i % 10 in (3, 8))
        moment = at((START + dt.timedelta(days=3 * i)).isoformat())
        fields = (
            {"status": LeadStatus.CONVERTED, "converted_at": moment}
            if converted
            else {"status": LeadStatus.DISQUALIFIED, "disqualified_at": moment}
        )
        LeadFactory(
            owner=owner,
            source=Source.WEBINAR if webinar else Source.COLD_CALL,
            channel="inbound" if webinar else "outbound",
            **fields,
        )


def test_the_lead_model_learns_conversion_and_the_lead_page_shows_it(rep):
    finished_leads(rep)
    model = forecast_model_train(ModelKind.LEAD).model
    assert model is not None
    assert model.metrics["backtest"]["model"]["auc"] > 0.7
    assert model.metrics["backtest"]["baseline"]["brier"] is None
    lead = LeadFactory(owner=rep, source=Source.WEBINAR)
    prediction = lead_predictions(Lead.objects.filter(pk=lead.pk))[lead.pk]
    assert prediction.probability > 0.6
    assert any(
        str(f).startswith(("Source: webinar", "Channel: inbound")) for f in prediction.factors
    )
    assert (
        f"/analytics/forecast/leads/{lead.pk}/"
        in client_for(rep).get(f"/leads/{lead.pk}/").content.decode()
    )
    panel = client_for(rep).get(f"/analytics/forecast/leads/{lead.pk}/").content.decode()
    assert "Conversion probability" in panel and "Rule score" in panel
    assert "Learned from 60 converted and disqualified leads" in panel


def test_metrics_are_those_of_sklearn():
    # Won at 0.9 and 0.2, lost at 0.8 and 0.1: three of the four won-lost pairs are ordered
    # right; squared errors 0.01, 0.64, 0.64, 0.01.
    assert scores([0.9, 0.8, 0.2, 0.1], [True, False, True, False]) == {"auc": 0.75, "brier": 0.325}
    table = calibration_table([0.05, 0.15, 0.12, 0.95], [False, True, False, True])
    assert [(row["range"], row["n"], row["actual"]) for row in table] == [
        ("0-10 %", 1, 0.0),
        ("10-20 %", 2, 0.5),
        ("90-100 %", 1, 1.0),
    ]


def test_the_deal_model_learns_from_deal_custom_fields_but_never_outcome_ones(rep, admin_user):
    """Issue 15 point 4: a team's own deal field drives wins; a field filled at the close is
    never offered."""
    from salesflow.analytics.forecast.features import deal_spec
    from salesflow.customfields.models import FieldType, RecordKind
    from salesflow.customfields.services import custom_field_create

    plan = custom_field_create(
        acting_user=admin_user, kind=RecordKind.DEAL, key="plan", label="Plan",
        type=FieldType.CHOICE, choices=["Enterprise", "Starter"],
    )  # fmt: skip
    custom_field_create(
        acting_user=admin_user, kind=RecordKind.DEAL, key="signed_value", label="Signed value",
        type=FieldType.NUMBER, is_outcome=True,
    )  # fmt: skip
    enterprise, starter = (choice["key"] for choice in plan.choices)
    for i in range(80):
        big = i % 2 == 0
        won = big != (i % 10 in (3, 8))
        history_deal(
            rep,
            [("Prospecting", day(4 * i)), ("Won" if won else "Lost", day(4 * i + 20))],
            outcome=Outcome.WON if won else Outcome.LOST,
            custom={"plan": enterprise if big else starter, "signed_value": 9 if won else 0},
        )
    assert "custom.plan" in deal_spec().keys and "custom.signed_value" not in deal_spec().keys

    model = forecast_model_train(ModelKind.DEAL).model
    assert model is not None and model.metrics["backtest"]["model"]["auc"] > 0.7
    deal = history_deal(rep, [("Prospecting", "2026-01-10")], custom={"plan": enterprise})
    (prediction,) = deal_predictions(Deal.objects.filter(pk=deal.pk)).values()
    assert str(prediction.factors[0]) == "Plan: Enterprise (+)"
