"""How well lead scores rank the X Education leads by whether they converted (rank AUC).

Run by hand from the project directory:

    .venv/bin/python bench/x_education_scoring.py [--seed 15] [--csv PATH]

Evaluation only: the data set (../shared/datasets/x_education_leads/Leads.csv, 9,240 leads, no
license stated) is read from where it is kept and never shipped. In a fresh temporary SQLite
database the script

1. imports the file through the real import path (job, parsing, the shipped mapping
   docs/mappings/x_education_leads.json, whose `custom_fields` section creates the lead custom
   fields), as an admin;
2. rescores every lead with the default scoring set-up and measures the rank AUC of the score
   against the file's `Converted` column (Mann-Whitney: the chance that a converted lead scores
   above one that did not, ties counting half);
3. splits the leads in two halves at random (seeded), chooses scoring rules on the engagement
   custom fields and grade thresholds from the training half only, installs them through the
   same service as the settings page, rescores, and reports the AUC, the leads per grade and
   the conversion rate per grade on the other half (the held-out half), and on the training
   half for comparison;
4. reports, as a variant it does not keep, the AUC with rules on `last_activity` too.

Fields marked as outcomes in the mapping (Tags, Lead Quality, Lead Profile, Last Notable
Activity: filled by the sales team while following a lead up) are never read. See
docs/x-education-scoring.md for the figures and what they mean.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import sys
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT.parent / "shared" / "datasets" / "x_education_leads" / "Leads.csv"
MAPPING = ROOT / "docs" / "mappings" / "x_education_leads.json"

# The engagement fields the set-up scores: how the person used the website, and how they
# became a lead. `last_activity` is only tried as a variant (see the module docstring).
NUMBER_FIELDS = {"total_visits": Decimal(1), "time_on_website": Decimal(1)}
DECIMAL_FIELDS = {"page_views_per_visit": Decimal("0.01")}
CHOICE_FIELDS = ("lead_origin",)
BINS = 5  # value ranges per number field, cut at the training half's quantiles
MIN_ROWS = 30  # a range or choice needs this many training leads to earn points
POINTS_PER_NAT = 10  # points per unit of log-odds; a choice twice as likely to convert: +7
MAX_POINTS = 30
HOT_SHARE, WARM_SHARE = 0.25, 0.35  # of the training half: the top quarter hot, the next warm


# -- measuring ------------------------------------------------------------------------------


def rank_auc(scores: Sequence[float], outcomes: Sequence[bool]) -> float:
    """The rank AUC (Mann-Whitney U over the pairs): the chance that a lead with the outcome
    scores above one without it, a tie counting half. 0.5 is no better than chance."""
    if len(scores) != len(outcomes):
        raise ValueError("One outcome per score.")
    positives = sum(1 for outcome in outcomes if outcome)
    negatives = len(outcomes) - positives
    if not positives or not negatives:
        raise ValueError("Both outcomes must occur.")
    order = sorted(range(len(scores)), key=lambda index: scores[index])
    rank_sum = 0.0
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[start]]:
            end += 1
        average_rank = (start + end) / 2 + 1  # ranks from 1; ties share their mean rank
        rank_sum += average_rank * sum(1 for i in order[start : end + 1] if outcomes[i])
        start = end + 1
    u = rank_sum - positives * (positives + 1) / 2
    return u / (positives * negatives)


def grade_table(
    grades: Sequence[str], outcomes: Sequence[bool]
) -> list[tuple[str, int, float | None]]:
    """Per grade (hot, warm, cold): how many leads, and the share of them that converted."""
    table = []
    for grade in ("hot", "warm", "cold"):
        picked = [outcome for g, outcome in zip(grades, outcomes, strict=True) if g == grade]
        table.append((grade, len(picked), sum(picked) / len(picked) if picked else None))
    return table


# -- choosing the set-up from the training half ------------------------------------------------


def _log_odds_points(converted: int, rows: int, base_rate: float) -> int:
    """Points for a group of leads: how much likelier to convert than the average, in log-odds
    (smoothed by one extra lead converting at the average rate), scaled and capped."""
    rate = (converted + base_rate) / (rows + 1)
    rate = min(max(rate, 1e-6), 1 - 1e-6)
    log_odds = math.log(rate / (1 - rate)) - math.log(base_rate / (1 - base_rate))
    return max(-MAX_POINTS, min(MAX_POINTS, round(POINTS_PER_NAT * log_odds)))


def _cut_points(values: list[Decimal], bins: int) -> list[Decimal]:
    """The lowest value of each range: the minimum, then the training half's quantiles."""
    ordered = sorted(values)
    cuts = [ordered[0]]
    for share in range(1, bins):
        cut = ordered[len(ordered) * share // bins]
        if cut > cuts[-1]:
            cuts.append(cut)
    return cuts


def number_rules(
    key: str, rows: Iterable[tuple[Any, bool]], *, step: Decimal, base_rate: float
) -> list[dict[str, Any]]:
    """Range rules for one number field: consecutive ranges that do not overlap (each ends one
    `step` below the next one's start), the last open above; each with its log-odds points."""
    known = [(Decimal(str(value)), outcome) for value, outcome in rows if value is not None]
    if not known:
        return []
    cuts = _cut_points([value for value, _ in known], BINS)
    if len(cuts) < 2:  # one value only: nothing to tell leads apart by
        return []
    rules = []
    for index, low in enumerate(cuts):
        high = cuts[index + 1] - step if index + 1 < len(cuts) else None
        inside = [o for v, o in known if v >= low and (high is None or v <= high)]
        if len(inside) < MIN_ROWS:
            continue
        points = _log_odds_points(sum(inside), len(inside), base_rate)
        if points:
            rules.append(
                {
                    "condition": "custom_number_range",
                    "custom_field": key,
                    # The first range is "at most": it also holds values below the lowest seen.
                    "threshold": low if index else None,
                    "threshold_max": high,
                    "points": points,
                }
            )
    return rules


def choice_rules(
    key: str, rows: Iterable[tuple[Any, bool]], *, base_rate: float
) -> list[dict[str, Any]]:
    """Choice rules for one field: the choices with the same points share one rule."""
    counts: dict[str, list[int]] = {}
    for value, outcome in rows:
        if value is None:
            continue
        seen = counts.setdefault(value, [0, 0])
        seen[0] += 1
        seen[1] += int(outcome)
    by_points: dict[int, list[str]] = {}
    for choice, (total, converted) in sorted(counts.items()):
        if total >= MIN_ROWS:
            points = _log_odds_points(converted, total, base_rate)
            if points:
                by_points.setdefault(points, []).append(choice)
    return [
        {"condition": "custom_choice_in", "custom_field": key, "values": choices, "points": points}
        for points, choices in sorted(by_points.items(), reverse=True)
    ]


def setup_choose(
    training: Sequence[tuple[dict[str, Any], bool]], *, choice_fields: Sequence[str] = CHOICE_FIELDS
) -> list[dict[str, Any]]:
    """The scoring rules, chosen from training leads given as (custom values, converted)."""
    base_rate = sum(outcome for _, outcome in training) / len(training)
    rules: list[dict[str, Any]] = []
    steps = {**NUMBER_FIELDS, **DECIMAL_FIELDS}
    for key, step in steps.items():
        column = [(custom.get(key), outcome) for custom, outcome in training]
        rules += number_rules(key, column, step=step, base_rate=base_rate)
    for key in choice_fields:
        column = [(custom.get(key), outcome) for custom, outcome in training]
        rules += choice_rules(key, column, base_rate=base_rate)
    return rules


def grades_choose(training_scores: Sequence[int]) -> tuple[int, int]:
    """Hot and warm thresholds: the top `HOT_SHARE` of the training half's scores are hot, the
    next `WARM_SHARE` warm (ties at a threshold go up with it)."""
    ordered = sorted(training_scores, reverse=True)
    hot_min = ordered[int(len(ordered) * HOT_SHARE)]
    warm_min = ordered[int(len(ordered) * (HOT_SHARE + WARM_SHARE))]
    if warm_min >= hot_min:
        warm_min = hot_min - 1
    return hot_min, warm_min


def setup_install(rules: Iterable[dict[str, Any]], *, acting_user: Any) -> list[Any]:
    """Save the rules as an admin would, through the settings' service (unnamed: each is named
    by what it tests); return them."""
    from salesflow.leads.models import ScoringRule
    from salesflow.leads.scoring_rules import scoring_custom_field_get, scoring_rule_save

    saved = []
    for position, spec in enumerate(rules, start=100):
        data = {**spec, "custom_field": scoring_custom_field_get(spec["custom_field"])}
        saved.append(
            scoring_rule_save(ScoringRule(), acting_user=acting_user, position=position, **data)
        )
    return saved


def halves(keys: Sequence[str], seed: int) -> tuple[set[str], set[str]]:
    """A seeded random split into a training half and a held-out half."""
    shuffled = sorted(keys)
    random.Random(seed).shuffle(shuffled)
    middle = len(shuffled) // 2
    return set(shuffled[:middle]), set(shuffled[middle:])


# -- the run -------------------------------------------------------------------------------


def _outcomes(path: Path) -> dict[str, bool]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["Prospect ID"]: row["Converted"] == "1" for row in csv.DictReader(handle)}


