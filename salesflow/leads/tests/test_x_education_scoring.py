"""The X Education evaluation (bench/x_education_scoring.py) on hand-made data, never the real
file: its rank AUC, how it chooses rules and grades, and the points its set-up gives."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bench.x_education_scoring import (
    MAPPING,
    choice_rules,
    grade_table,
    grades_choose,
    number_rules,
    rank_auc,
    setup_install,
)
from salesflow.customfields.services import custom_field_create
from salesflow.leads.models import ScoringRule
from salesflow.leads.scoring import lead_rescore
from tests.factories import LeadFactory

# The rules the evaluation chose on its training half (docs/x-education-scoring.md), in part.
SET_UP = [
    {"condition": "custom_number_range", "custom_field": "total_visits", "threshold": 5,
     "threshold_max": None, "points": 1},
    {"condition": "custom_number_range", "custom_field": "time_on_website", "threshold": None,
     "threshold_max": 143, "points": -3},
    {"condition": "custom_number_range", "custom_field": "time_on_website", "threshold": 144,
     "threshold_max": 369, "points": -13},
    {"condition": "custom_number_range", "custom_field": "time_on_website", "threshold": 1086,
     "threshold_max": None, "points": 13},
    {"condition": "custom_number_range", "custom_field": "page_views_per_visit",
     "threshold": 2, "threshold_max": Decimal("2.49"), "points": -2},
    {"condition": "custom_choice_in", "custom_field": "lead_origin",
     "values": ["lead_add_form"], "points": 27},
    {"condition": "custom_choice_in", "custom_field": "lead_origin", "values": ["api"],
     "points": -3},
]  # fmt: skip


def test_the_auc_is_one_when_every_converted_lead_scores_higher():
    assert rank_auc([1, 2, 8, 9], [False, False, True, True]) == 1.0
    assert rank_auc([9, 8, 2, 1], [False, False, True, True]) == 0.0


def test_the_auc_counts_ties_as_half():
    assert rank_auc([0, 0, 0, 0], [True, False, True, False]) == 0.5
    # Converted 2 and 3 against 1 and 2: 1 + 0.5 + 1 + 1 of the 4 pairs.
    assert rank_auc([1, 2, 2, 3], [False, True, False, True]) == 0.875


def test_the_auc_needs_both_outcomes():
    with pytest.raises(ValueError, match="Both outcomes"):
        rank_auc([1, 2], [True, True])


def test_the_grade_table_counts_leads_and_their_conversion_per_grade():
    table = grade_table(["hot", "hot", "cold", "cold"], [True, False, False, False])

    assert table == [("hot", 2, 0.5), ("warm", 0, None), ("cold", 2, 0.0)]


def test_a_choice_earns_its_log_odds_against_the_average():
    rows = [("lead_add_form", n < 36) for n in range(40)] + [("api", n < 18) for n in range(60)]
    rows += [("lead_import", True)] * 5  # too few leads to earn points

    rules = choice_rules("lead_origin", rows, base_rate=0.54)

    # Lead add form: (36 + 0.54) / 41 converted, API (18 + 0.54) / 61, against 0.54:
    # 10 * (logit(0.891) - logit(0.54)) = 19, and 10 * (logit(0.304) - logit(0.54)) = -10.
    assert [(rule["values"], rule["points"]) for rule in rules] == [
        (["lead_add_form"], 19),
        (["api"], -10),
    ]


def test_number_ranges_are_cut_at_quantiles_and_do_not_overlap():
    rows = [(visits, visits >= 10) for visits in range(20) for _ in range(10)]

    rules = number_rules("total_visits", rows, step=Decimal(1), base_rate=0.5)

    ranges = [(rule["threshold"], rule["threshold_max"], rule["points"]) for rule in rules]
    # Five ranges from 0, 4, 8, 12 and 16; 8 to 11 is half converted: no points, no rule.
    assert ranges == [(None, 3, -30), (4, 7, -30), (12, 15, 30), (16, None, 30)]


def test_the_grades_make_the_top_quarter_hot_and_the_next_35_percent_warm():
    assert grades_choose(list(range(100))) == (74, 39)
    assert grades_choose([0] * 100) == (0, -1)  # one score only: hot above warm all the same


@pytest.mark.django_db
def test_the_set_up_gives_hand_made_leads_the_expected_points(admin_user, rep):
    definitions = json.loads(MAPPING.read_text(encoding="utf-8"))["custom_fields"]
    for definition in definitions:
        if definition["key"] in {"total_visits", "time_on_website", "page_views_per_visit",
                                 "lead_origin"}:  # fmt: skip
            custom_field_create(
                acting_user=admin_user, kind="lead", key=definition["key"],
                label=definition["label"], type=definition["type"],
                choices=definition.get("choices", []),
            )  # fmt: skip
    ScoringRule.objects.all().delete()  # the defaults give these leads nothing anyway
    setup_install(SET_UP, acting_user=admin_user)
    form_lead = LeadFactory(
        owner=rep, custom={"lead_origin": "lead_add_form", "time_on_website": 0}
    )
    reader = LeadFactory(
        owner=rep,
        custom={"lead_origin": "landing_page_submission", "total_visits": 7,
                "time_on_website": 1500, "page_views_per_visit": 2.5},
    )  # fmt: skip
    bouncer = LeadFactory(
        owner=rep,
        custom={"lead_origin": "api", "total_visits": 2, "time_on_website": 200,
                "page_views_per_visit": 2.0},
    )  # fmt: skip

    scores = {
        name: [item["label"] for item in lead_rescore(lead).score_breakdown]
        for name, lead in (("form", form_lead), ("reader", reader), ("bouncer", bouncer))
    }

    assert scores == {
        "form": ["-3 Time on website (seconds) of at most 143", "+27 Lead origin is Lead Add Form"],
        "reader": [
            "+1 Total visits of at least 5",
            "+13 Time on website (seconds) of at least 1,086",
        ],
        "bouncer": [
            "-13 Time on website (seconds) between 144 and 369",
            "-2 Page views per visit between 2 and 2.49",
            "-3 Lead origin is API",
        ],
    }
    assert (form_lead.score, reader.score, bouncer.score) == (24, 14, -18)
