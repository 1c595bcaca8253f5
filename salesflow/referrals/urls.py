from __future__ import annotations

from django.urls import path

from salesflow.referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.leaderboard, name="leaderboard"),
    path("deals/<int:pk>/", views.deal_referral_add, name="deal-referral-add"),
    path("leads/<int:pk>/", views.lead_referral_add, name="lead-referral-add"),
    path("accounts/<int:pk>/", views.account_referral_add, name="account-referral-add"),
    path("<int:pk>/delete/", views.referral_delete, name="referral-delete"),
]