def _scored() -> dict[str, tuple[int, str, dict[str, Any]]]:
    """Per lead (by the file's Prospect ID): its stored score, grade and custom values."""
    from salesflow.leads.models import Lead

    rows = Lead.objects.values_list("external_id", "score", "grade", "custom")
    return {external_id: (score, grade, custom or {}) for external_id, score, grade, custom in rows}


def _report(title: str, scored: dict, outcomes: dict[str, bool], keys: set[str]) -> float:
    ids = sorted(keys)
    scores = [scored[key][0] for key in ids]
    grades = [scored[key][1] for key in ids]
    wanted = [outcomes[key] for key in ids]
    auc = rank_auc(scores, wanted)
    print(f"  {title}: {len(ids):,} leads, {sum(wanted):,} converted, AUC {auc:.3f}")
    for grade, count, rate in grade_table(grades, wanted):
        shown = "-" if rate is None else f"{rate:.1%}"
        print(f"    {grade:<5} {count:>5,} leads, {shown:>6} converted")
    return auc


def _auc_with(rules: list[Any], scored: dict, outcomes: dict[str, bool], keys: set[str]) -> float:
    """The AUC on `keys` of a score from `rules` alone, computed by the scoring code itself
    (`score_compute`) on each lead's custom values."""
    from django.utils import timezone

    from salesflow.leads.scoring import LeadFacts, ScoringContext, score_compute

    now = timezone.now()
    ctx = ScoringContext(rules=rules, criteria=[], hot_min=1, warm_min=0, now=now)
    ids = sorted(keys)
    scores = [score_compute(LeadFacts(created_at=now, custom=scored[k][2]), ctx).score for k in ids]
    return rank_auc(scores, [outcomes[key] for key in ids])


