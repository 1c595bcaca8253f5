"""Demo data of quotes and their approval (see salesflow/demo/features/__init__.py).

A few open deals of each team's reps carry a quote built from the deal's products: two ask the
team's manager to approve a discount above the threshold (they wait in the manager's Approvals
list: maria decides North's, marco South's), one was declined with a reason and is a draft
again, one was approved and sent. Everything goes through the quote services, as a rep and the
manager would click it, so the rules (who may approve) apply.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from salesflow.pipeline.models import Deal, Outcome
from salesflow.quotes import services
from salesflow.quotes.models import DealLine
from salesflow.quotes.selectors import quote_settings
from salesflow.users.models import Role

# What becomes of each team's quotes, in the order of its deals.
PLAN = ("pending", "pending", "declined", "sent")
ASKS = [
    "They sign this quarter if we meet their budget.",
    "Competitor offered {discount}% off; matching keeps the deal.",
    "Three-year commitment in exchange for the discount.",
]
DECLINE = "{limit}% at most without a longer contract; offer the annual plan instead."


def _quote(builder: Any, deal: Deal, rep: Any, *, discount: Decimal, at: dt.datetime) -> Any:
    quote = services.quote_create(deal, acting_user=rep, at=at)
    for line in DealLine.objects.filter(deal=deal).select_related("product").order_by("pk"):
        services.quote_line_add(
            quote,
            acting_user=rep,
            product=line.product,
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
    return services.quote_update(quote, acting_user=rep, discount_percent=discount)


def populate(builder: Any) -> dict[str, int]:
    rng = builder.rng
    limit = quote_settings().approval_discount_threshold
    made = waiting = 0
    for team in builder.teams.values():
        members = builder.members.get(team.pk, [])
        manager = next((u for u in members if u.role == Role.MANAGER), None)
        reps = [u for u in members if u.role == Role.REP]
        if manager is None or not reps:
            continue
        deals = list(
            Deal.objects.filter(
                team=team, owner__in=reps, outcome=Outcome.OPEN, lines__isnull=False
            )
            .distinct()
            .select_related("owner")
            .order_by("pk")[: len(PLAN)]
        )
        for index, (deal, fate) in enumerate(zip(deals, PLAN, strict=False)):
            rep = deal.owner
            asked = builder.now - dt.timedelta(days=2 + 3 * index, hours=rng.randint(0, 8))
            deep = limit + 5 * rng.randint(1, 3)
            discount = Decimal(5) if fate == "sent" else deep
            quote = _quote(builder, deal, rep, discount=discount, at=asked)
            made += 1
            if fate == "sent":
                services.quote_send(quote, acting_user=rep, at=asked + dt.timedelta(hours=2))
                continue
            ask = rng.choice(ASKS).format(discount=discount)
            quote = services.quote_submit_for_approval(quote, acting_user=rep, note=ask, at=asked)
            if fate == "declined":
                services.quote_approval_decline(
                    quote,
                    acting_user=manager,
                    note=DECLINE.format(limit=limit.normalize()),
                    at=asked + dt.timedelta(hours=20),
                )
            else:
                waiting += 1
    return {"quotes": made, "quotes waiting for approval": waiting}
