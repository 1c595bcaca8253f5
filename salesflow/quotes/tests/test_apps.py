from __future__ import annotations

import sys
import types

import pytest

from salesflow.quotes.apps import QuotesConfig
from salesflow.quotes.services import quote_send
from salesflow.quotes.tests.factories import quote_with_lines
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db

CRITERIA = "salesflow.pipeline.criteria"


def test_the_quote_sent_exit_criterion_is_registered_with_the_pipeline(rep, monkeypatch):
    """Against a stand-in registry with the pipeline's interface, so the test does not depend on
    the pipeline's own registrations; the real module is used when it is installed."""
    registered = {}

    class Missing:
        def __init__(self, *, code: str, message: str) -> None:
            self.code, self.message = code, message

    fake = types.ModuleType(CRITERIA)
    fake.Missing = Missing
    fake.criterion_register = lambda kind, label, checker: registered.update(
        {kind: (label, checker)}
    )
    monkeypatch.setitem(sys.modules, CRITERIA, fake)
    monkeypatch.delitem(sys.modules, "salesflow.quotes.criteria", raising=False)

    QuotesConfig.exit_criterion_register()

    label, checker = registered["quote_sent"]
    assert label == "A quote has been sent"
    deal = DealFactory(owner=rep)
    missing = checker(deal, None)
    assert [(m.code, m.message) for m in missing] == [
        ("quote_sent", "Send a quote to the customer.")
    ]
    quote_send(quote_with_lines(deal, acting_user=rep, lines=[{"unit_price": 1}]), acting_user=rep)
    assert checker(deal, None) == []


def test_registration_waits_while_the_pipeline_has_no_criteria_module(monkeypatch):
    monkeypatch.setitem(sys.modules, CRITERIA, None)  # import fails as if the file were absent
    QuotesConfig.exit_criterion_register()  # no error


def test_the_pipeline_registry_knows_the_quote_sent_criterion():
    criteria = pytest.importorskip(CRITERIA)
    from salesflow.quotes.criteria import quote_sent

    criterion = criteria.criterion_get("quote_sent")
    assert criterion.label == "A quote has been sent" and criterion.checker is quote_sent
