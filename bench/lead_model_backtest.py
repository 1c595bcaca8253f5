"""How well the learned lead conversion probability predicts the X Education leads.

Run by hand from the project directory:

    .venv/bin/python bench/lead_model_backtest.py [--seed 15] [--more-seeds 4] [--csv PATH]

Evaluation only: the data set (../shared/datasets/x_education_leads/Leads.csv, 9,240 leads, no
license stated) is read from where it is kept and never shipped. In a fresh temporary SQLite
database the script

1. imports the file through the real import path with the shipped mapping
   docs/mappings/x_education_leads.json (as bench/x_education_scoring.py does);
2. builds the lead feature table with the product's own code
   (`salesflow.analytics.forecast.features.lead_features`): the lead's fields and its custom
   fields not marked as outcomes, leaving out `last_activity` too (the last activity as of the
   export: see docs/x-education-scoring.md);
3. splits the leads into two halves at random (seeded; the file has no dates, so no time split
   is possible), fits the product's calibrated model (`learning.model_fit`) on the training half
   and reports on the held-out half: AUC, Brier score and the calibration table; then the same
   for further seeds, and, as a variant not kept, with `last_activity` as a feature.

The outcome is the file's `Converted` column (matched by Prospect ID), as in the scoring bench.
See docs/forecast.md for the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT.parent / "shared" / "datasets" / "x_education_leads" / "Leads.csv"
MAPPING = ROOT / "docs" / "mappings" / "x_education_leads.json"
# Not marked as an outcome in the mapping, but the last activity as of the export: for a lead
# that converted it may be what happened after or because of it (docs/x-education-scoring.md).
LEAKY = ("last_activity",)


def halves(keys: Sequence[str], seed: int) -> tuple[set[str], set[str]]:
    """A seeded random split into a training half and a held-out half (the scoring bench's)."""
    shuffled = sorted(keys)
    random.Random(seed).shuffle(shuffled)
    middle = len(shuffled) // 2
    return set(shuffled[:middle]), set(shuffled[middle:])


def _outcomes(path: Path) -> dict[str, bool]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["Prospect ID"]: row["Converted"] == "1" for row in csv.DictReader(handle)}


def evaluate(
    table: Any, external: dict[int, str], outcomes: dict[str, bool], seed: int
) -> dict[str, Any]:
    """Fit on one half, measure on the other; the figures and the fitted model."""
    from salesflow.analytics.forecast.learning import calibration_table, model_fit, scores

    keyed = [
        (external[pk], row) for pk, row in zip(table.ids, table.rows, strict=True) if pk in external
    ]
    keyed = [(key, row) for key, row in keyed if key in outcomes]
    training, held_out = halves([key for key, _ in keyed], seed)
    train = [
        (row, outcomes[key]) for key, row in sorted(keyed, key=lambda kr: kr[0]) if key in training
    ]
    test = [
        (row, outcomes[key]) for key, row in sorted(keyed, key=lambda kr: kr[0]) if key in held_out
    ]
    model = model_fit(table.spec, [r for r, _ in train], [o for _, o in train])
    predicted = model.probabilities([r for r, _ in test])
    test_outcomes = [o for _, o in test]
    train_predicted = model.probabilities([r for r, _ in train])
    return {
        "model": model,
        "n_train": len(train),
        "n_test": len(test),
        "converted_test": sum(test_outcomes),
        "held_out": scores(predicted, test_outcomes),
        "training": scores(train_predicted, [o for _, o in train]),
        "calibration": calibration_table(predicted, test_outcomes),
        "test_rows": [r for r, _ in test],
    }


def _print(title: str, result: dict[str, Any]) -> None:
    held, train = result["held_out"], result["training"]
    print(
        f"  {title}: trained on {result['n_train']:,}, held out {result['n_test']:,} "
        f"({result['converted_test']:,} converted)\n"
        f"    held-out AUC {held['auc']:.3f}, Brier {held['brier']:.3f}; "
        f"training AUC {train['auc']:.3f}, Brier {train['brier']:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=15, help="Of the training/held-out split.")
    parser.add_argument("--more-seeds", type=int, default=4, help="Further splits to report.")
    parser.add_argument("--csv", type=Path, default=DATASET)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="salesflow-leadmodel-") as tmp:
        # Settings read the environment once, at setup: point them at the temporary files first.
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesflow.settings")
        sys.path.insert(0, str(ROOT))
        import django
        from django.core.management import call_command

        django.setup()
        from django.utils import timezone

        from salesflow.analytics.forecast.features import lead_features, lead_spec
        from salesflow.imports.runner import import_run
        from salesflow.imports.services import import_job_create
        from salesflow.leads.models import Lead
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
        external = dict(Lead.objects.values_list("pk", "external_id"))
        now = timezone.now()

        spec = lead_spec(exclude=LEAKY)
        print("features:", ", ".join(label for _, label in [*spec.numeric, *spec.categorical]))
        table = lead_features(Lead.objects.all(), now=now, spec=spec)
        result = evaluate(table, external, outcomes, args.seed)
        print(f"\nThe lead model, split seed {args.seed}")
        _print("without last activity (kept)", result)
        print("    calibration on the held-out half (predicted -> actual):")
        for row in result["calibration"]:
            print(
                f"      {row['range']:>9}  {row['n']:>5,} leads  predicted {row['predicted']:.1%}"
                f"  actual {row['actual']:.1%}"
            )
        model = result["model"]
        coefficients = sorted(
            zip(
                model.fitted[:-1].get_feature_names_out(),
                model.fitted[-1].coef_[0],
                strict=True,
            ),
            key=lambda pair: -abs(pair[1]),
        )
        print("    largest coefficients (standardised):")
        keys = table.spec.keys
        for name, value in coefficients[:8]:
            readable = re.sub(r"x(\d+)", lambda m: keys[int(m.group(1))], str(name))
            print(f"      {value:+.2f}  {readable}")
        print("    top factors of three held-out leads:")
        for factors in model.factors(result["test_rows"][:3]):
            print("      " + "; ".join(str(factor) for factor in factors))

        print("\nOther splits (held-out AUC, Brier):")
        for seed in range(args.seed + 1, args.seed + 1 + args.more_seeds):
            other = evaluate(table, external, outcomes, seed)
            held = other["held_out"]
            print(f"  seed {seed}: AUC {held['auc']:.3f}, Brier {held['brier']:.3f}")

        variant = lead_features(Lead.objects.all(), now=now, spec=lead_spec())
        print("\nVariant, not kept: last activity as a feature too")
        _print(f"seed {args.seed}", evaluate(variant, external, outcomes, args.seed))

        # Country and Specialization are often blank ("Select"); the data dictionary does not
        # say whether the team filled them while following leads up. How much do they carry?
        blanked = lead_features(Lead.objects.all(), now=now, spec=spec)
        for row in blanked.rows:
            row["region"] = row["industry"] = "(none)"
        print("\nVariant: without Country (region) and Specialization (industry)")
        _print(f"seed {args.seed}", evaluate(blanked, external, outcomes, args.seed))


if __name__ == "__main__":
    main()
