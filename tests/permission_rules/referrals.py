"""Permission rules of referrals (see tests/permission_rules/__init__.py).

A referral is read with its target and its referrer, and changed by the target's writers.
"""

from __future__ import annotations

from typing import Any

from tests.permission_rules.rule import Rule


def _referral(name: str, owner: Any, visibility: str) -> Any:
    from django.utils import timezone

    from salesflow.referrals.models import Referral
    from tests.factories import ContactFactory, DealFactory

    deal = DealFactory(owner=owner, visibility=visibility, name=name)
    referrer = ContactFactory(owner=owner, visibility=visibility, last_name=name)
    return Referral.objects.create(
        referrer_contact=referrer, deal=deal, referred_on=timezone.localdate()
    )


RECORDS: dict[str, Any] = {"referral": _referral}
PAGE_RULES: dict[str, Rule] = {
    "referrals:leaderboard": Rule("signed_in", lists="referral"),
    "referrals:deal-referral-add": Rule("write", "deal", method="POST"),
    "referrals:lead-referral-add": Rule("write", "lead", method="POST"),
    "referrals:account-referral-add": Rule("write", "account", method="POST"),
    "referrals:referral-delete": Rule("write", "referral", method="POST"),
}
API_RULES: dict[str, Rule] = {
    "GET /referrals": Rule("signed_in", lists="referral"),
    "POST /referrals": Rule(
        "signed_in", method="POST", body={"referrer_contact_id": 999999, "deal_id": 999999}
    ),
    "GET /referrals/leaderboard": Rule("signed_in", lists="referral"),
    "GET /referrals/{referral_id}": Rule("read", "referral"),
    "DELETE /referrals/{referral_id}": Rule("write", "referral", "DELETE"),
}
ROUTES: list[tuple[str, str]] = [
    ("get", "/referrals"),
    ("post", "/referrals"),
    ("get", "/referrals/leaderboard"),
    ("get", "/referrals/{referral_id}"),
    ("delete", "/referrals/{referral_id}"),
]
