"""The playbook actions on a deal; each posts to `/playbooks/deals/<deal id>/...` and names the
row it works on (checklist item, question set, objection) in the form."""

from __future__ import annotations

from django.urls import path

from salesflow.playbooks import views

app_name = "playbooks"

urlpatterns = [
    path("deals/<int:pk>/checklist/", views.checklist_tick, name="checklist-tick"),
    path("deals/<int:pk>/assessment/", views.assessment_save, name="assessment-save"),
    path("deals/<int:pk>/first-meeting/", views.first_meeting_record, name="first-meeting"),
    path("deals/<int:pk>/next-action/", views.next_action_task, name="next-action-task"),
    path("deals/<int:pk>/objections/", views.objection_log, name="objection-log"),
    path("deals/<int:pk>/objections/answer/", views.objection_answer, name="objection-answer"),
    path("deals/<int:pk>/objections/resolve/", views.objection_resolve, name="objection-resolve"),
]
