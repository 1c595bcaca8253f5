"""Demo data of customer 360 and referrals (see salesflow/demo/features/__init__.py).

Contacts get "topics to talk about" drawn from their profile; a few contacts of customers with a
won deal become referrers of leads and deals of other companies, some of which were won.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesflow.customers.models import Contact
from salesflow.demo import words
from salesflow.leads.models import LeadStatus
from salesflow.pipeline.models import Outcome
from salesflow.referrals.models import Referral

TOPICS_SHARE = 0.5
REFERRAL_NOTES = [
    "Met {who} at {event}; {referrer} told them about us.",
    "{referrer} forwarded our case study to a former colleague.",
    "Recommended us at a dinner with the regional logistics group.",
    "A board member of both companies; {referrer} made the introduction.",
    "",
]


def _topics(contact: Contact, rng: Any) -> str:
    """An opener from what the profile holds: a hobby, a trip, a trade fair."""
    parts = []
    if contact.hobbies:
        parts.append(f"Their {rng.choice(contact.hobbies.split(', '))}")
    if contact.places_visited:
        parts.append(f"the trip to {rng.choice(contact.places_visited.split(', '))}")
    parts.append(f"whether they go to {rng.choice(words.EVENTS)} this year")
    return "; ".join(parts).capitalize() + "."


def populate(builder: Any) -> dict[str, int]:
    rng = builder.rng
    contacts = [c for company in builder.companies for c in company.contacts]
    topical = [c for c in contacts if rng.random() < TOPICS_SHARE]
    for contact in topical:
        contact.topics = _topics(contact, rng)
    Contact.objects.bulk_update(topical, ["topics"], batch_size=500)
    return {"contacts with topics": len(topical), "referrals": _referrals(builder)}


def _referrals(builder: Any) -> int:
    rng = builder.rng
    won_accounts = {d.account_id for d in builder.deals if d.outcome == Outcome.WON}
    candidates = [
        contact
        for company in builder.companies
        if company.account.pk in won_accounts
        for contact in company.contacts
        if contact.owner_id
    ]
    if not candidates:
        return 0
    referrers = rng.sample(candidates, min(len(candidates), max(3, len(builder.companies) // 10)))
    deals = [d for d in builder.deals if d.owner_id]
    won = [d for d in deals if d.outcome == Outcome.WON]
    leads_open = [
        lead for lead in builder.leads if lead.owner_id and lead.status != LeadStatus.CONVERTED
    ]
    taken: set[tuple[int, str, int]] = set()
    referrals = []
    for referrer in referrers:
        elsewhere = [d for d in won if d.account_id != referrer.account_id]
        for number in range(rng.randint(1, 4)):
            kind = rng.choices(["deal", "lead_of_deal", "lead"], weights=[5, 3, 2])[0]
            if kind == "lead" and leads_open and number:
                target, field = rng.choice(leads_open), "lead"
            else:
                # Every referrer's first referral brought a won deal: the leaderboard has wins.
                deal = rng.choice(
                    elsewhere if elsewhere and (not number or rng.random() < 0.4) else deals
                )
                target, field = deal, "deal"
                if kind == "lead_of_deal" and deal.lead_id:
                    target, field = deal.lead, "lead"
            if getattr(target, "account_id", None) == referrer.account_id:
                continue  # nobody refers their own company
            if (referrer.pk, field, target.pk) in taken:
                continue
            taken.add((referrer.pk, field, target.pk))
            created = target.created_at.date()
            referrals.append(
                Referral(
                    referrer_contact=referrer,
                    referrer_account=referrer.account,
                    note=rng.choice(REFERRAL_NOTES).format(
                        who=getattr(target, "full_name", "") or str(target),
                        event=rng.choice(words.EVENTS),
                        referrer=referrer.full_name,
                    ),
                    referred_on=created - dt.timedelta(days=rng.randint(0, 10)),
                    recorded_by=target.owner,
                    **{field: target},
                )
            )
    Referral.objects.bulk_create(referrals)
    return len(referrals)
