from __future__ import annotations

from django.urls import path

from salesflow.core import views

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
