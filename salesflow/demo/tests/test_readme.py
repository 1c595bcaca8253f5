"""The README states how long the demo load takes once, so its figures cannot disagree."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"


def test_the_readme_gives_the_demo_load_time_in_one_place() -> None:
    text = README.read_text(encoding="utf-8")
    # "in about 7 seconds", "takes about ten seconds", "12 s elapsed": any duration in prose.
    durations = re.findall(
        r"\b(?:about|in|takes)\s+(?:\d+|one|two|three|five|seven|ten|twelve|twenty)\s+seconds\b",
        text,
        flags=re.IGNORECASE,
    )
    assert len(durations) == 1, durations
