from __future__ import annotations

from django.urls import path

from salesflow.leads import views_settings as views

app_name = "lead-settings"

urlpatterns = [
    path("", views.index, name="index"),
    path("profile/", views.criterion_list, name="criterion-list"),
    path("profile/new/", views.criterion_create, name="criterion-create"),
    path("profile/<int:pk>/", views.criterion_edit, name="criterion-edit"),
    path("scoring/", views.scoring, name="scoring"),
    path("scoring/grades/", views.grades_save, name="grades"),
    path("scoring/rescore/", views.rescore, name="rescore"),
    path("scoring/rules/new/", views.scoring_rule_create, name="scoring-rule-create"),
    path("scoring/rules/<int:pk>/", views.scoring_rule_edit, name="scoring-rule-edit"),
    path("assignment/", views.assignment_rule_list, name="assignment-rule-list"),
    path("assignment/new/", views.assignment_rule_create, name="assignment-rule-create"),
    path("assignment/<int:pk>/", views.assignment_rule_edit, name="assignment-rule-edit"),
    path("capture-forms/", views.capture_form_list, name="capture-form-list"),
    path("capture-forms/new/", views.capture_form_create, name="capture-form-create"),
    path("capture-forms/<int:pk>/", views.capture_form_edit, name="capture-form-edit"),
    path("disqualification-reasons/", views.reason_list, name="reason-list"),
    path("disqualification-reasons/new/", views.reason_create, name="reason-create"),
    path("disqualification-reasons/<int:pk>/", views.reason_edit, name="reason-edit"),
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", views.campaign_edit, name="campaign-edit"),
]
