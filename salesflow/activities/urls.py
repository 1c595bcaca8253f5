from __future__ import annotations

from django.urls import path

from salesflow.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="activity-list"),
    path("new/", views.activity_create, name="activity-create"),
    path("<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path("<int:pk>/delete/", views.activity_delete, name="activity-delete"),
    path("<int:pk>/complete/", views.activity_complete, name="activity-complete"),
]
