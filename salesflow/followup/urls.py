from __future__ import annotations

from django.urls import path

from salesflow.followup import views

app_name = "followup"

urlpatterns = [
    path("", views.due, name="due"),
    path("reminders/", views.reminders, name="reminders"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/regenerate/", views.calendar_regenerate, name="calendar-regenerate"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar-revoke"),
    # The feed has no name on purpose: it is public (the secret token in the URL is the key),
    # while the permission matrix sends every named page's signed-out visitor to sign in.
    path("calendar/<str:token>.ics", views.calendar_feed),
    path("activities/<int:pk>/ics/", views.activity_ics, name="activity-ics"),
    path("settings/tiers/", views.tier_list, name="tier-list"),
    path("settings/tiers/new/", views.tier_create, name="tier-create"),
    path("settings/tiers/<int:pk>/", views.tier_edit, name="tier-edit"),
    path("settings/tiers/<int:pk>/move/", views.tier_move, name="tier-move"),
    path("settings/tiers/apply/", views.tiers_apply, name="tiers-apply"),
    path("settings/tier-rules/new/", views.rule_create, name="rule-create"),
    path("settings/tier-rules/<int:pk>/", views.rule_edit, name="rule-edit"),
    path("settings/tier-rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
]
