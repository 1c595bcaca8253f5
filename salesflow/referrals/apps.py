"""Referrals: who referred a lead, account or deal, the asks and thank-yous, who refers the most."""

from __future__ import annotations

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "salesflow.referrals"
    label = "referrals"
