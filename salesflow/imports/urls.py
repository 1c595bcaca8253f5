from __future__ import annotations

from django.urls import path

from salesflow.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("new/", views.upload, name="upload"),
    path("new/<slug:draft>/map/", views.map_columns, name="map"),
    path("new/<slug:draft>/preview/", views.preview, name="preview"),
    path("new/<slug:draft>/run/", views.run, name="run"),
    path("<int:pk>/", views.job_detail, name="job-detail"),
    path("<int:pk>/errors.csv", views.job_errors, name="job-errors"),
    path("<int:pk>/run-for-real/", views.job_run_for_real, name="job-run-for-real"),
]
