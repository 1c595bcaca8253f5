"""Print the result table of `make mutation` (docs/testing.md): per mutated module, how many
mutants mutmut made and what became of them, from the mutants/<path>.meta files it writes.

"equivalent" counts the survivors docs/testing.md lists as equivalent or not worth killing
(mutant names in backticks under "Surviving mutants", before "Left"); the other survivors are
still to be killed or explained.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# mutmut's exit codes (mutmut.stats.status_by_exit_code); anything else is "suspicious".
KILLED = {1, 3}
SURVIVED = {0}
TIMEOUT = {36, -24, 24, 152, 255}
NO_TESTS = {5, 33}


def documented_equivalent() -> set[str]:
    doc = ROOT / "docs" / "testing.md"
    if not doc.exists():
        return set()
    text = doc.read_text(encoding="utf-8")
    section = text.split("## Surviving mutants", 1)[-1] if "## Surviving mutants" in text else ""
    section = section.split("\nLeft (", 1)[0]  # those still lack a test
    return set(re.findall(r"`(salesflow\.[\w.]+__mutmut_\d+)`", section))


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    equivalent = documented_equivalent()
    rows = []
    for path in config["only_mutate"]:
        meta = ROOT / "mutants" / f"{path}.meta"
        if not meta.exists():
            rows.append((path, "not run", "", "", "", "", "", ""))
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        count: Counter[str] = Counter()
        survivors = []
        for name, code in codes.items():
            if code is None:
                count["not checked"] += 1
            elif code in KILLED:
                count["killed"] += 1
            elif code in SURVIVED:
                survivors.append(name)
            elif code in TIMEOUT:
                count["timeout"] += 1  # the tests hung or ran out of time: caught, shown apart
            elif code in NO_TESTS:
                count["no tests"] += 1
            else:
                count["other"] += 1
        known = sum(1 for name in survivors if name in equivalent)
        rows.append(
            (path, str(len(codes)), str(count["killed"]), str(count["timeout"]),
             str(len(survivors)), str(known), str(count["no tests"]),
             str(count["not checked"] + count["other"]))
        )  # fmt: skip
    header = (
        "module", "mutants", "killed", "timeout", "survived", "equivalent", "no tests", "not run"
    )  # fmt: skip
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
