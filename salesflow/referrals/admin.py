from __future__ import annotations

from django.contrib import admin

from salesflow.referrals.models import Referral, ReferralTask


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = [
        "referred_on",
        "referrer_contact",
        "referrer_account",
        "lead",
        "account",
        "deal",
    ]
    list_select_related = ["referrer_contact", "referrer_account", "lead", "account", "deal"]
    raw_id_fields = [
        "referrer_contact",
        "referrer_account",
        "lead",
        "account",
        "deal",
        "recorded_by",
    ]


@admin.register(ReferralTask)
class ReferralTaskAdmin(admin.ModelAdmin):
    list_display = ["kind", "deal", "referral", "activity", "created_at"]
    list_select_related = ["deal", "referral", "activity"]
    raw_id_fields = ["deal", "referral", "activity"]
