"""The random values of the demo data: names, addresses, phones, amounts and deal timelines.

No database access here; `generator.py` decides which records get written with them.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

import phonenumbers
from django.utils import timezone

from salesflow.core.normalize import normalize_email, normalize_phone
from salesflow.customers.models import SizeBand
from salesflow.demo import words
from salesflow.pipeline.models import Outcome
from salesflow.users.models import Visibility

T = TypeVar("T")

HISTORY_DAYS = 540  # eighteen months


def ascii_slug(text: str, sep: str = "") -> str:
    """Letters and digits only, accents dropped: for email addresses and domains."""
    text = text.replace("ø", "o").replace("æ", "ae").replace("ß", "ss").replace("ł", "l")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    parts = ["".join(ch for ch in chunk if ch.isalnum()) for chunk in text.split()]
    return sep.join(p for p in parts if p)


class Dice:
    """One seeded random source and the shapes drawn from it, relative to `now`."""

    def __init__(self, *, rng: random.Random, now: dt.datetime) -> None:
        self.rng = rng
        self.now = now
        self.today = timezone.localdate(now)
        self.emails_taken: set[str] = set()
        self.slugs_taken: set[str] = set()

    def pick(self, weighted: dict[T, float] | Sequence[tuple[T, float]]) -> T:
        items = list(weighted.items()) if isinstance(weighted, dict) else list(weighted)
        return self.rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def days_ago(self, low: float, high: float) -> dt.datetime:
        return self.now - dt.timedelta(seconds=self.rng.uniform(low, high) * 86400)

    def at_work(self, moment: dt.datetime, *, not_after: dt.datetime | None = None) -> dt.datetime:
        """The same day at a working hour (weekends move to Friday), not later than `not_after`."""
        day = timezone.localtime(moment).date()
        if day.weekday() >= 5:
            day -= dt.timedelta(days=day.weekday() - 4)
        clock = dt.time(self.rng.randint(8, 17), self.rng.choice((0, 15, 30, 45)))
        result = timezone.make_aware(dt.datetime.combine(day, clock))
        limit = not_after or self.now
        return result if result <= limit else limit - dt.timedelta(minutes=self.rng.randint(1, 90))

    def visibility(self) -> str:
        return self.pick(
            {Visibility.TEAM: 0.8, Visibility.PRIVATE: 0.12, Visibility.EVERYONE: 0.08}
        )

    def person(self, language: str) -> tuple[str, str, str]:
        """First name, last name and language; one in eight people moved from elsewhere."""
        if self.chance(0.12):
            language = self.rng.choice(list(words.NAMES))
        firsts, lasts, _ = words.NAMES[language]
        return self.rng.choice(firsts), self.rng.choice(lasts), language

    def email(self, first: str, last: str, domain: str) -> str:
        local = f"{ascii_slug(first)}.{ascii_slug(last)}"
        address = f"{local}@{domain}"
        number = 2
        while address in self.emails_taken:
            address = f"{local}{number}@{domain}"
            number += 1
        self.emails_taken.add(address)
        return normalize_email(address)

    def phone(self, country: str) -> str:
        kind = phonenumbers.PhoneNumberType.MOBILE
        if self.chance(0.4):
            kind = phonenumbers.PhoneNumberType.FIXED_LINE
        example = phonenumbers.example_number_for_type(country, kind)
        prefix = f"+{example.country_code}{phonenumbers.national_significant_number(example)[:-5]}"
        for _ in range(10):
            candidate = prefix + "".join(str(self.rng.randrange(10)) for _ in range(5))
            if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
                return normalize_phone(candidate)
        return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)

    def company_name(self, industry: str, country: str, *, unique: bool) -> tuple[str, str]:
        """A company name and its web domain under the reserved `.example` TLD.

        Accounts get distinct names; leads may share one (two people of the same company).
        """
        _, nouns = words.INDUSTRIES[industry]
        legal_form = words.COUNTRIES[country][1]
        for attempt in range(30 if unique else 1):
            stem = self.rng.choice(words.COMPANY_STEMS)
            noun = self.rng.choice(nouns)
            slug = f"{ascii_slug(stem)}-{ascii_slug(noun)}"
            if attempt >= 10:
                slug += f"-{country.lower()}{attempt}"
            if slug not in self.slugs_taken:
                break
        if unique:
            self.slugs_taken.add(slug)
        return f"{stem} {noun} {legal_form}", f"{slug}.example"

    def place(self, region: str | None = None) -> tuple[str, str, str]:
        region = region or self.pick({name: w for name, (_, _, w) in words.REGIONS.items()})
        country = self.rng.choice(words.REGIONS[region][1])
        return region, country, self.rng.choice(words.COUNTRIES[country][3])

    def size_band(self) -> str:
        return self.pick(
            {
                SizeBand.MICRO: 15,
                SizeBand.SMALL: 30,
                SizeBand.MEDIUM: 30,
                SizeBand.LARGE: 17,
                SizeBand.ENTERPRISE: 8,
            }
        )

    def stage_path(self, depth: int, *, detour: bool = False) -> list[int]:
        """Open-stage indexes from the first to `depth`, sometimes with a backward detour."""
        path = list(range(depth + 1))
        if depth >= 2 and (detour or self.chance(0.15)):
            turn = self.rng.randint(2, depth)
            back = turn - self.rng.randint(1, min(2, turn))
            path = list(range(turn + 1)) + list(range(back, depth + 1))
        return path

    def timeline(
        self, steps: int, outcome: str, *, closed_after: dt.datetime | None = None
    ) -> tuple[list[dt.datetime], dt.datetime | None]:
        """When the deal entered each stage, counted back from its last move, and its close."""
        closed_at = None
        if outcome == Outcome.OPEN:
            idle = self.pick([((0, 30), 70), ((30, 90), 20), ((90, 200), 10)])
            last = self.days_ago(*idle)
        elif outcome == Outcome.SUSPENDED:
            closed_at = self.days_ago(1, HISTORY_DAYS - 60)
            last = closed_at - dt.timedelta(days=self.rng.uniform(3, 40))
        elif closed_after is not None:
            closed_at = last = closed_after + (self.now - closed_after) * self.rng.uniform(
                0.2, 0.95
            )
        else:
            closed_at = last = self.days_ago(0.5, HISTORY_DAYS - 10)
        moments = [last]
        for _ in range(steps - 1):
            moments.append(moments[-1] - dt.timedelta(days=self.rng.uniform(2, 24)))
        moments.reverse()
        earliest = self.now - dt.timedelta(days=HISTORY_DAYS)
        if moments[0] < earliest:  # squeeze a long history into the eighteen months
            span = last - moments[0]
            room = max(last - earliest, dt.timedelta(hours=steps))
            moments = [last - (last - m) * (room / span) for m in moments]
        return moments, closed_at

    def amount(self, size_band: str) -> Decimal:
        low, high = {
            "1-10": (2_000, 12_000),
            "11-50": (5_000, 30_000),
            "51-200": (12_000, 80_000),
            "201-1000": (30_000, 200_000),
            "1000+": (80_000, 450_000),
        }[size_band]
        value = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        step = 500 if value > 20_000 else 100
        return Decimal(round(value / step) * step)
