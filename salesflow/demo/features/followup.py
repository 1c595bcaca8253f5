"""Demo data of follow-up (see salesflow/demo/features/__init__.py): every account's last
contact and next contact due from the demo's activities, a few birthdays in the coming week
(so the digest and the reminders have them), and example tier rules, switched off so the
demo's tiers stay as generated."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesflow.customers.models import Contact, TierLevel
from salesflow.followup.models import RuleMetric, TierRule
from salesflow.followup.services import accounts_last_contact_refresh_all

BIRTHDAYS_PER_OWNER = 2
EXAMPLE_RULES = [
    ("A", RuleMetric.WON_REVENUE, 100_000, 12),
    ("A", RuleMetric.ANNUAL_REVENUE, 50_000_000, 12),
    ("B", RuleMetric.OPEN_PIPELINE, 25_000, 12),
]


def populate(builder: Any) -> dict[str, int]:
    # The demo bulk-creates its activities: compute each account's contact dates once.
    accounts = accounts_last_contact_refresh_all()
    today = builder.now.date()
    birthdays = _birthdays_soon(builder, today)
    rules = 0
    tiers = {tier.code: tier for tier in TierLevel.objects.all()}
    for code, metric, threshold, months in EXAMPLE_RULES:
        tier = tiers.get(code)
        if tier is not None and not TierRule.objects.filter(tier=tier, metric=metric).exists():
            TierRule.objects.create(
                tier=tier, metric=metric, threshold=threshold, months=months, is_active=False
            )
            rules += 1
    return {
        "accounts with contact dates": accounts,
        "birthdays this week": birthdays,
        "example tier rules (off)": rules,
    }


def _birthdays_soon(builder: Any, today: dt.date) -> int:
    """Move a couple of each owner's contacts' birthdays into the coming week."""
    picked: list[Contact] = []
    by_owner: dict[int, int] = {}
    for contact in builder.contacts:
        if contact.owner_id is None or contact.birthday is None:
            continue
        if by_owner.get(contact.owner_id, 0) >= BIRTHDAYS_PER_OWNER:
            continue
        by_owner[contact.owner_id] = by_owner.get(contact.owner_id, 0) + 1
        # Spread over the week by id, leaving the demo's random sequence to the other features.
        soon = today + dt.timedelta(days=contact.pk % 7)
        year = contact.birthday.year
        try:
            contact.birthday = soon.replace(year=year)
        except ValueError:  # 29 February in a year without one
            contact.birthday = soon.replace(year=year, day=28)
        picked.append(contact)
    Contact.objects.bulk_update(picked, ["birthday"])
    return len(picked)
