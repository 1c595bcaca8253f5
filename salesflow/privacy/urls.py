from __future__ import annotations

from django.urls import path

from salesflow.privacy import views

app_name = "privacy"

urlpatterns = [
    path("<str:kind>/<int:pk>/", views.person_export_page, name="export"),
    path("<str:kind>/<int:pk>/erase/", views.person_erase_view, name="erase"),
]
