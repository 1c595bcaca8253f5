from __future__ import annotations

from django.urls import path

from salesflow.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.report_page, name="report"),
]
