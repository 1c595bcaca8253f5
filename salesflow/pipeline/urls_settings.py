from __future__ import annotations

from django.urls import path

from salesflow.pipeline import views_settings as views

app_name = "pipeline-settings"

urlpatterns = [
    path("", views.pipeline_list, name="pipeline-list"),
    path("new/", views.pipeline_create, name="pipeline-create"),
    path("<int:pk>/", views.pipeline_detail, name="pipeline-detail"),
    path("<int:pk>/edit/", views.pipeline_edit, name="pipeline-edit"),
    path("<int:pk>/stages/new/", views.stage_add, name="stage-add"),
    path("stages/<int:pk>/edit/", views.stage_edit, name="stage-edit"),
    path("stages/<int:pk>/move/", views.stage_move, name="stage-move"),
    path("stages/<int:pk>/remove/", views.stage_remove, name="stage-remove"),
    path("stages/<int:pk>/requirements/", views.stage_requirements, name="stage-requirements"),
    path("requirements/<int:pk>/move/", views.requirement_move, name="requirement-move"),
    path("requirements/<int:pk>/remove/", views.requirement_remove, name="requirement-remove"),
    path("lost-reasons/", views.lost_reasons, name="lost-reasons"),
    path("lost-reasons/<int:pk>/edit/", views.lost_reason_edit, name="lost-reason-edit"),
    path(
        "lost-reasons/<int:pk>/deactivate/",
        views.lost_reason_deactivate,
        name="lost-reason-deactivate",
    ),
]