def _set_up(admin: Any, scored: dict, outcomes: dict[str, bool], training: set[str]) -> list[Any]:
    """Replace the rules on custom fields by ones chosen on `training`, set the grades from the
    training half's scores, and rescore; return the rules."""
    from salesflow.leads.models import ScoringRule
    from salesflow.leads.scoring import leads_rescore_all
    from salesflow.leads.selectors import scoring_settings
    from salesflow.leads.services import lead_setting_save

    ScoringRule.objects.filter(custom_field__isnull=False).delete()
    train_rows = [(scored[key][2], outcomes[key]) for key in sorted(training)]
    rules = setup_install(setup_choose(train_rows), acting_user=admin)
    leads_rescore_all()
    hot_min, warm_min = grades_choose(
        [score for key, (score, *_) in _scored().items() if key in training]
    )
    lead_setting_save(scoring_settings(), acting_user=admin, hot_min=hot_min, warm_min=warm_min)
    leads_rescore_all()
    return rules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=15, help="Of the training/held-out split.")
    parser.add_argument(
        "--more-seeds", type=int, default=4, help="Further splits to report the AUC of."
    )
    parser.add_argument("--csv", type=Path, default=DATASET)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="salesflow-xedu-") as tmp:
        # Settings read the environment once, at setup: point them at the temporary files first.
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesflow.settings")
        sys.path.insert(0, str(ROOT))
        import django
        from django.core.management import call_command

        django.setup()
        from salesflow.imports.runner import import_run
        from salesflow.imports.services import import_job_create
        from salesflow.leads.models import ScoringRule
        from salesflow.leads.scoring import leads_rescore_all
        from salesflow.leads.selectors import scoring_settings
        from salesflow.users.services import user_create

        call_command("migrate", verbosity=0, interactive=False)
        admin = user_create(username="bench-admin", role="admin")
        mapping = json.loads(MAPPING.read_text(encoding="utf-8"))
        job = import_job_create(
            user=admin, file=args.csv, filename=args.csv.name, kind="leads", mapping=mapping
        )
        job = import_run(job)
        print(f"import: {job.message}")

        outcomes = _outcomes(args.csv)
        leads_rescore_all()
        scored = _scored()
        keys = set(scored) & set(outcomes)
        training, held_out = halves(sorted(keys), args.seed)
        print(f"{len(keys):,} leads imported and matched to the file; split seed {args.seed}")

        print("\nBefore: the default scoring set-up")
        row = scoring_settings()
        print(f"  grades: hot from {row.hot_min}, warm from {row.warm_min}")
        _report("all leads", scored, outcomes, keys)
        _report("held-out half", scored, outcomes, held_out)

        rules = _set_up(admin, scored, outcomes, training)
        after = _scored()
        row = scoring_settings()
        print("\nAfter: rules on the engagement custom fields, chosen on the training half")
        for rule in rules:
            print(f"  {rule.points:+3d}  {rule.title}")
        print(f"  grades: hot from {row.hot_min}, warm from {row.warm_min} (training quantiles)")
        _report("held-out half", after, outcomes, held_out)
        _report("training half (where the rules were chosen)", after, outcomes, training)

        print("\n  Held-out AUC of each field's rules alone, and of all rules but that field's:")
        for key in [*NUMBER_FIELDS, *DECIMAL_FIELDS, *CHOICE_FIELDS]:
            alone = [rule for rule in rules if rule.custom_field.key == key]
            others = [rule for rule in rules if rule.custom_field.key != key]
            print(
                f"    {key:<22} alone {_auc_with(alone, after, outcomes, held_out):.3f}, "
                f"without it {_auc_with(others, after, outcomes, held_out):.3f}"
            )

        train_rows = [(scored[key][2], outcomes[key]) for key in sorted(training)]
        base_rate = sum(outcome for _, outcome in train_rows) / len(train_rows)
        column = [(custom.get("last_activity"), outcome) for custom, outcome in train_rows]
        variant = choice_rules("last_activity", column, base_rate=base_rate)
        extra = setup_install(variant, acting_user=admin)
        print("\nVariant, not kept: rules on last_activity as well (same grades)")
        for rule in extra:
            print(f"  {rule.points:+3d}  {rule.title}")
        leads_rescore_all()
        _report("held-out half", _scored(), outcomes, held_out)
        ScoringRule.objects.filter(pk__in=[rule.pk for rule in extra]).delete()

        print("\nOther splits (held-out AUC; each chooses its own rules and grades):")
        for seed in range(args.seed + 1, args.seed + 1 + args.more_seeds):
            other_training, other_held_out = halves(sorted(keys), seed)
            _set_up(admin, scored, outcomes, other_training)
            auc = rank_auc(
                [score for key, (score, *_) in sorted(_scored().items()) if key in other_held_out],
                [outcomes[key] for key in sorted(other_held_out)],
            )
            print(f"  seed {seed}: AUC {auc:.3f}")


if __name__ == "__main__":
    main()
