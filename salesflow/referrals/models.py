"""Referrals: who sent us a lead, an account or a deal, and the tasks they cause.

A referral names its referrer (a contact, an account, or both) and exactly one target: the
lead, account or deal that was referred. The deals a referral brought are resolved when read
(`selectors.referral_deals_q`), never copied: the deal itself, the deals converted from the
referred lead (`Deal.lead`), or the deals of the referred account opened on or after the day
of the referral.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from salesflow.activities.models import Activity
from salesflow.core.models import TimeStampedModel
from salesflow.customers.models import Account, Contact
from salesflow.leads.models import Lead
from salesflow.pipeline.models import Deal


class Referral(TimeStampedModel):
    referrer_contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="referrals_made",
        verbose_name="referred by (contact)",
    )
    referrer_account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="referrals_made",
        verbose_name="referred by (account)",
    )
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, null=True, blank=True, related_name="referrals"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="referrals"
    )
    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, null=True, blank=True, related_name="referrals"
    )
    note = models.TextField(blank=True)
    referred_on = models.DateField(help_text="The day the referral was made.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-referred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(referrer_contact__isnull=False) | Q(referrer_account__isnull=False),
                name="referral_has_referrer",
            ),
            models.CheckConstraint(
                condition=(
                    Q(lead__isnull=False, account__isnull=True, deal__isnull=True)
                    | Q(lead__isnull=True, account__isnull=False, deal__isnull=True)
                    | Q(lead__isnull=True, account__isnull=True, deal__isnull=False)
                ),
                name="referral_one_target",
            ),
        ]
        indexes = [
            models.Index(fields=["referrer_contact", "referred_on"], name="referral_contact_idx"),
            models.Index(fields=["referrer_account", "referred_on"], name="referral_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.referrer_name} referred {self.target}"

    @property
    def target(self) -> Lead | Account | Deal:
        return self.deal or self.lead or self.account  # type: ignore[return-value]

    @property
    def target_kind(self) -> str:
        if self.deal_id:
            return "deal"
        return "lead" if self.lead_id else "account"

    @property
    def referrer_name(self) -> str:
        if self.referrer_contact_id and self.referrer_account_id:
            return f"{self.referrer_contact} ({self.referrer_account})"
        return str(self.referrer_contact or self.referrer_account)


class ReferralTaskKind(models.TextChoices):
    ASK = "ask", "Ask for a referral"
    THANK = "thank", "Thank for a referral"


class ReferralTask(models.Model):
    """That a referral task was created for a won deal, so closing it again adds no second one.

    The task stays counted when someone deletes the activity (`activity` becomes empty).
    """

    kind = models.CharField(max_length=8, choices=ReferralTaskKind.choices)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="+")
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deal"], condition=Q(kind="ask"), name="referral_ask_once_per_deal"
            ),
            models.UniqueConstraint(
                fields=["deal", "referral"],
                condition=Q(kind="thank"),
                name="referral_thanks_once_per_deal",
            ),
            models.CheckConstraint(
                condition=Q(kind="ask") | Q(referral__isnull=False),
                name="referral_thanks_names_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for deal {self.deal_id}"
