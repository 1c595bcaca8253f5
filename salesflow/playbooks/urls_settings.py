from __future__ import annotations

from django.urls import path

from salesflow.playbooks import views_settings as views

app_name = "playbook-settings"

urlpatterns = [
    path("", views.checklists, name="checklists"),
    path("stages/<int:pk>/checklist/add/", views.checklist_item_add, name="checklist-item-add"),
    path("checklist/<int:pk>/edit/", views.checklist_item_edit, name="checklist-item-edit"),
    path("question-sets/", views.question_sets, name="question-sets"),
    path("question-sets/new/", views.question_set_create, name="question-set-create"),
    path("question-sets/<int:pk>/", views.question_set_edit, name="question-set-edit"),
    path("question-sets/<int:pk>/questions/add/", views.question_add, name="question-add"),
    path("questions/<int:pk>/edit/", views.question_edit, name="question-edit"),
    path("next-actions/", views.next_actions, name="next-actions"),
    path("next-actions/set/", views.next_action_set, name="next-action-set"),
    path("next-actions/<int:pk>/disable/", views.next_action_disable, name="next-action-disable"),
    path("objections/", views.library, name="library"),
    path("objections/new/", views.library_create, name="library-create"),
    path("objections/<int:pk>/edit/", views.library_edit, name="library-edit"),
]
