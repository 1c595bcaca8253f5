"""Follow-up: tier cadences, contact due, reminders, the daily digest and calendar feeds."""

from __future__ import annotations

from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "salesflow.followup"
    label = "followup"

    def ready(self) -> None:
        from salesflow.activities.hooks import activity_changed_hook_register
        from salesflow.activities.panels import activity_panels
        from salesflow.core.panels import Panel
        from salesflow.customers.panels import account_panels
        from salesflow.customers.services import account_changed_hook_register
        from salesflow.followup import panels, services
        from salesflow.pipeline.closing import deal_won_hook_register

        activity_changed_hook_register(services.activity_contact_hook)
        account_changed_hook_register(services.account_rules_hook)
        deal_won_hook_register(services.deal_won_rules_hook)
        account_panels.register(
            Panel(
                name="followup",
                template="followup/account_panel.html#panel-followup",
                context=panels.account_followup_context,
                slot="aside",
                order=20,
                label="Follow-up",
            )
        )
        activity_panels.register(
            # No section-nav label: the panel draws nothing on calls, emails, notes and tasks.
            Panel(
                name="followup-ics",
                template="followup/activity_panel.html#panel-followup-ics",
                context=panels.activity_ics_context,
                # In the main column: an activity page whose aside is empty spreads its main
                # column over the whole width, and this panel's hidden anchor would stop that.
                slot="main",
                order=10,
            )
        )
