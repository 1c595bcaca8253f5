from __future__ import annotations

from django.urls import path

from salesflow.activities import views, views_inline, views_settings

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="activity-list"),
    path("new/", views.activity_create, name="activity-create"),
    path("<int:pk>/", views.activity_detail, name="activity-detail"),
    path("<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path("<int:pk>/delete/", views.activity_delete, name="activity-delete"),
    path("<int:pk>/complete/", views.activity_complete, name="activity-complete"),
    path("deal/<int:pk>/next-step/", views_inline.deal_next_step, name="deal-next-step"),
    path("timeline/account/<int:pk>/", views.account_timeline, name="account-timeline"),
    path("timeline/contact/<int:pk>/", views.contact_timeline, name="contact-timeline"),
    path(
        "settings/invitation-reasons/",
        views_settings.invitation_reasons,
        name="invitation-reasons",
    ),
    path(
        "settings/invitation-reasons/<int:pk>/edit/",
        views_settings.invitation_reason_edit,
        name="invitation-reason-edit",
    ),
]
