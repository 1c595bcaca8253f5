"""Referrals: who referred a lead, account or deal, the asks and thank-yous, who refers the most."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["referrals"])
