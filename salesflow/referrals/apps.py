"""Referrals: who referred a lead, account or deal, the asks and thank-yous, who refers the most."""

from __future__ import annotations

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "salesflow.referrals"
    label = "referrals"

    def ready(self) -> None:
        from salesflow.pipeline.closing import deal_won_hook_register
        from salesflow.referrals.panels import panels_register
        from salesflow.referrals.services import referral_tasks_on_win

        panels_register()
        deal_won_hook_register(referral_tasks_on_win)
