from __future__ import annotations

from django.urls import path

from salesflow.customfields import views

app_name = "customfield-settings"

urlpatterns = [
    path("", views.field_list, name="field-list"),
    path("new/", views.field_create, name="field-create"),
    path("<int:pk>/edit/", views.field_edit, name="field-edit"),
    path("<int:pk>/archive/", views.field_archive, name="field-archive"),
    path("<int:pk>/type/", views.field_type_change, name="field-type"),
]
